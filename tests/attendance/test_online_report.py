"""Online attendance from a Zoom or Teams participants report (attendance/online_report)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from school.attendance import online_report, services
from school.attendance.models import AttendanceMark, AttendanceStatus
from school.audit.models import AuditEntry
from school.extensions import db
from school.timeutil import to_local


def _t(moment) -> str:
    return to_local(moment).strftime("%m/%d/%Y %I:%M:%S %p")


def _zoom(session, people, extra=()) -> bytes:
    """A Zoom participants export: one row per join; times offset in minutes."""
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for name, email, start, stop in [*people, *extra]:
        joined = session.starts_at + timedelta(minutes=start)
        left = session.starts_at + timedelta(minutes=stop)
        lines.append(f"{name},{email},{_t(joined)},{_t(left)},{stop - start},No")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


@pytest.fixture
def ctx(past_event):
    ctx = past_event(participants=3, sessions=1)
    ctx["session"] = ctx["sessions"][0]
    a, b, c = ctx["people"]
    ctx["rows"] = [
        (a.full_name, a.email.upper(), 0, 200),  # two joins, e-mail in capitals
        (a.full_name + " (iPhone)", a.email, 190, 480),
        ("Someone", b.email, 40, 470),  # late
        (" ".join(reversed(c.full_name.split())), "", 0, 480),  # by name only
    ]
    return ctx


def _marks(session) -> dict[int, str]:
    return {m.enrollment_id: m.status.value for m in db.session.scalars(
        select(AttendanceMark).where(AttendanceMark.session_id == session.id))}


def test_a_zoom_report_uploaded_twice_gives_the_same_marks(ctx):
    session, (ea, eb, _ec) = ctx["session"], ctx["enrollments"]
    data = _zoom(session, ctx["rows"], extra=[("Guest Lurker", "lurker@mail.kz", 0, 480)])
    report = online_report.apply(ctx["event"], session, data, ctx["instructor"])
    assert report.changed == 2
    first = _marks(session)
    assert first == {ea.id: "present", eb.id: "late"}  # the name match waits for a yes
    assert [(u.name, u.email) for u in report.unmatched] == [("Guest Lurker", "lurker@mail.kz")]
    a = next(p for p in report.people if p.enrollment.id == ea.id)
    assert a.minutes == 480  # 0–200 and 190–480 overlap: counted once
    db.session.commit()
    again = online_report.apply(ctx["event"], session, data, ctx["instructor"])
    assert again.changed == 0
    assert _marks(session) == first
    audits = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "attendance.online_report")).all()
    assert [e.details["changed"] for e in audits] == [2, 0]


def test_a_name_match_is_applied_only_when_confirmed(ctx):
    session, ec = ctx["session"], ctx["enrollments"][2]
    data = _zoom(session, ctx["rows"])
    report = online_report.plan(ctx["event"], session, data)
    assert [p.enrollment.id for p in report.by_name] == [ec.id]
    online_report.apply(ctx["event"], session, data, ctx["instructor"], accept_names={ec.id})
    assert _marks(session)[ec.id] == "present"


def test_too_little_time_is_absent_and_a_persons_own_mark_is_kept(ctx):
    session, (ea, eb, _ec) = ctx["session"], ctx["enrollments"]
    services.save_marks(ctx["event"], ctx["instructor"], [
        services.MarkInput(eb.id, session.id, AttendanceStatus.excused)])
    a, b = ctx["people"][:2]
    data = _zoom(session, [(a.full_name, a.email, 0, 100), (b.full_name, b.email, 0, 480)])
    report = online_report.apply(ctx["event"], session, data, ctx["instructor"])
    assert _marks(session) == {ea.id: "absent", eb.id: "excused"}
    assert [p.enrollment.id for p in report.people if p.kept] == [eb.id]
    online_report.apply(ctx["event"], session, data, ctx["admin"], replace_own=True)
    assert _marks(session) == {ea.id: "absent", eb.id: "present"}


def test_a_per_event_threshold_is_used(ctx):
    ctx["event"].online_present_percent = 20
    a = ctx["people"][0]
    data = _zoom(ctx["session"], [(a.full_name, a.email, 0, 100)])
    online_report.apply(ctx["event"], ctx["session"], data, ctx["instructor"])
    assert _marks(ctx["session"]) == {ctx["enrollments"][0].id: "present"}


def test_a_teams_report_in_utf16_with_a_summary_block(ctx):
    session, a = ctx["session"], ctx["people"][0]
    start = to_local(session.starts_at)
    text = "\n".join([
        "1. Summary", "Meeting title\tСеминар", "Attended participants\t1", "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
        f"{a.full_name}\t{start.strftime('%m/%d/%y, %I:%M:%S %p')}\t"
        f"{start.replace(hour=16).strftime('%m/%d/%y, %I:%M:%S %p')}\t7h 0m 0s\t"
        f"{a.email}\t{a.email}\tAttendee",
    ])
    report = online_report.plan(ctx["event"], session, text.encode("utf-16"))
    assert report.ok, report.errors
    assert [(p.by, p.minutes, p.status.value) for p in report.people] == [
        ("email", 420, "present")]


@pytest.mark.parametrize("data", [b"", b"just,some,columns\n1,2,3\n", b"\x00\x01\x02" * 50])
def test_a_file_without_a_participants_table_is_refused(ctx, data):
    report = online_report.apply(ctx["event"], ctx["session"], data, ctx["instructor"])
    assert report.errors and report.changed == 0
    assert _marks(ctx["session"]) == {}


def test_through_the_pages_preview_then_apply(client, login, ctx):
    session, event = ctx["session"], ctx["event"]
    login(ctx["instructor"])
    url = f"/events/{event.id}/attendance/online?session={session.id}"
    assert client.get(url).status_code == 200
    data = _zoom(session, ctx["rows"], extra=[("Guest Lurker", "lurker@mail.kz", 0, 480)])
    response = client.post(url, data={"file": (io.BytesIO(data), "participants.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Guest Lurker" in page and "lurker@mail.kz" in page
    assert _marks(session) == {}  # a preview writes nothing
    apply_url = f"/events/{event.id}/attendance/online/apply?session={session.id}"
    assert client.post(apply_url).status_code == 302
    assert len(_marks(session)) == 2


def test_strangers_get_404(client, login, ctx, make_user):
    login(make_user("instructor"))
    event, session = ctx["event"], ctx["session"]
    assert client.get(f"/events/{event.id}/attendance/online?session={session.id}"
                      ).status_code == 404
    assert client.post(f"/events/{event.id}/attendance/online/apply?session={session.id}"
                       ).status_code == 404


def test_a_zoom_report_saved_as_xlsx(ctx):
    from openpyxl import Workbook

    session, a = ctx["session"], ctx["people"][0]
    book = Workbook()
    sheet = book.active
    sheet.append(["Name (Original Name)", "User Email", "Join Time", "Leave Time",
                  "Duration (Minutes)"])
    start = to_local(session.starts_at).replace(tzinfo=None)
    sheet.append([a.full_name, a.email, start + timedelta(minutes=20),
                  start + timedelta(minutes=470), 450])
    out = io.BytesIO()
    book.save(out)
    report = online_report.plan(ctx["event"], session, out.getvalue())
    assert report.ok, report.errors
    assert [(p.minutes, p.status.value) for p in report.people] == [(450, "late")]


def test_the_same_report_applied_by_two_at_once_writes_each_mark_once(app, ctx):
    from school.attendance.models import AttendanceChange
    from school.catalog.models import Event, EventSession
    from tests.attendance.test_concurrency import _run_together

    data = _zoom(ctx["session"], ctx["rows"])
    event_id, session_id, user_id = ctx["event"].id, ctx["session"].id, ctx["instructor"].id

    def job():
        from school.accounts.models import User

        online_report.apply(db.session.get(Event, event_id),
                            db.session.get(EventSession, session_id), data,
                            db.session.get(User, user_id))

    assert _run_together(app, [job, job]) == []
    assert len(_marks(ctx["session"])) == 2
    changes = db.session.scalars(select(AttendanceChange)).all()
    assert len(changes) == 2  # the second upload found the marks and changed nothing


@pytest.mark.parametrize("who", ["instructor", "admin"])
def test_the_organiser_sets_the_events_own_thresholds(client, login, ctx, who):
    event, session = ctx["event"], ctx["session"]
    url = f"/events/{event.id}/attendance/online/thresholds?session={session.id}"
    login(ctx[who])
    if who == "instructor":  # teaches, does not organise
        assert client.post(url, data={"percent": "20"}).status_code == 404
        return
    client.post(url, data={"percent": "150", "late_minutes": "5"})
    db.session.refresh(event)
    assert event.online_present_percent is None  # refused, nothing changed
    client.post(url, data={"percent": "20", "late_minutes": "5"})
    db.session.refresh(event)
    assert (event.online_present_percent, event.online_late_minutes) == (20, 5)
    assert online_report.settings(event) == (20, 5)


def test_a_duration_no_meeting_has_is_an_unreadable_cell_not_a_500(ctx):
    """The security review: «99999999999» minutes, or a join at the end of the calendar,
    overflowed the date arithmetic."""
    session, (ea, _eb, _ec) = ctx["session"], ctx["enrollments"]
    a = ctx["people"][0]
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest",
             f"{a.full_name},{a.email},{_t(session.starts_at)},,99999999999,No",
             f"{a.full_name},{a.email},12/31/9999 11:00:00 PM,,5000,No"]
    data = ("\n".join(lines) + "\n").encode("utf-8-sig")
    report = online_report.apply(ctx["event"], session, data, ctx["instructor"])
    person = next(p for p in report.people if p.enrollment.id == ea.id)
    assert person.minutes == 0
