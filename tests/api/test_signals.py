"""Each domain signal is sent where its thing happens, inside the service's transaction."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time, timedelta

from school import signals
from school.catalog import services as catalog
from school.catalog.models import ApprovalMode, EventStatus, ProgramSignatory
from school.certificates import services as certificates
from school.enrollment import services as enrolment
from school.enrollment.models import EnrollmentStatus
from school.extensions import db
from tests.factories import local_dt


@contextmanager
def caught(*sigs):
    """Record (signal name, kwargs) of every send of `sigs` while inside the block."""
    seen: list[tuple[str, dict]] = []
    receivers = []
    for sig in sigs:
        def receiver(sender, _name=sig.name, **kw):
            seen.append((_name, kw))
        receivers.append((sig, receiver))
        sig.connect(receiver)
    try:
        yield seen
    finally:
        for sig, receiver in receivers:
            sig.disconnect(receiver)


def names(seen):
    return [name for name, _kw in seen]


ENROLMENT = (signals.enrollment_confirmed, signals.enrollment_waitlisted,
             signals.enrollment_pending, signals.enrollment_cancelled)


def test_enrol_waitlist_cancel_promote(make_event, make_user):
    event = make_event(capacity=1)
    first, second = make_user(), make_user()
    with caught(*ENROLMENT) as seen:
        a = enrolment.enroll(event, first)
        b = enrolment.enroll(event, second)
        enrolment.cancel(a, first)
    assert names(seen) == ["enrollment-confirmed", "enrollment-waitlisted",
                           "enrollment-cancelled", "enrollment-confirmed"]
    assert [kw["enrollment"].id for _n, kw in seen] == [a.id, b.id, a.id, b.id]
    assert b.status is EnrollmentStatus.confirmed


def test_pending_approve_reject_nominate(make_event, make_user, make_branch):
    branch = make_branch()
    event = make_event(approval_mode=ApprovalMode.centre)
    admin = make_user("admin")
    one, two, three = (make_user(branch=branch) for _ in range(3))
    with caught(*ENROLMENT) as seen:
        p1 = enrolment.enroll(event, one)
        p2 = enrolment.enroll(event, two)
        enrolment.approve(p1, admin)
        enrolment.reject(p2, admin, "no budget")
        enrolment.nominate(event, [three], admin)
    assert names(seen) == ["enrollment-pending", "enrollment-pending", "enrollment-confirmed",
                           "enrollment-cancelled", "enrollment-confirmed"]


def test_event_published_changed_cancelled(make_event, make_program, make_user):
    admin = make_user("admin")
    program = make_program()
    program.signatories.append(ProgramSignatory(  # none: it could not be published
        position=0, name_ru="Сейтқали А. М.", name_kk="Сейтқали А. М.",
        title_ru="Директор", title_kk="Директор"))
    event = make_event(program, status=EventStatus.draft)
    person = make_user()
    with caught(signals.event_published, signals.event_changed, signals.event_cancelled,
                signals.enrollment_cancelled) as seen:
        catalog.publish_event(event, admin)
        session = event.sessions[0]
        session_data = catalog.SessionData(day=event.starts_on, starts=time(10, 0),
                                           ends=time(16, 0))
        catalog.update_session(session, session_data, admin)
        enrolment.enroll(event, person)
        catalog.cancel_event(event, "the hall is flooded", admin)
    assert names(seen) == ["event-published", "event-changed", "enrollment-cancelled",
                           "event-cancelled"]
    assert seen[1][1]["what"] == "sessions"


def test_event_edit_names_what_changed(make_event, make_user):
    admin = make_user("admin")
    event = make_event()
    data = catalog.EventData(
        program_id=event.program_id, kind=event.kind.value, format=event.format.value,
        approval_mode=event.approval_mode.value, title_ru=None, title_kk=None, title_en=None,
        organizer=catalog.organizer_value(event), region_id=event.region_id,
        city_ru=None, city_kk=None,
        venue="Новый адрес, 5", online_link=None, starts_on=event.starts_on,
        ends_on=event.ends_on, capacity=event.capacity, enrol_opens_at=event.enrol_opens_at,
        enrol_closes_at=event.enrol_closes_at,
    )
    with caught(signals.event_changed) as seen:
        catalog.save_event(event, data, admin)
    assert names(seen) == ["event-changed"]
    assert "venue" in seen[0][1]["what"].split(",")


def test_event_completed(make_event, make_user, make_enrollment):
    from school.attendance import services as attendance

    admin = make_user("admin")
    start = date.today() - timedelta(days=10)
    event = make_event(starts_on=start, sessions=1,
                       enrol_opens_at=local_dt(start - timedelta(days=20)),
                       enrol_closes_at=local_dt(start - timedelta(days=1)))
    make_enrollment(event, make_user())
    with caught(signals.event_completed) as seen:
        attendance.complete_event(event, admin)
    assert [kw["event"].id for _n, kw in seen] == [event.id]


def test_certificate_issued_and_revoked(make_event, make_user, make_enrollment):
    admin = make_user("admin")
    event = make_event(starts_on=date(2026, 3, 12), status=EventStatus.completed)
    enrollment = make_enrollment(event, make_user(), status="completed", attended_hours=24,
                                 attended_sessions=3)
    with caught(signals.certificate_issued, signals.certificate_revoked) as seen:
        certificate = certificates.issue_certificate(enrollment, by=admin)
        enrollment.user.full_name = "Исправленова Анна"  # reissue corrects the name
        new = certificates.reissue(certificate, by=admin, reason="name misspelt")
    assert names(seen) == ["certificate-issued", "certificate-revoked", "certificate-issued"]
    assert [kw["certificate"].id for _n, kw in seen] == [certificate.id, certificate.id, new.id]


def test_receiver_writes_in_the_senders_transaction(make_event, make_user):
    """A receiver's row is rolled back with the service's work: it runs inside it."""
    from school.audit.models import AuditEntry

    event = make_event()
    person = make_user()

    def receiver(sender, enrollment, **kw):
        db.session.add(AuditEntry(action="test.signal", object_type="enrollment",
                                  object_id=enrollment.id, details={}))
        db.session.flush()

    signals.enrollment_confirmed.connect(receiver)
    try:
        enrolment.enroll(event, person)
        assert db.session.query(AuditEntry).filter_by(action="test.signal").count() == 1
        db.session.rollback()
        assert db.session.query(AuditEntry).filter_by(action="test.signal").count() == 0
    finally:
        signals.enrollment_confirmed.disconnect(receiver)

