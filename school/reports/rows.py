"""The rows every yearly figure is counted from, and who sees which of them.

What counts as "trained" (one participation):
  * an enrolment whose status is `completed`,
  * in an event whose `ends_on` falls in the year (1 January counts for its own year),
  * unless the enrolment had certificates and every one of them is revoked: a certificate
    revoked *and reissued* keeps the person trained (the new one is valid); a certificate
    revoked without a replacement means the training no longer counts. A completed
    enrolment whose certificate is not issued yet counts.
Figures are grouped by the enrolment's snapshot (region, union, branch, category at
enrolment time), so people who move keep last year's numbers where they were.

A closed year reads its frozen rows (ClosedYearRow) through the very same queries
(school/reports/closing.py lists the live changes as differences).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Integer,
    and_,
    exists,
    extract,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from school.accounts.models import Category, User
from school.catalog.models import Event, EventFormat, EventKind
from school.certificates.models import Certificate
from school.core.queries import where_given
from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import Branch, SectoralUnion
from school.permissions import coordinator_scope, visible_branch_ids
from school.reports.models import ClosedYear, ClosedYearRow
from school.timeutil import local_today

FIRST_YEAR = 2000


def year_bounds() -> tuple[int, int]:
    """Years a person may ask for: from 2000 to next year (plans are made ahead)."""
    return FIRST_YEAR, local_today().year + 1


def check_year(year: int | None) -> int:
    low, high = year_bounds()
    if year is None or not low <= year <= high:
        raise DomainError(
            "bad_year", _l("Choose a year from %(low)d to %(high)d.", low=low, high=high),
            field="year",
        )
    return year


# --- filters and scope ------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    union_id: int | None = None
    branch_id: int | None = None
    program_id: int | None = None
    kind: EventKind | None = None
    event_format: EventFormat | None = None

    def as_dict(self) -> dict:
        return {k: (v.value if hasattr(v, "value") else v)
                for k, v in self.__dict__.items() if v is not None}

    @property
    def narrows_training(self) -> bool:
        """Filters that pick some trainings (programme, kind, format): a plan is made for
        all the year's training, so it is not compared with such a selection."""
        return any(v is not None for v in (self.program_id, self.kind, self.event_format))


@dataclass(frozen=True)
class Scope:
    """Branches the reader may see (None: everything), and the unions they coordinate as
    a whole (a union coordinator's figures are the union's; a branch coordinator's are not)."""

    branch_ids: frozenset[int] | None
    whole_unions: frozenset[int] = frozenset()

    @classmethod
    def of(cls, user: User) -> Scope:
        ids = visible_branch_ids(user)
        if ids is None:
            return cls(None)
        unions, _branches = coordinator_scope(user)
        return cls(frozenset(ids), frozenset(unions))

    @property
    def limited(self) -> bool:
        return self.branch_ids is not None

    def describe(self) -> str | list[int]:
        return "all" if self.branch_ids is None else sorted(self.branch_ids)


def union_label(union: SectoralUnion, scope: Scope) -> str:
    """A union's short name; for a reader who sees only some of its branches, it says so."""
    if not scope.limited or union.id in scope.whole_unions:
        return union.short_name
    return _("%(union)s (your branches only)", union=union.short_name)


def coverage(scope: Scope, filters: Filters = Filters()) -> str:
    """What the report's totals cover, in words.

    "Whole federation" only for a reader who sees everything, unfiltered; a coordinator's
    totals are named after their branch, their union, or "All your branches".
    """
    if filters.branch_id is not None:
        branch = db.session.get(Branch, filters.branch_id)
        if branch is not None:
            return branch.name
    union = db.session.get(SectoralUnion, filters.union_id) if filters.union_id else None
    if not scope.limited:
        return union.short_name if union is not None else _("Whole federation")
    if union is not None and union.id in scope.whole_unions:
        return union.short_name
    q = select(Branch).where(Branch.id.in_(sorted(scope.branch_ids)) if scope.branch_ids
                             else false())
    if union is not None:
        q = q.where(Branch.union_id == union.id)
    visible = db.session.scalars(q.limit(2)).all()
    if len(visible) == 1:
        return visible[0].name
    if union is not None:
        return union_label(union, scope)
    if len(scope.whole_unions) == 1 and not _outside_unions(scope):
        whole = db.session.get(SectoralUnion, next(iter(scope.whole_unions)))
        if whole is not None:
            return whole.short_name
    return _("All your branches")


def _outside_unions(scope: Scope) -> bool:
    """Whether the reader sees a branch outside the unions they coordinate as a whole."""
    if not scope.branch_ids:
        return False
    return db.session.scalar(
        select(func.count()).select_from(Branch).where(
            Branch.id.in_(sorted(scope.branch_ids)),
            Branch.union_id.not_in(sorted(scope.whole_unions)),
        )
    ) > 0


def check_filters(filters: Filters, scope: Scope) -> None:
    """A coordinator may not name a branch or union outside their scope (404 in the view)."""
    if scope.branch_ids is None:
        return
    if filters.branch_id is not None and filters.branch_id not in scope.branch_ids:
        raise DomainError("out_of_scope", _l("This branch is not yours."), status=404)
    if filters.union_id is not None:
        unions = set(db.session.scalars(
            select(Branch.union_id).where(Branch.id.in_(scope.branch_ids))
        )) if scope.branch_ids else set()
        if filters.union_id not in unions:
            raise DomainError("out_of_scope", _l("This union is not yours."), status=404)


# --- the rows every figure is counted from --------------------------------------------------


