"""Records of held seminars: publishing an ended event asks, participants are added after
the fact (found or uploaded), attendance marked, the event completed, certificates issued."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from school.attendance import services as attendance
from school.attendance.models import AttendanceStatus
from school.audit.models import AuditEntry
from school.catalog import services as catalog
from school.catalog.models import EventStatus, ProgramSignatory
from school.enrollment import services as enrollment_services
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.records import services

P, A = AttendanceStatus.present, AttendanceStatus.absent


@pytest.fixture
def world(make_event, make_user, make_branch, make_program):
    branch = make_branch()
    past = datetime.now(UTC).date() - timedelta(days=40)
    program = make_program(completion_threshold=50)
    program.signatories.append(ProgramSignatory(  # certificates are signed by someone
        name_ru="А. Директор", name_kk="А. Директор", title_ru="Директор", title_kk="Директор"))
    event = make_event(program, sessions=2, starts_on=past,
                       status=EventStatus.draft, organizer_branch_id=branch.id)
    return {
        "event": event, "branch": branch, "admin": make_user("admin"),
        "coordinator": make_user("coordinator", branch=branch),
        "other_coordinator": make_user("coordinator", branch=make_branch()),
        "people": [make_user("trainee", branch=branch) for _ in range(3)],
    }


def _recorded(world):
    catalog.publish_event(world["event"], world["admin"], as_record=True)
    db.session.commit()
    return world["event"]


def test_publishing_an_ended_event_is_refused_unless_it_is_a_record(world, make_event):
    event = world["event"]
    with pytest.raises(DomainError) as caught:
        catalog.publish_event(event, world["admin"])
    assert caught.value.code == "event_ended"
    assert event.status is EventStatus.draft and not event.recorded_after
    future = make_event(status=EventStatus.draft)
    with pytest.raises(DomainError) as caught:
        catalog.publish_event(future, world["admin"], as_record=True)
    assert caught.value.code == "event_not_ended"
    catalog.publish_event(event, world["admin"], as_record=True)
    assert event.status is EventStatus.published and event.recorded_after
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.publish"))
    assert entry.details == {"recorded_after": True, "after_the_fact": True}


def test_publishing_an_ended_event_asks_through_the_page(client, login, world):
    event = world["event"]
    login(world["coordinator"])  # the organising branch's coordinator
    page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert 'name="as_record" value="1"' in page and "data-confirm" in page
    client.post(f"/manage/events/{event.id}/publish")
    db.session.refresh(event)
    assert event.status is EventStatus.draft  # refused: the question was not answered
    client.post(f"/manage/events/{event.id}/publish", data={"as_record": "1"})
    db.session.refresh(event)
    assert event.status is EventStatus.published and event.recorded_after
    assert f"/manage/events/{event.id}/record" in client.get(
        f"/manage/events/{event.id}").get_data(as_text=True)


def test_recording_a_past_event_and_completing_it(world):
    event = _recorded(world)
    admin, (a, b, c) = world["admin"], world["people"]
    added = services.add_participants(event, [a, b, a], actor=admin)
    assert [e.user_id for e in added] == [a.id, b.id]  # once each
    assert services.add_participants(event, [a], actor=admin) == []
    db.session.commit()
    # Nobody enrols themself into a record: enrolment stays closed.
    with pytest.raises(DomainError) as caught:
        enrollment_services.enroll(event, c)
    assert caught.value.code == "enrol_closed"
    db.session.rollback()
    s1, s2 = event.sessions
    ea, eb = added
    attendance.save_marks(event, admin, [
        attendance.MarkInput(ea.id, s1.id, P), attendance.MarkInput(ea.id, s2.id, P),
        attendance.MarkInput(eb.id, s1.id, A), attendance.MarkInput(eb.id, s2.id, A)])
    result = attendance.complete_event(event, admin)
    db.session.commit()
    assert (result.completed, result.not_completed) == (1, 1)
    assert ea.status is EnrollmentStatus.completed and eb.status is EnrollmentStatus.not_completed
    flags = {e.action: e.details.get("after_the_fact") for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(
            ["event.publish", "enrollment.recorded", "event.completed"])))}
    assert flags == {"event.publish": True, "enrollment.recorded": True,
                     "event.completed": True}
    with pytest.raises(DomainError) as caught:
        services.add_participants(event, [c], actor=admin)
    assert caught.value.code == "record_closed"


def test_certificates_of_a_record(world):
    from school.certificates import services as certificates

    event = _recorded(world)
    admin = world["admin"]
    (ea,) = services.add_participants(event, world["people"][:1], actor=admin)
    attendance.save_marks(event, admin, [attendance.MarkInput(ea.id, s.id, P)
                                         for s in event.sessions])
    attendance.complete_event(event, admin)
    certificate = certificates.issue_certificate(ea, by=admin)
    db.session.commit()
    assert certificate.enrollment_id == ea.id
    flags = {e.action: e.details.get("after_the_fact") for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(
            ["attendance.marked", "certificate.issued"])))}
    assert flags == {"attendance.marked": True, "certificate.issued": True}


def test_only_a_record_takes_people_this_way(world, make_event):
    other = make_event()
    with pytest.raises(DomainError) as caught:
        services.add_participants(other, world["people"], actor=world["admin"])
    assert caught.value.code == "not_a_record"
    assert db.session.scalar(select(Enrollment.id)) is None


def test_a_list_is_previewed_then_added(client, login, world):
    event = _recorded(world)
    a = world["people"][0]
    login(world["coordinator"])
    csv = ("full_name,email,category\n"
           f"{a.full_name},{a.email},chair\n"
           "Новая Участница Семинара,new.person@example.kz,chair\n").encode()
    response = client.post(f"/manage/events/{event.id}/record/upload",
                           data={"file": (io.BytesIO(csv), "list.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/manage/events/{event.id}/record").get_data(as_text=True)
    assert "new.person@example.kz" in page
    assert db.session.scalar(select(Enrollment.id)) is None  # the preview wrote nothing
    client.post(f"/manage/events/{event.id}/record/confirm")
    rows = db.session.scalars(select(Enrollment)).all()
    assert len(rows) == 2 and {r.status for r in rows} == {EnrollmentStatus.confirmed}


def test_people_are_added_by_search_on_the_page(client, login, world):
    event = _recorded(world)
    login(world["coordinator"])
    ids = [p.id for p in world["people"][:2]]
    client.post(f"/manage/events/{event.id}/record", data={"user_ids": ids})
    assert sorted(db.session.scalars(select(Enrollment.user_id))) == sorted(ids)


@pytest.mark.parametrize("who, status", [("other_coordinator", 404), ("admin", 200),
                                         ("coordinator", 200)])
def test_who_reaches_the_record_page(client, login, world, who, status):
    event = _recorded(world)
    login(world[who])
    assert client.get(f"/manage/events/{event.id}/record").status_code == status
    assert client.post(f"/manage/events/{event.id}/record",
                       data={"user_ids": [world["people"][0].id]}).status_code in (
        status, 302)


def test_an_event_that_is_not_a_record_has_no_record_page(client, login, world, make_event):
    login(world["admin"])
    assert client.get(f"/manage/events/{make_event().id}/record").status_code == 404
