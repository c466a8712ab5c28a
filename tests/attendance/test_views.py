"""The sheet and its neighbours through HTTP: who may, what they see, what a save does."""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template_string
from openpyxl import load_workbook
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from school.attendance import services
from school.attendance.models import AttendanceChange, AttendanceMark, AttendanceStatus
from school.attendance.services import MarkInput
from school.catalog.models import EventStatus
from school.enrollment.models import EnrollmentStatus
from school.extensions import db

P = AttendanceStatus.present


def _cells(ctx, session, statuses, shown=None):
    """Form fields for one session: status per participant, and what the page showed."""
    data = {"session": str(session.id)}
    for e, st in zip(ctx["enrollments"], statuses, strict=True):
        key = f"{e.id}-{session.id}"
        data[f"s-{key}"] = st
        data[f"os-{key}"] = (shown or {}).get(e.id, "")
        data[f"r-{key}"] = ""
        data[f"or-{key}"] = ""
    return data


def _marks() -> dict[tuple[int, int], str]:
    return {(m.enrollment_id, m.session_id): m.status.value
            for m in db.session.scalars(select(AttendanceMark))}


# --- access: route × role ----------------------------------------------------------------


@pytest.fixture
def world(past_event, make_user, make_branch, make_union):
    union = make_union()
    branch = make_branch(union)
    ctx = past_event(participants=2, organizer_branch_id=branch.id)
    ctx.update(
        other_instructor=make_user("instructor"),
        trainee=ctx["people"][0],
        coordinator=make_user("coordinator", branch=branch),
        other_coordinator=make_user("coordinator", branch=make_branch()),
    )
    return ctx


def _urls(ctx):
    eid, sid = ctx["event"].id, ctx["sessions"][0].id
    return {
        "sheet": f"/events/{eid}/attendance",
        "session": f"/events/{eid}/attendance?session={sid}",
        "grid": f"/events/{eid}/attendance?session=all",
        "xlsx": f"/events/{eid}/attendance.xlsx",
        "pdf": f"/events/{eid}/attendance/sign-in.pdf",
        "history": f"/events/{eid}/attendance/history",
        "checkin_screen": f"/events/{eid}/attendance/sessions/{sid}/checkin",
    }


# Everyone but the event's own people is kept out: 404 for signed-in staff without access
# to this event (the loader), 403 for a role that may not teach at all, login for anonymous.
ACCESS = {
    "anon": "login",
    "trainee": 403,
    "other_instructor": 404,
    "other_coordinator": 404,
    "instructor": 200,
    "coordinator": 200,
    "admin": 200,
}


@pytest.mark.parametrize("page", ["sheet", "session", "grid", "xlsx", "pdf", "history",
                                  "checkin_screen"])
@pytest.mark.parametrize("role", list(ACCESS))
def test_who_can_read_the_sheet(client, login, world, page, role):
    if role != "anon":
        login(world[role])
    response = client.get(_urls(world)[page])
    expected = ACCESS[role]
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, (role, page)


@pytest.mark.parametrize("role", ["anon", "trainee", "other_instructor", "other_coordinator"])
def test_outsiders_cannot_change_the_sheet(client, login, world, role):
    if role != "anon":
        login(world[role])
    s = world["sessions"][0]
    sheet = _urls(world)["sheet"]
    responses = [
        client.post(sheet, data=_cells(world, s, ["present", "present"])),
        client.post(sheet, data={"session": str(s.id), "action": "all_present"}),
        client.post(f"/events/{world['event'].id}/complete"),
        client.post(_urls(world)["checkin_screen"], data={"action": "open"}),
    ]
    for response in responses:
        assert response.status_code in (302, 403, 404)
        if role == "anon":
            assert "/login" in response.headers["Location"]
    assert _marks() == {}
    assert db.session.scalar(select(func.count()).select_from(AttendanceChange)) == 0
    db.session.refresh(world["event"])
    assert world["event"].status is EventStatus.published
    assert world["sessions"][0].checkin_code is None


def test_instructors_may_not_complete(client, login, world):
    login(world["instructor"])
    assert client.post(f"/events/{world['event'].id}/complete").status_code == 403


@pytest.mark.parametrize(("role", "expected"), [
    ("anon", "login"), ("trainee", 403), ("instructor", 200), ("coordinator", 200),
    ("admin", 200),
])
def test_my_sessions_access(client, login, world, role, expected):
    if role != "anon":
        login(world[role])
    response = client.get("/attendance")
    if expected == "login":
        assert response.status_code == 302
    else:
        assert response.status_code == expected


