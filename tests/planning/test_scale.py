"""`seed-demo --scale` adds organisations and next year's plans for the whole tree, which
the consolidation reads back (issue 19's benchmark data)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from school.bigdata import generate
from school.extensions import db
from school.orgs.models import PrimaryOrganization
from school.planning.consolidate import consolidate
from school.planning.models import Plan, PlanLevel


def test_scale_adds_organisations_and_plans_for_the_tree(tree, make_program):
    make_program()
    orgs_before = db.session.scalar(select(func.count()).select_from(PrimaryOrganization))
    list(generate(0.002, seed=3, today=date(2026, 6, 15)))
    orgs = db.session.scalar(select(func.count()).select_from(PrimaryOrganization))
    assert orgs == orgs_before + 40

    levels = dict(db.session.execute(select(Plan.level, func.count()).where(
        Plan.year == 2027).group_by(Plan.level)).all())
    full = consolidate(2027)
    assert levels[PlanLevel.union] == len(full.tree.unions)
    assert levels[PlanLevel.organisation] > orgs // 2
    assert {PlanLevel.branch, PlanLevel.local} <= set(levels)

    summed = consolidate(2027, organisations=False)
    assert summed.consolidated == full.consolidated
    assert sum(full.totals(full.consolidated[(PlanLevel.union, u)])[0]
               for u in full.tree.unions) > 0
