"""Issue 22 pages: replace, move, walk-in, seat rules; the 404 rule; the CLI command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from school.catalog.models import EventQuota
from school.enrollment import holds
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from tests.enrollment.conftest import statuses

S = EnrollmentStatus


def test_replace_from_the_roster(client, login, make_event, make_enrollment, people, tree):
    event = make_event(quotas={tree["a"]: 5})
    a1, a2 = people["trainees"](2)
    row = make_enrollment(event, a1)
    login(people["coord_a"])
    roster = client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    assert f"/enrollments/{row.id}/substitute" in roster
    assert f"/events/{event.id}/seat-rules" not in roster  # the centre's event
    page = client.get(f"/enrollments/{row.id}/substitute?q={a2.full_name}")
    assert page.status_code == 200 and a2.full_name in page.get_data(as_text=True)
    bad = client.post(f"/enrollments/{row.id}/substitute", data={"reason": "заболел"})
    assert bad.status_code == 400 and statuses(event) == ["confirmed"]
    done = client.post(f"/enrollments/{row.id}/substitute",
                       data={"person_id": a2.id, "reason": "заболел"})
    assert done.status_code == 302 and statuses(event) == ["cancelled", "confirmed"]


def test_pages_are_404_for_others(client, login, make_event, make_enrollment, make_user,
                                  people, tree):
    event = make_event(quotas={tree["a"]: 5})
    row = make_enrollment(event, people["trainees"](1)[0])
    login(people["coord_b"])
    for path in (f"/enrollments/{row.id}/substitute", f"/enrollments/{row.id}/transfer",
                 f"/events/{event.id}/seat-rules", f"/events/{event.id}/walk-in"):
        assert client.get(path).status_code == 404, path
    client.post("/logout")
    login(make_user("instructor"))  # not this event's instructor
    assert client.get(f"/events/{event.id}/walk-in").status_code == 404


def test_move_page(client, login, make_program, make_event, make_enrollment, people):
    program = make_program()
    first, second = make_event(program), make_event(program, starts_on=datetime.now(
        UTC).date() + timedelta(days=60))
    row = make_enrollment(first, people["trainees"](1)[0])
    login(people["admin"])
    page = client.get(f"/enrollments/{row.id}/transfer").get_data(as_text=True)
    assert second.starts_on.strftime("%d.%m.%Y") in page
    done = client.post(f"/enrollments/{row.id}/transfer",
                       data={"target": second.id, "reason": "другая дата"})
    assert done.status_code == 302
    assert statuses(first) == ["cancelled"] and statuses(second) == ["confirmed"]


def test_walk_in_page_new_person(client, login, make_event, make_user, people):
    instructor = make_user("instructor")
    event = make_event(instructors=[instructor], capacity=5)
    login(instructor)
    sheet = client.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert f"/events/{event.id}/walk-in" in sheet
    refused = client.post(f"/events/{event.id}/walk-in",
                          data={"full_name": "Новый Человек", "email": "new@example.kz"})
    assert refused.status_code == 400 and statuses(event) == []
    done = client.post(f"/events/{event.id}/walk-in", data={
        "full_name": "Новый Человек", "email": "new@example.kz", "consent": "y"})
    assert done.status_code == 302
    row = db.session.scalar(select(Enrollment).where(Enrollment.event_id == event.id))
    assert row.walk_in and row.user.consent_pending
    assert "Новый Человек" in client.get(f"/events/{event.id}/attendance").get_data(
        as_text=True)


def test_seat_rules_page_and_cli(app, client, login, make_event, people, tree):
    event = make_event(quotas={tree["a"]: 2})
    quota = db.session.scalar(select(EventQuota).where(EventQuota.event_id == event.id))
    login(people["admin"])
    assert f"/events/{event.id}/seat-rules" in client.get(
        f"/events/{event.id}/roster").get_data(as_text=True)
    assert client.get(f"/events/{event.id}/seat-rules").status_code == 200
    late = (event.starts_on + timedelta(days=1)).isoformat()
    assert client.post(f"/events/{event.id}/seat-rules", data={
        "quota-quota_id": quota.id, "quota-mode": "reserve",
        "quota-release_on": late}).status_code == 400
    assert client.post(f"/events/{event.id}/seat-rules", data={
        "quota-quota_id": quota.id, "quota-mode": "reserve",
        "quota-release_on": ""}).status_code == 302
    db.session.expire_all()
    assert quota.mode == holds.RESERVE and quota.release_on is None
    assert client.post(f"/events/{event.id}/seat-rules", data={
        "what": "steps", "steps-two_step_approval": "y"}).status_code == 302
    db.session.expire_all()
    assert event.program.two_step_approval and not event.program.hold_seat_first_step
    result = app.test_cli_runner().invoke(args=["release-held-seats"])
    assert "released 0" in result.output


def test_organiser_sees_no_buttons_for_other_branches_people(client, login, make_event,
                                                              make_enrollment, people, tree):
    event = make_event(organizer_branch_id=tree["b"].id)
    theirs = make_enrollment(event, people["trainees"](1)[0])  # branch A
    mine = make_enrollment(event, people["trainees"](1, branch=tree["b"])[0])
    login(people["coord_b"])
    page = client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    assert theirs.user.full_name in page  # the organiser sees the whole roster
    assert f"/enrollments/{theirs.id}/substitute" not in page
    assert f"/enrollments/{mine.id}/substitute" in page


def test_the_walk_in_search_is_not_a_directory(make_event, make_user, people, tree):
    """The security review: an instructor listed anyone's e-mail by typing «demo.kz»; a
    coordinator searched people of every branch."""
    from school.attendance import walkins

    ours = make_user(branch=tree["a"], full_name="Асанова Айгерим", email="aigerim@ours.kz")
    theirs = make_user(branch=tree["b"], full_name="Асанова Дана", email="dana@theirs.kz")
    instructor = make_user("instructor")
    db.session.commit()
    assert walkins.search_people("ours.kz", instructor) == []
    assert walkins.search_people("Асанова", instructor) == []
    assert walkins.search_people("AIGERIM@ours.kz", instructor) == [ours]  # the whole address
    assert walkins.search_people("Асанова", people["coord_a"]) == [ours]
    assert set(walkins.search_people("Асанова", people["admin"])) == {ours, theirs}
