"""Attendance in a real browser: the sheet on a phone (big buttons, no sideways
scrolling) and self check-in, with CSRF on. Lives here for the shared browser fixtures;
the attendance feature's other tests are in tests/attendance/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from school.attendance.models import AttendanceMark, AttendanceStatus
from school.extensions import db
from tests.factories import PASSWORD


@pytest.fixture
def past_event(make_event, make_user, make_program, make_enrollment):
    def make(participants: int):
        instructor = make_user("instructor")
        start = datetime.now(UTC).date() - timedelta(days=4)
        event = make_event(make_program(), sessions=3, starts_on=start,
                           instructors=[instructor])
        enrollments = [make_enrollment(event, make_user()) for _ in range(participants)]
        return {"event": event, "instructor": instructor, "enrollments": enrollments,
                "sessions": list(event.sessions)}

    return make


@pytest.fixture
def running_event(make_event, make_user, make_enrollment):
    def make():
        instructor = make_user("instructor")
        event = make_event(sessions=1, starts_on=datetime.now(UTC).date(),
                           instructors=[instructor])
        session = event.sessions[0]
        now = datetime.now(UTC)
        session.starts_at, session.ends_at = now - timedelta(minutes=5), now + timedelta(hours=2)
        trainee = make_user()
        make_enrollment(event, trainee)
        db.session.commit()
        return {"event": event, "instructor": instructor, "trainee": trainee,
                "session": session}

    return make


def _sign_in(page, base: str, user) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_instructor_marks_a_session_on_a_phone(live_server, phone, shots, past_event):
    ctx = past_event(participants=4)
    s = ctx["sessions"][1]
    absent = ctx["enrollments"][2]
    shot = shots(phone)
    _sign_in(phone, live_server, ctx["instructor"])
    phone.goto(f"{live_server}/events/{ctx['event'].id}/attendance?session={s.id}")
    shot("sheet")
    assert _no_sideways_scroll(phone)
    button = phone.locator(f"label[for='s-{absent.id}-{s.id}-absent']")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 100  # a thumb hits it
    phone.locator("button[value=all_present]").click()
    phone.wait_for_load_state()
    assert phone.locator(".alert-success").count() == 1
    button = phone.locator(f"label[for='s-{absent.id}-{s.id}-absent']")
    button.click()
    phone.locator(".att-save button[type=submit]").click()
    phone.wait_for_load_state()
    shot("saved")
    assert phone.locator(".alert-success").count() == 1
    assert _no_sideways_scroll(phone)
    db.session.rollback()
    statuses = dict(db.session.execute(
        select(AttendanceMark.enrollment_id, AttendanceMark.status)
        .where(AttendanceMark.session_id == s.id)).all())
    assert statuses.pop(absent.id) is AttendanceStatus.absent
    assert set(statuses.values()) == {AttendanceStatus.present} and len(statuses) == 3


def test_participant_checks_in_with_the_code_on_a_phone(live_server, browser, phone, shots,
                                                        running_event):
    ctx = running_event()
    shot = shots(phone)
    # The instructor opens check-in on a laptop.
    laptop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    screen = laptop.new_page()
    _sign_in(screen, live_server, ctx["instructor"])
    screen.goto(f"{live_server}/events/{ctx['event'].id}/attendance/sessions/"
                f"{ctx['session'].id}/checkin")
    screen.locator("main form button[type=submit]").first.click()
    screen.wait_for_load_state()
    code = screen.locator(".checkin-code").inner_text()
    assert screen.locator("svg.checkin-qr").count() == 1
    laptop.close()
    _sign_in(phone, live_server, ctx["trainee"])
    phone.goto(f"{live_server}/checkin")
    phone.fill("input[name=code]", code.lower())
    shot("code-entered")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    shot("checked-in")
    assert phone.locator(".alert-success").count() == 1
    assert _no_sideways_scroll(phone)
    db.session.rollback()
    assert db.session.scalar(select(AttendanceMark.status)) is AttendanceStatus.present
