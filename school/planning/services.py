"""Plans: drawing up lines, submitting, approving, returning, reopening for a revision.

States: draft → submitted → approved, or submitted → returned (with a comment, the author
is told) → submitted again. An approved plan is frozen; changing it opens a revision: the
approved lines are kept as a snapshot and the plan is a draft again, its differences from
the snapshot shown until it is approved anew.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from school.accounts.models import Category, User
from school.audit.services import record
from school.catalog.models import EventKind, Program
from school.core.text import one_line
from school.dbtypes import utcnow
from school.errors import DomainError
from school.extensions import db
from school.mail import absolute_url, queue_mail
from school.orgs.models import Branch, PrimaryOrganization, SectoralUnion
from school.planning.models import (
    BudgetLine,
    FundingSource,
    Plan,
    PlanBudget,
    PlanEvent,
    PlanHeadcount,
    PlanLevel,
    PlanRevision,
    PlanState,
)
from school.planning.tree import Unit, may_decide, may_edit, may_view

MAX_PEOPLE = 1_000_000


def parse_tenge(text: str | None) -> int:
    """Tenge as people type them ("1 250 000", "1250000,50", "1 250 000.5 ₸") → tiyn."""
    cleaned = "".join((text or "").split()).replace("₸", "").replace(",", ".")
    # Digits with at most two decimals (tiyn): no signs, exponents, NaN or thousands of
    # digits that would stall Decimal.
    if not re.fullmatch(r"[0-9]{1,13}(\.[0-9]{1,2})?", cleaned):
        raise DomainError("amount_invalid", _l("Enter the amount in tenge, e.g. 150000."),
                          field="amount")
    tiyn = int(Decimal(cleaned) * 100)
    return tiyn


def format_tenge(tiyn: int | None) -> str:
    """1 250 000 or 1 250 000,50 (thin spaces between thousands, as written in Kazakhstan)."""
    tiyn = int(tiyn or 0)
    whole, part = divmod(abs(tiyn), 100)
    text = f"{whole:,}".replace(",", "\u202f")
    if part:
        text += f",{part:02d}"
    return ("−" if tiyn < 0 else "") + text


# --- finding and opening plans -------------------------------------------------------------


def unit_record(unit: Unit):
    level, ident = unit
    model = {PlanLevel.union: SectoralUnion, PlanLevel.organisation: PrimaryOrganization}.get(
        level, Branch)
    return db.session.get(model, ident)


def find_plan(unit: Unit, year: int) -> Plan | None:
    level, ident = unit
    q = select(Plan).where(Plan.year == year)
    if level is PlanLevel.union:
        q = q.where(Plan.level == PlanLevel.union, Plan.union_id == ident)
    elif level is PlanLevel.organisation:
        q = q.where(Plan.organization_id == ident)
    else:
        q = q.where(Plan.branch_id == ident)
    return db.session.scalar(q)


def open_plan(unit: Unit, year: int, actor: User) -> Plan:
    """The unit's plan for the year, created as a draft when there is none."""
    if not 2000 <= year <= 2100:
        raise DomainError("year_invalid", _l("Choose a year between 2000 and 2100."))
    existing = find_plan(unit, year)
    if existing is not None:
        if not may_view(actor, existing):
            raise DomainError("forbidden", _l("You cannot draw up this plan."), status=403)
        return existing
    record_ = unit_record(unit)
    if record_ is None:
        raise DomainError("unit_missing", _l("This unit does not exist."), status=404)
    level, ident = unit
    plan = Plan(year=year, level=level, author_id=actor.id, state=PlanState.draft)
    if level is PlanLevel.union:
        plan.union_id = ident
    elif level is PlanLevel.organisation:
        plan.organization_id = ident
        plan.union_id = record_.branch.union_id
    else:
        plan.branch_id = ident
        plan.union_id = record_.union_id
        plan.level = PlanLevel.local if record_.parent_id else PlanLevel.branch
    plan.organization = record_ if level is PlanLevel.organisation else None
    if not may_edit(actor, plan):
        raise DomainError("forbidden", _l("You cannot draw up this plan."), status=403)
    try:
        with db.session.begin_nested():
            db.session.add(plan)
            db.session.flush()
    except IntegrityError:  # two people opened it at once: take the one that won
        return find_plan(unit, year)
    record(actor, "plan.create", plan, year=year, level=plan.level.value)
    return plan


