"""Demo data of the planning feature: «Қызмет»'s 14 local unions with their organisations,
chairs for some organisations, a local union's coordinator, plans for this year (approved)
and next year (every state, every level), the planning calendar and what this year's
completed events cost. Idempotent: everything is looked up before it is made.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from school.accounts.models import Category, Role, RoleGrant, User
from school.catalog.models import Event, EventStatus
from school.extensions import db
from school.orgs.models import Branch, BranchKind, PrimaryOrganization, Region, SectoralUnion
from school.planning.models import (
    BudgetLine,
    EventCost,
    FundingSource,
    Plan,
    PlanBudget,
    PlanDeadline,
    PlanEvent,
    PlanHeadcount,
    PlanLevel,
    PlanState,
)
from school.timeutil import local_today

# (region, district in Russian, in Kazakh): «Қызмет»'s local unions under its oblast branches.
LOCAL_UNIONS = [
    ("KZ-61", "Сайрамский", "Сайрам"), ("KZ-61", "Толебийский", "Төле би"),
    ("KZ-61", "Сарыагашский", "Сарыағаш"), ("KZ-19", "Карасайский", "Қарасай"),
    ("KZ-19", "Илийский", "Іле"), ("KZ-19", "Талгарский", "Талғар"),
    ("KZ-35", "Бухар-Жырауский", "Бұқар жырау"), ("KZ-35", "Абайский", "Абай"),
    ("KZ-11", "Целиноградский", "Целиноград"), ("KZ-11", "Бурабайский", "Бурабай"),
    ("KZ-31", "Байзакский", "Байзақ"), ("KZ-31", "Кордайский", "Қордай"),
    ("KZ-15", "Мугалжарский", "Мұғалжар"), ("KZ-55", "Аксуский", "Ақсу"),
]
LOCAL_ORGS = [
    ("ППО районной больницы ({d} район)", "Аудандық аурухананың БКҰ ({d} ауданы)"),
    ("ППО средней школы № 1 ({d} район)", "№ 1 орта мектептің БКҰ ({d} ауданы)"),
    ("ППО аппарата акима района ({d} район)", "Аудан әкімі аппаратының БКҰ ({d} ауданы)"),
]
CHAIRS = [
    ("chair@demo.kz", "Сейітқалиева Ботагөз Маратқызы"),
    ("chair2@demo.kz", "Оспанов Нұрлан Бақытұлы"),
    ("chair3@demo.kz", "Ким Елена Викторовна"),
    ("chair4@demo.kz", "Тұрсынбаев Асқар Ержанұлы"),
]
LOCAL_COORDINATOR = ("local.coordinator@demo.kz", "Бекова Сәуле Әсетқызы")
TENGE = 100  # tiyn


def _money(rng, low: int, high: int) -> int:
    """A plausible amount in tiyn, rounded to a thousand tenge."""
    return rng.randint(low // 1000, high // 1000) * 1000 * TENGE


def _local_unions(union: SectoralUnion) -> list[Branch]:
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    made = []
    for code, d_ru, d_kk in LOCAL_UNIONS:
        parent = db.session.scalar(select(Branch).where(
            Branch.union_id == union.id, Branch.region_id == regions[code].id,
            Branch.parent_id.is_(None)).order_by(Branch.id).limit(1))
        if parent is None:
            continue
        name_ru = f"{d_ru} районный комитет «Қызмет»"
        local = db.session.scalar(select(Branch).where(Branch.union_id == union.id,
                                                       Branch.name_ru == name_ru))
        if local is None:
            local = Branch(union_id=union.id, region_id=parent.region_id, kind=BranchKind.local,
                           parent_id=parent.id, name_ru=name_ru,
                           name_kk=f"«Қызмет» {d_kk} аудандық комитеті")
            db.session.add(local)
            db.session.flush()
            for t_ru, t_kk in LOCAL_ORGS:
                db.session.add(PrimaryOrganization(branch_id=local.id, name_ru=t_ru.format(d=d_ru),
                                                   name_kk=t_kk.format(d=d_kk)))
        made.append(local)
    db.session.flush()
    return made


def seed_tree() -> tuple[list[Branch], list[str]]:
    """«Қызмет»'s local unions with their organisations, chairs and a local coordinator
    (seed-demo runs this with the reference data and people, before the features that seed
    something per branch or per person)."""
    union = db.session.scalar(select(SectoralUnion).where(SectoralUnion.code == "kyzmet"))
    if union is None:
        return [], []
    locals_ = _local_unions(union)
    return locals_, _accounts(union, locals_)


def _person(email: str, name: str, org: PrimaryOrganization, password_hash: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=name, locale="ru", category=Category.chair,
                    position="Председатель ППО",
                    position_kk="Бастауыш кәсіподақ ұйымының төрағасы")
        user.password_hash = password_hash
        user.grants.append(RoleGrant(role=Role.trainee))
        db.session.add(user)
    user.branch_id, user.union_id = org.branch_id, org.branch.union_id
    user.region_id, user.primary_org_id = org.branch.region_id, org.id
    return user


def _accounts(union: SectoralUnion, locals_: list[Branch]) -> list[str]:
    trainee = db.session.scalar(select(User).where(User.email == "trainee@demo.kz"))
    hash_from = db.session.scalar(select(User).where(User.email == "admin@demo.kz"))
    password_hash = (hash_from or trainee).password_hash
    orgs = []
    if trainee is not None and trainee.primary_org_id:
        orgs.append(trainee.primary_org)  # the demo trainee's own organisation
    for local in locals_[:3]:
        orgs.append(db.session.scalar(select(PrimaryOrganization).where(
            PrimaryOrganization.branch_id == local.id).order_by(PrimaryOrganization.id)))
    lines = []
    for (email, name), org in zip(CHAIRS, orgs, strict=False):
        if org is None:
            continue
        user = _person(email, name, org, password_hash)
        if not any(g.role is Role.chair for g in user.grants):
            user.grants.append(RoleGrant(role=Role.chair, primary_org_id=org.id))
        lines.append(email)
    if locals_:
        email, name = LOCAL_COORDINATOR
        org = db.session.scalar(select(PrimaryOrganization).where(
            PrimaryOrganization.branch_id == locals_[0].id).order_by(PrimaryOrganization.id))
        user = _person(email, name, org, password_hash)
        user.category = Category.staff
        if not any(g.role is Role.coordinator for g in user.grants):
            user.grants.append(RoleGrant(role=Role.coordinator, branch_id=locals_[0].id))
        lines.append(email)
    db.session.flush()
    return lines


def _fill(plan: Plan, rng, level: PlanLevel, programs: list[int]) -> None:
    """Lines of a plausible size for the level, in tenge a union would really spend."""
    if level is PlanLevel.organisation:
        for category, low, high in ((Category.chair, 1, 1), (Category.deputy_chair, 0, 1),
                                    (Category.treasurer, 0, 1),
                                    (Category.audit_commission, 1, 2),
                                    (Category.conciliation_commission, 1, 3),
                                    (Category.activist, 2, 6)):
            n = rng.randint(low, high)
            if n:
                plan.headcounts.append(PlanHeadcount(category=category, people=n))
        plan.budget.append(PlanBudget(line=BudgetLine.travel, source=FundingSource.employer,
                                      amount_tiyn=_money(rng, 40_000, 160_000)))
        plan.budget.append(PlanBudget(line=BudgetLine.materials,
                                      source=FundingSource.union_budget,
                                      amount_tiyn=_money(rng, 15_000, 60_000)))
        return
    scale = {PlanLevel.local: 1, PlanLevel.branch: 3, PlanLevel.union: 10}[level]
    program = rng.choice(programs) if programs else None
    plan.headcounts.append(PlanHeadcount(category=Category.committee_member,
                                         program_id=program, people=rng.randint(5, 15) * scale))
    plan.headcounts.append(PlanHeadcount(category=Category.youth_council,
                                         people=rng.randint(3, 8) * scale))
    for month in sorted(rng.sample(range(2, 12), min(scale, 3))):
        plan.events.append(PlanEvent(kind=rng.choice(["seminar", "training", "round_table"]),
                                     program_id=program, month=month,
                                     participants=rng.randint(20, 40)))
    for line, source, low, high in (
            (BudgetLine.venue, FundingSource.union_budget, 150_000, 400_000),
            (BudgetLine.trainers, FundingSource.union_budget, 200_000, 600_000),
            (BudgetLine.accommodation, FundingSource.employer, 250_000, 700_000),
            (BudgetLine.materials, FundingSource.union_budget, 50_000, 150_000)):
        plan.budget.append(PlanBudget(line=line, source=source, program_id=program,
                                      amount_tiyn=_money(rng, low * scale, high * scale)))
    if level is PlanLevel.union:
        plan.budget.append(PlanBudget(line=BudgetLine.trainers,
                                      source=FundingSource.federation,
                                      amount_tiyn=_money(rng, 2_000_000, 3_500_000)))


def _state(rng, level: PlanLevel, next_year: bool) -> PlanState | None:
    if not next_year:
        return PlanState.approved
    weights = {
        PlanLevel.organisation: [(PlanState.approved, 50), (PlanState.submitted, 20),
                                 (PlanState.returned, 8), (PlanState.draft, 10), (None, 12)],
        PlanLevel.local: [(PlanState.approved, 60), (PlanState.submitted, 25),
                          (PlanState.draft, 15)],
        PlanLevel.branch: [(PlanState.approved, 40), (PlanState.submitted, 35),
                           (PlanState.draft, 25)],
        PlanLevel.union: [(PlanState.draft, 100)],
    }[level]
    return rng.choices([s for s, _ in weights], [w for _, w in weights])[0]


def _plans(union: SectoralUnion, year: int, rng, authors: dict) -> int:
    programs = list(db.session.scalars(select(Event.program_id).distinct()))
    have = {(p.level, p.union_id, p.branch_id, p.organization_id)
            for p in db.session.scalars(select(Plan).where(Plan.year == year,
                                                           Plan.union_id == union.id))}
    branches = list(db.session.scalars(select(Branch).where(Branch.union_id == union.id)
                                       .order_by(Branch.id)))
    orgs = list(db.session.scalars(
        select(PrimaryOrganization).join(Branch).where(Branch.union_id == union.id)
        .order_by(PrimaryOrganization.id)))
    units = [(PlanLevel.union, {}, None)]
    units += [(PlanLevel.local if b.parent_id else PlanLevel.branch, {"branch_id": b.id}, None)
              for b in branches]
    units += [(PlanLevel.organisation, {"organization_id": o.id}, o.id) for o in orgs]
    made = 0
    next_year = year > local_today().year
    for level, unit, org_id in units:
        state = _state(rng, level, next_year)
        if state is None and org_id in authors:
            state = PlanState.draft  # a chair has at least begun their organisation's plan
        plan = Plan(year=year, level=level, union_id=union.id, state=state or PlanState.draft,
                    author_id=authors.get(org_id), **unit)
        _fill(plan, rng, level, programs)  # drawn always, so reruns stay reproducible
        key = (level, union.id, unit.get("branch_id"), unit.get("organization_id"))
        if state is None or key in have:
            continue
        if state is PlanState.returned:
            plan.return_comment = "Уточните численность членов согласительной комиссии."
        db.session.add(plan)
        made += 1
    db.session.flush()
    return made


def _deadlines(year: int) -> None:
    dates = {PlanLevel.organisation: date(year - 1, 11, 20), PlanLevel.local: date(year - 1, 12, 5),
             PlanLevel.branch: date(year - 1, 12, 15), PlanLevel.union: date(year - 1, 12, 25)}
    have = {d.level for d in db.session.scalars(
        select(PlanDeadline).where(PlanDeadline.year == year))}
    for level, due in dates.items():
        if level not in have:
            db.session.add(PlanDeadline(year=year, level=level, due_on=due))


def _costs(rng, year: int) -> int:
    events = list(db.session.scalars(
        select(Event).where(Event.status == EventStatus.completed,
                            Event.ends_on.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(Event.id).limit(40)))
    costed = set(db.session.scalars(select(EventCost.event_id).distinct()))
    made = 0
    for event in events:
        amounts = {BudgetLine.venue: _money(rng, 120_000, 380_000),
                   BudgetLine.trainers: _money(rng, 180_000, 550_000),
                   BudgetLine.materials: _money(rng, 25_000, 90_000)}
        if rng.random() < 0.4:
            amounts[BudgetLine.accommodation] = _money(rng, 200_000, 600_000)
        if event.id in costed:
            continue
        for line, tiyn in amounts.items():
            db.session.add(EventCost(event_id=event.id, line=line, amount_tiyn=tiyn))
        made += 1
    db.session.flush()
    return made


def seed(rng) -> list[str]:
    rng = random.Random(19)  # its own stream: other features' draws do not shift ours
    union = db.session.scalar(select(SectoralUnion).where(SectoralUnion.code == "kyzmet"))
    if union is None:
        return []
    locals_, logins = seed_tree()
    authors = {g.primary_org_id: g.user_id for g in db.session.scalars(
        select(RoleGrant).where(RoleGrant.role == Role.chair))}
    this_year = local_today().year
    made = 0
    for year in (this_year, this_year + 1):
        for each in db.session.scalars(select(SectoralUnion).order_by(SectoralUnion.id)):
            made += _plans(each, year, rng, authors)
        _deadlines(year)
    costs = _costs(rng, this_year)
    db.session.flush()
    return [
        f"Planning: {len(locals_)} local unions of «Қызмет», plans for {this_year} (approved) "
        f"and {this_year + 1} (every state) — {made} new, costs of {costs} events",
        "Planning logins: " + ", ".join(logins) + " (chairs of primary organisations and a "
        "local union's coordinator)",
    ]
