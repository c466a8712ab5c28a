"""Demo plans for this year and the two before, and the year before last closed.

Completed participations come from the attendance and certificates demos (run before this
one); plans are made here for every branch, so that the report shows plan against result.
Idempotent: a branch's plan for a year is made once; a year is closed once.
"""

from __future__ import annotations

from sqlalchemy import select

from school.accounts.models import Category, Role, RoleGrant, User
from school.extensions import db
from school.orgs.models import Branch
from school.reports import services
from school.reports.models import TrainingPlan
from school.timeutil import local_today

# Share of a branch's plan per category: chairs and committee members first.
CATEGORY_WEIGHTS = {
    Category.chair: 30, Category.deputy_chair: 8, Category.committee_member: 15,
    Category.treasurer: 5, Category.audit_commission: 10, Category.conciliation_commission: 12,
    Category.youth_council: 6, Category.activist: 12, Category.staff: 2,
}


def _plan_rows(rng, branch: Branch, year: int) -> list[TrainingPlan]:
    total = rng.randint(12, 40) + (year - 2020)  # a little more every year
    rows = []
    for category, weight in CATEGORY_WEIGHTS.items():
        planned = round(total * weight / 100 + rng.uniform(-0.5, 1.5))
        if planned > 0:
            rows.append(TrainingPlan(branch_id=branch.id, year=year, category=category,
                                     planned=planned))
    return rows


def seed(rng) -> list[str]:
    this_year = local_today().year
    years = [this_year - 2, this_year - 1, this_year]
    branches = list(db.session.scalars(select(Branch).order_by(Branch.id)))
    have = set(db.session.execute(
        select(TrainingPlan.branch_id, TrainingPlan.year).where(TrainingPlan.year.in_(years))
        .distinct()
    ).all())
    made = 0
    for year in years:
        for branch in branches:
            rows = _plan_rows(rng, branch, year)  # drawn always, so reruns stay reproducible
            if (branch.id, year) not in have:
                db.session.add_all(rows)
                made += 1
    db.session.flush()
    notes = [f"Reports: plans for {len(branches)} branches × {years[0]}–{years[-1]} "
             f"({made} new)"]

    # The year before last is closed, to show stored figures and later differences.
    admin = db.session.scalar(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.admin).order_by(User.id).limit(1)
    )
    old = years[0]
    closed = services.closed_years([old]).get(old)
    if (closed is None and admin is not None
            and services.yearly_report(old, admin).total.participations):
        closed = services.close_year(old, admin)
    if closed is not None:
        notes.append(f"Reports: {old} closed ({closed.participations} participations, "
                     f"{closed.people} people stored)")
    for year in years[:2]:
        if admin is None:
            break
        total = services.yearly_report(year, admin).total
        notes.append(f"Reports: {year}: {total.participations} participations, "
                     f"{total.people} people trained")
    return notes
