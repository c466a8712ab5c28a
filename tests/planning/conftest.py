"""Fixtures of the planning tests: a fixed union tree, chairs, plans with lines."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event as sa_event

from school.accounts.models import Category, Role, RoleGrant
from school.extensions import db
from school.orgs.models import BranchKind
from school.planning.models import (
    BudgetLine,
    FundingSource,
    Plan,
    PlanBudget,
    PlanHeadcount,
    PlanLevel,
    PlanState,
)

YEAR = 2027


@pytest.fixture
def make_chair(make_user):
    def make(org, **kw):
        """A trainee of `org`'s branch who chairs `org`."""
        user = make_user("trainee", branch=org.branch, primary_org_id=org.id, **kw)
        user.grants.append(RoleGrant(role=Role.chair, primary_org_id=org.id))
        db.session.commit()
        return user

    return make


@pytest.fixture
def tree(make_union, make_branch, make_org):
    """Union U: branch A (Shymkent) with orgs a1, a2 and a local union L (orgs l1, l2);
    branch B (Astana) with org b1. Union V with branch C (org c1), to stay out of sight."""
    u, v = make_union("u"), make_union("v")
    a = make_branch(u, "KZ-79", name_ru="Филиал А")
    b = make_branch(u, "KZ-71", name_ru="Филиал Б")
    loc = make_branch(u, "KZ-79", name_ru="Райком Л", kind=BranchKind.local, parent_id=a.id)
    c = make_branch(v, "KZ-75", name_ru="Филиал В")
    return {
        "u": u, "v": v, "a": a, "b": b, "l": loc, "c": c,
        "a1": make_org(a, name_ru="ППО а1"), "a2": make_org(a, name_ru="ППО а2"),
        "l1": make_org(loc, name_ru="ППО л1"), "l2": make_org(loc, name_ru="ППО л2"),
        "b1": make_org(b, name_ru="ППО б1"), "c1": make_org(c, name_ru="ППО в1"),
    }


@pytest.fixture
def make_plan(app):
    def make(unit, *, level: PlanLevel, state: PlanState = PlanState.approved,
             people: dict | None = None, budget: dict | None = None, year: int = YEAR,
             author=None) -> Plan:
        """A plan with headcount lines {category: people} and budget lines {line: tiyn}
        (all from the union's budget, no programme)."""
        plan = Plan(year=year, level=level, state=state, author_id=getattr(author, "id", None))
        if level is PlanLevel.union:
            plan.union_id = unit.id
        elif level is PlanLevel.organisation:
            plan.organization_id, plan.union_id = unit.id, unit.branch.union_id
        else:
            plan.branch_id, plan.union_id = unit.id, unit.union_id
        for category, n in (people or {}).items():
            plan.headcounts.append(PlanHeadcount(category=Category(category), people=n))
        for line, tiyn in (budget or {}).items():
            plan.budget.append(PlanBudget(line=BudgetLine(line), amount_tiyn=tiyn,
                                          source=FundingSource.union_budget))
        db.session.add(plan)
        db.session.commit()
        return plan

    return make


@pytest.fixture
def count_selects(app):
    @contextmanager
    def counting():
        seen: list[str] = []

        def listener(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield seen
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)

    return counting
