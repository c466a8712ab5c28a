"""The planning calendar (a submission date per level and year) and its reminder mail."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.accounts.models import Role, RoleGrant, User
from school.audit.services import record
from school.errors import DomainError
from school.extensions import db
from school.mail import absolute_url, queue_mail
from school.orgs.models import Branch, PrimaryOrganization, SectoralUnion
from school.planning.models import Plan, PlanDeadline, PlanLevel, PlanReminder, PlanState

DONE = (PlanState.submitted, PlanState.approved)


def deadlines(year: int) -> dict[PlanLevel, PlanDeadline]:
    rows = db.session.scalars(select(PlanDeadline).where(PlanDeadline.year == year))
    return {d.level: d for d in rows}


def save_deadlines(year: int, dates: dict[str, date | None], actor) -> None:
    """Set or clear each level's date; organisations first, the union last."""
    if not 2000 <= year <= 2100:
        raise DomainError("year_invalid", _l("Choose a year between 2000 and 2100."))
    chosen = {PlanLevel(k): v for k, v in dates.items() if v is not None}
    order = [PlanLevel.organisation, PlanLevel.local, PlanLevel.branch, PlanLevel.union]
    seen = [chosen[level] for level in order if level in chosen]
    if seen != sorted(seen):
        raise DomainError("deadline_order", _l(
            "Lower levels submit first: organisations, then local unions, branches, the union."))
    current = deadlines(year)
    for level in PlanLevel:
        row = current.get(level)
        if level in chosen:
            if row is None:
                db.session.add(PlanDeadline(year=year, level=level, due_on=chosen[level]))
            else:
                row.due_on = chosen[level]
        elif row is not None:
            db.session.delete(row)
    db.session.flush()
    record(actor, "plan.deadlines", None, object_type="plan_deadline", year=year)


def _responsible(level: PlanLevel) -> list[tuple[str, User, str]]:
    """(unit key, person, unit name) for every unit of `level` that has someone to tell."""
    q = select(RoleGrant, User).join(User, User.id == RoleGrant.user_id).where(
        User.active.is_(True))
    # The unit's table, the grant's column naming it, who answers for it, what names it.
    if level is PlanLevel.organisation:
        unit, link, role, name, where = (PrimaryOrganization, RoleGrant.primary_org_id,
                                         Role.chair, "name", ())
    elif level is PlanLevel.union:
        unit, link, role, name, where = (SectoralUnion, RoleGrant.union_id, Role.coordinator,
                                         "short_name", ())
    else:
        parent_test = Branch.parent_id.is_not(None) if level is PlanLevel.local else (
            Branch.parent_id.is_(None))
        unit, link, role, name, where = (Branch, RoleGrant.branch_id, Role.coordinator, "name",
                                         (parent_test,))
    q = q.add_columns(unit).join(unit, unit.id == link).where(RoleGrant.role == role, *where)
    return [(f"{level.value}:{found.id}", user, getattr(found, name))
            for _grant, user, found in db.session.execute(q)]


def _done_units(year: int) -> set[str]:
    rows = db.session.execute(
        select(Plan.level, Plan.union_id, Plan.branch_id, Plan.organization_id).where(
            Plan.year == year, Plan.state.in_(DONE)))
    done = set()
    for level, union_id, branch_id, org_id in rows:
        ident = {PlanLevel.union: union_id, PlanLevel.organisation: org_id}.get(level, branch_id)
        done.add(f"{level.value}:{ident}")
    return done


def send_reminders(today: date, days: int = 7) -> int:
    """Mail everyone whose unit has not submitted, once per deadline, from `days` before it
    to the day itself. Safe to run every hour: a sent reminder is recorded and not repeated.
    The caller commits (the letters leave after the commit)."""
    due = db.session.scalars(select(PlanDeadline).where(
        PlanDeadline.due_on >= today, PlanDeadline.due_on <= today + timedelta(days=days)))
    sent = 0
    for deadline in due:
        done = _done_units(deadline.year)
        already = set(db.session.execute(
            select(PlanReminder.user_id, PlanReminder.unit_key).where(
                PlanReminder.deadline_id == deadline.id)))
        for unit_key, user, unit_name in _responsible(deadline.level):
            if unit_key in done or (user.id, unit_key) in already:
                continue
            db.session.add(PlanReminder(deadline_id=deadline.id, user_id=user.id,
                                        unit_key=unit_key))
            already.add((user.id, unit_key))
            queue_mail(user.email, "planning_reminder", locale=user.locale, user=user,
                       year=deadline.year, unit_name=unit_name,
                       due_on=deadline.due_on,
                       link=absolute_url("planning.index", year=deadline.year))
            sent += 1
    db.session.flush()
    return sent
