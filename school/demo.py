"""`flask seed-demo`: reference data, demo accounts and, feature by feature, demo activity.

Idempotent: everything is looked up by a natural key before it is created, so running it
twice changes nothing. Names are modelled on the federation's own reports.
"""

from __future__ import annotations

import csv
import importlib
import random
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from school.accounts.models import Category, Role, RoleGrant, User
from school.extensions import db
from school.orgs.models import Branch, BranchKind, PrimaryOrganization, Region, SectoralUnion

DATA = Path(__file__).parent / "data"

# Region code → (Russian name of the centre, Kazakh name of the centre) for branch names.
CITY_REGIONS = {"KZ-71", "KZ-75", "KZ-79"}

UNIONS = [
    {
        "code": "kyzmet",
        "name_ru": "Отраслевой профессиональный союз работников государственных, банковских "
        "учреждений и общественного обслуживания «Қызмет»",
        "name_kk": "Мемлекеттік, банк мекемелері және қоғамдық қызмет көрсету қызметкерлерінің "
        "«Қызмет» салалық кәсіптік одағы",
        "name_en": "«Kyzmet» sectoral union of public service, bank and social service workers",
        "short": ("«Қызмет»", "«Қызмет»", "«Kyzmet»"),
        # 3 city and 16 oblast branches: Ulytau is served from Karaganda.
        "skip_regions": {"KZ-62"},
    },
    {
        "code": "kazsvyaz",
        "name_ru": "Отраслевой профессиональный союз работников информации, коммуникаций и связи",
        "name_kk": "Ақпарат, коммуникациялар және байланыс қызметкерлерінің салалық кәсіптік одағы",
        "name_en": "Sectoral union of information, communications and postal workers",
        "short": ("Профсоюз связи", "Байланыс кәсіподағы", "Communications union"),
        # 17 branches, one for each branch of Kazpost.
        "skip_regions": {"KZ-62", "KZ-10", "KZ-33"},
    },
]

KYZMET_ORGS = [
    ("ППО аппарата акима {c_ru}", "{c_kk} әкімі аппаратының БКҰ"),
    ("ППО управления образования {r_gen}", "{r_kk} білім басқармасының БКҰ"),
    ("ППО управления здравоохранения {r_gen}", "{r_kk} денсаулық сақтау басқармасының БКҰ"),
    ("ППО центра обслуживания населения {c_ru}", "{c_kk} халыққа қызмет көрсету орталығының БКҰ"),
    (
        "ППО департамента государственных доходов {r_gen}",
        "{r_kk} мемлекеттік кірістер департаментінің БКҰ",
    ),
    (
        "ППО филиала АО «Народный банк Казахстана» в {c_pr}",
        "«Қазақстан Халық банкі» АҚ {c_kk} филиалының БКҰ",
    ),
    (
        "ППО детского центра социального обслуживания {c_ru}",
        "{c_kk} балаларға әлеуметтік қызмет көрсету орталығының БКҰ",
    ),
    (
        "ППО КГУ «Детско-юношеская спортивная школа» {c_ru}",
        "{c_kk} «Балалар мен жасөспірімдер спорт мектебі» КММ БКҰ",
    ),
    (
        "ППО управления занятости и социальных программ {r_gen}",
        "{r_kk} жұмыспен қамту және әлеуметтік бағдарламалар басқармасының БКҰ",
    ),
    ("ППО городского отдела культуры {c_ru}", "{c_kk} қалалық мәдениет бөлімінің БКҰ"),
]

KAZPOST_ORGS = [
    ("ППО {c_ru}ского почтамта", "{c_kk} поштамтының БКҰ"),
    ("ППО сортировочного центра {c_ru}", "{c_kk} сұрыптау орталығының БКҰ"),
    ("ППО районного узла почтовой связи № 1", "№ 1 аудандық пошта байланысы торабының БКҰ"),
    ("ППО районного узла почтовой связи № 2", "№ 2 аудандық пошта байланысы торабының БКҰ"),
    ("ППО районного узла почтовой связи № 3", "№ 3 аудандық пошта байланысы торабының БКҰ"),
    ("ППО отделения курьерской доставки {c_ru}", "{c_kk} курьерлік жеткізу бөлімшесінің БКҰ"),
    ("ППО транспортного цеха филиала", "Филиалдың көлік цехының БКҰ"),
]

# Names for demo people (and for seed-demo --scale).
SURNAMES = [
    "Ахметов",
    "Серикбаев",
    "Нурланов",
    "Иванов",
    "Касымов",
    "Жаксылыков",
    "Оразбаев",
    "Петров",
    "Тулегенов",
    "Байжанов",
    "Сагинтаев",
    "Ким",
]
MALE_NAMES = ["Асхат", "Ерлан", "Данияр", "Сергей", "Бауыржан", "Нурлан", "Айдос", "Руслан"]
FEMALE_NAMES = ["Айгерим", "Жанар", "Гульнара", "Елена", "Сауле", "Динара", "Асель", "Мадина"]

