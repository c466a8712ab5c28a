"""Yearly trained-activist figures: aggregates in SQL, plans, closing a year, differences.

What counts as "trained" (one participation):
  * an enrolment whose status is `completed`,
  * in an event whose `ends_on` falls in the year (1 January counts for its own year),
  * unless the enrolment had certificates and every one of them is revoked: a certificate
    revoked *and reissued* keeps the person trained (the new one is valid); a certificate
    revoked without a replacement means the training no longer counts. A completed
    enrolment whose certificate is not issued yet counts.
Figures are grouped by the enrolment's snapshot (region, union, branch, category at
enrolment time), so people who move keep last year's numbers where they were.

Every figure is computed by the database (GROUP BY, COUNT(DISTINCT user_id)); totals of
distinct people are counted, never summed. A closed year reads its frozen rows
(ClosedYearRow) through the very same queries; live changes are listed as differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Integer,
    and_,
    case,
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from school.accounts.models import Category, User
from school.audit.services import record
from school.catalog.models import Event, EventFormat, EventKind, Program
from school.certificates.models import Certificate
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import Branch, Region, SectoralUnion
from school.permissions import coordinator_scope, visible_branch_ids
from school.reports import freshness
from school.reports.models import ClosedYear, ClosedYearRow, TrainingPlan
from school.timeutil import local_today

FIRST_YEAR = 2000
MAX_PLANNED = 100_000
DIFFERENCES_SHOWN = 200


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
    if filters.union_id is not None:
        q = q.where(cols.union_id == filters.union_id)
    if filters.branch_id is not None:
        # A branch's figures include the local unions under it (planning's deeper tree).
        q = q.where(cols.branch_id.in_(select(Branch.id).where(
            (Branch.id == filters.branch_id) | (Branch.parent_id == filters.branch_id))))
    if filters.program_id is not None:
        q = q.where(cols.program_id == filters.program_id)
    if filters.kind is not None:
        q = q.where(cols.kind == filters.kind)
    if filters.event_format is not None:
        q = q.where(cols.format == filters.event_format)
    return q


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


# --- the yearly table ---------------------------------------------------------------------


@dataclass
class Cell:
    participations: int = 0
    people: int = 0


@dataclass
class YearlyReport:
    year: int
    filters: Filters
    regions: list[Region | None]
    categories: list[Category | None]
    cells: dict[tuple[int | None, Category | None], Cell]
    region_totals: dict[int | None, Cell]
    category_totals: dict[Category | None, Cell]
    total: Cell
    closed: ClosedYear | None = None
    coverage: str = ""  # what the totals cover, in words (see `coverage`)
    scoped: bool = False  # a coordinator's report: only regions with figures or plans

    def cell(self, region_id, category) -> Cell:
        return self.cells.get((region_id, category), Cell())

    def region_total(self, region_id) -> Cell:
        return self.region_totals.get(region_id, Cell())

    def category_total(self, category) -> Cell:
        return self.category_totals.get(category, Cell())


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


def yearly_report(year: int, user: User, filters: Filters = Filters()) -> YearlyReport:
    """Participations and distinct people by region × category, with totals, for one year."""
    scope = Scope.of(user)
    closed = closed_years([year]).get(year)
    base = rows(year, year, scope, filters, closed={year} if closed else set()).subquery("r")
    # Only what is counted goes into the CTE: narrower rows to materialise and sort.
    src = select(base.c.region_id, base.c.category, base.c.user_id).cte("rows")
    stmt, _cols = _levels(src, [
        ("cell", ["region_id", "category"]),
        ("region", ["region_id"]),
        ("category", ["category"]),
        ("total", []),
    ])
    cells, by_region, by_category, total = {}, {}, {}, Cell()
    for level, region_id, category, participations, people in db.session.execute(stmt):
        c = Cell(participations, people)
        category = _category(category)
        if level == "cell":
            cells[(region_id, category)] = c
        elif level == "region":
            by_region[region_id] = c
        elif level == "category":
            by_category[category] = c
        else:
            total = c
    regions_q = select(Region).order_by(Region.sort_order, Region.name_ru)
    if scope.limited:
        # The federation reports on every region; a coordinator's branches work in a few,
        # so their report lists the regions with figures, or with a plan for the year.
        planned = _plan_scope(
            select(Branch.region_id).join(TrainingPlan, TrainingPlan.branch_id == Branch.id)
            .where(TrainingPlan.year == year),
            scope, Filters(union_id=filters.union_id, branch_id=filters.branch_id),
        )
        counted = [r for r, c in by_region.items() if r is not None and c.participations]
        regions_q = regions_q.where(Region.id.in_(planned) | Region.id.in_(counted))
    regions: list[Region | None] = list(db.session.scalars(regions_q))
    if None in by_region:
        regions.append(None)
    categories: list[Category | None] = list(Category)
    if None in by_category:
        categories.append(None)
    return YearlyReport(year, filters, regions, categories, cells, by_region, by_category,
                        total, closed, coverage=coverage(scope, filters), scoped=scope.limited)


def trend(user: User, filters: Filters = Filters(), *, last: int | None = None,
          span: int = 10) -> list[tuple[int, Cell]]:
    """Participations and distinct people for each of the last `span` years, oldest
    first: a decade of rows, so cached until a figure can change (freshness.py)."""
    last = last or local_today().year
    scope = Scope.of(user)
    key = {"scope": scope.describe(), "filters": filters.as_dict(), "last": last, "span": span}
    points = freshness.cached("trend", key, lambda: [
        [y, c.participations, c.people] for y, c in _trend(scope, filters, last, span)])
    return [(y, Cell(p, n)) for y, p, n in points]


def _trend(scope: Scope, filters: Filters, last: int, span: int) -> list[tuple[int, Cell]]:
    """The trend in one GROUP BY (closed years from their frozen rows)."""
    first = last - span + 1
    closed = closed_years(range(first, last + 1))
    found: dict[int, Cell] = {}
    if scope.branch_ids is None and filters == Filters():
        # The whole federation, unfiltered: a closed year's totals were stored when it was
        # closed, so only open years are counted (a decade of history is mostly closed).
        found = {y: Cell(c.participations, c.people) for y, c in closed.items()}
        src = _live_rows(first, last, set(closed)).subquery("rows") if len(closed) < span else None
    else:
        src = rows(first, last, scope, filters, closed=set(closed)).subquery("rows")
    if src is not None:
        stmt = (
            select(src.c.year, func.count(), func.count(src.c.user_id.distinct()))
            .group_by(src.c.year)
        )
        found |= {int(y): Cell(p, n) for y, p, n in db.session.execute(stmt)}
    return [(y, found.get(y, Cell())) for y in range(first, last + 1)]


def default_year() -> int:
    """The latest year with a completed participation (not in the future), else this year."""
    today = local_today()

    def latest() -> int:
        day = db.session.scalar(
            select(func.max(Event.ends_on))
            .join(Enrollment, Enrollment.event_id == Event.id)
            .where(Enrollment.status == EnrollmentStatus.completed, Event.ends_on <= today))
        return day.year if day else today.year

    return freshness.cached("default-year", today.isoformat(), latest)


@dataclass
class TrendYear:
    year: int
    cell: Cell
    planned: int | None = None  # None: no plan, or filters a plan does not apply to


def trend_years(user: User, filters: Filters = Filters(), *, last: int,
                span: int = 10) -> list[TrendYear]:
    """The trend for the chart and its table: at most `span` years up to `last`, starting
    at the first year with figures or a plan (no row of empty years before the data)."""
    points = trend(user, filters, last=last, span=span)
    planned = ({} if filters.narrows_training
               else planned_by_year(user, [y for y, _c in points], filters))
    first = next((y for y, c in points if c.participations or planned.get(y)), None)
    if first is None:
        return []
    return [TrendYear(y, c, planned.get(y)) for y, c in points if y >= first]


def planned_by_year(user: User, years: list[int], filters: Filters = Filters()) -> dict[int, int]:
    q = (select(TrainingPlan.year, func.sum(TrainingPlan.planned))
         .join(Branch, Branch.id == TrainingPlan.branch_id)
         .where(TrainingPlan.year.in_(years)).group_by(TrainingPlan.year))
    q = _plan_scope(q, Scope.of(user), filters)
    return {y: int(n or 0) for y, n in db.session.execute(q)}


# --- plans ----------------------------------------------------------------------------------


def _plan_scope(q, scope: Scope, filters: Filters):
    if scope.branch_ids is not None:
        q = q.where(Branch.id.in_(sorted(scope.branch_ids)) if scope.branch_ids else false())
    if filters.union_id is not None:
        q = q.where(Branch.union_id == filters.union_id)
    if filters.branch_id is not None:
        q = q.where(Branch.id == filters.branch_id)
    return q


def plan_for(branch: Branch, year: int) -> dict[Category, int]:
    return {
        p.category: p.planned
        for p in db.session.scalars(
            select(TrainingPlan).where(TrainingPlan.branch_id == branch.id,
                                       TrainingPlan.year == year)
        )
    }


def save_plan(branch: Branch, year: int, planned: dict, actor: User) -> None:
    """Set a branch's plan for a year: people to train per category (0 or blank: none).

    A closed year's plan is frozen with its figures."""
    check_year(year)
    if year in closed_years([year]):
        raise DomainError("year_closed", _l("This year is closed; its plan can no longer "
                                            "be changed."))
    clean: dict[Category, int] = {}
    for key, value in planned.items():
        category = Category(key)
        number = int(value or 0)
        if not 0 <= number <= MAX_PLANNED:
            raise DomainError("bad_planned", _l("Enter a number from 0 to %(max)d.",
                                                max=MAX_PLANNED), field=category.value)
        clean[category] = number
    existing = {
        p.category: p for p in db.session.scalars(
            select(TrainingPlan).where(TrainingPlan.branch_id == branch.id,
                                       TrainingPlan.year == year)
        )
    }
    before = {c.value: p.planned for c, p in existing.items()}
    for category, number in clean.items():
        row = existing.get(category)
        if number == 0:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(TrainingPlan(branch_id=branch.id, year=year, category=category,
                                        planned=number, updated_by_id=actor.id))
        elif row.planned != number:
            row.planned = number
            row.updated_by_id = actor.id
    after = {c.value: n for c, n in clean.items() if n}
    if before != after:
        record(actor, "report.plan_saved", branch, year=year, before=before, after=after)
    db.session.flush()


