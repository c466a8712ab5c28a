"""POST /register: what a person sees, and what is (not) saved."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from school.accounts.models import ConsentRecord, User
from school.extensions import db
from tests.accounts.conftest import BAD_CHECK_DIGIT_IIN, NAME, VALID_IIN


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _field_has_error(html: str, field_id: str) -> bool:
    tag = re.search(rf'<(?:input|select)[^>]*\bid="{field_id}"[^>]*>', html)
    assert tag, f"no field {field_id}"
    if "is-invalid" not in tag.group(0):
        return False
    after = html[tag.end():tag.end() + 600]
    return re.search(r'class="invalid-feedback[^"]*">\s*\S', after) is not None


def test_the_form_is_shown(client, org_tree):
    response = client.get("/register")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in ("email", "password", "password2", "full_name", "phone", "iin", "consent",
                 "region_id", "union_id", "branch_id", "primary_org_id", "category"):
        assert f'name="{name}"' in html


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_wrong_check_digit_shows_an_error_and_saves_nothing(client, registration, lang):
    client.post("/lang", data={"lang": lang})
    response = client.post("/register", data=registration(iin=BAD_CHECK_DIGIT_IIN))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert _field_has_error(html, "iin")
    assert NAME in html  # what was typed is kept for correction
    assert _count(User) == 0
    assert _count(ConsentRecord) == 0


def test_a_valid_registration_saves_and_signs_in(client, registration, app):
    response = client.post("/register", data=registration())
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.full_name == NAME
    assert user.iin == VALID_IIN
    assert user.roles == {"trainee"}
    [consent] = user.consents
    assert consent.text_version == app.config["CONSENT_VERSION"]
    assert consent.withdrawn_at is None
    profile = client.get("/profile")
    assert profile.status_code == 200
    assert NAME in profile.get_data(as_text=True)


def test_registration_in_kazakh_records_the_language(client, registration):
    client.post("/lang", data={"lang": "kk"})
    assert client.post("/register", data=registration()).status_code == 302
    user = db.session.scalar(select(User))
    assert user.locale == "kk"
    assert user.consents[0].locale == "kk"


def test_duplicate_email_is_refused(client, registration, make_user):
    make_user(email="gauhar@example.kz")
    response = client.post("/register", data=registration(email="GAUHAR@Example.kz"))
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "email")
    assert _count(User) == 1


def test_a_taken_iin_is_not_stored_nor_refused(client, registration, make_user):
    # Issue 11: a refusal would confirm whose IIN is registered (test_iin_privacy.py).
    make_user(iin=VALID_IIN)
    response = client.post("/register", data=registration(email="GAUHAR@Example.kz"))
    assert response.status_code == 302
    assert _count(User) == 2
    assert db.session.scalar(select(User).where(User.email == "gauhar@example.kz")).iin is None


def test_missing_consent_is_refused(client, registration):
    response = client.post("/register", data=registration(consent=None))
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "consent")
    assert _count(User) == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        (lambda t: {"primary_org_id": str(t["org_b"].id)}, "primary_org_id"),
        (lambda t: {"union_id": str(t["v"].id), "primary_org_id": ""}, "branch_id"),
        (lambda t: {"region_id": str(t["a2"].region_id), "primary_org_id": ""}, "branch_id"),
    ],
)
def test_inconsistent_branch_union_or_org_is_refused(client, registration, org_tree,
                                                     override, field):
    response = client.post("/register", data=registration(**override(org_tree)))
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), field)
    assert _count(User) == 0


def test_passwords_must_match(client, registration):
    response = client.post("/register", data=registration(password2="Something-else-1"))
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "password2")
    assert _count(User) == 0


def test_signed_in_people_are_sent_home(client, make_user, login):
    login(make_user())
    assert client.get("/register").status_code == 302


def test_every_problem_is_shown_at_once(client, registration):
    """A bad e-mail (the form's check) and a bad IIN, phone and missing consent (the rules')
    all come back on the first try."""
    from school.accounts.models import User
    from school.extensions import db

    data = registration(email="not-an-email", iin="850425300127", phone="12", consent=None)
    page = client.post("/register", data=data,
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert page.count("invalid-feedback") >= 3
    assert "IIN is not valid" in page
    assert "valid phone number" in page
    assert db.session.query(User).count() == 0