class _likely(FunctionElement):
    """`likely(x)` on SQLite, plain `x` elsewhere.

    Without statistics SQLite's planner takes `status = 'completed'` for a selective term
    and walks every completed enrolment of all years through ix_enrollment_status_region;
    told the term is likely true, it starts from the year's events (ix_event_ends_on) and
    reads their enrolments from ix_enrollment_report.
    """

    type = Boolean()
    name = "likely"
    inherit_cache = True


@compiles(_likely)
def _likely_plain(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(_likely, "sqlite")
def _likely_sqlite(element, compiler, **kw):
    return f"likely({compiler.process(element.clauses, **kw)})"


def _trained():
    """Completed, and not stripped of every certificate (see the module docstring)."""
    revoked = aliased(Certificate)
    valid = aliased(Certificate)
    stripped = exists().where(
        revoked.enrollment_id == Enrollment.id,
        revoked.revoked_at.is_not(None),
        ~exists().where(valid.enrollment_id == revoked.enrollment_id,
                        valid.revoked_at.is_(None)),
    )
    return and_(_likely(Enrollment.status == literal_column("'completed'")), ~stripped)


def _live_rows(first: int, last: int, exclude_years=()):
    year = extract("year", Event.ends_on).cast(Integer)
    q = (
        select(
            year.label("year"),
            Enrollment.id.label("enrollment_id"),
            Enrollment.user_id.label("user_id"),
            Enrollment.event_id.label("event_id"),
            Event.program_id.label("program_id"),
            Event.kind.label("kind"),
            Event.format.label("format"),
            Enrollment.region_id.label("region_id"),
            Enrollment.union_id.label("union_id"),
            Enrollment.branch_id.label("branch_id"),
            Enrollment.category.label("category"),
        )
        .join(Event, Event.id == Enrollment.event_id)
        .where(_trained(), Event.ends_on >= date(first, 1, 1), Event.ends_on < date(last + 1, 1, 1))
    )
    if exclude_years:
        q = q.where(year.not_in(sorted(exclude_years)))
    return q


def _stored_rows(years):
    r = ClosedYearRow
    return select(
        r.year, r.enrollment_id, r.user_id, r.event_id, r.program_id, r.kind, r.format,
        r.region_id, r.union_id, r.branch_id, r.category,
    ).where(r.year.in_(sorted(years)))


def _filtered(q, cols, scope: Scope, filters: Filters):
    """Apply scope and filters to a rows select whose columns are `cols`."""
    if scope.branch_ids is not None:
        q = q.where(cols.branch_id.in_(sorted(scope.branch_ids)) if scope.branch_ids else false())
    if filters.branch_id is not None:
        # A branch's figures include the local unions under it (planning's deeper tree).
        q = q.where(cols.branch_id.in_(select(Branch.id).where(
            (Branch.id == filters.branch_id) | (Branch.parent_id == filters.branch_id))))
    return where_given(q, (cols.union_id, filters.union_id),
                       (cols.program_id, filters.program_id), (cols.kind, filters.kind),
                       (cols.format, filters.event_format))


class _LiveCols:
    """The live rows' filterable columns, named as on ClosedYearRow."""

    branch_id = Enrollment.branch_id
    union_id = Enrollment.union_id
    program_id = Event.program_id
    kind = Event.kind
    format = Event.format


def closed_years(years=None) -> dict[int, ClosedYear]:
    q = select(ClosedYear)
    if years is not None:
        q = q.where(ClosedYear.year.in_(list(years)))
    return {c.year: c for c in db.session.scalars(q)}


def rows(first: int, last: int, scope: Scope, filters: Filters = Filters(),
         *, closed: set[int] | None = None, live_only: bool = False):
    """The participations of years first..last as one select: live rows for open years,
    frozen rows for closed ones (or live rows for all, with `live_only`)."""
    if closed is None:
        closed = set() if live_only else set(closed_years(range(first, last + 1)))
    parts = []
    if not live_only and closed:
        parts.append(_filtered(_stored_rows(closed), ClosedYearRow, scope, filters))
    wanted = set(range(first, last + 1))
    if live_only or wanted - closed:
        live = _live_rows(first, last, () if live_only else closed)
        parts.append(_filtered(live, _LiveCols, scope, filters))
    return parts[0] if len(parts) == 1 else union_all(*parts)


# --- counting them -------------------------------------------------------------------------


@dataclass
class Cell:
    participations: int = 0
    people: int = 0


def _levels(src, dims: list[tuple[str, list]]):
    """One statement: GROUP BY every grouping in `dims` over the same rows, as UNION ALL.

    Each grouping is (level name, [columns]); columns missing from a level come back NULL.
    The rows are a CTE, scanned once (PostgreSQL and SQLite materialise a CTE used more
    than once). Distinct people are counted at each level, so totals are never sums.
    """
    all_cols = []
    for _name, cols in dims:
        for c in cols:
            if c not in all_cols:
                all_cols.append(c)
    selects = []
    for name, cols in dims:
        out = [literal(name).label("level")]
        # Typed NULLs: PostgreSQL cannot match an untyped NULL column across a UNION.
        out += [src.c[c].label(c) if c in cols else null().cast(src.c[c].type).label(c)
                for c in all_cols]
        out += [func.count().label("participations"),
                func.count(src.c.user_id.distinct()).label("people")]
        q = select(*out).select_from(src)
        if cols:
            q = q.group_by(*[src.c[c] for c in cols])
        selects.append(q)
    return union_all(*selects), all_cols


def _category(value) -> Category | None:
    return Category(value) if value else None