@dataclass
class PlanLine:
    key: object
    label: str
    planned: int = 0
    actual: int = 0  # distinct people

    @property
    def percent(self) -> int | None:
        return round(100 * self.actual / self.planned) if self.planned else None

    @property
    def share(self) -> float | None:
        """Actual / planned, for a spreadsheet cell formatted as a percentage."""
        return self.actual / self.planned if self.planned else None


@dataclass
class PlanReport:
    total: PlanLine
    unions: list[PlanLine] = field(default_factory=list)
    regions: list[PlanLine] = field(default_factory=list)
    branches: list[PlanLine] = field(default_factory=list)
    categories: list[PlanLine] = field(default_factory=list)
    scoped: bool = False  # a coordinator's comparison: their branches only


def plan_report(year: int, user: User, filters: Filters = Filters()) -> PlanReport:
    """Plan versus people trained per branch, region (the branch's), union and overall.

    Only the scope filters (union, branch) apply: a plan is for all training of the year.
    People trained outside any branch are not compared with a plan.
    """
    scope = Scope.of(user)
    scope_filters = Filters(union_id=filters.union_id, branch_id=filters.branch_id)
    base = rows(year, year, scope, scope_filters).subquery("r")
    src = (
        select(base.c.user_id, base.c.category, base.c.branch_id,
               Branch.union_id.label("b_union"), Branch.region_id.label("b_region"))
        .join(Branch, Branch.id == base.c.branch_id)
    ).cte("plan_rows")
    stmt, _cols = _levels(src, [
        ("branch", ["branch_id"]),
        ("union", ["b_union"]),
        ("region", ["b_region"]),
        ("category", ["category"]),
        ("total", []),
    ])
    actual: dict[tuple[str, object], int] = {}
    for level, branch_id, b_union, b_region, category, _p, people in db.session.execute(stmt):
        key = {"branch": branch_id, "union": b_union, "region": b_region,
               "category": _category(category), "total": None}[level]
        actual[(level, key)] = people

    plan_q = _plan_scope(
        select(Branch.id, Branch.union_id, Branch.region_id, TrainingPlan.category,
               TrainingPlan.planned)
        .join(Branch, Branch.id == TrainingPlan.branch_id)
        .where(TrainingPlan.year == year),
        scope, scope_filters,
    )
    planned: dict[tuple[str, object], int] = {}
    for branch_id, union_id, region_id, category, number in db.session.execute(plan_q):
        for key in (("branch", branch_id), ("union", union_id), ("region", region_id),
                    ("category", category), ("total", None)):
            planned[key] = planned.get(key, 0) + number

    def keys(level):
        return {k for (lv, k) in (*planned, *actual) if lv == level and k is not None}

    branches = {b.id: b for b in db.session.scalars(
        select(Branch).where(Branch.id.in_(keys("branch"))))} if keys("branch") else {}
    unions = {u.id: u for u in db.session.scalars(
        select(SectoralUnion).where(SectoralUnion.id.in_(keys("union"))))} if keys("union") else {}
    regions = {r.id: r for r in db.session.scalars(
        select(Region).where(Region.id.in_(keys("region"))))} if keys("region") else {}

    def line(level, key, label):
        return PlanLine(key, label, planned.get((level, key), 0), actual.get((level, key), 0))

    def region_order(region_id):
        region = regions.get(region_id)
        return (region.sort_order, region.name_ru) if region is not None else (10**6, "")

    return PlanReport(
        total=line("total", None, coverage(scope, scope_filters)),
        unions=sorted((line("union", k, union_label(unions[k], scope)) for k in keys("union")),
                      key=lambda x: x.label.casefold()),
        regions=[line("region", r.id, r.name)
                 for r in sorted(regions.values(), key=lambda r: (r.sort_order, r.name_ru))],
        # Branches in the order of their regions (as in the table above), then by name:
        # an alphabetical sort by code point puts Kazakh letters (Қ, Ө, Ү…) after Я.
        branches=[line("branch", b.id, b.name) for b in sorted(
            branches.values(), key=lambda b: (region_order(b.region_id), b.name.casefold()))],
        categories=[line("category", c, c.label) for c in Category],
        scoped=scope.limited,
    )


