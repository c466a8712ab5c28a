"""Pages of the enrollment feature: enrol, my trainings, approvals, rosters, nominations."""

from __future__ import annotations

import click
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from school.accounts.models import User
from school.accounts.services import people_query
from school.audit.services import record_export
from school.catalog.models import Event
from school.core import exports
from school.core.edge import KeptUpload, apply_upload, attempt, preview_upload
from school.core.utils import paginate, safe_next
from school.dbtypes import utcnow
from school.enrollment import digests as _digests  # noqa: F401  (its table)
from school.enrollment import nominations, panels, queries, roster_sort, services
from school.enrollment import notices as _notices  # signal receivers; the approver's name
from school.enrollment import people as _people  # noqa: F401  (receivers: people merged, closed)
from school.enrollment import receivers as _receivers  # noqa: F401  (lent to the catalogue)
from school.enrollment import schedule as _schedule
from school.enrollment.forms import (
    CancelForm,
    EnrolForm,
    NominateForm,
    UploadForm,
)
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db, limiter
from school.permissions import (
    SIGNED_IN,
    STAFF,
    allow,
    can,
    can_see_branch,
    load_enrollment,
    load_event,
)
from school.timeutil import local_today

# cli_group=None: `flask send-reminders`, not `flask enrollment send-reminders`.
bp = Blueprint("enrollment", __name__, cli_group=None)


def _me() -> User:
    return current_user._get_current_object()


@bp.app_template_global("enrollment_state")
def enrollment_state(event: Event) -> queries.EnrolState:
    """The enrol button's state on the event page, for the current person."""
    return queries.enrol_state(event, current_user)


@bp.app_template_global("enrolment_approver")
def enrolment_approver(event: Event, enrollment: Enrollment | None = None):
    """Who decides on the current person's request: their branch, or None (the organisers)."""
    return _notices.request_approver(event, enrollment, current_user)


# --- enrolling and cancelling --------------------------------------------------------------


@bp.post("/events/<int:event_id>/enroll")
@allow(SIGNED_IN)
def enroll(event_id: int):
    event = load_event(event_id, "see")
    form = EnrolForm()
    back = safe_next(form.next.data, url_for("enrollment.my"))
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "warning")
        return redirect(back)
    with attempt() as done:
        enrollment = services.enroll(event, _me())
        status = enrollment.status
    if not done:
        return redirect(back)
    if status is EnrollmentStatus.confirmed:
        flash(_("You are enrolled. A confirmation has been sent to your e-mail."), "success")
    elif status is EnrollmentStatus.waitlisted:  # counted after COMMIT, not under the lock
        flash(_("The event is full. You are on the waiting list at position %(n)d.",
                n=services.waitlist_position(enrollment) or 1), "info")
    elif _notices.approver_of(enrollment) is not None:
        flash(_("Your request has been sent to the coordinator of your branch for approval."),
              "info")
    else:
        flash(_("Your request has been sent to the organisers (the training centre) for "
                "approval."), "info")
    return redirect(back)


@bp.post("/enrollments/<int:enrollment_id>/cancel")
@allow(SIGNED_IN)
def cancel(enrollment_id: int):
    enrollment = load_enrollment(enrollment_id, "see_enrollment")
    me = _me()
    form = CancelForm()
    back = safe_next(form.next.data, url_for("enrollment.my"))
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "warning")
        return redirect(back)
    with attempt() as done:
        promoted = services.cancel(enrollment, me, form.reason.data)
    if not done:
        return redirect(back)
    flash(_("The enrolment has been cancelled."), "success")
    if promoted and enrollment.user_id != me.id:
        flash(_("Promoted from the waiting list: %(n)d.", n=len(promoted)), "info")
    return redirect(back)


@bp.get("/my")
@allow(SIGNED_IN)
def my():
    rows = services.my_enrollments(_me())
    positions = services.waitlist_positions(
        e.id for e in rows if e.status is EnrollmentStatus.waitlisted
    )
    now = utcnow()
    today = local_today()
    current = [e for e in rows if e.is_current(today)]
    past = [e for e in rows if e not in current]
    return render_template(
        "enrollment/my.html", current=current, past=past, positions=positions, now=now,
        form=CancelForm(),
        panels=panels.my_panels(rows, _me()),
    )


# --- approvals: school/enrollment/approval_views.py (registered at the end) ----------------


# --- roster --------------------------------------------------------------------------------


def _roster_table(event: Event, viewer: User):
    roster = queries.roster(event, viewer)
    header = [_("No."), _("Status"), _("Place in the queue"), _("Full name"), _("E-mail"),
              _("Phone"), _("IIN"), _("Region"), _("Sectoral union"), _("Branch"),
              _("Primary organisation"), _("Category"), _("Enrolled at")]
    rows = []
    from school.accounts.privacy import contacts

    for n, (e, position) in enumerate(roster.export_rows(), start=1):
        user = e.user
        contact = contacts(user)  # none once the person withdrew their consent (issue 13)
        rows.append([
            n, e.status.label, position or "", user.full_name, contact.email, contact.phone,
            (user.iin or "") if can(viewer, "see_iin", user) else user.masked_iin,
            e.region.name if e.region else "", e.union.name if e.union else "",
            e.branch.name if e.branch else "", e.primary_org.name if e.primary_org else "",
            e.category.label if e.category else "",
            # A date-time cell (XLSX) or ISO text (CSV), in Kazakhstan time either way.
            e.created_at,
        ])
    return roster, header, rows


