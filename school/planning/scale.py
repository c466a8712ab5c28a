"""Plans for `flask seed-demo --scale N` (called from school/bigdata.py, issue 19).

The consolidated plan is measured on "the full tree with tens of thousands of
organisations": at N=1 this adds 20k primary organisations spread over the existing
branches and local unions, and next year's plans (the planning pages' default year) for
every union, branch and local union and for four organisations in five, each with a few
headcount and budget lines, in a realistic mix of states (mostly approved at the bottom).
Units that already have a plan for that year (the ordinary demo's) are left alone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from school.accounts.models import Category
from school.catalog.models import Program
from school.orgs.models import Branch, PrimaryOrganization, SectoralUnion
from school.planning.models import BudgetLine, FundingSource, Plan, PlanBudget, PlanHeadcount

ORGS_PER_SCALE = 20_000
# State weights per level: organisations' plans are mostly decided, the unions' still open.
STATES = {
    "organisation": (["approved", "submitted", "draft", "returned"], [70, 15, 10, 5]),
    "local": (["approved", "submitted", "draft", "returned"], [50, 30, 15, 5]),
    "branch": (["approved", "submitted", "draft", "returned"], [40, 35, 20, 5]),
    "union": (["approved", "submitted", "draft"], [20, 40, 40]),
}


def write_plans(writer, rng, scale: float, today: date, now) -> list[str]:
    """Organisations and next year's plans with `writer` (bigdata.Writer); returns the
    tables to fix sequences of."""
    conn = writer.conn
    year = today.year + 1

    def max_id(table) -> int:
        return conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar()

    branches = conn.execute(select(Branch.id, Branch.union_id, Branch.parent_id)
                            .order_by(Branch.id)).all()
    unions = conn.execute(select(SectoralUnion.id).order_by(SectoralUnion.id)).scalars().all()
    programs = conn.execute(select(Program.id).order_by(Program.id)).scalars().all()
    if not branches or not unions:
        return []
    taken = {(lv, u, b, o) for lv, u, b, o in conn.execute(
        select(Plan.level, Plan.union_id, Plan.branch_id, Plan.organization_id)
        .where(Plan.year == year))}
    taken = {(str(lv), u if b is None and o is None else None, b, o) for lv, u, b, o in taken}

    org_table = PrimaryOrganization.__table__
    org0 = max_id(org_table)
    n_orgs = int(ORGS_PER_SCALE * scale)
    new_orgs = []
    for i in range(n_orgs):
        branch_id = branches[rng.randrange(len(branches))][0]
        new_orgs.append((org0 + 1 + i, branch_id, f"ППО № {org0 + 1 + i}",
                         f"№ {org0 + 1 + i} БҰҰ"))
    writer.write("primary_organization", ("id", "branch_id", "name_ru", "name_kk"), new_orgs)
    union_of = {b: u for b, u, _p in branches}
    orgs = conn.execute(select(PrimaryOrganization.id, PrimaryOrganization.branch_id)
                        .order_by(PrimaryOrganization.id)).all()

    categories = [c.value for c in Category]
    lines = [x.value for x in BudgetLine]
    sources = [x.value for x in FundingSource]
    plan_id = max_id(Plan.__table__)
    head_id, budget_id = max_id(PlanHeadcount.__table__), max_id(PlanBudget.__table__)
    plans, heads, budgets = [], [], []

    def add(level: str, union_id: int, branch_id, org_id, size: int) -> None:
        nonlocal plan_id, head_id, budget_id
        key = (level, union_id if branch_id is None and org_id is None else None, branch_id,
               org_id)
        if key in taken:
            return
        names, weights = STATES[level]
        state = rng.choices(names, weights)[0]
        plan_id += 1
        plans.append((plan_id, year, level, union_id, branch_id, org_id, state, 1,
                      None if state == "draft" else now,
                      now if state in ("approved", "returned") else None, now, now))
        for category in rng.sample(categories, rng.randint(1, 3)):
            head_id += 1
            heads.append((head_id, plan_id, category, rng.choice(programs) if programs and
                          rng.random() < 0.7 else None, rng.randint(1, 5) * size))
        for line in rng.sample(lines, rng.randint(1, 2)):
            budget_id += 1
            budgets.append((budget_id, plan_id, line, rng.choice(sources),
                            rng.choice(programs) if programs and rng.random() < 0.5 else None,
                            rng.randint(10, 500) * 1000_00 * size))

    for union_id in unions:
        add("union", union_id, None, None, 20)
    for branch_id, union_id, parent_id in branches:
        add("local" if parent_id else "branch", union_id, branch_id, None, 5)
    for org_id, branch_id in orgs:
        if rng.random() < 0.8:
            add("organisation", union_of[branch_id], None, org_id, 1)
    writer.write("plan", ("id", "year", "level", "union_id", "branch_id", "organization_id",
                          "state", "revision", "submitted_at", "decided_at", "created_at",
                          "updated_at"), plans)
    writer.write("plan_headcount", ("id", "plan_id", "category", "program_id", "people"), heads)
    writer.write("plan_budget", ("id", "plan_id", "line", "source", "program_id",
                                 "amount_tiyn"), budgets)
    return ["primary_organization", "plan", "plan_headcount", "plan_budget"]