DEMO_PASSWORD = "demo-2026"
DEMO_ACCOUNTS = [
    # email, full name, role, scope
    ("admin@demo.kz", "Сейтқали Айгүл Маратқызы", Role.admin, None),
    ("coordinator@demo.kz", "Жұмабеков Ерлан Серікұлы", Role.coordinator, ("kyzmet", "KZ-79")),
    ("union.coordinator@demo.kz", "Ковалева Ирина Петровна", Role.coordinator, ("kazsvyaz", None)),
    ("instructor@demo.kz", "Оспанова Динара Бекқызы", Role.instructor, None),
    ("trainee@demo.kz", "Әбілқайырова Гауһар Ұлықбекқызы", Role.trainee, ("kyzmet", "KZ-79")),
]


def _regions_rows() -> list[dict]:
    with (DATA / "regions.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def seed_regions() -> dict[str, Region]:
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    for order, row in enumerate(_regions_rows()):
        region = existing.get(row["iso_3166_2"])
        if region is None:
            region = Region(code=row["iso_3166_2"])
            db.session.add(region)
            existing[region.code] = region
        region.type = row["type"]
        region.name_ru = row["name_ru"]
        region.name_kk = row["name_kk"]
        region.name_en = row["name_en"]
        region.sort_order = order
    db.session.flush()
    return existing


def _centre(row: dict) -> tuple[str, str]:
    if row["type"] == "city":
        return row["name_ru"], row["name_kk"]
    return row["admin_centre_ru"], row["admin_centre_kk"]


def _genitive_region(name_ru: str) -> str:
    # «Акмолинская область» → «Акмолинской области»; «область Абай» → «области Абай».
    if name_ru.startswith("область "):
        return "области " + name_ru[len("область ") :]
    if name_ru.endswith("ая область"):
        return name_ru[: -len("ая область")] + "ой области"
    return "г. " + name_ru


def _kk_base(row) -> str:
    # «Атырау облысы» → «Атырау»: the branch's own word says «облыстық» (review, documents 7).
    name = row["name_kk"]
    return name[: -len(" облысы")] if name.endswith(" облысы") else name


def _prepositional_city(name: str) -> str:
    return "г. " + name


def seed_orgs(regions: dict[str, Region]) -> None:
    rows = {r["iso_3166_2"]: r for r in _regions_rows()}
    for spec in UNIONS:
        union = db.session.scalar(select(SectoralUnion).where(SectoralUnion.code == spec["code"]))
        if union is None:
            union = SectoralUnion(code=spec["code"])
            db.session.add(union)
        union.name_ru, union.name_kk, union.name_en = (
            spec["name_ru"],
            spec["name_kk"],
            spec["name_en"],
        )
        union.short_name_ru, union.short_name_kk, union.short_name_en = spec["short"]
        db.session.flush()
        templates = KYZMET_ORGS if spec["code"] == "kyzmet" else KAZPOST_ORGS
        for code, row in rows.items():
            if code in spec["skip_regions"]:
                continue
            region = regions[code]
            c_ru, c_kk = _centre(row)
            is_city = code in CITY_REGIONS
            if spec["code"] == "kyzmet":
                name_ru = (
                    f"{'Городской' if is_city else 'Областной'} филиал «Қызмет» "
                    f"{'г. ' + row['name_ru'] if is_city else _genitive_region(row['name_ru'])}"
                )
                name_kk = f"«Қызмет» {_kk_base(row)} {'қалалық' if is_city else 'облыстық'} филиалы"
            else:
                where = "г. " + row["name_ru"] if is_city else _genitive_region(row["name_ru"])
                name_ru = (f"{'Городской' if is_city else 'Областной'} филиал профсоюза "
                           f"работников связи {where}")
                name_kk = (f"Байланыс қызметкерлері кәсіподағының {_kk_base(row)} "
                           f"{'қалалық' if is_city else 'облыстық'} филиалы")
            # One branch per union and region: found by place, so that renaming a demo
            # branch (the language review's corrections) renames it in an existing database.
            branch = db.session.scalar(
                select(Branch).where(Branch.union_id == union.id, Branch.region_id == region.id,
                                     Branch.parent_id.is_(None)).order_by(Branch.id).limit(1)
            )
            if branch is None:
                branch = Branch(union_id=union.id, name_ru=name_ru)
                db.session.add(branch)
            branch.name_ru = name_ru
            branch.region_id = region.id
            branch.kind = BranchKind.city if is_city else BranchKind.oblast
            branch.name_kk = name_kk
            db.session.flush()
            existing = set(
                db.session.scalars(
                    select(PrimaryOrganization.name_ru).where(
                        PrimaryOrganization.branch_id == branch.id
                    )
                )
            )
            for t_ru, t_kk in templates:
                org_ru = t_ru.format(
                    c_ru=c_ru,
                    c_kk=c_kk,
                    r_gen=_genitive_region(row["name_ru"]),
                    r_kk=row["name_kk"],
                    c_pr=_prepositional_city(c_ru),
                )
                org_ru = org_ru.replace("кийского", "кого").replace("аский", "ский")
                if org_ru in existing:
                    continue
                db.session.add(
                    PrimaryOrganization(
                        branch_id=branch.id,
                        name_ru=org_ru,
                        name_kk=t_kk.format(c_kk=c_kk, r_kk=row["name_kk"]),
                    )
                )
    db.session.flush()


def seed_accounts() -> list[tuple[str, str]]:
    printed = []
    for email, name, role, scope in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, full_name=name, locale="ru")
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        branch = union = None
        if scope:
            union = db.session.scalar(select(SectoralUnion).where(SectoralUnion.code == scope[0]))
            if scope[1]:
                branch = db.session.scalar(
                    select(Branch)
                    .join(Region)
                    .where(Branch.union_id == union.id, Region.code == scope[1])
                )
        if branch is not None:
            user.branch_id, user.union_id, user.region_id = (
                branch.id,
                branch.union_id,
                branch.region_id,
            )
            if user.primary_org_id is None:
                user.primary_org_id = db.session.scalar(
                    select(PrimaryOrganization.id)
                    .where(PrimaryOrganization.branch_id == branch.id)
                    .order_by(PrimaryOrganization.id)
                )
        if role is Role.trainee:
            user.category = Category.chair
            user.position = "Председатель ППО"
            user.position_kk = "Бастауыш кәсіподақ ұйымының төрағасы"
            user.workplace_ru, user.workplace_kk = "АО «Казпочта»", "«Қазпошта» АҚ"
        wanted = {(role, None, None)}
        if role is Role.coordinator:
            wanted = {
                (
                    role,
                    union.id if branch is None else None,
                    branch.id if branch is not None else None,
                )
            }
        wanted.add((Role.trainee, None, None))
        have = {(g.role, g.union_id, g.branch_id) for g in user.grants}
        for r, u, b in sorted(wanted - have, key=str):
            user.grants.append(RoleGrant(role=r, union_id=u, branch_id=b))
        printed.append((email, role.value))
    db.session.flush()
    return printed


