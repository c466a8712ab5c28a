"""Consolidated plans, progress of submission, actuals, event costs and the calendar."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school.catalog.models import Program
from school.core.edge import attempt
from school.core.exports import download
from school.core.utils import get_or_404, optional_int
from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization, Region
from school.permissions import (
    ADMIN,
    PLANNING,
    STAFF,
    allow,
    coordinator_scope,
    load_event,
    visible_branch_ids,
)
from school.planning import actuals, calendar, exports
from school.planning.consolidate import consolidate
from school.planning.forms import CalendarForm
from school.planning.models import BudgetLine, Plan, PlanLevel
from school.planning.views import bp, year_arg


def _scope(union_filter: int | None):
    """(union ids, branch ids, visible units or None) for the current person."""
    if current_user.has_role("admin"):
        unions = {union_filter} if union_filter else None
        return unions, None, None
    unions, _branches = coordinator_scope(current_user)
    branch_ids = visible_branch_ids(current_user) or set()
    union_ids = set(unions) | set(db.session.scalars(
        select(Branch.union_id).where(Branch.id.in_(branch_ids or [0]))))
    if union_filter:
        union_ids &= {union_filter}
    visible = {(PlanLevel.union, u) for u in unions}
    for b in db.session.scalars(select(Branch).where(Branch.id.in_(branch_ids or [0]))):
        visible.add((PlanLevel.local if b.parent_id else PlanLevel.branch, b.id))
    return union_ids, branch_ids, visible


def _breakdown(cons, units):
    """The figures of the top visible units, summed: by category × programme and by
    budget line × programme."""
    total: dict = {}
    for unit in units:
        parent = cons.tree.parent_of(unit)
        if parent in units:
            continue
        for key, (people, tiyn) in cons.consolidated.get(unit, {}).items():
            cell = total.setdefault(key, [0, 0])
            cell[0] += people
            cell[1] += tiyn
    people = sorted(((k, v[0]) for k, v in total.items() if k[0]), key=lambda x: (x[0][0],
                                                                                  x[0][1] or 0))
    money = sorted(((k, v[1]) for k, v in total.items() if k[2]), key=lambda x: (x[0][2],
                                                                                 x[0][1] or 0))
    return people, money


@bp.get("/consolidated")
@allow(STAFF)
def consolidated():
    year = year_arg()
    union_filter = optional_int(request.args.get("union_id"))
    union_ids, branch_ids, visible = _scope(union_filter)
    fmt = request.args.get("format")
    # The page shows unions, branches and local unions: organisations are summed in SQL.
    cons = consolidate(year, union_ids, branch_ids, organisations=fmt in ("csv", "xlsx"))
    if fmt == "csv":
        return download(exports.consolidated_csv(cons, visible), f"plans-{year}.csv", "csv")
    if fmt == "xlsx":
        return download(exports.consolidated_xlsx(cons, visible), f"plans-{year}.xlsx",
                        "xlsx")
    units = [u for u in cons.units() if visible is None or u in visible]
    actual = actuals.actuals(cons)
    people, money = _breakdown(cons, set(units))
    programs = {p.id: p for p in db.session.scalars(select(Program))}
    return render_template(
        "planning/consolidated.html", year=year, cons=cons, units=units, actual=actual,
        people=people, money=money, programs=programs, union_filter=union_filter,
        unions=list(cons.tree.unions.values()), line_labels=BudgetLine.labels(),
        deadlines=calendar.deadlines(year),
    )


@bp.get("/progress/<int:branch_id>")
@allow(STAFF)
def progress(branch_id: int):
    """A branch's or local union's organisations with their plan's state: who has not
    submitted yet."""
    year = year_arg()
    branch = get_or_404(Branch, branch_id)
    ids = visible_branch_ids(current_user)
    if ids is not None and branch.id not in ids:
        abort(404)
    query = (
        select(PrimaryOrganization, Plan)
        .outerjoin(Plan, (Plan.organization_id == PrimaryOrganization.id) & (Plan.year == year))
        .where(PrimaryOrganization.branch_id == branch.id)
        .order_by(Plan.state.is_(None).desc(), PrimaryOrganization.name_ru)
    )
    total = db.session.scalar(select(db.func.count()).select_from(
        select(PrimaryOrganization.id).where(PrimaryOrganization.branch_id == branch.id)
        .subquery()))
    page = optional_int(request.args.get("page")) or 1
    page = max(1, min(page, 10_000))
    rows = db.session.execute(query.limit(100).offset((page - 1) * 100)).all()
    pages = max(1, -(-total // 100))
    locals_ = db.session.execute(
        select(Branch, Plan).outerjoin(Plan, (Plan.branch_id == Branch.id) & (Plan.year == year))
        .where(Branch.parent_id == branch.id).order_by(Branch.name_ru)).all()
    return render_template("planning/progress.html", year=year, branch=branch, rows=rows,
                           locals_=locals_, page=page, pages=pages, total=total)


@bp.get("/actuals")
@allow(STAFF)
def actuals_page():
    year = year_arg()
    union_ids, branch_ids, visible = _scope(optional_int(request.args.get("union_id")))
    cons = consolidate(year, union_ids, branch_ids, organisations=False)
    units = [u for u in cons.units() if visible is None or u in visible]
    actual = actuals.actuals(cons)
    if request.args.get("format") == "xlsx":
        return download(exports.plan_vs_actual_xlsx(cons, actual, units),
                        f"plan-vs-actual-{year}.xlsx", "xlsx")
    if request.args.get("format") == "csv":
        return download(exports.plan_vs_actual_csv(cons, actual, units),
                        f"plan-vs-actual-{year}.csv", "csv")
    query_branches = branch_ids
    events = actuals.events_with_costs(year, query_branches)
    per_person = actuals.cost_per_person(year, query_branches)
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    programs = {p.id: p for p in db.session.scalars(select(Program))}
    return render_template("planning/actuals.html", year=year, cons=cons, units=units,
                           actual=actual, events=events, per_person=per_person,
                           regions=regions, programs=programs)


@bp.route("/events/<int:event_id>/costs", methods=["GET", "POST"])
@allow(STAFF)
def event_costs(event_id: int):
    event = load_event(event_id, "manage")
    errors: dict[str, str] = {}
    values = {line.value: request.form.get(line.value, "") for line in BudgetLine}
    if request.method == "POST":
        with attempt(show=False) as done:
            actuals.save_costs(event, values, current_user)
        if not done:
            errors[done.error.field or ""] = str(done.error.message)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("planning.event_costs", event_id=event.id))
    else:
        from school.planning.services import format_tenge

        values = {line.value: format_tenge(v).replace("\u202f", " ")
                  for line, v in actuals.costs_of(event).items()}
    return render_template("planning/event_costs.html", event=event, values=values,
                           errors=errors, labels=BudgetLine.labels()), (400 if errors else 200)


@bp.get("/calendar")
@allow(PLANNING)
def calendar_page():
    year = year_arg()
    current = calendar.deadlines(year)
    form = CalendarForm(data={level.value: row.due_on for level, row in current.items()})
    return render_template("planning/calendar.html", year=year, form=form, current=current,
                           levels=list(PlanLevel))


@bp.post("/calendar")
@allow(ADMIN)
def save_calendar():
    year = optional_int(request.form.get("year")) or 0
    form = CalendarForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            calendar.save_deadlines(year, {level.value: form[level.value].data
                                           for level in PlanLevel}, current_user)
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for("planning.calendar_page", year=year))
    return render_template("planning/calendar.html", year=year, form=form,
                           current=calendar.deadlines(year), levels=list(PlanLevel)), 400


@bp.cli.command("send-reminders")
def send_reminders_command():
    """Mail units that have not submitted their plan, the week before each deadline."""
    from school.timeutil import local_today

    sent = calendar.send_reminders(local_today())
    db.session.commit()
    print(f"planning reminders sent: {sent}")

