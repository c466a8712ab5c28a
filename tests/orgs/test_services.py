"""Organisation rules, called directly: each refusal is asserted by its code."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from school.errors import DomainError
from school.extensions import db
from school.orgs import services
from school.orgs.models import Branch, PrimaryOrganization, SectoralUnion


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


NAMES = {"name_ru": "Профсоюз «Болашақ»", "name_kk": "«Болашақ» кәсіподағы"}


# --- unions --------------------------------------------------------------------------------


def test_save_union_creates_and_edits(make_user):
    admin = make_user("admin")
    union = services.save_union(None, {"code": " Bolashak ", **NAMES}, admin)
    assert (union.code, union.name_kk) == ("bolashak", "«Болашақ» кәсіподағы")
    services.save_union(union, {"code": "bolashak", **NAMES, "name_en": "Bolashak"}, admin)
    assert union.name_en == "Bolashak"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"code": "x", **NAMES}, "code_invalid"),
        ({"code": "қызмет", **NAMES}, "code_invalid"),
        ({"code": "with space", **NAMES}, "code_invalid"),
        ({"code": "u", **NAMES}, "code_invalid"),
        ({"code": "ok-code", "name_ru": "", "name_kk": "Атауы"}, "name_required"),
        ({"code": "ok-code", "name_ru": "Название", "name_kk": " \x00 "}, "name_required"),
    ],
)
def test_save_union_refusals(make_user, data, code):
    with pytest.raises(DomainError) as e:
        services.save_union(None, data, make_user("admin"))
    assert e.value.code == code


def test_save_union_refuses_a_taken_code(make_user, make_union):
    make_union("kyzmet")
    other = make_union("other")
    admin = make_user("admin")
    for union in (None, other):
        with pytest.raises(DomainError) as e:
            services.save_union(union, {"code": "KYZMET", **NAMES}, admin)
        assert e.value.code == "code_taken"


# --- branches ------------------------------------------------------------------------------


def _branch_data(tree, **kw) -> dict:
    data = {"union_id": tree["u"].id, "region_id": tree["a"].region_id, "kind": "city",
            "name_ru": "Новый филиал", "name_kk": "Жаңа филиал"}
    data.update(kw)
    return data


def test_save_branch_creates_and_edits(tree, make_user):
    admin = make_user("admin")
    branch = services.save_branch(None, _branch_data(tree), admin)
    assert branch.union_id == tree["u"].id and branch.kind.value == "city"
    services.save_branch(branch, _branch_data(tree, kind="local"), admin)
    assert branch.kind.value == "local"
    # The same name is fine in another union.
    services.save_branch(None, _branch_data(tree, union_id=tree["v"].id), admin)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"name_ru": "Филиал А"}, "branch_exists"),
        ({"union_id": 987654}, "union_invalid"),
        ({"union_id": None}, "union_invalid"),
        ({"region_id": 987654}, "region_invalid"),
        ({"kind": "federal"}, "kind_invalid"),
        ({"name_kk": ""}, "name_required"),
    ],
)
def test_save_branch_refusals(tree, make_user, change, code):
    with pytest.raises(DomainError) as e:
        services.save_branch(None, _branch_data(tree, **change), make_user("admin"))
    assert e.value.code == code


def test_renaming_a_branch_to_a_sibling_name_is_refused(tree, make_user):
    with pytest.raises(DomainError) as e:
        services.save_branch(tree["a2"], _branch_data(tree, name_ru="Филиал А"),
                             make_user("admin"))
    assert e.value.code == "branch_exists"


# --- organisations ---------------------------------------------------------------------------


def test_save_organization(tree, make_user):
    admin = make_user("admin")
    org = services.save_organization(
        None, {"branch_id": tree["a"].id, "name_ru": "ППО Новое", "bin": "123456789012"}, admin)
    assert org.name_kk == "ППО Новое"  # Kazakh name falls back to the Russian one
    assert org.bin == "123456789012"
    services.save_organization(org, {"branch_id": tree["a"].id, "name_ru": "ППО Новое",
                                     "name_kk": "Жаңа БКҰ", "bin": ""}, admin)
    assert org.bin is None and org.name_kk == "Жаңа БКҰ"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"name_ru": "ППО А"}, "org_exists"),
        ({"name_ru": "ППО Х", "bin": "12345"}, "bin_invalid"),
        ({"name_ru": "ППО Х", "bin": "12345678901A"}, "bin_invalid"),
        ({"name_ru": "ППО Х", "bin": "１２３４５６７８９０１２"}, "bin_invalid"),
        ({"name_ru": ""}, "name_required"),
    ],
)
def test_save_organization_refusals(tree, make_user, data, code):
    with pytest.raises(DomainError) as e:
        services.save_organization(None, {"branch_id": tree["a"].id, **data},
                                   make_user("admin"))
    assert e.value.code == code


def test_coordinators_manage_organisations_of_their_branch_only(tree, make_user):
    coordinator = make_user("coordinator", branch=tree["a"])
    services.save_organization(None, {"branch_id": tree["a"].id, "name_ru": "ППО Своя"},
                               coordinator)
    for branch in (tree["a2"], tree["b"]):
        with pytest.raises(DomainError) as e:
            services.save_organization(None, {"branch_id": branch.id, "name_ru": "ППО Чужая"},
                                       coordinator)
        assert e.value.code == "branch_forbidden"
    # Nor can they move their own organisation out of their branch.
    with pytest.raises(DomainError) as e:
        services.save_organization(tree["org_a"], {"branch_id": tree["b"].id,
                                                   "name_ru": "ППО А"}, coordinator)
    assert e.value.code == "branch_forbidden"


def test_union_coordinator_manages_every_branch_of_the_union(tree, make_user):
    coordinator = make_user("coordinator", coordinator_of=tree["u"])
    services.save_organization(None, {"branch_id": tree["a2"].id, "name_ru": "ППО Х"},
                               coordinator)
    with pytest.raises(DomainError) as e:
        services.save_organization(None, {"branch_id": tree["b"].id, "name_ru": "ППО Х"},
                                   coordinator)
    assert e.value.code == "branch_forbidden"


# --- scoped listings -------------------------------------------------------------------------


def _names(query) -> set[str]:
    return {row.name_ru for row in db.session.scalars(query)}


def test_listings_are_scoped(tree, make_user):
    branch_coord = make_user("coordinator", branch=tree["a"])
    union_coord = make_user("coordinator", coordinator_of=tree["u"])
    admin = make_user("admin")
    assert _names(services.branch_query(branch_coord)) == {"Филиал А"}
    assert _names(services.branch_query(union_coord)) == {"Филиал А", "Филиал А2"}
    assert _names(services.branch_query(admin)) == {"Филиал А", "Филиал А2", "Филиал Б"}
    assert _names(services.organization_query(branch_coord)) == {"ППО А"}
    assert _names(services.organization_query(union_coord)) == {"ППО А", "ППО А2"}
    assert _names(services.organization_query(admin, search="ппо б")) == {"ППО Б"}
    assert _names(services.branch_query(make_user())) == set()


def test_search_treats_wildcards_literally(tree, make_user):
    admin = make_user("admin")
    assert _names(services.organization_query(admin, search="%")) == set()
    assert _names(services.organization_query(admin, search="_")) == set()


def test_counts_unchanged_after_refusals(tree, make_user):
    before = (_count(SectoralUnion), _count(Branch), _count(PrimaryOrganization))
    with pytest.raises(DomainError):
        services.save_branch(None, _branch_data(tree, name_ru="Филиал А"), make_user("admin"))
    db.session.rollback()
    assert (_count(SectoralUnion), _count(Branch), _count(PrimaryOrganization)) == before
