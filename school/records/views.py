"""Pages for a record of a held event: its participants, found or uploaded after the fact."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school.accounts.models import User
from school.accounts.services import people_query
from school.catalog.models import Event
from school.core.edge import KeptUpload, apply_upload, attempt
from school.core.utils import paginate
from school.enrollment import nominations
from school.enrollment.forms import NominateForm, UploadForm
from school.extensions import db, limiter
from school.permissions import STAFF, allow, can_see_branch, load_event
from school.records import services

bp = Blueprint("records", __name__)
KIND = "record-list"


def _record_or_404(event_id: int) -> Event:
    """A recorded event the current person organises; 404 otherwise."""
    event = load_event(event_id, "manage")  # its organisers (the branch's own events)
    if not event.recorded_after:
        abort(404)
    return event


def _back(event: Event):
    return redirect(url_for(".participants", event_id=event.id))


def _kept(event: Event) -> KeptUpload:
    return KeptUpload(KIND, "record_upload", event_id=event.id)


@bp.get("/manage/events/<int:event_id>/record")
@allow(STAFF)
def participants(event_id: int):
    event = _record_or_404(event_id)
    search = request.args.get("q", "").strip()[:100]
    people, page, pages, total = paginate(
        people_query(current_user, search=search).where(User.active.is_(True)), per_page=30)
    data = _kept(event).read()
    report = services.plan_list(event, data, current_user) if data is not None else None
    return render_template(
        "records/participants.html", event=event, q=search, people=people, page=page,
        pages=pages, total=total, enrolled=services.participants_of(event),
        form=NominateForm(), upload_form=UploadForm(), report=report,
        columns=nominations.COLUMNS, open=event.status.value == "published")


@bp.post("/manage/events/<int:event_id>/record")
@allow(STAFF)
def add(event_id: int):
    event = _record_or_404(event_id)
    form = NominateForm()
    if form.validate_on_submit():
        ids = set(form.user_ids.data or [])
        people = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
        if len(people) != len(ids) or any(
                not can_see_branch(current_user, p.branch_id) for p in people):
            abort(404)
        with attempt() as done:
            added = services.add_participants(event, people, actor=current_user)
        if done:
            flash(_("Added to the record: %(n)d.", n=len(added)), "success")
    return _back(event)


@bp.post("/manage/events/<int:event_id>/record/upload")
@allow(STAFF)
@limiter.limit("30 per hour", methods=["POST"])
def upload(event_id: int):
    event = _record_or_404(event_id)
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        report = services.plan_list(event, data, current_user)
        if not report.errors:  # the page previews every row (with its errors) from it
            _kept(event).keep(data)
        else:
            session.pop("record_upload", None)
            for error in report.errors:
                flash(error, "danger")
    return _back(event)


@bp.post("/manage/events/<int:event_id>/record/confirm")
@allow(STAFF)
def confirm(event_id: int):
    event = _record_or_404(event_id)
    if not NominateForm().validate_on_submit():
        return _back(event)
    report = apply_upload(_kept(event), lambda data: services.apply_list(
        event, data, current_user, locale=str(get_locale() or "ru")))
    if report is None:
        return _back(event)
    if not report.ok:
        flash(_("Rows with errors: %(n)d. Correct the file and upload it again.",
                n=len(report.bad_rows)), "danger")
        return _back(event)
    flash(_("Enrolled: %(n)d; new accounts invited: %(c)d.", n=len(report.enrolled),
            c=report.created), "success")
    return _back(event)
