"""Pages of the attendance feature: the sheet, self check-in, completion and exports."""

from __future__ import annotations

from datetime import time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from school.accounts.models import User
from school.attendance import checkin as checkin_service
from school.attendance import completion, exports, panels, services, summaries
from school.attendance import people as _people  # noqa: F401  (receivers: people merged, closed)
from school.attendance import receivers as _receivers  # noqa: F401  (lent to catalogue, enrolment)
from school.attendance.forms import (
    CheckinControlForm,
    CheckinForm,
    EmptyForm,
    SheetForm,
    changed_cells,
)
from school.attendance.models import AttendanceChange, AttendanceMark, AttendanceStatus
from school.attendance.sheet import default_session, load_sheet
from school.attendance.timing import Timing
from school.audit.services import record_export
from school.catalog.models import Event, EventSession, EventStatus
from school.core.edge import attempt
from school.core.utils import optional_int, paginate
from school.dbtypes import utcnow
from school.enrollment.models import SEAT_STATUSES, Enrollment
from school.extensions import db, limiter
from school.permissions import (
    SIGNED_IN,
    STAFF,
    TEACHING,
    allow,
    can_complete,
    edits_marks,
    load_event,
)
from school.timeutil import local_datetime, local_today

bp = Blueprint("attendance", __name__)

STATUS_STYLE = {
    AttendanceStatus.present: "success",
    AttendanceStatus.late: "warning",
    AttendanceStatus.excused: "info",
    AttendanceStatus.absent: "danger",
}


def _session_of(event: Event, session_id: int | None) -> EventSession:
    session = db.session.get(EventSession, session_id) if session_id else None
    if session is None or session.event_id != event.id:
        abort(404)
    return session


# --- the sheet ------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/attendance", methods=["GET", "POST"])
@allow(TEACHING)
def sheet(event_id: int):
    event = load_event(event_id, "mark")
    form = SheetForm()
    view = request.values.get("session", "")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with attempt(form) as done:
                if request.form.get("action") == "all_present":
                    session = _session_of(event, optional_int(view))
                    changes = services.mark_all_present(event, session, current_user)
                else:
                    changes = services.save_marks(
                        event, current_user, changed_cells(request.form),
                        reason=form.reason.data,
                    )
            if done:
                if changes:
                    flash(ngettext("%(num)d mark saved.", "%(num)d marks saved.",
                                   len(changes)), "success")
                else:
                    flash(_("Nothing changed."), "info")
                return redirect(url_for(".sheet", event_id=event.id, session=view or None))
            status = done.error.status if 400 <= done.error.status < 500 else 400
        else:
            status = 400
    return _render_sheet(event, form, view), status


def _render_sheet(event: Event, form: SheetForm, view: str):
    sheet = load_sheet(event)
    now = utcnow()
    timing = Timing.from_config()
    grid = view == "all"
    selected = None
    if not grid:
        selected = sheet.session(optional_int(view)) or default_session(
            sheet.sessions, now, timing)
    finished = bool(sheet.sessions) and max(s.ends_at for s in sheet.sessions) <= now
    return render_template(
        "attendance/sheet.html",
        event=event, sheet=sheet, form=form, grid=grid, selected=selected,
        statuses=list(AttendanceStatus), style=STATUS_STYLE,
        editable=edits_marks(current_user, event), completed=event.status is EventStatus.completed,
        can_complete=can_complete(current_user, event)
        and event.status is EventStatus.published,
        finished=finished, timing=timing, now=now, actions=EmptyForm(),
    )


# --- my sessions ----------------------------------------------------------------------


@bp.get("/attendance")
@allow(TEACHING)
def my_sessions():
    today = local_today()
    start = local_datetime(today, time(0))
    sessions = services.todays_sessions(current_user, start, start + timedelta(days=1))
    query = (
        services.teaching_events_query(current_user)
        .options(joinedload(Event.program))
        .order_by(Event.starts_on, Event.id)
    )
    items, page, pages, total = paginate(query)
    return render_template(
        "attendance/my_sessions.html", today_sessions=sessions, items=items, page=page,
        pages=pages, total=total, today=today,
    )


# --- check-in, the instructor's side --------------------------------------------------


def _checkin_url(code: str) -> str:
    base = current_app.config.get("BASE_URL") or request.host_url.rstrip("/")
    return base.rstrip("/") + url_for(".checkin", code=code)


