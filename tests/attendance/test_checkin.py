"""Self check-in: codes, the window, lateness, never lowering a mark, and the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from school.attendance import checkin, services
from school.attendance.models import AttendanceMark, AttendanceStatus
from school.attendance.services import MarkInput
from school.attendance.timing import Timing
from school.catalog.models import EventStatus
from school.errors import DomainError
from school.extensions import db
from school.timeutil import to_local


def _open(ctx, now=None):
    code = checkin.open_checkin(ctx["session"], ctx["instructor"], now=now)
    db.session.commit()
    return code


def _status(ctx):
    return db.session.scalar(select(AttendanceMark.status).where(
        AttendanceMark.enrollment_id == ctx["enrollment"].id,
        AttendanceMark.session_id == ctx["session"].id))


# --- codes -------------------------------------------------------------------------------


def test_codes_are_short_unambiguous_and_unique(running_event):
    codes = {checkin.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == checkin.CODE_LENGTH for c in codes)
    assert not set("".join(codes)) & set("01OIL")
    ctx = running_event()
    first = _open(ctx)
    second = _open(ctx)
    assert first != second  # a new code replaces the old one
    assert ctx["session"].checkin_code == second
    assert ctx["session"].checkin_code_expires_at == (
        ctx["session"].ends_at + timedelta(minutes=30))


@pytest.mark.parametrize(("raw", "expected"), [
    ("abc 2345", "ABC2345"), (" K7M-4QPX ", "K7M4QPX"), ("ABC", None), ("ABC0123", None),
    ("", None), (None, None), ("ABCDEFGHJK", None),
])
def test_normalize_code(raw, expected):
    assert checkin.normalize_code(raw) == expected


def test_the_qr_code_is_inline_svg():
    svg = checkin.qr_svg("http://school.test/checkin?code=ABC2345")
    assert str(svg).startswith("<svg") and "checkin-qr" in svg and "<script" not in svg


def test_opening_after_the_window_is_refused(running_event):
    ctx = running_event()
    later = ctx["session"].ends_at + timedelta(minutes=31)
    with pytest.raises(DomainError) as err:
        checkin.open_checkin(ctx["session"], ctx["instructor"], now=later)
    assert err.value.code == "checkin_closed"


def test_closing_check_in_stops_the_code(running_event):
    ctx = running_event()
    code = _open(ctx)
    checkin.close_checkin(ctx["session"], ctx["instructor"])
    db.session.commit()
    with pytest.raises(DomainError) as err:
        checkin.check_in(ctx["trainee"], code)
    assert err.value.code == "checkin_code_invalid"


# --- the participant's check-in ---------------------------------------------------------


def test_check_in_marks_present(running_event):
    ctx = running_event()
    code = _open(ctx)
    result = checkin.check_in(ctx["trainee"], code.lower())
    db.session.commit()
    assert result.status is AttendanceStatus.present
    mark = db.session.scalar(select(AttendanceMark))
    assert (mark.status, mark.source, mark.marked_by_id) == (
        AttendanceStatus.present, "checkin", ctx["trainee"].id)
    # Checking in again changes nothing.
    again = checkin.check_in(ctx["trainee"], code)
    assert again.change is None and again.status is AttendanceStatus.present


def test_check_in_after_the_late_threshold_counts_as_late(running_event):
    ctx = running_event()
    code = _open(ctx)
    s = ctx["session"]
    result = checkin.check_in(ctx["trainee"], code, now=s.starts_at + timedelta(minutes=16))
    assert result.status is AttendanceStatus.late
    assert _status(ctx) is AttendanceStatus.late


def test_lateness_and_window_follow_the_config(app, running_event):
    ctx = running_event()
    code = _open(ctx)
    s = ctx["session"]
    app.config.update(ATTENDANCE_LATE_AFTER_MINUTES=60, ATTENDANCE_CHECKIN_BEFORE_MINUTES=5)
    try:
        timing = Timing.from_config()
        assert timing.late_after == timedelta(minutes=60)
        result = checkin.check_in(ctx["trainee"], code, now=s.starts_at + timedelta(minutes=30))
        assert result.status is AttendanceStatus.present
        with pytest.raises(DomainError) as err:
            checkin.check_in(ctx["trainee"], code, now=s.starts_at - timedelta(minutes=6))
        assert err.value.code == "checkin_not_open"
    finally:
        for key in ("ATTENDANCE_LATE_AFTER_MINUTES", "ATTENDANCE_CHECKIN_BEFORE_MINUTES"):
            app.config.pop(key)


def test_check_in_before_the_window_is_refused(running_event):
    ctx = running_event()
    code = _open(ctx)
    with pytest.raises(DomainError) as err:
        checkin.check_in(ctx["trainee"], code,
                         now=ctx["session"].starts_at - timedelta(minutes=16))
    assert err.value.code == "checkin_not_open"


def test_a_code_used_after_the_session_window_is_refused_clearly(running_event):
    ctx = running_event()
    code = _open(ctx)
    late = ctx["session"].ends_at + timedelta(minutes=31)
    with pytest.raises(DomainError) as err:
        checkin.check_in(ctx["trainee"], code, now=late)
    assert err.value.code == "checkin_closed"
    with force_locale("en"):
        assert "closed" in str(err.value.message)
    assert _status(ctx) is None


def test_a_wrong_code_is_refused(running_event):
    ctx = running_event()
    _open(ctx)
    for wrong in ("ZZZZZZZ", "12", "<script>"):
        with pytest.raises(DomainError) as err:
            checkin.check_in(ctx["trainee"], wrong)
        assert err.value.code == "checkin_code_invalid"


@pytest.mark.parametrize("who", ["stranger", "waitlisted", "cancelled"])
def test_only_confirmed_participants_check_in(running_event, make_user, make_enrollment, who):
    ctx = running_event()
    code = _open(ctx)
    person = make_user()
    if who != "stranger":
        make_enrollment(ctx["event"], person, status=who)
    with pytest.raises(DomainError) as err:
        checkin.check_in(person, code)
    assert err.value.code == "not_enrolled"


def test_check_in_closed_when_the_event_is_no_longer_published(running_event):
    ctx = running_event()
    code = _open(ctx)
    ctx["event"].status = EventStatus.cancelled
    db.session.commit()
    with pytest.raises(DomainError) as err:
        checkin.check_in(ctx["trainee"], code)
    assert err.value.code == "checkin_closed"


@pytest.mark.parametrize("by_instructor", list(AttendanceStatus))
def test_check_in_leaves_an_instructors_mark_alone(running_event, by_instructor):
    """The instructor is the authority in the room: a person marked absent (or excused,
    late, present) stays so, whatever their phone says; the result says why."""
    ctx = running_event()
    code = _open(ctx)
    s = ctx["session"]
    services.save_marks(ctx["event"], ctx["instructor"],
                        [MarkInput(ctx["enrollment"].id, s.id, by_instructor)])
    db.session.commit()
    result = checkin.check_in(ctx["trainee"], code, now=s.starts_at + timedelta(minutes=20))
    db.session.commit()
    assert result.status is by_instructor and result.change is None and result.by_instructor
    assert _status(ctx) is by_instructor


def test_a_second_check_in_never_lowers_the_first(running_event):
    ctx = running_event()
    code = _open(ctx)
    s = ctx["session"]
    first = checkin.check_in(ctx["trainee"], code, now=s.starts_at)
    db.session.commit()
    again = checkin.check_in(ctx["trainee"], code, now=s.starts_at + timedelta(minutes=40))
    db.session.commit()
    assert first.status is again.status is AttendanceStatus.present
    assert again.change is None and not again.by_instructor


def test_check_in_page_says_the_instructors_mark_stands(client, login, running_event):
    ctx = running_event()
    code = _open(ctx)
    services.save_marks(ctx["event"], ctx["instructor"],
                        [MarkInput(ctx["enrollment"].id, ctx["session"].id,
                                   AttendanceStatus.absent)])
    db.session.commit()
    login(ctx["trainee"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post("/checkin", data={"code": code})
    assert response.status_code == 302
    page = client.get("/checkin").get_data(as_text=True)
    assert "The instructor has already marked you" in page and "Absent" in page
    assert _status(ctx) is AttendanceStatus.absent


# --- the pages --------------------------------------------------------------------------


def test_scanning_the_qr_code_asks_to_sign_in_then_prefills_the_code(client, login,
                                                                     running_event):
    ctx = running_event()
    code = _open(ctx)
    response = client.get(f"/checkin?code={code}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(ctx["trainee"])
    page = client.get(f"/checkin?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in page


def test_check_in_page_marks_the_participant(client, login, running_event):
    ctx = running_event()
    code = _open(ctx)
    login(ctx["trainee"])
    response = client.post("/checkin", data={"code": code})
    assert response.status_code == 302
    assert ctx["event"].title in client.get("/checkin").get_data(as_text=True)
    assert _status(ctx) is AttendanceStatus.present


def test_check_in_page_explains_a_closed_window(client, login, running_event):
    ctx = running_event()
    code = _open(ctx)
    s = ctx["session"]
    # The session ended an hour ago: past the 30-minute margin.
    now = datetime.now(UTC)
    s.starts_at, s.ends_at = now - timedelta(hours=3), now - timedelta(hours=1)
    db.session.commit()
    login(ctx["trainee"])
    response = client.post("/checkin", data={"code": code})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page  # the message sits on the code field
    closed_at = to_local(s.ends_at + timedelta(minutes=30)).strftime("%d.%m.%Y %H:%M")
    assert closed_at in page
    assert _status(ctx) is None


def test_check_in_attempts_are_rate_limited_per_person(limited_app, running_event,
                                                        make_user, make_enrollment):
    from tests.factories import PASSWORD

    ctx = running_event()
    other = make_user()
    make_enrollment(ctx["event"], other)

    def signed_in(user):
        c = limited_app.test_client()
        assert c.post("/login", data={"email": user.email, "password": PASSWORD}
                      ).status_code == 302
        return c

    client = signed_in(ctx["trainee"])
    codes = [client.post("/checkin", data={"code": "ZZZZZZZ"}).status_code for _ in range(11)]
    assert codes == [400] * 10 + [429]
    # Another person in the same hall (same address) is not held up.
    code = _open(ctx)
    assert signed_in(other).post("/checkin", data={"code": code}).status_code == 302


def test_instructor_opens_check_in_and_sees_code_and_qr(client, login, running_event):
    ctx = running_event()
    login(ctx["instructor"])
    url = f"/events/{ctx['event'].id}/attendance/sessions/{ctx['session'].id}/checkin"
    assert "checkin-code" not in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"action": "open"})
    assert response.status_code == 302
    db.session.refresh(ctx["session"])
    code = ctx["session"].checkin_code
    page = client.get(url).get_data(as_text=True)
    assert checkin.display_code(code) in page
    assert "<svg" in page and "checkin-qr" in page
    client.post(url, data={"action": "close"})
    db.session.refresh(ctx["session"])
    assert ctx["session"].checkin_code is None


def test_instructor_of_another_event_cannot_open_check_in(client, login, running_event,
                                                          make_user):
    ctx = running_event()
    login(make_user("instructor"))
    url = f"/events/{ctx['event'].id}/attendance/sessions/{ctx['session'].id}/checkin"
    assert client.post(url, data={"action": "open"}).status_code == 404
    db.session.refresh(ctx["session"])
    assert ctx["session"].checkin_code is None


def test_check_in_screen_shows_one_state_at_a_time(client, login, running_event):
    ctx = running_event()
    login(ctx["instructor"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/events/{ctx['event'].id}/attendance/sessions/{ctx['session'].id}/checkin"
    before = client.get(url).get_data(as_text=True)
    assert "Press «Open check-in»" in before
    assert "works from" not in before and "Check-in is not open for this session" not in before
    client.post(url, data={"action": "open"})
    opened = client.get(url).get_data(as_text=True)
    assert "The code works from" in opened and "Press «Open check-in»" not in opened
    # After the window: no code, no button that would only be refused.
    client.post(url, data={"action": "close"})
    s = ctx["session"]
    now = datetime.now(UTC)
    s.starts_at, s.ends_at = now - timedelta(hours=4), now - timedelta(hours=2)
    db.session.commit()
    over = client.get(url).get_data(as_text=True)
    assert "This session is over: check-in is closed." in over
    assert 'value="open"' not in over and "Press «Open check-in»" not in over
