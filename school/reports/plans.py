"""Training plans: how many people each branch plans to train a year, and the plan report
(planned against trained)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    false,
    func,
    select,
)

from school.accounts.models import Category, User
from school.audit.services import record
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import Branch, Region, SectoralUnion
from school.reports import freshness
from school.reports.models import TrainingPlan
from school.reports.rows import (
    Filters,
    Scope,
    _category,
    _levels,
    check_year,
    closed_years,
    coverage,
    rows,
    union_label,
)

MAX_PLANNED = 100_000


def planned_by_year(user: User, years: list[int], filters: Filters = Filters()) -> dict[int, int]:
    q = (select(TrainingPlan.year, func.sum(TrainingPlan.planned))
         .join(Branch, Branch.id == TrainingPlan.branch_id)
         .where(TrainingPlan.year.in_(years)).group_by(TrainingPlan.year))
    q = _plan_scope(q, Scope.of(user), filters)
    return {y: int(n or 0) for y, n in db.session.execute(q)}


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
    # People trained move only with what moves the report's figures (freshness.py), so
    # they are cached like them; the plans themselves are read each time.
    key = {"year": year, "scope": scope.describe(), "filters": scope_filters.as_dict()}
    actual: dict[tuple[str, object], int] = {
        (level, _category(k) if level == "category" else k): people
        for level, k, people in freshness.cached(
            "plan-actual", key, lambda: _people_trained(year, scope, scope_filters))
    }

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


def _people_trained(year: int, scope: Scope, filters: Filters) -> list[list]:
    """[level, key, distinct people] per branch, union, region (the branch's), category
    and overall, in one statement (JSON-ready: the category by its value)."""
    base = rows(year, year, scope, filters).subquery("r")
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
    return [[level, {"branch": branch_id, "union": b_union, "region": b_region,
                     "category": getattr(category, "value", category) or None,
                     "total": None}[level], people]
            for level, branch_id, b_union, b_region, category, _p, people
            in db.session.execute(stmt)]


def plan_overview(year: int, branch_ids: list[int]) -> dict[int, int]:
    """Planned people per branch (all categories) for the plans page."""
    if not branch_ids:
        return {}
    q = (select(TrainingPlan.branch_id, func.sum(TrainingPlan.planned))
         .where(TrainingPlan.year == year, TrainingPlan.branch_id.in_(branch_ids))
         .group_by(TrainingPlan.branch_id))
    return {b: int(n) for b, n in db.session.execute(q)}
