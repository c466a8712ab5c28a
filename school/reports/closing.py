"""Closing a year (its rows frozen, ClosedYearRow), reopening it, and the differences
between a closed year and the live data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    case,
    exists,
    extract,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from school.accounts.models import Category, User
from school.audit.services import record
from school.catalog.models import Event
from school.certificates.models import Certificate
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import Branch, Region
from school.reports.models import ClosedYear, ClosedYearRow
from school.reports.rows import (
    Cell,
    Filters,
    Scope,
    _category,
    _filtered,
    _stored_rows,
    check_year,
    closed_years,
    rows,
)
from school.timeutil import local_today

DIFFERENCES_SHOWN = 200
_EVERYONE = Scope(None)


def close_year(year: int, actor: User) -> ClosedYear:
    """Freeze a finished year: copy the rows that count now into ClosedYearRow."""
    check_year(year)
    if year >= local_today().year:
        raise DomainError("year_not_over", _l("A year can be closed once it is over."))
    if closed_years([year]):
        raise DomainError("year_already_closed", _l("This year is already closed."))
    closed = ClosedYear(year=year, closed_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(closed)
            db.session.flush()
    except IntegrityError as e:  # closed at the same moment by someone else
        raise DomainError("year_already_closed", _l("This year is already closed.")) from e
    live = rows(year, year, _EVERYONE, live_only=True).subquery("r")
    cols = ["year", "enrollment_id", "user_id", "event_id", "program_id", "kind", "format",
            "region_id", "union_id", "branch_id", "category"]
    db.session.execute(
        ClosedYearRow.__table__.insert().from_select(
            ["closed_year_id", *cols],
            select(literal(closed.id), *[live.c[c] for c in cols]),
        )
    )
    closed.participations, closed.people = db.session.execute(
        select(func.count(), func.count(ClosedYearRow.user_id.distinct()))
        .where(ClosedYearRow.closed_year_id == closed.id)
    ).one()
    record(actor, "report.year_closed", closed, year=year,
           participations=closed.participations, people=closed.people)
    db.session.flush()
    return closed


def reopen_year(year: int, actor: User) -> None:
    """Undo a closing (e.g. closed by mistake): the year's figures become live again."""
    closed = closed_years([year]).get(year)
    if closed is None:
        raise DomainError("year_not_closed", _l("This year is not closed."))
    record(actor, "report.year_reopened", closed, year=year,
           participations=closed.participations, people=closed.people)
    db.session.execute(
        ClosedYearRow.__table__.delete().where(ClosedYearRow.closed_year_id == closed.id)
    )
    db.session.delete(closed)
    db.session.flush()


# --- differences between a closed year and live data ---------------------------------------

CHANGE_REASONS = {
    "revoked": _l("Certificate revoked without a replacement"),
    "status": _l("Enrolment is no longer completed"),
    "moved": _l("Event now ends in another year"),
    "added": _l("Completed after the year was closed"),
    "changed": _l("Region, branch or category changed"),
}


@dataclass
class Difference:
    kind: str  # added | removed | changed
    reason: str
    full_name: str
    event_title: str
    ends_on: date
    category: Category | None
    region: Region | None
    branch: Branch | None
    status: EnrollmentStatus

    @property
    def reason_label(self) -> str:
        return str(CHANGE_REASONS[self.reason])


@dataclass
class Differences:
    live_total: Cell
    items: list[Difference]
    count: int

    @property
    def truncated(self) -> bool:
        return self.count > len(self.items)


def differences(year: int, user: User, filters: Filters = Filters(),
                limit: int = DIFFERENCES_SHOWN) -> Differences | None:
    """For a closed year: what live data would count differently now, and the live totals."""
    if year not in closed_years([year]):
        return None
    scope = Scope.of(user)
    live = rows(year, year, scope, filters, live_only=True).subquery("live")
    stored = _filtered(_stored_rows([year]), ClosedYearRow, scope, filters).subquery("stored")
    live_total = Cell(*db.session.execute(
        select(func.count(), func.count(live.c.user_id.distinct())).select_from(live)
    ).one())

    revoked, valid = aliased(Certificate), aliased(Certificate)
    stripped = exists().where(
        revoked.enrollment_id == Enrollment.id, revoked.revoked_at.is_not(None),
        ~exists().where(valid.enrollment_id == revoked.enrollment_id,
                        valid.revoked_at.is_(None)),
    )
    moved = extract("year", Event.ends_on).cast(Integer) != year
    removed_reason = case(
        (Enrollment.status != literal_column("'completed'"), literal("status")),
        (moved, literal("moved")),
        (stripped, literal("revoked")),
        else_=literal("changed"),
    )
    removed = (
        select(literal("removed").label("kind"), removed_reason.label("reason"),
               stored.c.enrollment_id, stored.c.region_id, stored.c.branch_id,
               stored.c.category)
        .select_from(stored)
        .join(Enrollment, Enrollment.id == stored.c.enrollment_id)
        .join(Event, Event.id == Enrollment.event_id)
        .outerjoin(live, live.c.enrollment_id == stored.c.enrollment_id)
        .where(live.c.enrollment_id.is_(None))
    )

    def live_rows(kind: str):  # an added or changed row: its reason is its kind
        return select(literal(kind), literal(kind), live.c.enrollment_id, live.c.region_id,
                      live.c.branch_id, live.c.category).select_from(live)

    added = (
        live_rows("added")
        .outerjoin(stored, stored.c.enrollment_id == live.c.enrollment_id)
        .where(stored.c.enrollment_id.is_(None))
    )
    changed = (
        live_rows("changed")
        .join(stored, stored.c.enrollment_id == live.c.enrollment_id)
        .where(
            live.c.region_id.is_distinct_from(stored.c.region_id)
            | live.c.branch_id.is_distinct_from(stored.c.branch_id)
            | live.c.category.is_distinct_from(stored.c.category)
        )
    )
    diff = union_all(removed, added, changed).subquery("diff")
    count = db.session.scalar(select(func.count()).select_from(diff))
    page = db.session.execute(
        select(diff.c.kind, diff.c.reason, User.full_name, Event, diff.c.category, Region,
               Branch, Enrollment.status)
        .join(Enrollment, Enrollment.id == diff.c.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(Event, Event.id == Enrollment.event_id)
        .outerjoin(Region, Region.id == diff.c.region_id)
        .outerjoin(Branch, Branch.id == diff.c.branch_id)
        .order_by(diff.c.kind, User.full_name, diff.c.enrollment_id)
        .limit(limit)
    ).all()
    items = [
        Difference(kind, reason, name, event.title, event.ends_on, _category(category), region,
                   branch, status)
        for kind, reason, name, event, category, region, branch, status in page
    ]
    return Differences(live_total, items, count)
