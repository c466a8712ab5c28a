"""Profile, consent withdrawal, the people pages, IIN masking, roles and coordinator scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from school.accounts.models import Category, ConsentRecord, Role, RoleGrant, User
from school.extensions import db
from tests.accounts.conftest import BAD_CHECK_DIGIT_IIN, NAME, VALID_IIN


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# --- profile ------------------------------------------------------------------------------


def _profile_data(user, **overrides) -> dict:
    data = {
        "full_name": user.full_name, "phone": "", "iin": user.iin or "",
        "region_id": str(user.region_id or ""), "union_id": str(user.union_id or ""),
        "branch_id": str(user.branch_id or ""), "primary_org_id": str(user.primary_org_id or ""),
        "category": user.category.value if user.category else "", "position": "",
        "workplace": "",
    }
    data.update(overrides)
    return data


def test_profile_editing_saves(client, login, make_user, org_tree):
    user = make_user(branch=org_tree["a"])
    login(user)
    assert client.get("/profile").status_code == 200
    response = client.post("/profile", data=_profile_data(
        user, full_name=NAME, iin=VALID_IIN, position="Төраға", workplace="«Қазпошта» АҚ",
        primary_org_id=str(org_tree["org_a"].id), category="treasurer"))
    assert response.status_code == 302
    user = _reload(user)
    assert (user.full_name, user.iin, user.position, user.workplace) == (
        NAME, VALID_IIN, "Төраға", "«Қазпошта» АҚ")
    assert user.primary_org_id == org_tree["org_a"].id
    assert user.category.value == "treasurer"


def test_profile_editing_refuses_a_bad_iin_and_saves_nothing(client, login, make_user, org_tree):
    user = make_user(branch=org_tree["a"], position="Было")
    login(user)
    response = client.post("/profile", data=_profile_data(
        user, iin=BAD_CHECK_DIGIT_IIN, position="Стало"))
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    user = _reload(user)
    assert user.iin is None and user.position == "Было"


def test_profile_get_shows_the_saved_category(client, login, make_user):
    # Plain WTForms would reset fields from the object on GET; the saved values must show.
    user = make_user(category=Category.treasurer)
    login(user)
    html = client.get("/profile").get_data(as_text=True)
    assert 'value="treasurer" selected' in html or 'selected value="treasurer"' in html


# --- IIN masking ----------------------------------------------------------------------------


@pytest.fixture
def trainee_with_iin(make_user, org_tree):
    return make_user(branch=org_tree["a"], iin=VALID_IIN, full_name="Иин Иинов")


def test_iin_is_masked_for_a_coordinator(client, login, make_user, org_tree, trainee_with_iin):
    login(make_user("coordinator", branch=org_tree["a"]))
    html = client.get(f"/people/{trainee_with_iin.id}").get_data(as_text=True)
    assert VALID_IIN not in html
    assert VALID_IIN[-4:] in html
    people = client.get("/people").get_data(as_text=True)
    assert "Иин Иинов" in people and VALID_IIN not in people


def test_iin_is_shown_to_its_owner(client, login, trainee_with_iin):
    login(trainee_with_iin)
    assert VALID_IIN in client.get("/profile").get_data(as_text=True)


def test_iin_is_shown_to_admins(client, login, make_user, trainee_with_iin):
    login(make_user("admin"))
    assert VALID_IIN in client.get(f"/people/{trainee_with_iin.id}").get_data(as_text=True)
    assert VALID_IIN in client.get("/people").get_data(as_text=True)


def test_trainees_cannot_open_people_pages(client, login, trainee_with_iin, make_user):
    login(make_user())
    assert client.get("/people").status_code == 403
    assert client.get(f"/people/{trainee_with_iin.id}").status_code == 403


# --- consent withdrawal ---------------------------------------------------------------------


def test_withdrawing_consent_signs_out_keeps_the_record_and_asks_again(client, registration):
    assert client.post("/register", data=registration()).status_code == 302
    user = db.session.scalar(select(User))

    unticked = client.post("/profile/consent/withdraw", data={})
    assert unticked.status_code == 302
    assert _reload(user).consent_withdrawn_at is None

    response = client.post("/profile/consent/withdraw", data={"confirm": "y"})
    assert response.status_code == 302
    user = _reload(user)
    assert user.consent_withdrawn_at is not None and user.consent_pending is True
    [consent] = db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    assert consent.withdrawn_at is not None
    assert client.get("/profile").status_code == 302  # signed out
    # Signing in again leads to the consent page first (the way back), nothing else.
    again = client.post("/login", data={"email": user.email, "password": "Qazaqstan-2026"})
    assert again.status_code == 302
    assert client.get("/profile").headers["Location"].startswith("/consent")


# --- roles ----------------------------------------------------------------------------------


def _grants(user) -> set[tuple]:
    db.session.expire_all()
    return {(g.role.value, g.union_id, g.branch_id)
            for g in db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id))}


def test_admin_grants_and_revokes_roles(client, login, make_user, org_tree):
    admin, person = make_user("admin"), make_user()
    login(admin)
    page = client.get(f"/people/{person.id}")
    assert page.status_code == 200 and 'name="role"' in page.get_data(as_text=True)

    response = client.post(f"/people/{person.id}/roles",
                           data={"role": "coordinator", "branch_id": str(org_tree["a"].id)})
    assert response.status_code == 302
    assert ("coordinator", None, org_tree["a"].id) in _grants(person)

    client.post(f"/people/{person.id}/roles", data={"role": "instructor"})
    assert ("instructor", None, None) in _grants(person)

    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == person.id,
                                                      RoleGrant.role == Role.instructor))
    response = client.post(f"/people/{person.id}/roles/{grant.id}/revoke")
    assert response.status_code == 302
    assert ("instructor", None, None) not in _grants(person)


@pytest.mark.parametrize("scope", ["none", "both"])
def test_a_coordinator_needs_exactly_one_scope(client, login, make_user, org_tree, scope):
    admin, person = make_user("admin"), make_user()
    login(admin)
    data = {"role": "coordinator"}
    if scope == "both":
        data.update(union_id=str(org_tree["u"].id), branch_id=str(org_tree["a"].id))
    response = client.post(f"/people/{person.id}/roles", data=data)
    assert response.status_code == 302
    assert _grants(person) == {("trainee", None, None)}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="alert alert-danger"' in page


def test_an_admin_cannot_revoke_the_last_admin_role_from_themselves(client, login, make_user):
    admin = make_user("admin")
    login(admin)
    grant = next(g for g in admin.grants if g.role is Role.admin)
    response = client.post(f"/people/{admin.id}/roles/{grant.id}/revoke")
    assert response.status_code == 302
    assert ("admin", None, None) in _grants(admin)


@pytest.mark.parametrize("role", ["coordinator", "instructor", "trainee"])
def test_non_admins_get_403_on_grant_and_revoke(client, login, make_user, org_tree, role):
    person = make_user(branch=org_tree["a"])
    login(make_user(role, branch=org_tree["a"]))
    response = client.post(f"/people/{person.id}/roles", data={"role": "admin"})
    assert response.status_code == 403
    grant = person.grants[0]
    assert client.post(f"/people/{person.id}/roles/{grant.id}/revoke").status_code == 403
    assert _grants(person) == {("trainee", None, None)}


# --- coordinator scope ----------------------------------------------------------------------


@pytest.fixture
def people(make_user, org_tree):
    return {
        "a": make_user(branch=org_tree["a"], full_name="Человек Филиала А"),
        "a2": make_user(branch=org_tree["a2"], full_name="Человек Филиала А2"),
        "b": make_user(branch=org_tree["b"], full_name="Человек Филиала Б"),
    }


def test_branch_coordinator_sees_only_their_branch(client, login, make_user, org_tree, people):
    login(make_user("coordinator", branch=org_tree["a"]))
    html = client.get("/people").get_data(as_text=True)
    assert "Человек Филиала А<" in html
    assert "Человек Филиала А2" not in html
    assert "Человек Филиала Б" not in html
    assert client.get(f"/people/{people['a'].id}").status_code == 200
    assert client.get(f"/people/{people['a2'].id}").status_code == 404
    assert client.get(f"/people/{people['b'].id}").status_code == 404
    # A search does not reach outside the branch either.
    assert "Человек Филиала Б" not in client.get("/people?q=Филиала").get_data(as_text=True)


def test_union_coordinator_sees_all_branches_of_their_union_only(client, login, make_user,
                                                                org_tree, people):
    login(make_user("coordinator", coordinator_of=org_tree["u"]))
    html = client.get("/people").get_data(as_text=True)
    assert "Человек Филиала А<" in html and "Человек Филиала А2" in html
    assert "Человек Филиала Б" not in html
    assert client.get(f"/people/{people['a2'].id}").status_code == 200
    assert client.get(f"/people/{people['b'].id}").status_code == 404


def test_admin_sees_everyone(client, login, make_user, people):
    login(make_user("admin"))
    html = client.get("/people").get_data(as_text=True)
    assert all(p.full_name in html for p in people.values())



@pytest.mark.parametrize("term", ["Әбілқайырова", "әбілқайырова", "ГАУҺАР", "gauhar@", "ұлықбек"])
def test_people_search_ignores_case_in_any_alphabet(client, login, make_user, org_tree, term):
    make_user(branch=org_tree["a"], full_name=NAME, email="gauhar@example.kz")
    make_user(branch=org_tree["a"], full_name="Иванов Сергей")
    login(make_user("admin"))
    html = client.get("/people", query_string={"q": term}).get_data(as_text=True)
    assert NAME in html
    assert "Иванов Сергей" not in html


def test_people_search_by_full_iin(client, login, make_user, org_tree, trainee_with_iin):
    make_user(branch=org_tree["a"], full_name="Другой Человек")
    login(make_user("admin"))
    html = client.get("/people", query_string={"q": "8504 2530 0126"}).get_data(as_text=True)
    assert "Иин Иинов" in html and "Другой Человек" not in html
