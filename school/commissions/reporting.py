"""Figures for other pages: the yearly report's "commission members trained" by region and
the person's own panel on /my."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select

from school.catalog.models import Event
from school.commissions.models import Body, Member, Requirement, requirement_program
from school.commissions.services import counting_events
from school.commissions.status import Filters, Line, compute, counting_completion
from school.enrollment.models import ACTIVE_STATUSES, Enrollment
from school.extensions import db
from school.orgs.models import Branch, Region
from school.permissions import scope_to_branches


@dataclass
class RegionFigure:
    region: Region | None
    people: int


def trained_by_region(year: int, viewer) -> tuple[list[RegionFigure], int]:
    """People who sat on a body during `year` and completed, in an event that ended that
    year, a programme counting for their body and role; by the body's region, and the
    total of distinct people (a person on bodies in two regions counts once in it)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    base = (
        select(Branch.region_id.label("region_id"), Member.user_id.label("user_id"))
        .join(Body, Body.id == Member.body_id)
        .join(Branch, Branch.id == Body.branch_id)
        .join(Enrollment, Enrollment.user_id == Member.user_id)
        .join(Event, Event.id == Enrollment.event_id)
        .join(requirement_program, requirement_program.c.program_id == Event.program_id)
        .join(Requirement, and_(
            Requirement.id == requirement_program.c.requirement_id,
            Requirement.body_kind == Body.kind,
            or_(Requirement.role.is_(None), Requirement.role == Member.role)))
        .where(counting_completion(), Event.ends_on.between(first, last),
               Member.term_start <= last,
               or_(Member.term_end.is_(None), Member.term_end >= first))
    )
    base = scope_to_branches(base, Body.branch_id, viewer).subquery()
    counts = dict(db.session.execute(
        select(base.c.region_id, func.count(base.c.user_id.distinct())).group_by(
            base.c.region_id)
    ).all())
    total = db.session.scalar(select(func.count(base.c.user_id.distinct()))) or 0
    regions = {r.id: r for r in db.session.scalars(
        select(Region).where(Region.id.in_(counts)).order_by(Region.sort_order))}
    figures = [RegionFigure(regions.get(rid), n) for rid, n in counts.items()]
    figures.sort(key=lambda f: (f.region.sort_order if f.region else 10**6,
                                f.region.id if f.region else 0))
    return figures, total


@dataclass
class PanelItem:
    line: Line
    events: list[Event]
    enrolled: dict[int, Enrollment]  # event id → the person's active enrolment


def my_panel(user) -> list[PanelItem]:
    """The person's current memberships with their status and the events that count."""
    lines = compute(None, filters=Filters(person_id=user.id))
    if not lines:
        return []
    program_ids = {p.id for ln in lines for p in ln.requirement.programs}
    events = counting_events(program_ids, limit=20)
    enrolled = {e.event_id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id,
                                 Enrollment.event_id.in_([ev.id for ev in events]),
                                 Enrollment.status.in_(ACTIVE_STATUSES)))} if events else {}
    items = []
    for ln in lines:
        mine = {p.id for p in ln.requirement.programs}
        items.append(PanelItem(ln, [ev for ev in events if ev.program_id in mine][:3], enrolled))
    return items
