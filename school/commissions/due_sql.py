"""The due list's page worked out by the database (issue 17's benchmark).

`status.compute` derives every member's status in Python, which the exports and the
reminders need anyway; a page of the due list needs only its fifty lines, the number of
lines and the requirements among them. Here the same rules (`status.evaluate`) are written
in SQL: which requirement applies (a CASE over the few (kind, role) pairs), the last
counting completion per person and requirement (one grouped join), the status and the
deadline with the months added as `add_months` does (the month's last day when it has no
such day), so that filtering, counting and ordering run over all rows in the database and
only one page of rows comes back. The lines of the page are then evaluated in Python by
`evaluate` itself, so what is shown cannot differ from the exports.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, Integer, and_, case, cast, func, null, select

from school.accounts.models import User
from school.catalog.models import Event
from school.commissions.models import Body, Member, requirement_program
from school.commissions.status import (
    URGENCY,
    Filters,
    Line,
    Status,
    _pick,
    counting_completion,
    due_soon_days,
    evaluate,
    members_query,
    requirement_lookup,
)
from school.enrollment.models import Enrollment
from school.extensions import db
from school.i18n_fields import current_lang
from school.timeutil import local_today


def _add_months(day, months):
    """`status.add_months` in SQL: PostgreSQL's interval arithmetic already clamps to the
    month's end; SQLite's does not (31 January + 1 month is 3 March), so the earlier of the
    plain sum and the target month's last day is taken."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(day.op("+")(func.make_interval(0, months)), Date)
    return func.min(
        func.date(day, func.printf("+%d months", months)),
        func.date(day, "start of month", func.printf("+%d months", months + 1), "-1 day"),
        type_=Date,
    )


def _rows(viewer, today: date, filters: Filters, lookup: dict, untrained_only: bool):
    """(the selectable of member × requirement with status and deadline, its conditions)."""
    reqs = {req.id: req for req in lookup.values()}
    req_id = case(*[(and_(Body.kind == kind, Member.role == role), req.id)
                    for (kind, role), req in lookup.items()], else_=None)
    members = members_query(viewer, today, filters)
    rp = requirement_program
    # Last counting completion per person and requirement, for the members in view only:
    # driven from the members (their enrolments through an index) rather than from all
    # the enrolments of counting programmes.
    last = (
        members.with_only_columns(Member.user_id.label("user_id"), req_id.label("req_id"),
                                  func.max(Event.ends_on).label("last"))
        .join(Enrollment, Enrollment.user_id == Member.user_id)
        .join(Event, Event.id == Enrollment.event_id)
        .join(rp, and_(rp.c.program_id == Event.program_id, rp.c.requirement_id == req_id))
        .where(counting_completion())
        .group_by(Member.user_id, req_id)
        .subquery("last_done")
    )
    lasting = [(req_id == rid, r.validity_months) for rid, r in reqs.items()
               if r.validity_months is not None]
    # None when every requirement counts for good (CASE needs at least one WHEN).
    validity = case(*lasting, else_=None) if lasting else null().cast(Integer)
    grace = case(*[(req_id == rid, r.new_member_months) for rid, r in reqs.items()],
                 else_=0)
    # Narrow rows: sorting and counting twenty thousand of them should not drag names along
    # (the page's fifty get theirs afterwards).
    m = (
        members.with_only_columns(Member.id.label("member_id"), User.full_name,
                                  Member.term_start, req_id.label("req_id"), last.c.last,
                                  validity.label("validity"), grace.label("grace"))
        .outerjoin(last, and_(last.c.user_id == Member.user_id, last.c.req_id == req_id))
        .subquery("m")
    )
    cols = list(m.c)
    term_start, done, months = m.c.term_start, m.c.last, m.c.validity
    valid_until = _add_months(done, months)
    soon = today + timedelta(days=due_soon_days())
    # The status as its urgency (status.URGENCY: never 0, overdue 1, due 2, trained 3), one
    # expression that filters and orders alike.
    urgency = case(
        (done.is_(None), case((_add_months(term_start, m.c.grace) >= today, 2), else_=0)),
        (months.is_(None), 3),
        (valid_until < today, 1),
        (valid_until <= soon, 2),
        else_=3,
    )
    due_by = case(
        (done.is_(None), _add_months(term_start, m.c.grace)),
        (and_(months.is_not(None), valid_until <= soon), valid_until),
        else_=None,
    )
    s = select(*cols, urgency.label("urgency"), due_by.label("due_by")).where(
        m.c.req_id.is_not(None)).subquery("s")
    where = []
    if filters.status is not None:
        where.append(s.c.urgency == URGENCY[filters.status])
    elif untrained_only:
        where.append(s.c.urgency != URGENCY[Status.trained])
    if filters.due_before is not None:
        where.append(and_(s.c.due_by.is_not(None), s.c.due_by <= filters.due_before))
    return s, where


