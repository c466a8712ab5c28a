"""Actuals: what each event cost by budget line, plan against actual, cost per person.

"Trained" is a completed enrolment of an event that ended in the year, counted by the
enrolment's snapshot (its branch and organisation then), as in the yearly report. Costs
belong to the unit that organised the event.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from school.catalog.models import Event, EventStatus
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.planning.consolidate import Consolidation
from school.planning.models import BudgetLine, EventCost, PlanLevel
from school.planning.services import parse_tenge
from school.planning.tree import Unit


def _year(year: int):
    return Event.ends_on.between(date(year, 1, 1), date(year, 12, 31))


def costs_of(event: Event) -> dict[BudgetLine, int]:
    rows = db.session.scalars(select(EventCost).where(EventCost.event_id == event.id))
    return {r.line: r.amount_tiyn for r in rows}


def save_costs(event: Event, amounts: dict[str, str], actor) -> None:
    """Set every budget line of the event at once; an empty field removes the line."""
    if event.status is EventStatus.cancelled:
        raise DomainError("event_cancelled", _l("A cancelled event has no costs."))
    current = {r.line: r for r in db.session.scalars(
        select(EventCost).where(EventCost.event_id == event.id))}
    parsed = {}
    for line in BudgetLine:
        text = (amounts.get(line.value) or "").strip()
        if text:
            try:
                parsed[line] = parse_tenge(text)
            except DomainError as e:
                raise DomainError(e.code, e.message, field=line.value) from None
    for line in BudgetLine:
        row = current.get(line)
        if line in parsed:
            if row is None:
                db.session.add(EventCost(event_id=event.id, line=line,
                                         amount_tiyn=parsed[line], updated_by_id=actor.id))
            else:
                row.amount_tiyn, row.updated_by_id = parsed[line], actor.id
        elif row is not None:
            db.session.delete(row)
    db.session.flush()
    from school.audit.services import record

    record(actor, "event.costs", event, total=sum(parsed.values()))


def events_with_costs(year: int, branch_ids: set[int] | None):
    """The year's events (scoped to organiser branches), each with its cost total."""
    total = func.coalesce(func.sum(EventCost.amount_tiyn), 0)
    q = (
        select(Event, total)
        .outerjoin(EventCost, EventCost.event_id == Event.id)
        .where(_year(year), Event.status != EventStatus.cancelled)
        .group_by(Event.id)
        .order_by(Event.starts_on, Event.id)
        .options(joinedload(Event.program))
    )
    if branch_ids is not None:
        q = q.where(Event.organizer_branch_id.in_(branch_ids or [0]))
    return db.session.execute(q).all()


def actuals(cons: Consolidation) -> dict[Unit, list[int]]:
    """Unit → [people trained, tiyn spent] for every union, branch and local of the
    consolidation, rolled up the tree. Two queries."""
    year = cons.year
    tree = cons.tree
    out: dict[Unit, list[int]] = defaultdict(lambda: [0, 0])
    people = db.session.execute(
        select(Enrollment.branch_id, Enrollment.union_id, func.count())
        .join(Event, Event.id == Enrollment.event_id)
        .where(_year(year), Enrollment.status == EnrollmentStatus.completed)
        .group_by(Enrollment.branch_id, Enrollment.union_id)
    )
    for branch_id, union_id, n in people:
        if branch_id in tree.branches:
            out[(tree.level_of(tree.branches[branch_id]), branch_id)][0] += n
        elif branch_id is None and union_id in tree.unions:
            out[(PlanLevel.union, union_id)][0] += n
    spent = db.session.execute(
        select(Event.organizer_branch_id, Event.organizer_union_id,
               func.sum(EventCost.amount_tiyn))
        .join(EventCost, EventCost.event_id == Event.id)
        .where(_year(year))
        .group_by(Event.organizer_branch_id, Event.organizer_union_id)
    )
    for branch_id, union_id, tiyn in spent:
        if branch_id in tree.branches:
            out[(tree.level_of(tree.branches[branch_id]), branch_id)][1] += int(tiyn or 0)
        elif branch_id is None and union_id in tree.unions:
            out[(PlanLevel.union, union_id)][1] += int(tiyn or 0)
    # Roll up: locals into branches first, so a branch carries its locals into the union.
    rolled: dict[Unit, list[int]] = {u: list(v) for u, v in out.items()}
    for level in (PlanLevel.local, PlanLevel.branch):
        for unit in [u for u in list(rolled) if u[0] is level]:
            parent = tree.parent_of(unit)
            if parent is not None:
                cell = rolled.setdefault(parent, [0, 0])
                cell[0] += rolled[unit][0]
                cell[1] += rolled[unit][1]
    return rolled


def cost_per_person(year: int, branch_ids: set[int] | None):
    """Rows (region id, programme id, tiyn, people trained, tiyn per person) for events
    of the year that have costs entered, by the event's region and programme."""
    cost_q = (
        select(Event.region_id, Event.program_id, func.sum(EventCost.amount_tiyn))
        .join(EventCost, EventCost.event_id == Event.id)
        .where(_year(year))
        .group_by(Event.region_id, Event.program_id)
    )
    costed = select(EventCost.event_id).distinct().scalar_subquery()
    people_q = (
        select(Event.region_id, Event.program_id, func.count())
        .join(Enrollment, Enrollment.event_id == Event.id)
        .where(_year(year), Enrollment.status == EnrollmentStatus.completed,
               Event.id.in_(costed))
        .group_by(Event.region_id, Event.program_id)
    )
    if branch_ids is not None:
        cost_q = cost_q.where(Event.organizer_branch_id.in_(branch_ids or [0]))
        people_q = people_q.where(Event.organizer_branch_id.in_(branch_ids or [0]))
    people = {(r, p): n for r, p, n in db.session.execute(people_q)}
    rows = []
    for region_id, program_id, tiyn in db.session.execute(cost_q):
        n = people.get((region_id, program_id), 0)
        tiyn = int(tiyn or 0)
        rows.append((region_id, program_id, tiyn, n, (tiyn // n) if n else None))
    return rows
