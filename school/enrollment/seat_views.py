"""Pages of issue 22 (1–5): replace a participant, move one to another date, add a walk-in
from the attendance sheet, the event's seat rules (held seats, two-step approval), and the
`flask release-held-seats` command. Registered on the enrolment blueprint."""

from __future__ import annotations

import click
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school.accounts.models import User
from school.accounts.services import people_query
from school.catalog.models import EventQuota
from school.core.edge import attempt
from school.core.text import one_line
from school.core.utils import optional_int
from school.enrollment import holds, services, substitutions, transfers, walkins
from school.enrollment.models import Enrollment
from school.enrollment.seat_forms import (
    QuotaModeForm,
    SubstituteForm,
    TransferForm,
    TwoStepForm,
    WalkInForm,
)
from school.enrollment.views import bp
from school.errors import DomainError
from school.extensions import db
from school.permissions import STAFF, TEACHING, allow, can, load_enrollment, load_event


def _me() -> User:
    return current_user._get_current_object()


def _back_to_roster(enrollment: Enrollment):
    return redirect(url_for("enrollment.roster", event_id=enrollment.event_id))


# --- 1 substitution ------------------------------------------------------------------


@bp.route("/enrollments/<int:enrollment_id>/substitute", methods=["GET", "POST"])
@allow(STAFF)
def substitute(enrollment_id: int):
    enrollment = load_enrollment(enrollment_id, "manage_enrollment")
    me = _me()
    form = SubstituteForm()
    status = 200
    if form.validate_on_submit():
        person = db.session.get(User, optional_int(form.person_id.data) or 0)
        with attempt(form) as done:
            if person is None:
                raise DomainError("person_required", _("Choose the person who comes instead."))
            new = substitutions.substitute(enrollment, person, me, form.reason.data)
        if done:
            flash(_("%(old)s is replaced by %(new)s.", old=enrollment.user.full_name,
                    new=new.user.full_name), "success")
            return _back_to_roster(enrollment)
        status = 400
    elif request.method == "POST":
        status = 400
    q = one_line(request.args.get("q"), 100)
    people = []
    if len(q) >= 3:
        people = list(db.session.scalars(people_query(me, search=q).where(
            User.active.is_(True), User.id != enrollment.user_id).limit(20)))
    return render_template("enrollment/substitute.html", enrollment=enrollment,
                           event=enrollment.event, form=form, q=q, people=people), status


# --- 3 transfer ----------------------------------------------------------------------


@bp.route("/enrollments/<int:enrollment_id>/transfer", methods=["GET", "POST"])
@allow(STAFF)
def transfer(enrollment_id: int):
    enrollment = load_enrollment(enrollment_id, "manage_enrollment")
    form = TransferForm()
    choices = transfers.targets(enrollment)
    form.target.choices = [(e.id, f"{e.starts_on.strftime('%d.%m.%Y')} · {e.title}")
                           for e in choices]
    status = 200
    if form.validate_on_submit():
        target = next((e for e in choices if e.id == form.target.data), None)
        with attempt(form) as done:
            if target is None:
                raise DomainError("target_required", _("Choose the event."), field="target")
            new = transfers.transfer(enrollment, target, _me(), form.reason.data)
        if done:
            flash(_("Moved: %(name)s, %(status)s.", name=new.user.full_name,
                    status=new.status.label), "success")
            return _back_to_roster(enrollment)
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("enrollment/transfer.html", enrollment=enrollment,
                           event=enrollment.event, form=form, choices=choices), status


# --- 2 walk-ins ----------------------------------------------------------------------


@bp.route("/events/<int:event_id>/walk-in", methods=["GET", "POST"])
@allow(TEACHING)
def walk_in(event_id: int):
    event = load_event(event_id, "mark")
    me = _me()
    form = WalkInForm()
    status = 200
    if form.validate_on_submit():
        with attempt(form) as done:
            person_id = optional_int(form.person_id.data)
            if person_id:
                person = db.session.get(User, person_id)
                if person is None or not person.active:
                    raise DomainError("person_required", _("Choose a person from the list."))
            else:
                person = walkins.new_person(
                    full_name=form.full_name.data, email=form.email.data,
                    phone=form.phone.data, consent=form.consent.data, actor=me,
                    locale=str(get_locale() or "ru"))
            row = walkins.add_walk_in(event, person, me, reason=form.reason.data)
        if done:
            flash(_("%(name)s is added to the sheet.", name=row.user.full_name), "success")
            return redirect(url_for("attendance.sheet", event_id=event.id))
        status = 400
    elif request.method == "POST":
        status = 400
    q = one_line(request.args.get("q"), 100)
    people = walkins.search_people(q, me)
    seats = services.Seats.count(event)
    return render_template("enrollment/walk_in.html", event=event, form=form, q=q,
                           people=people, seats=seats,
                           by_name=walkins.searches_by_name(me)), status


# --- 4, 5 seat rules -------------------------------------------------------------------


@bp.route("/events/<int:event_id>/seat-rules", methods=["GET", "POST"])
@allow(STAFF)
def seat_rules(event_id: int):
    event = load_event(event_id, "manage")
    me = _me()
    quotas = list(db.session.scalars(
        select(EventQuota).where(EventQuota.event_id == event.id).order_by(EventQuota.id)))
    form = QuotaModeForm(prefix="quota")
    steps = TwoStepForm(prefix="steps", obj=event.program)
    status = 200
    if request.method == "POST" and request.form.get("what") == "steps":
        if not can(me, "set_approval_steps", event.program):
            abort(404)
        if steps.validate_on_submit():
            from school.audit.services import record

            with attempt(steps) as done:
                event.program.two_step_approval = steps.two_step_approval.data
                event.program.hold_seat_first_step = steps.hold_seat_first_step.data
                record(me, "program.approval_steps", event.program,
                       two_step=steps.two_step_approval.data,
                       hold_seat=steps.hold_seat_first_step.data)
            if done:
                flash(_("Saved."), "success")
                return redirect(url_for(".seat_rules", event_id=event.id))
        status = 400
    elif request.method == "POST":
        if form.validate_on_submit():
            quota = next((q for q in quotas if q.id == optional_int(form.quota_id.data)), None)
            if quota is None:
                abort(404)
            with attempt(form) as done:
                holds.set_mode(quota, form.mode.data, form.release_on.data, me)
            if done:
                flash(_("Saved."), "success")
                return redirect(url_for(".seat_rules", event_id=event.id))
            status = 400
        else:
            status = 400
    return render_template(
        "enrollment/seat_rules.html", event=event, quotas=quotas, form=form, steps=steps,
        seats=services.Seats.count(event), release_date=holds.release_date), status


# --- command line ----------------------------------------------------------------------


@bp.cli.command("release-held-seats")
def release_held_seats_command():
    """Warn of and release held seats that are due; safe to run every hour."""
    result = holds.release_due()
    click.echo("held seats: warned {warned}, released {released}, promoted {promoted}"
               .format(**result))