def due_page(viewer, filters: Filters, *, page: int, per_page: int,
             untrained_only: bool = True, today: date | None = None):
    """(lines of the page, total lines, page, pages, requirements among all lines)."""
    today = today or local_today()
    lookup = requirement_lookup()
    if not lookup:
        return [], 0, 1, 1, []
    reqs = {req.id: req for req in lookup.values()}
    s, where = _rows(viewer, today, filters, lookup, untrained_only)
    name = func.lower(s.c.full_name)
    if db.session.get_bind().dialect.name == "postgresql":
        name = name.collate("C")  # code-point order, as Python's sort of the exports
    # One statement: the page, the number of lines and which requirements occur among
    # them (window aggregates over every line, computed once), then the page's names.
    flags = [func.max(case((s.c.req_id == rid, 1), else_=0)).over().label(f"has_{rid}")
             for rid in reqs]

    def fetch(number: int):
        chosen = (
            select(s.c.member_id, s.c.req_id, s.c.last, s.c.urgency, s.c.due_by,
                   name.label("sort_name"), func.count().over().label("total"), *flags)
            .where(*where)
            .order_by(s.c.urgency, s.c.due_by.is_(None), s.c.due_by, name, s.c.member_id)
            .limit(per_page).offset((number - 1) * per_page)
            .subquery("chosen")
        )
        return db.session.execute(
            members_query(None, today, Filters())
            .add_columns(chosen.c.req_id, chosen.c.last, chosen.c.total,
                         *[chosen.c[f"has_{rid}"] for rid in reqs])
            .join(chosen, chosen.c.member_id == Member.id)
            .order_by(chosen.c.urgency, chosen.c.due_by.is_(None), chosen.c.due_by,
                      chosen.c.sort_name, chosen.c.member_id)).all()

    if db.session.get_bind().dialect.name == "postgresql":
        # For this transaction only: the statement's cost estimate sets off JIT compilation
        # (half a second to compile what runs in a fifth of it); parallel workers would
        # each build the whole last-completion table again; and once the driver prepares
        # the statement (its fifth run), a generic plan ignores how few members a
        # coordinator's branches hold (seconds instead of tens of milliseconds).
        db.session.execute(select(
            func.set_config("jit", "off", True),
            func.set_config("max_parallel_workers_per_gather", "0", True),
            func.set_config("plan_cache_mode", "force_custom_plan", True)))
    page = max(1, page)
    rows = fetch(page)
    if not rows and page > 1:  # past the last page: show the last one
        total = db.session.scalar(select(func.count()).select_from(s).where(*where))
        page = max(1, -(-total // per_page))
        rows = fetch(page)
    total = rows[0][21] if rows else 0
    pages = max(1, -(-total // per_page))
    present = [req for i, req in enumerate(reqs.values()) if rows and rows[0][22 + i]]
    window, lang = due_soon_days(), current_lang()
    lines = []
    for row in rows:
        (member_id, person_id, full_name, email, body_id, kind, role, side, org_id,
         org_ru, org_kk, org_en, branch_id, br_ru, br_kk, br_en, region_id,
         term_start, term_end, req_id, latest) = row[:21]
        req = reqs[req_id]
        status, valid_until, due_by = evaluate(req, term_start, latest, today, window)
        lines.append(Line(
            member_id, person_id, full_name, email, body_id, kind, role, side, org_id,
            _pick(lang, org_ru, org_kk, org_en), branch_id, _pick(lang, br_ru, br_kk, br_en),
            region_id, term_start, term_end, req, status, valid_until, due_by, latest, today,
        ))
    return lines, total, page, pages, present

