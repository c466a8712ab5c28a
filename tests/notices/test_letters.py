"""A revoked certificate, a request awaiting approval and tomorrow's reminder: each tells
its reader what they need (what to do, who decides, the calendar file)."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, timedelta
from email import policy

import icalendar

from school.catalog.models import ApprovalMode
from school.certificates import services as certificates
from school.enrollment import services
from school.enrollment.models import Enrollment
from school.extensions import db, write_transaction


def _completed(make_event, make_enrollment, make_user, branch):
    event = make_event(starts_on=date(2026, 3, 12), status="completed")
    return make_enrollment(event, make_user(branch=branch, locale="ru"), status="completed",
                           attended_hours=24, attended_sessions=3)


def test_a_revoked_certificate_mails_its_holder_what_to_do(
    org_tree, make_event, make_enrollment, make_user, outbox
):
    enrollment = _completed(make_event, make_enrollment, make_user, org_tree["a"])
    with write_transaction():
        certificate = certificates.issue_certificate(
            db.session.get(Enrollment, enrollment.id), today=date(2026, 3, 20))
    number = certificate.number
    outbox.clear()
    with write_transaction():
        certificates.revoke(certificate, by=make_user("admin"), reason="Ошибка в дате")
    [letter] = outbox
    assert letter.to == [enrollment.user.email]
    assert number in letter.subject
    assert "Ошибка в дате" in letter.body and "Учебн" in letter.body  # contact the centre


def test_a_reissue_is_told_as_a_replacement(
    org_tree, make_event, make_enrollment, make_user, outbox
):
    enrollment = _completed(make_event, make_enrollment, make_user, org_tree["a"])
    with write_transaction():
        certificate = certificates.issue_certificate(
            db.session.get(Enrollment, enrollment.id), today=date(2026, 3, 20))
    outbox.clear()
    with write_transaction():
        enrollment = db.session.get(Enrollment, enrollment.id)
        enrollment.user.full_name = "Әбілқайырова Гауһар"
        new = certificates.reissue(certificate, by=make_user("admin"), reason="Новая фамилия")
    [letter] = [m for m in outbox if certificate.number in m.subject]
    assert new.number in letter.body


def test_the_receipt_names_the_branch_or_the_organisers(
    org_tree, make_event, make_user, outbox, client, login
):
    by_branch = make_event(approval_mode=ApprovalMode.branch)
    by_centre = make_event(approval_mode=ApprovalMode.centre)
    person = make_user(branch=org_tree["a"], locale="ru")
    with write_transaction():
        services.enroll(by_branch, person)
    [letter] = outbox
    assert letter.to == [person.email] and "Филиал А" in letter.body
    outbox.clear()
    login(person)
    page = client.get(f"/events/{by_centre.id}").get_data(as_text=True)
    assert "организатор" in page.lower()
    response = client.post(f"/events/{by_centre.id}/enroll",
                           data={"next": f"/events/{by_centre.id}"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Учебному центру" in text  # the flash: sent to the organisers
    [letter] = outbox
    assert "Филиал А" not in letter.body and "учебный центр" in letter.body.lower()
    page = client.get(f"/events/{by_branch.id}").get_data(as_text=True)
    assert "Филиал А" in page  # the panel of the pending request names the branch


def test_tomorrows_reminder_carries_the_events_calendar(make_event, make_user,
                                                         make_enrollment, outbox):
    now = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)
    event = make_event(starts_on=date(2026, 5, 11), sessions=2,
                       enrol_opens_at=now - timedelta(days=9), enrol_closes_at=now)
    person = make_user(locale="kk")
    make_enrollment(event, person)
    assert services.send_reminders(now=now) == 1
    assert services.send_reminders(now=now) == 0
    [letter] = outbox
    parsed = email.message_from_bytes(letter.message().as_bytes(), policy=policy.default)
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == f"event-{event.id}.ics"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert len([c for c in calendar.walk("VEVENT")]) == 2
    types = {p.get_content_type() for p in parsed.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= types


def test_a_two_step_receipt_names_the_branch_then_the_centre(org_tree, make_event, make_user,
                                                              outbox):
    event = make_event(approval_mode=ApprovalMode.centre)
    event.program.two_step_approval = True
    db.session.commit()
    person = make_user(branch=org_tree["a"], locale="kk")
    with write_transaction():
        services.enroll(db.session.get(type(event), event.id), person)
    [letter] = outbox
    assert "филиалыңыздың үйлестірушісі" in letter.body and "Оқу орталығы бекітеді" in letter.body
