"""The consolidated plan renders in a constant number of queries whatever the tree's size."""

from __future__ import annotations

from school.accounts.models import Category
from school.extensions import db
from school.orgs.models import Branch, BranchKind, PrimaryOrganization
from school.planning.models import (
    BudgetLine,
    FundingSource,
    Plan,
    PlanBudget,
    PlanHeadcount,
    PlanLevel,
    PlanState,
)
from tests.planning.conftest import YEAR

STATES = [PlanState.approved, PlanState.submitted, PlanState.draft, PlanState.returned]


def _grow(union, region, branches: int, orgs_per_branch: int, start: int) -> None:
    """Branches (every other one with a local union), organisations, and a plan with lines
    for every unit; bulk-added, then committed once."""
    for i in range(start, start + branches):
        branch = Branch(union_id=union.id, region_id=region.id, kind=BranchKind.oblast,
                        name_ru=f"Филиал {i}", name_kk=f"Филиал {i}")
        db.session.add(branch)
        db.session.flush()
        parents = [branch]
        if i % 2:
            local = Branch(union_id=union.id, region_id=region.id, kind=BranchKind.local,
                           parent_id=branch.id, name_ru=f"Райком {i}", name_kk=f"Райком {i}")
            db.session.add(local)
            db.session.flush()
            parents.append(local)
        for parent in parents:
            level = PlanLevel.local if parent.parent_id else PlanLevel.branch
            db.session.add(_plan(union, level, STATES[i % 4], branch_id=parent.id))
            for j in range(orgs_per_branch):
                org = PrimaryOrganization(branch_id=parent.id, name_ru=f"ППО {i}-{j}-{level}",
                                          name_kk=f"БКҰ {i}-{j}")
                db.session.add(org)
                db.session.flush()
                db.session.add(_plan(union, PlanLevel.organisation, STATES[j % 4],
                                     organization_id=org.id))
    db.session.commit()


def _plan(union, level, state, **unit) -> Plan:
    plan = Plan(year=YEAR, level=level, state=state, union_id=union.id, **unit)
    plan.headcounts = [PlanHeadcount(category=Category.chair, people=3),
                       PlanHeadcount(category=Category.treasurer, people=1)]
    plan.budget = [PlanBudget(line=BudgetLine.venue, source=FundingSource.union_budget,
                              amount_tiyn=10_000_000)]
    return plan


def test_consolidated_page_queries_do_not_grow_with_the_tree(make_union, regions, make_user,
                                                            login, client, count_selects):
    union = make_union("big")
    region = regions["KZ-79"]
    admin = make_user("admin")
    login(admin)
    counts = []
    for branches, orgs, start in ((2, 2, 0), (12, 15, 100)):
        _grow(union, region, branches, orgs, start)
        for url in (f"/plans/consolidated?year={YEAR}",
                    f"/plans/consolidated?year={YEAR}&format=csv"):
            with count_selects() as seen:
                response = client.get(url)
            assert response.status_code == 200
            counts.append(len(seen))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    # The bigger tree really is bigger: hundreds of plans consolidated.
    assert db.session.query(Plan).count() > 250
    # 16 for the page, plus the menu's count of requests waiting for this admin.
    assert counts[0] <= 17, counts
    print("queries (page, csv) small vs big:", counts)


def test_coordinators_page_queries_do_not_grow_either(make_union, regions, make_user, login,
                                                       client, count_selects):
    union = make_union("big")
    region = regions["KZ-79"]
    login(make_user("coordinator", coordinator_of=union))
    counts = []
    for branches, orgs, start in ((2, 2, 0), (10, 10, 100)):
        _grow(union, region, branches, orgs, start)
        with count_selects() as seen:
            assert client.get(f"/plans/consolidated?year={YEAR}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
