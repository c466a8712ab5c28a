"""Yearly trained-activist figures: the yearly table, the trend, the per-participant list.

Every figure is computed by the database (GROUP BY, COUNT(DISTINCT user_id)) from the rows
of school/reports/rows.py (what counts as trained); totals of distinct people are counted,
never summed. Plans are in school/reports/plans.py, closing a year and its differences in
school/reports/closing.py.

The names of rows.py, plans.py and closing.py are re-exported below: the reports' tests
(and pages) address the whole feature as `services.<name>`, and moving them would need more
than an import line in those tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from school.accounts.models import Category, User
from school.catalog.models import Event, Program
from school.certificates.models import Certificate
from school.commissions.reporting import RegionFigure, trained_by_region
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.orgs.models import Branch, Region
from school.reports import freshness
from school.reports.closing import (
    DIFFERENCES_SHOWN,
    Difference,
    Differences,
    close_year,
    differences,
    reopen_year,
)
from school.reports.models import ClosedYear, TrainingPlan
from school.reports.plans import (
    MAX_PLANNED,
    PlanLine,
    PlanReport,
    _plan_scope,
    plan_for,
    plan_overview,
    plan_report,
    planned_by_year,
    save_plan,
)
from school.reports.rows import (
    FIRST_YEAR,
    Cell,
    Filters,
    Scope,
    _category,
    _levels,
    _live_rows,
    check_filters,
    check_year,
    closed_years,
    coverage,
    rows,
    year_bounds,
)
from school.timeutil import local_today

# This module's names, and those re-exported (see the docstring).
__all__ = [
    "DIFFERENCES_SHOWN",
    "FIRST_YEAR",
    "MAX_PLANNED",
    "Cell",
    "Difference",
    "Differences",
    "Filters",
    "PlanLine",
    "PlanReport",
    "Scope",
    "TrendYear",
    "YearlyReport",
    "check_filters",
    "check_year",
    "close_year",
    "closed_years",
    "coverage",
    "default_year",
    "differences",
    "participants_query",
    "plan_for",
    "plan_overview",
    "plan_report",
    "planned_by_year",
    "reopen_year",
    "rows",
    "save_plan",
    "trend",
    "trend_years",
    "year_bounds",
    "yearly_report",
]


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


def commission_figures(year: int, user: User) -> tuple[list, int]:
    """The commissions feature's "members trained" by region for the report page, cached
    like the trend: the generation is raised by commission memberships too (freshness.py).
    A reader's scope is part of the key, as the figures are scoped to their branches."""
    def compute() -> dict:
        figures, total = trained_by_region(year, user)
        return {"figures": [[f.region.id if f.region else None, f.people] for f in figures],
                "total": total}

    key = {"year": year, "scope": Scope.of(user).describe()}
    found = freshness.cached("commissions-trained", key, compute)
    ids = [rid for rid, _ in found["figures"] if rid is not None]
    regions = {r.id: r for r in db.session.scalars(select(Region).where(Region.id.in_(ids)))
               } if ids else {}
    return ([RegionFigure(regions.get(rid), people) for rid, people in found["figures"]],
            found["total"])
