"""Bottom-up consolidation of a year's plans, in a fixed number of queries.

Every figure is keyed by (category, programme id, budget line): a headcount line has a
category and no budget line, a budget line the reverse. A unit's consolidated figures are
its own approved lines plus its children's figures — a child's consolidated figures, or a
leaf organisation's approved lines — whatever state the child's own plan is in (the
contract of `/plans/consolidated?format=csv`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from school.extensions import db
from school.orgs.models import PrimaryOrganization
from school.planning.models import Plan, PlanBudget, PlanHeadcount, PlanLevel, PlanState
from school.planning.tree import Tree, Unit, load_tree

Key = tuple[str | None, int | None, str | None]  # category, programme id, budget line
Figures = dict[Key, list[int]]  # key → [people, tiyn]

LEVEL_ORDER = (PlanLevel.union, PlanLevel.branch, PlanLevel.local, PlanLevel.organisation)
CSV_HEADER = ("level", "unit_id", "parent_id", "state", "category", "programme_id", "people",
              "budget_line", "amount_tiyn")


@dataclass
class PlanInfo:
    id: int
    unit: Unit
    parent: Unit | None
    state: PlanState
    own: Figures = field(default_factory=dict)


@dataclass
class Consolidation:
    year: int
    tree: Tree
    plans: dict[Unit, PlanInfo]
    consolidated: dict[Unit, Figures]
    org_parents: dict[int, Unit]  # organisations with a plan → their branch unit
    progress: dict[Unit, dict[PlanLevel, list[int]]]  # unit → level → [submitted, approved]

    def totals(self, figures: Figures) -> tuple[int, int]:
        return (sum(v[0] for v in figures.values()), sum(v[1] for v in figures.values()))

    def units(self) -> list[Unit]:
        """Union, branch and local units in tree order (each branch then its locals)."""
        out: list[Unit] = []
        for union_id in self.tree.unions:
            out.append((PlanLevel.union, union_id))
            for child in self.tree.children.get((PlanLevel.union, union_id), []):
                out.append(child)
                out.extend(self.tree.children.get(child, []))
        return out

    def children_total(self, unit: Unit, level: PlanLevel | str) -> int:
        level = PlanLevel(level)
        if level is PlanLevel.organisation:
            if unit[0] is PlanLevel.union:
                return 0
            return self.tree.org_counts.get(unit[1], 0)
        return sum(1 for c in self.tree.children.get(unit, []) if c[0] is level)

    def csv_rows(self, visible: set[Unit] | None = None):
        """The tidy table: every plan's own lines with its state, then every parent's
        consolidated rows; units outside `visible` (when given) are left out."""
        for unit, info in sorted(self.plans.items(), key=_unit_sort):
            if visible is not None and unit not in visible and info.parent not in visible:
                continue
            parent_id = info.parent[1] if info.parent else ""
            for key, (people, tiyn) in sorted(info.own.items(), key=_key_sort):
                yield _row(unit, parent_id, info.state.value, key, people, tiyn)
        for unit, figures in sorted(self.consolidated.items(), key=_unit_sort):
            if visible is not None and unit not in visible:
                continue
            parent = self.tree.parent_of(unit)
            parent_id = parent[1] if parent else ""
            for key, (people, tiyn) in sorted(figures.items(), key=_key_sort):
                yield _row(unit, parent_id, "consolidated", key, people, tiyn)


def _row(unit: Unit, parent_id, state: str, key: Key, people: int, tiyn: int) -> list:
    category, program_id, line = key
    return [unit[0].value, unit[1], parent_id, state, category or "",
            program_id if program_id is not None else "", people, line or "", tiyn]


def _unit_sort(item):
    unit = item[0]
    return (LEVEL_ORDER.index(unit[0]), unit[1])


def _key_sort(item):
    category, program_id, line = item[0]
    return (category or "", program_id or 0, line or "")


def _add(target: Figures, source: Figures) -> None:
    for key, (people, tiyn) in source.items():
        cell = target.setdefault(key, [0, 0])
        cell[0] += people
        cell[1] += tiyn


def consolidate(year: int, union_ids: set[int] | None = None,
                branch_ids: set[int] | None = None, *,
                organisations: bool = True) -> Consolidation:
    """Six queries whatever the tree's size: unions, branches, organisation counts, the
    year's plans, and the sums of their headcount and budget lines.

    `organisations=False` (the pages, which show unions, branches and local unions only):
    the tens of thousands of organisations' plans are not read one by one; the database
    sums their approved lines per branch and counts their states per branch instead (three
    more queries), with the same consolidated figures and progress as a result."""
    tree = load_tree(union_ids, branch_ids)
    pq = (
        select(Plan.id, Plan.level, Plan.union_id, Plan.branch_id, Plan.organization_id,
               Plan.state, PrimaryOrganization.branch_id)
        .outerjoin(PrimaryOrganization, PrimaryOrganization.id == Plan.organization_id)
        .where(Plan.year == year)
    )
    if union_ids is not None:
        pq = pq.where(Plan.union_id.in_(union_ids))
    if not organisations:
        pq = pq.where(Plan.level != PlanLevel.organisation)
    plans: dict[Unit, PlanInfo] = {}
    by_id: dict[int, PlanInfo] = {}
    org_parents: dict[int, Unit] = {}
    for pid, level, union_id, branch_id, org_id, state, org_branch in db.session.execute(pq):
        if level is PlanLevel.union:
            unit: Unit = (level, union_id)
        elif level is PlanLevel.organisation:
            unit = (level, org_id)
            if org_branch not in tree.branches:
                continue  # outside the scope asked for
        else:
            if branch_id not in tree.branches:
                continue
            unit = (tree.level_of(tree.branches[branch_id]), branch_id)
        if unit[0] is PlanLevel.union and union_id not in tree.unions:
            continue
        parent = tree.parent_of(unit, org_branch)
        if unit[0] is PlanLevel.organisation and parent is not None:
            org_parents[org_id] = parent
        info = PlanInfo(pid, unit, parent, state)
        plans[unit] = info
        by_id[pid] = info
    _load_lines(year, union_ids, by_id, organisations)

    # Bottom-up: organisations into their branch or local union, locals into branches,
    # branches into the union. Every union, branch and local gets a figure set.
    consolidated: dict[Unit, Figures] = {}
    for b in tree.branches.values():
        consolidated[(tree.level_of(b), b.id)] = {}
    for u in tree.unions:
        consolidated[(PlanLevel.union, u)] = {}
    for unit, info in plans.items():
        if info.state is PlanState.approved and unit in consolidated:
            _add(consolidated[unit], info.own)
    for unit, info in plans.items():
        if (unit[0] is PlanLevel.organisation and info.state is PlanState.approved
                and info.parent in consolidated):
            _add(consolidated[info.parent], info.own)
    progress = _progress()
    if not organisations:
        _add_organisations(year, union_ids, tree, consolidated, progress)
    for level in (PlanLevel.local, PlanLevel.branch):
        for unit in [u for u in consolidated if u[0] is level]:
            parent = tree.parent_of(unit)
            if parent in consolidated:
                _add(consolidated[parent], consolidated[unit])

    for unit, info in plans.items():
        if info.parent is None:
            continue
        cell = progress[info.parent][unit[0]]
        if info.state in (PlanState.submitted, PlanState.approved):
            cell[0] += 1
        if info.state is PlanState.approved:
            cell[1] += 1
    return Consolidation(year, tree, plans, consolidated, org_parents, progress)


def _progress() -> dict[Unit, dict[PlanLevel, list[int]]]:
    return defaultdict(lambda: defaultdict(lambda: [0, 0]))


def _add_organisations(year: int, union_ids, tree: Tree, consolidated: dict[Unit, Figures],
                       progress) -> None:
    """Organisations' approved lines summed per branch into its unit, and their plans'
    states counted per branch, by the database."""
    org_branch = PrimaryOrganization.branch_id
    joined = ((Plan.year == year) & (Plan.level == PlanLevel.organisation)
              & (PrimaryOrganization.id == Plan.organization_id))
    if union_ids is not None:
        joined &= Plan.union_id.in_(union_ids)
    states = (select(org_branch, Plan.state, func.count()).where(joined)
              .group_by(org_branch, Plan.state))
    for branch_id, state, n in db.session.execute(states):
        branch = tree.branches.get(branch_id)
        if branch is None:
            continue
        cell = progress[(tree.level_of(branch), branch_id)][PlanLevel.organisation]
        if state in (PlanState.submitted, PlanState.approved):
            cell[0] += n
        if state is PlanState.approved:
            cell[1] += n
    approved = joined & (Plan.state == PlanState.approved)
    hq = (select(org_branch, PlanHeadcount.category, PlanHeadcount.program_id,
                 func.sum(PlanHeadcount.people))
          .where(approved, PlanHeadcount.plan_id == Plan.id)
          .group_by(org_branch, PlanHeadcount.category, PlanHeadcount.program_id))
    bq = (select(org_branch, PlanBudget.line, PlanBudget.program_id,
                 func.sum(PlanBudget.amount_tiyn))
          .where(approved, PlanBudget.plan_id == Plan.id)
          .group_by(org_branch, PlanBudget.line, PlanBudget.program_id))
    for branch_id, category, program_id, people in db.session.execute(hq):
        branch = tree.branches.get(branch_id)
        if branch is not None:
            cell = consolidated[(tree.level_of(branch), branch_id)].setdefault(
                (category.value, program_id, None), [0, 0])
            cell[0] += int(people or 0)
    for branch_id, line, program_id, tiyn in db.session.execute(bq):
        branch = tree.branches.get(branch_id)
        if branch is not None:
            cell = consolidated[(tree.level_of(branch), branch_id)].setdefault(
                (None, program_id, line.value), [0, 0])
            cell[1] += int(tiyn or 0)


def _load_lines(year: int, union_ids, by_id: dict[int, PlanInfo],
                organisations: bool = True) -> None:
    def sums(model, key, amount):  # per plan, key and programme, in the year's plans
        return (select(model.plan_id, key, model.program_id, func.sum(amount))
                .join(Plan, Plan.id == model.plan_id).where(Plan.year == year)
                .group_by(model.plan_id, key, model.program_id))

    hq = sums(PlanHeadcount, PlanHeadcount.category, PlanHeadcount.people)
    bq = sums(PlanBudget, PlanBudget.line, PlanBudget.amount_tiyn)
    if union_ids is not None:
        hq = hq.where(Plan.union_id.in_(union_ids))
        bq = bq.where(Plan.union_id.in_(union_ids))
    if not organisations:
        hq = hq.where(Plan.level != PlanLevel.organisation)
        bq = bq.where(Plan.level != PlanLevel.organisation)
    for pid, category, program_id, people in db.session.execute(hq):
        if pid in by_id:
            key = (category.value, program_id, None)
            by_id[pid].own.setdefault(key, [0, 0])[0] += int(people or 0)
    for pid, line, program_id, tiyn in db.session.execute(bq):
        if pid in by_id:
            key = (None, program_id, line.value)
            by_id[pid].own.setdefault(key, [0, 0])[1] += int(tiyn or 0)
