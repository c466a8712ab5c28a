"""Factories as fixtures: each returns a function that makes a record with defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from school.accounts.models import Category, Role, RoleGrant, User
from school.catalog.models import (
    ApprovalMode,
    Event,
    EventFormat,
    EventKind,
    EventQuota,
    EventSession,
    EventStatus,
    Program,
    ProgramAudience,
)
from school.demo import seed_regions
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.orgs.models import Branch, BranchKind, PrimaryOrganization, Region, SectoralUnion

_seq = itertools.count(1)
PASSWORD = "correct-horse-7"
# One hash for every test person: hashing is deliberately slow.
_HASH: dict[str, str] = {}


def _password_hash() -> str:
    if "h" not in _HASH:
        u = User()
        u.set_password(PASSWORD)
        _HASH["h"] = u.password_hash
    return _HASH["h"]


@pytest.fixture
def regions(app) -> dict[str, Region]:
    """The 20 regions, by ISO code."""
    result = seed_regions()
    db.session.commit()
    return result


@pytest.fixture
def make_union(app):
    def make(code: str | None = None, **kw) -> SectoralUnion:
        n = next(_seq)
        union = SectoralUnion(code=code or f"union{n}", name_ru=kw.pop("name_ru", f"Профсоюз {n}"),
                              name_kk=kw.pop("name_kk", f"Кәсіподақ {n}"), **kw)
        db.session.add(union)
        db.session.commit()
        return union

    return make


@pytest.fixture
def make_branch(app, regions, make_union):
    def make(union: SectoralUnion | None = None, region_code: str = "KZ-79", **kw) -> Branch:
        n = next(_seq)
        branch = Branch(
            union_id=(union or make_union()).id,
            region_id=regions[region_code].id,
            kind=kw.pop("kind", BranchKind.oblast),
            name_ru=kw.pop("name_ru", f"Филиал {n}"),
            name_kk=kw.pop("name_kk", f"Филиал {n}"),
            **kw,
        )
        db.session.add(branch)
        db.session.commit()
        return branch

    return make


@pytest.fixture
def make_org(app, make_branch):
    def make(branch: Branch | None = None, **kw) -> PrimaryOrganization:
        n = next(_seq)
        org = PrimaryOrganization(
            branch_id=(branch or make_branch()).id,
            name_ru=kw.pop("name_ru", f"ППО {n}"),
            name_kk=kw.pop("name_kk", f"БКҰ {n}"),
            **kw,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app):
    def make(role: str = "trainee", *, branch: Branch | None = None, union=None,
             coordinator_of=None, **kw) -> User:
        """A person with `role`; a coordinator is scoped to `coordinator_of` (branch or union),
        by default their own branch."""
        n = next(_seq)
        user = User(
            email=kw.pop("email", f"user{n}@example.kz"),
            full_name=kw.pop("full_name", f"Тестов Тест {n}"),
            category=kw.pop("category", Category.chair),
            locale=kw.pop("locale", None),  # no choice made: the browser decides
            **kw,
        )
        user.password_hash = _password_hash()
        if branch is not None:
            user.branch_id, user.union_id, user.region_id = (
                branch.id, branch.union_id, branch.region_id)
        user.grants.append(RoleGrant(role=Role.trainee))
        if role == "coordinator":
            scope = coordinator_of or branch
            if isinstance(scope, SectoralUnion):
                user.grants.append(RoleGrant(role=Role.coordinator, union_id=scope.id))
            else:
                user.grants.append(RoleGrant(role=Role.coordinator, branch_id=scope.id))
        elif role != "trainee":
            user.grants.append(RoleGrant(role=Role(role)))
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def do(user: User, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


# --- catalogue and enrolment ----------------------------------------------------------

ALMATY = ZoneInfo("Asia/Almaty")


def local_dt(day: date, hhmm: str = "09:00") -> datetime:
    """An aware instant for a wall-clock time in Kazakhstan (UTC+5)."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


