"""Registration, profile and organisation forms under hostile input: never a 500, nothing
stored half-way, markup always escaped."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from school.accounts.models import ConsentRecord, User
from school.extensions import db
from school.orgs.models import PrimaryOrganization
from tests.fuzz.strategies import hostile_text

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _no_raw_markup(html: str) -> None:
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html


@FUZZ
@given(full_name=hostile_text(), phone=hostile_text(40), iin=hostile_text(20),
       position=hostile_text(), workplace=hostile_text(), email_local=hostile_text(40),
       category=st.sampled_from(["", "chair", "nonsense", "<b>"]))
def test_registration_survives_hostile_input(client, regions, full_name, phone, iin, position,
                                             workplace, email_local, category):
    users_before, consents_before = _count(User), _count(ConsentRecord)
    email = f"{uuid.uuid4().hex[:8]}{email_local[:20]}@example.kz"
    response = client.post("/register", data={
        "email": email, "password": "Long-enough-9", "password2": "Long-enough-9",
        "full_name": full_name, "phone": phone, "iin": iin, "position": position,
        "workplace": workplace, "category": category, "region_id": regions["KZ-79"].id,
        "consent": "y",
    })
    assert response.status_code in (200, 302)
    _no_raw_markup(response.get_data(as_text=True))
    created = _count(User) - users_before
    # A person and their consent are stored together or not at all.
    assert created == _count(ConsentRecord) - consents_before
    if created:
        user = db.session.scalar(select(User).order_by(User.id.desc()))
        assert "\x00" not in user.full_name
        assert len(user.full_name) <= 200
        client.post("/logout")


@FUZZ
@given(full_name=hostile_text(), position=hostile_text(), workplace=hostile_text(),
       phone=hostile_text(40))
def test_profile_survives_hostile_input(client, login, make_user, full_name, position,
                                        workplace, phone):
    user = make_user()
    login(user)
    response = client.post("/profile", data={"full_name": full_name, "position": position,
                                             "workplace": workplace, "phone": phone})
    assert response.status_code in (200, 302)
    page = client.get("/profile").get_data(as_text=True)
    _no_raw_markup(page)
    db.session.refresh(user)
    assert "\x00" not in (user.full_name + (user.position or "") + (user.workplace or ""))


@FUZZ
@given(name_ru=hostile_text(), name_kk=hostile_text(), bin_=hostile_text(14))
def test_organisation_form_survives_hostile_input(client, login, make_user, make_branch,
                                                  name_ru, name_kk, bin_):
    branch = make_branch()
    login(make_user("admin"))
    before = _count(PrimaryOrganization)
    response = client.post("/orgs/organizations/new", data={
        "branch_id": branch.id, "name_ru": name_ru, "name_kk": name_kk, "bin": bin_})
    assert response.status_code in (200, 302)
    listing = client.get(f"/orgs/organizations?branch_id={branch.id}").get_data(as_text=True)
    _no_raw_markup(listing)
    if response.status_code == 200:  # refused: nothing stored
        assert _count(PrimaryOrganization) == before


@FUZZ
@given(cells=st.lists(hostile_text(60), min_size=8, max_size=8),
       extra=st.binary(max_size=200))
def test_import_never_half_applies(app, make_union, regions, cells, extra):
    from school.orgs.importer import COLUMNS, apply_import

    union = make_union()
    good = f"{union.code},KZ-79,city,Филиал {uuid.uuid4().hex[:6]},Филиал,ППО один,БКҰ,"
    hostile = ",".join('"' + c.replace('"', '""') + '"' for c in cells)
    data = ("\ufeff" + ",".join(COLUMNS) + "\n" + good + "\n" + hostile + "\n").encode() + extra
    before = _count(PrimaryOrganization)
    report = apply_import(data)
    if report.ok:
        db.session.commit()
        assert _count(PrimaryOrganization) >= before
    else:
        db.session.rollback()
        assert _count(PrimaryOrganization) == before