def seed_people(count: int = 120) -> None:
    """Trainees spread over the demo branches, so coordinators have people to see."""
    rng = random.Random(2026)
    if db.session.scalar(select(User.id).where(User.email.like("person%@demo.kz")).limit(1)):
        return
    orgs = list(db.session.scalars(select(PrimaryOrganization).order_by(PrimaryOrganization.id)))
    categories = list(Category)
    # One hash for all demo people: hashing is slow by design, and they share a password.
    shared = User()
    shared.set_password(DEMO_PASSWORD)
    for i in range(count):
        org = rng.choice(orgs)
        female = rng.random() < 0.6
        surname = rng.choice(SURNAMES) + ("а" if female else "")
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        user = User(
            email=f"person{i:04d}@demo.kz",
            full_name=f"{surname} {first}",
            phone=f"+7 70{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)}",
            category=rng.choice(categories),
            branch_id=org.branch_id,
            union_id=org.branch.union_id,
            region_id=org.branch.region_id,
            primary_org_id=org.id,
            locale=rng.choice(["ru", "ru", "kk"]),
        )
        user.password_hash = shared.password_hash
        user.grants.append(RoleGrant(role=Role.trainee))
        db.session.add(user)
    db.session.flush()


# Each feature may add demo activity in school/<feature>/demo.py: `seed(rng) -> list[str]`,
# run in this order (events before enrolments before attendance before certificates).
FEATURE_SEEDS = (
    "catalog", "enrollment", "attendance", "records", "materials", "certificates", "reports",
    "commissions", "releases", "planning", "evaluation", "api", "accounts",
)


def seed() -> Iterator[str]:
    regions = seed_regions()
    seed_orgs(regions)
    accounts = seed_accounts()
    seed_people()
    # Local unions and chairs belong to the tree and its people: made before the features
    # that seed something per branch or per person.
    from school.planning.demo import seed_tree

    seed_tree()
    db.session.commit()
    notes: list[str] = []
    for feature in FEATURE_SEEDS:
        try:
            module = importlib.import_module(f"school.{feature}.demo")
        except ModuleNotFoundError as e:
            if e.name != f"school.{feature}.demo":
                raise
            continue
        notes.extend(module.seed(random.Random(f"demo-{feature}")))
        db.session.commit()
    counts = {
        "regions": db.session.query(Region).count(),
        "unions": db.session.query(SectoralUnion).count(),
        "branches": db.session.query(Branch).count(),
        "organisations": db.session.query(PrimaryOrganization).count(),
        "people": db.session.query(User).count(),
    }
    yield "Demo data ready: " + ", ".join(f"{v} {k}" for k, v in counts.items())
    yield f"Demo logins (password for all: {DEMO_PASSWORD}):"
    for email, role in accounts:
        yield f"  {role:12} {email}"
    yield from notes