@pytest.fixture
def make_program(app):
    def make(**kw) -> Program:
        n = next(_seq)
        audience = kw.pop("audience", ())
        program = Program(
            code=kw.pop("code", f"P{n}"),
            title_ru=kw.pop("title_ru", f"Программа {n}"),
            title_kk=kw.pop("title_kk", f"Бағдарлама {n}"),
            academic_hours=kw.pop("academic_hours", 24),
            completion_threshold=kw.pop("completion_threshold", 80),
            **kw,
        )
        program.audience_rows = [ProgramAudience(category=Category(c)) for c in audience]
        db.session.add(program)
        db.session.commit()
        return program

    return make


@pytest.fixture
def make_event(app, regions, make_program):
    def make(program: Program | None = None, *, sessions: int = 3, starts_on: date | None = None,
             region_code: str | None = "KZ-79", instructors=(), quotas=None, **kw) -> Event:
        """A published event with one session a day from 09:00 to 17:00, starting in 30 days,
        enrolment open from now until the day before."""
        start = starts_on or (datetime.now(UTC).date() + timedelta(days=30))
        event = Event(
            program_id=(program or make_program()).id,
            kind=kw.pop("kind", EventKind.seminar),
            format=kw.pop("format", EventFormat.in_person),
            region_id=regions[region_code].id if region_code else None,
            venue=kw.pop("venue", "ул. Тауке хана, 1"),
            starts_on=start,
            ends_on=kw.pop("ends_on", start + timedelta(days=max(sessions, 1) - 1)),
            capacity=kw.pop("capacity", 30),
            enrol_opens_at=kw.pop("enrol_opens_at", datetime.now(UTC) - timedelta(days=1)),
            enrol_closes_at=kw.pop("enrol_closes_at", local_dt(start, "00:00")),
            status=kw.pop("status", EventStatus.published),
            approval_mode=kw.pop("approval_mode", ApprovalMode.open),
            **kw,
        )
        for i in range(sessions):
            day = start + timedelta(days=i)
            event.sessions.append(EventSession(
                starts_at=local_dt(day, "09:00"), ends_at=local_dt(day, "17:00"),
                topic_ru=f"Тема {i + 1}", topic_kk=f"Тақырып {i + 1}", academic_hours=8,
            ))
        event.instructors = list(instructors)
        for branch, seats in (quotas or {}).items():
            event.quotas.append(EventQuota(branch_id=branch.id, seats=seats))
        db.session.add(event)
        db.session.commit()
        return event

    return make


@pytest.fixture
def make_enrollment(app):
    def make(event: Event, user: User, status: str = "confirmed", **kw) -> Enrollment:
        """An enrolment row with the person's snapshot, written directly (no rules)."""
        now = datetime.now(UTC)
        enrollment = Enrollment(
            event_id=event.id, user_id=user.id, status=EnrollmentStatus(status),
            region_id=user.region_id, union_id=user.union_id, branch_id=user.branch_id,
            primary_org_id=user.primary_org_id, category=user.category,
            confirmed_at=now if status in ("confirmed", "completed", "not_completed") else None,
            waitlisted_at=now if status == "waitlisted" else None,
            **kw,
        )
        db.session.add(enrollment)
        db.session.commit()
        return enrollment

    return make


@pytest.fixture
def org_tree(make_union, make_branch, make_org):
    """Union U (code "u") with branches A (Shymkent) and A2 (Astana); union V with branch B
    (Almaty); one primary organisation in each branch."""
    u, v = make_union("u"), make_union("v")
    a = make_branch(u, "KZ-79", name_ru="Филиал А")
    a2 = make_branch(u, "KZ-71", name_ru="Филиал А2")
    b = make_branch(v, "KZ-75", name_ru="Филиал Б")
    return {
        "u": u, "v": v, "a": a, "a2": a2, "b": b,
        "org_a": make_org(a, name_ru="ППО А"),
        "org_a2": make_org(a2, name_ru="ППО А2"),
        "org_b": make_org(b, name_ru="ППО Б"),
    }
