"""Organisation pages: admin editing with validation errors, and coordinator scope."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization, Region, SectoralUnion


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin_client(client, login, make_user):
    login(make_user("admin"))
    return client


# --- unions --------------------------------------------------------------------------------


def test_admin_creates_and_edits_a_union(admin_client):
    assert admin_client.get("/orgs/unions/new").status_code == 200
    response = admin_client.post("/orgs/unions/new", data={
        "code": "bolashak", "name_ru": "Профсоюз «Болашақ»", "name_kk": "«Болашақ» кәсіподағы"})
    assert response.status_code == 302
    union = db.session.scalar(select(SectoralUnion).where(SectoralUnion.code == "bolashak"))
    assert union.name_kk == "«Болашақ» кәсіподағы"
    assert "bolashak" in _html(admin_client.get("/orgs/unions"))

    response = admin_client.post(f"/orgs/unions/{union.id}/edit", data={
        "code": "bolashak", "name_ru": "Профсоюз «Болашақ»", "name_kk": "«Болашақ» КО",
        "name_en": "Bolashak union"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SectoralUnion, union.id).name_en == "Bolashak union"


@pytest.mark.parametrize(
    "data",
    [
        {"code": "u", "name_ru": "Дубль", "name_kk": "Дубль"},  # too short
        {"code": "taken", "name_ru": "Дубль", "name_kk": "Дубль"},  # duplicate code
        {"code": "fresh", "name_ru": "", "name_kk": "Атауы"},  # no Russian name
    ],
)
def test_union_validation_errors_save_nothing(admin_client, make_union, data):
    make_union("taken", name_ru="Был", name_kk="Болды")
    response = admin_client.post("/orgs/unions/new", data=data)
    assert response.status_code == 200
    assert "is-invalid" in _html(response)
    assert _count(SectoralUnion) == 1


# --- branches ------------------------------------------------------------------------------


def _branch_form(tree, **kw) -> dict:
    data = {"union_id": str(tree["u"].id), "region_id": str(tree["a"].region_id),
            "kind": "city", "name_ru": "Новый филиал", "name_kk": "Жаңа филиал"}
    data.update(kw)
    return data


def test_admin_creates_and_edits_a_branch(admin_client, tree):
    response = admin_client.post("/orgs/branches/new", data=_branch_form(tree))
    assert response.status_code == 302
    branch = db.session.scalar(select(Branch).where(Branch.name_ru == "Новый филиал"))
    assert branch.union_id == tree["u"].id

    page = admin_client.get(f"/orgs/branches/{branch.id}/edit")
    assert page.status_code == 200 and "Новый филиал" in _html(page)
    response = admin_client.post(f"/orgs/branches/{branch.id}/edit",
                                 data=_branch_form(tree, kind="local", name_kk="Өзгерген"))
    assert response.status_code == 302
    db.session.expire_all()
    branch = db.session.get(Branch, branch.id)
    assert (branch.kind.value, branch.name_kk) == ("local", "Өзгерген")


def test_duplicate_branch_name_saves_nothing(admin_client, tree):
    before = _count(Branch)
    response = admin_client.post("/orgs/branches/new", data=_branch_form(tree, name_ru="Филиал А"))
    assert response.status_code == 200
    assert "is-invalid" in _html(response)
    assert _count(Branch) == before
    # Renaming another branch onto that name is refused as well.
    response = admin_client.post(f"/orgs/branches/{tree['a2'].id}/edit",
                                 data=_branch_form(tree, name_ru="Филиал А"))
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Branch, tree["a2"].id).name_ru == "Филиал А2"


def test_admin_edits_a_region_name(admin_client, regions):
    region = regions["KZ-71"]
    response = admin_client.post(f"/orgs/regions/{region.id}/edit", data={
        "name_ru": "Астана", "name_kk": "Астана", "name_en": "Astana city"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Region, region.id).name_en == "Astana city"


# --- organisations ---------------------------------------------------------------------------


def test_admin_creates_and_edits_an_organisation(admin_client, tree):
    response = admin_client.post("/orgs/organizations/new", data={
        "branch_id": str(tree["b"].id), "name_ru": "ППО Новое", "bin": "123456789012"})
    assert response.status_code == 302
    org = db.session.scalar(select(PrimaryOrganization).where(
        PrimaryOrganization.name_ru == "ППО Новое"))
    assert (org.branch_id, org.bin) == (tree["b"].id, "123456789012")
    response = admin_client.post(f"/orgs/organizations/{org.id}/edit", data={
        "branch_id": str(tree["b"].id), "name_ru": "ППО Новое", "name_kk": "Жаңа БКҰ",
        "bin": ""})
    assert response.status_code == 302
    db.session.expire_all()
    org = db.session.get(PrimaryOrganization, org.id)
    assert (org.name_kk, org.bin) == ("Жаңа БКҰ", None)


@pytest.mark.parametrize(
    "data",
    [
        {"name_ru": "ППО Х", "bin": "12345"},
        {"name_ru": "ППО Х", "bin": "12345678901Z"},
        {"name_ru": "ППО А"},  # duplicate in the branch
        {"name_ru": ""},
    ],
)
def test_organisation_validation_errors_save_nothing(admin_client, tree, data):
    before = _count(PrimaryOrganization)
    response = admin_client.post("/orgs/organizations/new",
                                 data={"branch_id": str(tree["a"].id), **data})
    assert response.status_code == 200
    assert "is-invalid" in _html(response)
    assert _count(PrimaryOrganization) == before


def test_bad_bin_on_edit_changes_nothing(admin_client, tree):
    org = tree["org_a"]
    response = admin_client.post(f"/orgs/organizations/{org.id}/edit", data={
        "branch_id": str(tree["a"].id), "name_ru": "ППО А — новое имя",
        "bin": "１２３４５６７８９０１２"})
    assert response.status_code == 200
    db.session.expire_all()
    org = db.session.get(PrimaryOrganization, org.id)
    assert (org.name_ru, org.bin) == ("ППО А", None)


# --- coordinators --------------------------------------------------------------------------


def test_branch_coordinator_sees_own_branch_and_organisations_only(client, login, make_user,
                                                                    tree):
    login(make_user("coordinator", branch=tree["a"]))
    branches = _html(client.get("/orgs/branches"))
    assert "Филиал А<" in branches
    assert "Филиал А2" not in branches and "Филиал Б" not in branches
    orgs = _html(client.get("/orgs/organizations"))
    assert "ППО А<" in orgs
    assert "ППО А2" not in orgs and "ППО Б" not in orgs
    assert client.get(f"/orgs/organizations?branch_id={tree['a'].id}").status_code == 200
    assert client.get(f"/orgs/organizations?branch_id={tree['b'].id}").status_code == 404
    assert client.get(f"/orgs/organizations/{tree['org_b'].id}/edit").status_code == 404
    assert client.get(f"/orgs/organizations/{tree['org_a'].id}/edit").status_code == 200


def test_union_coordinator_sees_every_branch_of_their_union_only(client, login, make_user,
                                                                  tree):
    login(make_user("coordinator", coordinator_of=tree["u"]))
    branches = _html(client.get("/orgs/branches"))
    assert "Филиал А<" in branches and "Филиал А2" in branches
    assert "Филиал Б" not in branches
    orgs = _html(client.get("/orgs/organizations"))
    assert "ППО А<" in orgs and "ППО А2" in orgs and "ППО Б" not in orgs
    assert client.get(f"/orgs/organizations?branch_id={tree['b'].id}").status_code == 404


def test_coordinator_creates_organisations_in_own_branch_only(client, login, make_user, tree):
    login(make_user("coordinator", branch=tree["a"]))
    page = _html(client.get("/orgs/organizations/new"))
    assert "Филиал Б" not in page  # not even offered
    ok = client.post("/orgs/organizations/new",
                     data={"branch_id": str(tree["a"].id), "name_ru": "ППО Своя"})
    assert ok.status_code == 302
    refused = client.post("/orgs/organizations/new",
                          data={"branch_id": str(tree["b"].id), "name_ru": "ППО Чужая"})
    assert refused.status_code == 200
    names = set(db.session.scalars(select(PrimaryOrganization.name_ru)))
    assert "ППО Своя" in names and "ППО Чужая" not in names


@pytest.mark.parametrize("role", ["coordinator", "instructor", "trainee"])
def test_only_admins_edit_reference_data(client, login, make_user, tree, role):
    login(make_user(role, branch=tree["a"]))
    for url in ("/orgs/unions/new", f"/orgs/unions/{tree['u'].id}/edit", "/orgs/branches/new",
                f"/orgs/branches/{tree['a'].id}/edit", "/orgs/import"):
        assert client.get(url).status_code == 403, url
    response = client.post("/orgs/branches/new", data=_branch_form(tree, name_ru="Захват"))
    assert response.status_code == 403
    assert not db.session.scalar(select(Branch.id).where(Branch.name_ru == "Захват"))


def test_cascading_lookups(client, tree):
    branches = client.get(f"/orgs/api/branches?union_id={tree['u'].id}").get_json()
    assert {b["name"] for b in branches} == {"Филиал А", "Филиал А2"}
    in_region = client.get(f"/orgs/api/branches?union_id={tree['u'].id}"
                           f"&region_id={tree['a2'].region_id}").get_json()
    assert [b["name"] for b in in_region] == ["Филиал А2"]
    orgs = client.get(f"/orgs/api/organizations?branch_id={tree['a'].id}").get_json()
    assert [o["name"] for o in orgs] == ["ППО А"]
    assert client.get("/orgs/api/organizations").get_json() == []
