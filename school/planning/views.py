"""Pages of the planning feature: the year's plans, one plan, its lines and its states.

Consolidation, actuals and the calendar are in `pages_reports`, the chair's organisation
in `pages_chair`; both add their routes to this blueprint.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.catalog.models import Program
from school.core.edge import attempt
from school.core.utils import optional_int
from school.extensions import db
from school.permissions import PLANNING, allow
from school.planning import calendar, services
from school.planning.forms import (
    BudgetForm,
    CommentForm,
    HeadcountForm,
    PlanEventForm,
    ReasonForm,
    program_choices,
)
from school.planning.models import Plan, PlanLevel, PlanState
from school.planning.tree import editable_units, may_decide, may_edit, may_view

bp = Blueprint("planning", __name__, url_prefix="/plans")


@bp.app_template_filter("tenge")
def tenge_filter(tiyn) -> str:
    return services.format_tenge(tiyn)


@bp.app_template_filter("category_label")
def category_label_filter(value) -> str:
    from school.accounts.models import Category

    try:
        return Category(value).label
    except ValueError:
        return str(value or "")


def year_arg() -> int:
    year = optional_int(request.args.get("year")) or date.today().year + 1
    return year if 2000 <= year <= 2100 else date.today().year


def load_plan(plan_id: int) -> Plan:
    """404 for a plan the person may not see, as for one that does not exist."""
    plan = db.session.scalar(
        select(Plan).where(Plan.id == plan_id).options(
            selectinload(Plan.headcounts), selectinload(Plan.budget),
            selectinload(Plan.events), selectinload(Plan.revisions))
    ) if 0 < plan_id < 2**31 else None
    if plan is None or not may_view(current_user, plan):
        abort(404)
    return plan


def _submitted_to_me(year: int) -> list[Plan]:
    """Submitted plans of the year that the person may decide on."""
    plans = db.session.scalars(
        select(Plan).where(Plan.year == year, Plan.state == PlanState.submitted)
        .options(selectinload(Plan.organization), selectinload(Plan.branch),
                 selectinload(Plan.union))
        .order_by(Plan.submitted_at).limit(500))
    return [p for p in plans if may_decide(current_user, p)]


@bp.get("/")
@allow(PLANNING)
def index():
    year = year_arg()
    units = editable_units(current_user)
    mine = [(unit, services.unit_record(unit), services.find_plan(unit, year))
            for unit in units]
    return render_template(
        "planning/index.html", year=year, mine=mine, to_decide=_submitted_to_me(year),
        deadlines=calendar.deadlines(year), levels=list(PlanLevel),
    )


@bp.post("/open")
@allow(PLANNING)
def open_plan():
    year = optional_int(request.form.get("year")) or 0
    try:
        level = PlanLevel(request.form.get("level", ""))
    except ValueError:
        abort(400)
    ident = optional_int(request.form.get("unit_id")) or 0
    with attempt(show=False) as done:
        plan = services.open_plan((level, ident), year, current_user)
    if not done:
        if done.error.status in (403, 404):
            abort(404)
        done.show_error()
        return redirect(url_for("planning.index"))
    return redirect(url_for("planning.plan", plan_id=plan.id))


def _line_forms(plan: Plan) -> dict:
    programs = program_choices(db.session.scalars(
        select(Program).where(Program.active.is_(True)).order_by(Program.code)))
    forms = {"headcount": HeadcountForm(prefix="h"), "budget": BudgetForm(prefix="b"),
             "event": PlanEventForm(prefix="e")}
    for form in forms.values():
        form.program_id.choices = programs
    return forms


def _render_plan(plan: Plan, forms=None, comment_form=None, reason_form=None, status=200):
    return render_template(
        "planning/plan.html", plan=plan, forms=forms or _line_forms(plan),
        comment_form=comment_form or CommentForm(), reason_form=reason_form or ReasonForm(),
        can_edit=may_edit(current_user, plan) and plan.state.editable,
        can_reopen=may_edit(current_user, plan) and plan.state is PlanState.approved,
        can_decide=may_decide(current_user, plan) and plan.state is PlanState.submitted,
        diffs=services.differences(plan), unit_name=services.unit_name(plan),
    ), status


@bp.get("/<int:plan_id>")
@allow(PLANNING)
def plan(plan_id: int):
    return _render_plan(load_plan(plan_id))


@bp.post("/<int:plan_id>/lines/<kind>")
@allow(PLANNING)
def add_line(plan_id: int, kind: str):
    plan = load_plan(plan_id)
    forms = _line_forms(plan)
    form = forms.get(kind)
    if form is None:
        abort(404)
    if form.validate_on_submit():
        data = {k: f.data for k, f in form._fields.items() if k != "csrf_token"}
        adder = {"headcount": services.add_headcount, "budget": services.add_budget,
                 "event": services.add_event}[kind]
        with attempt(form) as done:
            adder(plan, current_user, **data)
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for("planning.plan", plan_id=plan.id) + f"#{kind}")
        if done.error.status in (403, 404):
            abort(done.error.status)
    return _render_plan(load_plan(plan_id), forms=forms, status=400)


@bp.post("/<int:plan_id>/lines/<kind>/<int:line_id>/delete")
@allow(PLANNING)
def remove_line(plan_id: int, kind: str, line_id: int):
    plan = load_plan(plan_id)
    return _act(plan, lambda: services.remove_line(plan, current_user, kind, line_id),
                _("Removed."))


def _act(plan: Plan, action, message: str):
    with attempt(abort_on=(403, 404)) as done:
        action()
    if done:
        flash(message, "success")
    return redirect(url_for("planning.plan", plan_id=plan.id))


@bp.post("/<int:plan_id>/submit")
@allow(PLANNING)
def submit(plan_id: int):
    plan = load_plan(plan_id)
    return _act(plan, lambda: services.submit(plan, current_user), _("The plan is submitted."))


@bp.post("/<int:plan_id>/approve")
@allow(PLANNING)
def approve(plan_id: int):
    plan = load_plan(plan_id)
    return _act(plan, lambda: services.approve(plan, current_user), _("The plan is approved."))


@bp.post("/<int:plan_id>/return")
@allow(PLANNING)
def return_plan(plan_id: int):
    plan = load_plan(plan_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_plan(plan, comment_form=form, status=400)
    return _act(plan, lambda: services.return_plan(plan, current_user, form.comment.data),
                _("The plan is returned to its author."))


@bp.post("/<int:plan_id>/reopen")
@allow(PLANNING)
def reopen(plan_id: int):
    plan = load_plan(plan_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render_plan(plan, reason_form=form, status=400)
    return _act(plan, lambda: services.reopen(plan, current_user, form.reason.data),
                _("A new revision of the plan is open."))


from school.planning import pages_chair, pages_reports  # noqa: E402,F401  (their routes)
