"""Pages for online attendance from a meeting report: upload, preview, apply."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectMultipleField
from wtforms.validators import NumberRange, Optional

from school.attendance import online_report
from school.catalog.models import Event, EventSession
from school.core.edge import KeptUpload, apply_upload, attempt
from school.core.utils import optional_int
from school.extensions import limiter
from school.permissions import TEACHING, allow, load_event, manages_event

bp = Blueprint("online_attendance", __name__)
KIND = "online-report"


class ReportUploadForm(FlaskForm):
    file = FileField(_l("Participants report (CSV or XLSX)"), validators=[FileRequired()],
                     description=_l("As Zoom or Microsoft Teams export it."))


class ApplyForm(FlaskForm):
    accept = SelectMultipleField(coerce=optional_int, validate_choice=False)
    replace_own = BooleanField(_l("Also replace the marks instructors set themselves"))


class ThresholdsForm(FlaskForm):
    percent = IntegerField(_l("Present from (percent of the session)"),
                           validators=[Optional(), NumberRange(1, 100)])
    late_minutes = IntegerField(_l("Late after, minutes"),
                                validators=[Optional(), NumberRange(0, 240)])


def _session_or_404(event: Event, session_id) -> EventSession:
    found = next((s for s in event.sessions if s.id == optional_int(session_id)), None)
    if found is None:
        abort(404)
    return found


def _kept(event: Event, sess: EventSession) -> KeptUpload:
    return KeptUpload(KIND, "online_report", event_id=event.id, session_id=sess.id)


@bp.get("/events/<int:event_id>/attendance/online")
@allow(TEACHING)
def page(event_id: int):
    event = load_event(event_id, "mark")
    if not event.sessions:
        abort(404)
    chosen = request.args.get("session") or event.sessions[0].id
    sess = _session_or_404(event, chosen)
    data = _kept(event, sess).read()
    report = online_report.plan(event, sess, data) if data is not None else None
    percent, late = online_report.settings(event)
    thresholds = ThresholdsForm(percent=event.online_present_percent,
                                late_minutes=event.online_late_minutes)
    return render_template(
        "attendance/online_report.html", event=event, selected=sess, report=report,
        upload_form=ReportUploadForm(), apply_form=ApplyForm(), percent=percent, late=late,
        thresholds=thresholds if manages_event(current_user, event) else None)


@bp.post("/events/<int:event_id>/attendance/online/thresholds")
@allow(TEACHING)
def thresholds(event_id: int):
    event = load_event(event_id, "manage")
    form = ThresholdsForm()
    if form.validate_on_submit():
        with attempt() as done:
            online_report.set_thresholds(event, current_user, form.percent.data,
                                         form.late_minutes.data)
        if done:
            flash(_("The thresholds have been saved."), "success")
    else:
        flash(_("The share must be from 1 to 100 percent and the minutes from 0 to 240."),
              "danger")
    return redirect(url_for(".page", event_id=event.id, session=request.args.get("session")))


@bp.post("/events/<int:event_id>/attendance/online")
@allow(TEACHING)
@limiter.limit("30 per hour", methods=["POST"])
def upload(event_id: int):
    event = load_event(event_id, "mark")
    sess = _session_or_404(event, request.args.get("session"))
    form = ReportUploadForm()
    if form.validate_on_submit():
        data = form.file.data.stream.read(online_report.MAX_BYTES + 1)
        report = online_report.plan(event, sess, data)
        if report.ok:
            _kept(event, sess).keep(data)
        else:
            for error in report.errors:
                flash(error, "danger")
    else:
        flash(_("Choose the report file."), "warning")
    return redirect(url_for(".page", event_id=event.id, session=sess.id))


@bp.post("/events/<int:event_id>/attendance/online/apply")
@allow(TEACHING)
def apply(event_id: int):
    event = load_event(event_id, "mark")
    sess = _session_or_404(event, request.args.get("session"))
    form = ApplyForm()
    back = redirect(url_for(".page", event_id=event.id, session=sess.id))
    if not form.validate_on_submit():
        return back
    report = apply_upload(_kept(event, sess), lambda data: online_report.apply(
        event, sess, data, current_user, accept_names={i for i in form.accept.data or () if i},
        replace_own=form.replace_own.data))
    if report is None:
        return back
    if not report.ok:
        for error in report.errors:
            flash(error, "danger")
        return back
    if report.changed:
        flash(ngettext("%(num)d mark saved.", "%(num)d marks saved.", report.changed),
              "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("attendance.sheet", event_id=event.id, session=sess.id))