def plan_overview(year: int, branch_ids: list[int]) -> dict[int, int]:
    """Planned people per branch (all categories) for the plans page."""
    if not branch_ids:
        return {}
    q = (select(TrainingPlan.branch_id, func.sum(TrainingPlan.planned))
         .where(TrainingPlan.year == year, TrainingPlan.branch_id.in_(branch_ids))
         .group_by(TrainingPlan.branch_id))
    return {b: int(n) for b, n in db.session.execute(q)}


# --- the per-participant list ---------------------------------------------------------------


def participants_query(year: int, user: User, filters: Filters = Filters()):
    """Every participation that counts for the year (frozen rows when closed), with names,
    for coordinators' lists and exports; ordered by region, branch, name."""
    scope = Scope.of(user)
    base = rows(year, year, scope, filters).subquery("r")
    cert = aliased(Certificate)
    return (
        select(
            base.c.year, base.c.category, User.full_name, Region.code, Region,
            Branch, Event, Program, cert.number,
        )
        .join(User, User.id == base.c.user_id)
        .join(Event, Event.id == base.c.event_id)
        .join(Program, Program.id == Event.program_id)
        .outerjoin(Region, Region.id == base.c.region_id)
        .outerjoin(Branch, Branch.id == base.c.branch_id)
        .outerjoin(cert, and_(cert.enrollment_id == base.c.enrollment_id,
                              cert.revoked_at.is_(None)))
        .order_by(Region.sort_order, Branch.name_ru, User.full_name, Event.ends_on,
                  base.c.enrollment_id)
    )


# --- closing a year -------------------------------------------------------------------------

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
    added = (
        select(literal("added"), literal("added"), live.c.enrollment_id, live.c.region_id,
               live.c.branch_id, live.c.category)
        .select_from(live)
        .outerjoin(stored, stored.c.enrollment_id == live.c.enrollment_id)
        .where(stored.c.enrollment_id.is_(None))
    )
    changed = (
        select(literal("changed"), literal("changed"), live.c.enrollment_id, live.c.region_id,
               live.c.branch_id, live.c.category)
        .select_from(live)
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