# --- lines ---------------------------------------------------------------------------------


def _editable(plan: Plan, actor: User) -> None:
    if not may_edit(actor, plan):
        raise DomainError("forbidden", _l("You cannot change this plan."), status=403)
    if not plan.state.editable:
        raise DomainError("plan_frozen", _l(
            "This plan is submitted or approved: it cannot be changed now."))


def _program(program_id) -> int | None:
    if not program_id:
        return None
    if db.session.get(Program, program_id) is None:
        raise DomainError("program_invalid", _l("Choose a programme from the list."),
                          field="program_id")
    return int(program_id)


def _count(value, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= MAX_PEOPLE:
        raise DomainError("number_invalid", _l("Enter a whole number of people."), field=field)
    return number


def add_headcount(plan: Plan, actor: User, *, category: str, program_id, people) -> None:
    _editable(plan, actor)
    try:
        cat = Category(category)
    except ValueError:
        raise DomainError("category_invalid", _l("Choose a category from the list."),
                          field="category") from None
    prog = _program(program_id)
    count = _count(people, "people")
    # One line per category and programme: adding again replaces the number.
    line = next((h for h in plan.headcounts if h.category is cat and h.program_id == prog), None)
    if line is None:
        plan.headcounts.append(PlanHeadcount(category=cat, program_id=prog, people=count))
    else:
        line.people = count
    db.session.flush()


def add_budget(plan: Plan, actor: User, *, line: str, source: str, program_id,
               amount: str) -> None:
    _editable(plan, actor)
    try:
        budget_line, funding = BudgetLine(line), FundingSource(source)
    except ValueError:
        raise DomainError("line_invalid", _l("Choose a budget line and a funding source."),
                          field="line") from None
    prog = _program(program_id)
    tiyn = parse_tenge(amount)
    existing = next((b for b in plan.budget if b.line is budget_line and b.source is funding
                     and b.program_id == prog), None)
    if existing is None:
        plan.budget.append(PlanBudget(line=budget_line, source=funding, program_id=prog,
                                      amount_tiyn=tiyn))
    else:
        existing.amount_tiyn = tiyn
    db.session.flush()


def add_event(plan: Plan, actor: User, *, kind: str, program_id, month, participants) -> None:
    _editable(plan, actor)
    try:
        event_kind = EventKind(kind)
    except ValueError:
        raise DomainError("kind_invalid", _l("Choose the kind of event."), field="kind") from None
    try:
        month_no = int(month)
    except (TypeError, ValueError):
        month_no = 0
    if not 1 <= month_no <= 12:
        raise DomainError("month_invalid", _l("Choose a month."), field="month")
    plan.events.append(PlanEvent(kind=event_kind, program_id=_program(program_id),
                                 month=month_no,
                                 participants=_count(participants, "participants")))
    db.session.flush()


def remove_line(plan: Plan, actor: User, kind: str, line_id: int) -> None:
    _editable(plan, actor)
    rows = {"headcount": plan.headcounts, "budget": plan.budget, "event": plan.events}.get(kind)
    row = next((r for r in rows or [] if r.id == line_id), None)
    if row is None:
        raise DomainError("line_missing", _l("This line was not found."), status=404)
    rows.remove(row)
    db.session.flush()


# --- states --------------------------------------------------------------------------------


def submit(plan: Plan, actor: User, *, now: datetime | None = None) -> Plan:
    _editable(plan, actor)
    if not plan.headcounts and not plan.budget and not plan.events:
        raise DomainError("plan_empty", _l("Add at least one line before submitting."))
    plan.state = PlanState.submitted
    plan.submitted_at = now or utcnow()
    plan.author_id = plan.author_id or actor.id
    db.session.flush()
    record(actor, "plan.submit", plan, revision=plan.revision)
    return plan


def _deciding(plan: Plan, actor: User) -> None:
    if not may_decide(actor, plan):
        raise DomainError("forbidden", _l("You cannot decide on this plan."), status=403)
    if plan.state is not PlanState.submitted:
        raise DomainError("not_submitted", _l("Only a submitted plan can be decided."))


def approve(plan: Plan, actor: User, *, now: datetime | None = None) -> Plan:
    _deciding(plan, actor)
    plan.state = PlanState.approved
    plan.decided_at, plan.decided_by_id = now or utcnow(), actor.id
    plan.return_comment = None
    db.session.flush()
    record(actor, "plan.approve", plan, revision=plan.revision)
    return plan


def return_plan(plan: Plan, actor: User, comment: str, *,
                now: datetime | None = None) -> Plan:
    """Back to the author with a comment: the plan is a draft again (state `returned`
    until it is submitted anew) and the author gets a letter."""
    _deciding(plan, actor)
    cleaned = one_line(comment, 1000)
    if len(cleaned) < 3:
        raise DomainError("comment_required", _l("Say what should be changed."),
                          field="comment")
    plan.state = PlanState.returned
    plan.return_comment = cleaned
    plan.decided_at, plan.decided_by_id = now or utcnow(), actor.id
    db.session.flush()
    record(actor, "plan.return", plan, revision=plan.revision)
    author = plan.author
    if author is not None:
        queue_mail(author.email, "planning_returned", locale=author.locale, user=author,
                   year=plan.year, unit_name=unit_name(plan), comment=cleaned,
                   link=absolute_url("planning.plan", plan_id=plan.id))
    return plan


def unit_name(plan: Plan) -> str:
    return plan.union.short_name if plan.level is PlanLevel.union else plan.unit.name


def snapshot(plan: Plan) -> dict:
    return {
        "headcounts": [[h.category.value, h.program_id, h.people] for h in plan.headcounts],
        "budget": [[b.line.value, b.source.value, b.program_id, b.amount_tiyn]
                   for b in plan.budget],
        "events": [[e.kind.value, e.program_id, e.month, e.participants] for e in plan.events],
    }


def reopen(plan: Plan, actor: User, reason: str, *, now: datetime | None = None) -> Plan:
    """Change an approved plan: keep what was approved, and start the next revision."""
    if not may_edit(actor, plan):
        raise DomainError("forbidden", _l("You cannot change this plan."), status=403)
    if plan.state is not PlanState.approved:
        raise DomainError("not_approved", _l("Only an approved plan opens a revision."))
    cleaned = one_line(reason, 1000)
    if len(cleaned) < 3:
        raise DomainError("reason_required", _l("Give a reason."), field="reason")
    plan.revisions.append(PlanRevision(
        revision=plan.revision, approved_at=plan.decided_at, reopened_at=now or utcnow(),
        reopened_by_id=actor.id, reason=cleaned, snapshot=snapshot(plan)))
    plan.revision += 1
    plan.state = PlanState.draft
    plan.author_id = actor.id
    plan.decided_at = plan.decided_by_id = plan.submitted_at = None
    db.session.flush()
    record(actor, "plan.reopen", plan, revision=plan.revision)
    return plan


def differences(plan: Plan) -> list[dict]:
    """What changed since the last approved revision: one entry per line that differs."""
    if not plan.revisions:
        return []
    before = plan.revisions[-1].snapshot
    now = snapshot(plan)
    out = []
    for kind, key_len in (("headcounts", 2), ("budget", 3), ("events", 3)):
        old = {tuple(r[:key_len]): r[key_len] for r in before.get(kind, [])}
        new = {tuple(r[:key_len]): r[key_len] for r in now[kind]}
        for key in sorted(set(old) | set(new), key=lambda k: tuple(str(x) for x in k)):
            if old.get(key) != new.get(key):
                out.append({"kind": kind, "key": key, "before": old.get(key),
                            "after": new.get(key)})
    return out
