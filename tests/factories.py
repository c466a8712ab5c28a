"""Factories as fixtures: each returns a function that makes a record with defaults."""

from __future__ import annotations

import itertools

import pytest

from school.accounts.models import Category, Role, RoleGrant, User
from school.demo import seed_regions
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
            locale=kw.pop("locale", "ru"),
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