@bp.route(
    "/events/<int:event_id>/attendance/sessions/<int:session_id>/checkin",
    methods=["GET", "POST"],
)
@allow(TEACHING)
def checkin_screen(event_id: int, session_id: int):
    event = load_event(event_id, "mark")
    session = _session_of(event, session_id)
    form = CheckinControlForm()
    if form.validate_on_submit():
        with attempt() as done:
            if form.action.data == "close":
                checkin_service.close_checkin(session, current_user)
                message = _("Check-in is closed.")
            else:
                checkin_service.open_checkin(session, current_user)
                message = _("Check-in is open: show this code to the participants.")
        if done:
            flash(message, "success")
        return redirect(url_for(".checkin_screen", event_id=event.id, session_id=session.id))
    now = utcnow()
    timing = Timing.from_config()
    code = session.checkin_code
    active = timing.code_works(session, now)
    url = _checkin_url(code) if active else None
    checked_in = db.session.scalar(
        select(func.count()).select_from(AttendanceMark).where(
            AttendanceMark.session_id == session.id, AttendanceMark.source == "checkin")
    )
    participants = db.session.scalar(
        select(func.count()).select_from(Enrollment).where(
            Enrollment.event_id == event.id, Enrollment.status.in_(SEAT_STATUSES))
    )
    return render_template(
        "attendance/checkin_screen.html", event=event, session=session, form=form,
        code=code if active else None,
        display_code=checkin_service.display_code(code) if active else None,
        qr=checkin_service.qr_svg(url) if url else None, url=url, timing=timing, now=now,
        window_open=timing.is_open(session, now), over=now > timing.closes_at(session),
        closes=timing.code_closes_at(session),
        checked_in=checked_in,
        participants=participants, editable=event.status is EventStatus.published,
    )


# --- check-in, the participant's side -------------------------------------------------


def _checkin_limit() -> str:
    return current_app.config.get("ATTENDANCE_CHECKIN_RATE_LIMIT", "10 per minute")


def _checkin_key() -> str:
    # Per person, not per address: a whole hall shares one Wi-Fi address.
    # The account's id, not get_id(): that one names the session, a new sign-in a new one.
    who = current_user.id if current_user.is_authenticated else request.remote_addr
    return f"checkin:{who}"


@bp.route("/checkin", methods=["GET", "POST"])
@allow(SIGNED_IN)
@limiter.limit(_checkin_limit, methods=["POST"], key_func=_checkin_key)
def checkin():
    form = CheckinForm()
    status = 200
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:20]
    if form.validate_on_submit():
        with attempt(form) as done:
            result = checkin_service.check_in(current_user, form.code.data)
        if done:
            event = result.session.event
            if result.by_instructor:
                flash(_("The instructor has already marked you for this session in «%(event)s»: "
                        "%(status)s. Your check-in does not change it; if the mark is wrong, "
                        "tell the instructor.", event=event.title, status=result.status.label),
                      "info")
            elif result.status is AttendanceStatus.late:
                flash(_("You are checked in for «%(event)s», marked late.", event=event.title),
                      "warning")
            else:
                flash(_("You are checked in for «%(event)s»: %(status)s.",
                        event=event.title, status=result.status.label), "success")
            return redirect(url_for(".checkin"))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("attendance/checkin.html", form=form), status


# --- completion -----------------------------------------------------------------------


@bp.post("/events/<int:event_id>/complete")
@allow(STAFF)
def complete_event(event_id: int):
    event = load_event(event_id, "complete")
    if not EmptyForm().validate_on_submit():
        abort(400)
    with attempt() as done:
        result = completion.complete_event(event, current_user)
    if done:
        flash(_("The event is completed: %(done)d completed, %(not_done)d not completed.",
                done=result.completed, not_done=result.not_completed), "success")
    return redirect(url_for(".sheet", event_id=event.id))


# --- exports and history --------------------------------------------------------------


def _download(event: Event, fmt: str) -> Response:
    sheet = load_sheet(event)
    data, mimetype, filename, disposition = exports.export(sheet, fmt)
    # Recorded once the file is built: the audit's own transaction expires the loaded rows.
    record_export("attendance.exported", event, format=fmt, rows=len(sheet.rows))
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@bp.get("/events/<int:event_id>/attendance.xlsx")
@allow(TEACHING)
def export_xlsx(event_id: int):
    event = load_event(event_id, "mark")
    return _download(event, "xlsx")


@bp.get("/events/<int:event_id>/attendance/sign-in.pdf")
@allow(TEACHING)
def signin_pdf(event_id: int):
    event = load_event(event_id, "mark")
    return _download(event, "pdf")


@bp.get("/events/<int:event_id>/attendance/history")
@allow(TEACHING)
def history(event_id: int):
    event = load_event(event_id, "mark")
    query = summaries.history_query(event).options(
        joinedload(AttendanceChange.enrollment).joinedload(Enrollment.user),
        joinedload(AttendanceChange.session),
        joinedload(AttendanceChange.changed_by),
    )
    items, page, pages, total = paginate(query, per_page=50)
    return render_template("attendance/history.html", event=event, items=items, page=page,
                           pages=pages, total=total)


# --- panels on other features' pages --------------------------------------------------


@bp.app_template_global()
def attendance_status_label(value) -> str:
    """A status stored as text (history rows) in the reader's language."""
    if not value:
        return "—"
    try:
        return AttendanceStatus(value).label
    except ValueError:
        return str(value)


@bp.app_template_global()
def attendance_event_panel(event: Event) -> dict | None:
    """What the event page shows about attendance to the current person, or None."""
    user = current_user
    if not getattr(user, "is_authenticated", False) or event is None:
        return None
    return panels.event_panel(event, summaries.own_enrollment(user, event), user)


@bp.app_template_global()
def attendance_summaries(user: User | None = None) -> list[summaries.Summary]:
    """The person's attendance per enrolment, for /my."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return []
    return summaries.summaries_for(user)