@bp.get("/events/<int:event_id>/roster")
@allow(STAFF)
def roster(event_id: int):
    # What the page shows of the event (its title falls back to the programme's, the seat
    # rules button asks for quotas), loaded here rather than from the template.
    event = load_event(event_id, "see",
                       options=(joinedload(Event.program), selectinload(Event.quotas)))
    me = _me()
    data, sort, pending_sort = roster_sort.apply(queries.roster(event, me),
                                                 request.args.get("sort"))
    return render_template("enrollment/roster.html", event=event, roster=data,
                           cancel_form=CancelForm(),
                           seats=services.Seats.count(event), sort=sort,
                           pending_sort=pending_sort)


@bp.get("/events/<int:event_id>/roster.<fmt>")
@allow(STAFF)
def roster_export(event_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    event = load_event(event_id, "see")
    _roster, header, rows = _roster_table(event, _me())
    name = f"roster-{event.id}.{fmt}"
    if fmt == "csv":
        data = exports.csv_bytes(header, rows)
    else:
        data = exports.xlsx_bytes(header, rows, title=_("Roster"))
    record_export("roster.exported", event, format=fmt, rows=len(rows))
    return exports.download(data, name, fmt)


# --- nominations ---------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/nominate", methods=["GET", "POST"])
@allow(STAFF)
def nominate(event_id: int):
    event = load_event(event_id, "see")
    me = _me()
    form = NominateForm()
    if form.validate_on_submit():
        ids = set(form.user_ids.data or [])
        people = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
        if len(people) != len(ids) or any(
            not can_see_branch(me, p.branch_id) for p in people
        ):
            abort(404)
        if not people:
            flash(_("Choose at least one person."), "warning")
            return redirect(url_for("enrollment.nominate", event_id=event.id))
        with attempt() as done:
            enrolled, skipped = services.nominate(event, people, me)
        if done:
            flash(_("Enrolled: %(n)d.", n=len(enrolled)), "success")
            if skipped:
                flash(_("Not enrolled (already enrolled, another category, or enrolment "
                        "closed): %(n)d.", n=len(skipped)), "warning")
        return redirect(url_for("enrollment.nominate", event_id=event.id))
    # Without a search: everyone of the coordinator's branches (all people for an admin),
    # a page at a time; those who cannot be nominated are shown with the reason.
    search = request.args.get("q", "").strip()[:100]
    query = people_query(me, search=search).where(User.active.is_(True))
    people, page, pages, total = paginate(query, per_page=30)
    return render_template(
        "enrollment/nominate.html", event=event, form=form, q=search, people=people,
        page=page, pages=pages, total=total,
        blockers=services.nomination_blockers(event, people),
        closed=services.enrolment_closed_reason(event),
        upload_form=UploadForm(), report=None, columns=nominations.column_labels())


def _kept_list(event: Event) -> KeptUpload:
    return KeptUpload("nominations", "nominate_upload", event_id=event.id)


@bp.post("/events/<int:event_id>/nominate/upload")
@allow(STAFF)
# A list can hold thousands of IINs: bound how many a person can try in an hour.
@limiter.limit("30 per hour", methods=["POST"])
def nominate_upload(event_id: int):
    """Upload → preview every row → confirm the same file (kept by its hash) → apply."""
    event = load_event(event_id, "see")
    upload_form = UploadForm()
    report = preview_upload(upload_form, _kept_list(event),
                            lambda data: nominations.plan(event, data, _me()))
    return render_template("enrollment/nominate.html", event=event, form=NominateForm(),
                           q="", people=None, upload_form=upload_form, report=report,
                           columns=nominations.column_labels())


@bp.get("/events/<int:event_id>/nominate/template.xlsx")
@allow(STAFF)
def nominate_template(event_id: int):
    """The list to fill in, headers in the reader's language, categories as a drop-down."""
    load_event(event_id, "see")
    return exports.download(nominations.template(), "participants-template.xlsx", "xlsx")


@bp.post("/events/<int:event_id>/nominate/confirm")
@allow(STAFF)
def nominate_confirm(event_id: int):
    event = load_event(event_id, "see")
    report = apply_upload(_kept_list(event), lambda data: nominations.apply(
        event, data, _me(), locale=str(get_locale() or "ru")))
    if report is None:
        return redirect(url_for("enrollment.nominate", event_id=event.id))
    if not report.ok:  # the database changed since the preview
        return render_template("enrollment/nominate.html", event=event, form=NominateForm(),
                               q="", people=None, upload_form=UploadForm(), report=report,
                               columns=nominations.column_labels())
    flash(_("Enrolled: %(n)d; new accounts invited: %(c)d.", n=len(report.enrolled),
            c=report.created), "success")
    return redirect(url_for("enrollment.roster", event_id=event.id))




# --- command line --------------------------------------------------------------------------


@bp.cli.command("send-reminders")
def send_reminders_command():
    """Mail tomorrow's participants a reminder; safe to run every hour."""
    sent = services.send_reminders()
    click.echo(f"reminders sent: {sent}")


bp.cli.add_command(_schedule.send_digests_command)

from school.enrollment import approval_views as _approval_views  # noqa: E402,F401
from school.enrollment import seat_views as _seat_views  # noqa: E402,F401