def test_checkin_page_needs_sign_in_only(client, login, world):
    assert client.get("/checkin").status_code == 302
    login(world["trainee"])
    assert client.get("/checkin").status_code == 200


# --- the sheet ---------------------------------------------------------------------------


def test_sheet_lists_confirmed_participants_one_session_at_a_time(client, login, world,
                                                                  make_user,
                                                                  make_enrollment):
    cancelled = make_enrollment(world["event"], make_user(full_name="Отменённый Участник"),
                                status="cancelled")
    login(world["instructor"])
    s = world["sessions"][1]
    page = client.get(f"/events/{world['event'].id}/attendance?session={s.id}").get_data(
        as_text=True)
    for person in world["people"]:
        assert person.full_name in page
    assert cancelled.user.full_name not in page
    # Big radio buttons for the chosen session only.
    for e in world["enrollments"]:
        assert f'name="s-{e.id}-{s.id}"' in page
        assert f'name="s-{e.id}-{world["sessions"][0].id}"' not in page
    assert page.count('class="btn-check"') == 4 * len(world["enrollments"])
    assert 'value="all_present"' in page
    assert 'style="' not in page and "<script>" not in page


def test_grid_view_has_every_session(client, login, world):
    login(world["instructor"])
    page = client.get(f"/events/{world['event'].id}/attendance?session=all").get_data(
        as_text=True)
    for e in world["enrollments"]:
        for s in world["sessions"]:
            assert f'name="s-{e.id}-{s.id}"' in page


def test_saving_marks_then_saving_again_changes_nothing(client, login, world):
    login(world["instructor"])
    s = world["sessions"][0]
    url = f"/events/{world['event'].id}/attendance"
    data = _cells(world, s, ["present", "late"])
    data[f"r-{world['enrollments'][1].id}-{s.id}"] = "10:20"
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert f"session={s.id}" in response.headers["Location"]
    assert sorted(_marks().values()) == ["late", "present"]
    assert db.session.scalar(select(func.count()).select_from(AttendanceChange)) == 2
    # The same form posted again (double tap, or back and resubmit): nothing changes.
    assert client.post(url, data=data).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AttendanceChange)) == 2
    remark = db.session.scalar(select(AttendanceMark.remark).where(
        AttendanceMark.enrollment_id == world["enrollments"][1].id))
    assert remark == "10:20"


def test_only_cells_changed_on_this_page_are_sent(client, login, world):
    """Two instructors with the same page open: the second save does not undo the first
    one's marks with the stale values it was shown."""
    s = world["sessions"][0]
    a, b = world["enrollments"]
    services.save_marks(world["event"], world["instructor"], [MarkInput(a.id, s.id, P)])
    db.session.commit()
    login(world["admin"])
    # The admin's page was loaded before that mark: it showed nothing for a, and the admin
    # only marked b absent (a's radio untouched, so the browser sends nothing for it).
    data = {"session": str(s.id), f"s-{b.id}-{s.id}": "absent", f"os-{b.id}-{s.id}": "",
            f"os-{a.id}-{s.id}": ""}
    client.post(f"/events/{world['event'].id}/attendance", data=data)
    assert _marks() == {(a.id, s.id): "present", (b.id, s.id): "absent"}


def test_all_present_then_exceptions(client, login, world):
    login(world["instructor"])
    s = world["sessions"][2]
    url = f"/events/{world['event'].id}/attendance"
    assert client.post(url, data={"session": str(s.id), "action": "all_present"}
                       ).status_code == 302
    a, b = world["enrollments"]
    assert _marks() == {(a.id, s.id): "present", (b.id, s.id): "present"}
    shown = {a.id: "present", b.id: "present"}
    client.post(url, data=_cells(world, s, ["present", "absent"], shown=shown))
    assert _marks() == {(a.id, s.id): "present", (b.id, s.id): "absent"}
    assert db.session.scalar(select(func.count()).select_from(AttendanceChange)) == 3


def test_bad_input_changes_nothing(client, login, world, make_event, make_user,
                                   make_enrollment):
    login(world["instructor"])
    s = world["sessions"][0]
    url = f"/events/{world['event'].id}/attendance"
    bogus = _cells(world, s, ["present", "teleported"])
    response = client.post(url, data=bogus)
    assert response.status_code == 400
    foreign = make_enrollment(make_event(), make_user())
    response = client.post(url, data={f"s-{foreign.id}-{s.id}": "present",
                                      "session": str(s.id)})
    assert response.status_code == 400
    assert _marks() == {}


