"""The planning tree: union → branch → optional local union → primary organisation.

A unit is named by (level, id). Everything is read in a fixed number of queries whatever
the size of the tree: unions and branches are hundreds of rows; organisations are only
counted per branch, and named only when a page lists one branch's organisations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization, SectoralUnion
from school.permissions import chaired_org_id, coordinator_scope, visible_branch_ids
from school.planning.models import Plan, PlanLevel

Unit = tuple[PlanLevel, int]


@dataclass
class Tree:
    """Unions and branches of the year's view, with organisations counted per branch."""

    unions: dict[int, SectoralUnion]
    branches: dict[int, Branch]
    org_counts: dict[int, int]  # branch id → organisations directly under it
    children: dict[Unit, list[Unit]] = field(default_factory=dict)

    def level_of(self, branch: Branch) -> PlanLevel:
        return PlanLevel.local if branch.parent_id is not None else PlanLevel.branch

    def parent_of(self, unit: Unit, org_branch_id: int | None = None) -> Unit | None:
        level, ident = unit
        if level is PlanLevel.union:
            return None
        if level is PlanLevel.organisation:
            branch = self.branches.get(org_branch_id) if org_branch_id else None
            return (self.level_of(branch), branch.id) if branch else None
        branch = self.branches.get(ident)
        if branch is None:
            return None
        if branch.parent_id is not None and branch.parent_id in self.branches:
            return (PlanLevel.branch, branch.parent_id)
        return (PlanLevel.union, branch.union_id)

    def name(self, unit: Unit, org_names: dict[int, str] | None = None) -> str:
        level, ident = unit
        if level is PlanLevel.union:
            return self.unions[ident].short_name if ident in self.unions else str(ident)
        if level is PlanLevel.organisation:
            return (org_names or {}).get(ident, f"#{ident}")
        return self.branches[ident].name if ident in self.branches else str(ident)

    def orgs_under(self, unit: Unit) -> int:
        """Primary organisations in the unit's whole subtree."""
        level, ident = unit
        if level is PlanLevel.organisation:
            return 1
        if level is PlanLevel.union:
            return sum(n for b, n in self.org_counts.items()
                       if b in self.branches and self.branches[b].union_id == ident)
        own = self.org_counts.get(ident, 0)
        if level is PlanLevel.branch:
            own += sum(self.org_counts.get(b.id, 0) for b in self.branches.values()
                       if b.parent_id == ident)
        return own


def load_tree(union_ids: set[int] | None = None, branch_ids: set[int] | None = None) -> Tree:
    """Three queries: unions, branches and organisation counts (all, or within scope)."""
    uq = select(SectoralUnion).order_by(SectoralUnion.id)
    bq = select(Branch).order_by(Branch.union_id, Branch.name_ru)
    cq = select(PrimaryOrganization.branch_id, func.count()).group_by(
        PrimaryOrganization.branch_id)
    if union_ids is not None:
        uq = uq.where(SectoralUnion.id.in_(union_ids))
        bq = bq.where(Branch.union_id.in_(union_ids))
    if branch_ids is not None:
        bq = bq.where(Branch.id.in_(branch_ids))
        cq = cq.where(PrimaryOrganization.branch_id.in_(branch_ids))
    unions = {u.id: u for u in db.session.scalars(uq)}
    branches = {b.id: b for b in db.session.scalars(bq)}
    counts = {b: n for b, n in db.session.execute(cq)}
    tree = Tree(unions, branches, counts)
    for b in branches.values():
        parent = tree.parent_of((tree.level_of(b), b.id))
        if parent is not None:
            tree.children.setdefault(parent, []).append((tree.level_of(b), b.id))
    return tree


# --- who may do what with which unit -----------------------------------------------------


def _visible(user) -> set[int]:
    """visible_branch_ids once per request: lists ask it for every plan they show."""
    from flask import g, has_app_context

    if not has_app_context():
        return visible_branch_ids(user) or set()
    cache = g.setdefault("planning_visible", {})
    key = (user.id, frozenset((gr.role, gr.union_id, gr.branch_id) for gr in user.grants))
    if key not in cache:
        cache[key] = visible_branch_ids(user) or set()
    return cache[key]


def unit_of(plan: Plan) -> Unit:
    if plan.level is PlanLevel.union:
        return (plan.level, plan.union_id)
    if plan.level is PlanLevel.organisation:
        return (plan.level, plan.organization_id)
    return (plan.level, plan.branch_id)


def branch_of_plan(plan: Plan) -> int | None:
    """The branch the plan's unit belongs to (its own for branch and local levels)."""
    if plan.level is PlanLevel.organisation:
        return plan.organization.branch_id
    return plan.branch_id


def may_edit(user, plan: Plan) -> bool:
    """The unit's own people draw up its plan: its chair, its coordinators (and those of the
    levels above, who help), and admins."""
    if user.has_role("admin"):
        return True
    if plan.level is PlanLevel.organisation and chaired_org_id(user) == plan.organization_id:
        return True
    if plan.level is PlanLevel.union:
        return plan.union_id in coordinator_scope(user)[0]
    return branch_of_plan(plan) in _visible(user)


def may_decide(user, plan: Plan) -> bool:
    """The level above approves or returns: admins for a union's plan; the union's
    coordinators for a branch's; coordinators who see the parent branch for a local
    union's; coordinators who see the organisation's branch for an organisation's."""
    if user.has_role("admin"):
        return True
    unions, _branches = coordinator_scope(user)
    if plan.level is PlanLevel.union:
        return False
    if plan.union_id in unions:
        return True
    ids = _visible(user)
    if plan.level is PlanLevel.branch:
        return False
    if plan.level is PlanLevel.local:
        return plan.branch.parent_id in ids
    branch_id = plan.organization.branch_id
    # A local union's coordinator decides for its organisations; so does the branch above.
    return branch_id in ids


def may_view(user, plan: Plan) -> bool:
    return may_edit(user, plan) or may_decide(user, plan)


def editable_units(user) -> list[Unit]:
    """Units whose plan the person draws up: their organisation, branches, unions."""
    units: list[Unit] = []
    if user.has_role("admin"):  # the training centre draws up the unions' own plans
        units += [(PlanLevel.union, u) for u in db.session.scalars(
            select(SectoralUnion.id).order_by(SectoralUnion.id))]
    org_id = chaired_org_id(user)
    if org_id:
        units.append((PlanLevel.organisation, org_id))
    unions, branches = coordinator_scope(user)
    units += [(PlanLevel.union, u) for u in sorted(unions) if (PlanLevel.union, u) not in units]
    if branches:
        for b in db.session.scalars(select(Branch).where(Branch.id.in_(branches))):
            units.append((PlanLevel.local if b.parent_id else PlanLevel.branch, b.id))
    return units