def test_admin_changes_a_completed_event_with_a_reason(client, login, world):
    s = world["sessions"]
    a, b = world["enrollments"]
    services.save_marks(world["event"], world["instructor"],
                        [MarkInput(e.id, x.id, P) for e in (a, b) for x in s[:2]])
    services.complete_event(world["event"], world["admin"])
    db.session.commit()
    url = f"/events/{world['event'].id}/attendance"
    login(world["instructor"])
    assert client.post(url, data=_cells(world, s[2], ["present", "present"])
                       ).status_code == 403
    client.post("/logout")
    login(world["admin"])
    page = client.get(f"{url}?session={s[2].id}").get_data(as_text=True)
    assert 'name="reason"' in page
    assert client.post(url, data=_cells(world, s[2], ["present", ""])).status_code == 400
    data = _cells(world, s[2], ["present", ""])
    data["reason"] = "Paper sheet"
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(a)
    db.session.refresh(b)
    assert a.status is EnrollmentStatus.completed
    assert b.status is EnrollmentStatus.not_completed


def test_sheet_queries_do_not_grow_with_participants(client, login, past_event):
    def count_queries(n):
        ctx = past_event(participants=n)
        services.mark_all_present(ctx["event"], ctx["sessions"][0], ctx["instructor"])
        db.session.commit()
        client.post("/logout")
        login(ctx["instructor"])
        seen = []

        def listener(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            for view in ("", f"?session={ctx['sessions'][0].id}", "?session=all"):
                assert client.get(f"/events/{ctx['event'].id}/attendance{view}"
                                  ).status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    assert count_queries(2) == count_queries(12)


# --- completion --------------------------------------------------------------------------


def test_coordinator_completes_the_event(client, login, world):
    s = world["sessions"]
    a, b = world["enrollments"]
    services.save_marks(world["event"], world["instructor"],
                        [MarkInput(a.id, x.id, P) for x in s])
    db.session.commit()
    login(world["coordinator"])
    response = client.post(f"/events/{world['event'].id}/complete")
    assert response.status_code == 302
    db.session.refresh(world["event"])
    assert world["event"].status is EventStatus.completed
    db.session.refresh(a)
    db.session.refresh(b)
    assert (a.status, b.status) == (EnrollmentStatus.completed,
                                    EnrollmentStatus.not_completed)


def test_completion_before_the_end_is_refused_with_a_message(client, login, running_event,
                                                             make_user):
    ctx = running_event()
    login(make_user("admin"))
    response = client.post(f"/events/{ctx['event'].id}/complete")
    assert response.status_code == 302
    db.session.refresh(ctx["event"])
    assert ctx["event"].status is EventStatus.published
    page = client.get(f"/events/{ctx['event'].id}/attendance").get_data(as_text=True)
    assert "alert-danger" in page


# --- exports and history -----------------------------------------------------------------


def test_xlsx_export_has_names_sessions_totals_and_no_formulas(client, login, world,
                                                               make_user, make_enrollment):
    evil = make_user(full_name="=HYPERLINK(\"http://evil.test\",\"x\")")
    make_enrollment(world["event"], evil)
    s = world["sessions"]
    a, _b = world["enrollments"]
    services.save_marks(world["event"], world["instructor"], [
        MarkInput(a.id, s[0].id, P, "+7 701 000"), MarkInput(a.id, s[1].id,
                                                              AttendanceStatus.late)])
    db.session.commit()
    login(world["instructor"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # the headers are read in English
    response = client.get(f"/events/{world['event'].id}/attendance.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = next(r for r in rows if (r and r[0] == "No.") or (r and r[1] == "Full name"))
    assert len(header) == 3 + len(s) + 4
    names = [r[1] for r in rows[rows.index(header) + 1:]]
    assert a.user.full_name in names
    evil_row = next(r for r in rows if r[1] and "HYPERLINK" in str(r[1]))
    assert evil_row[1].startswith("=")  # a typed text cell: inert, shown as typed
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    a_row = next(r for r in rows if r[1] == a.user.full_name)
    assert a_row[3].startswith("'") is False and "+7 701 000" in a_row[3]
    assert a_row[3 + len(s)] == 2  # attended


def test_formula_neutralising():
    from school.core.exports import neutralise as safe_cell

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1"):
        assert safe_cell(text).startswith("'")
    assert safe_cell("Иванов") == "Иванов"
    assert safe_cell(5) == 5
    assert safe_cell("a\x00b") == "ab"


def _objects(pdf: bytes) -> list[bytes]:
    """The PDF's bytes and its decompressed streams (object streams hold the dictionaries)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(match.group(1)))
    return chunks


def font_names(pdf: bytes) -> set[str]:
    """Embedded font names, subset prefix dropped."""
    return {
        name.decode().split("+", 1)[-1]
        for chunk in _objects(pdf)
        for name in re.findall(rb"/FontName\s*/([\w+\-]+)", chunk)
    }


def media_boxes(pdf: bytes) -> set[tuple[float, float]]:
    return {
        (round(float(w)), round(float(h)))
        for chunk in _objects(pdf)
        for w, h in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", chunk)
    }


def test_signin_pdf_is_a4_landscape_with_our_font(client, login, world):
    login(world["instructor"])
    response = client.get(f"/events/{world['event'].id}/attendance/sign-in.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    # The font is ours (the @font-face family from static/), not a system fallback.
    assert font_names(response.data) == {"Sheet-Sans", "Sheet-Sans-Bold"}
    # A4 landscape: 842 × 595 points.
    assert media_boxes(response.data) == {(842, 595)}


def test_history_shows_each_change(client, login, world):
    s = world["sessions"][0]
    a = world["enrollments"][0]
    services.save_marks(world["event"], world["instructor"],
                        [MarkInput(a.id, s.id, AttendanceStatus.absent)])
    services.save_marks(world["event"], world["admin"], [MarkInput(a.id, s.id, P, "late bus")])
    db.session.commit()
    login(world["instructor"])
    page = client.get(f"/events/{world['event'].id}/attendance/history").get_data(as_text=True)
    assert world["admin"].full_name in page and world["instructor"].full_name in page
    assert "late bus" in page


# --- my sessions and the panels ----------------------------------------------------------


def test_my_sessions_lists_todays_sessions_first(client, login, running_event, past_event,
                                                 make_user):
    instructor = make_user("instructor")
    today = running_event(instructor=instructor)
    past_event(participants=1, instructor=instructor)
    other = running_event()  # someone else's
    login(instructor)
    page = client.get("/attendance").get_data(as_text=True)
    sid = today["session"].id
    assert f"session={sid}" in page
    assert page.index(f"session={sid}") < page.index("events-title")
    assert f"/events/{other['event'].id}/attendance" not in page


def test_admin_sees_all_current_events(client, login, running_event, make_user):
    a, b = running_event(), running_event()
    login(make_user("admin"))
    page = client.get("/attendance").get_data(as_text=True)
    assert f"/events/{a['event'].id}/attendance" in page
    assert f"/events/{b['event'].id}/attendance" in page


def _render_panel(app, user, template: str, **context) -> str:
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(user)
        return render_template_string(f"{{% include '{template}' %}}", **context)


def test_event_panel_for_staff_and_for_a_participant_during_a_session(app, running_event,
                                                                      make_user):
    from school.attendance import checkin

    ctx = running_event()
    event = ctx["event"]
    staff = _render_panel(app, ctx["instructor"], "attendance/_event_panel.html", event=event)
    assert f"/events/{event.id}/attendance" in staff
    assert "/checkin" in staff
    participant = _render_panel(app, ctx["trainee"], "attendance/_event_panel.html",
                                event=event)
    assert "/checkin" not in participant  # no code open yet
    checkin.open_checkin(ctx["session"], ctx["instructor"])
    db.session.commit()
    participant = _render_panel(app, ctx["trainee"], "attendance/_event_panel.html",
                                event=event)
    assert 'href="/checkin"' in participant
    assert f"/events/{event.id}/attendance" not in participant
    stranger = _render_panel(app, make_user(), "attendance/_event_panel.html", event=event)
    assert stranger.strip() == ""


def test_my_panel_summarises_attendance_per_enrolment(app, past_event):
    ctx = past_event(participants=1)
    s = ctx["sessions"]
    e = ctx["enrollments"][0]
    services.save_marks(ctx["event"], ctx["instructor"], [
        MarkInput(e.id, s[0].id, P), MarkInput(e.id, s[1].id, AttendanceStatus.late),
        MarkInput(e.id, s[2].id, AttendanceStatus.excused)])
    db.session.commit()
    html = _render_panel(app, ctx["people"][0], "attendance/_my_panel.html")
    assert ctx["event"].title in html
    summary = services.summaries_for(ctx["people"][0])[0]
    assert (summary.sessions, summary.attended, summary.late, summary.excused) == (3, 2, 1, 1)
    assert summary.absent == 0


def test_summaries_use_a_fixed_number_of_queries(app, past_event, make_enrollment):
    def count(extra: int) -> int:
        ctx = past_event(participants=1)
        person = ctx["people"][0]
        for _ in range(extra):
            make_enrollment(past_event(participants=0)["event"], person)
        db.session.expire_all()
        seen = []

        def listener(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            result = services.summaries_for(person, datetime.now(UTC) + timedelta(days=1))
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        assert len(result) == extra + 1
        return len(seen)

    assert count(0) == count(6)
