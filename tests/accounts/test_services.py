"""Account rules, called directly: each refusal is asserted by its code."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from school.accounts import services
from school.accounts.models import ConsentRecord, Role, RoleGrant, User
from school.errors import DomainError
from school.extensions import db
from tests.accounts.conftest import BAD_CHECK_DIGIT_IIN, NAME, VALID_IIN
from tests.factories import PASSWORD


def _profile(tree, **kw) -> services.Profile:
    a = tree["a"]
    fields = dict(full_name=NAME, phone="+7 701 123 45 67", iin=VALID_IIN,
                  region_id=a.region_id, union_id=a.union_id, branch_id=a.id,
                  primary_org_id=tree["org_a"].id, category="chair",
                  position="Төраға", workplace="Ақмола")
    fields.update(kw)
    return services.Profile(**fields)


def _register(tree, email="gauhar@example.kz", password="Qazaqstan-2026",  # noqa: S107
              consent=True, **kw):
    return services.register(email, password, _profile(tree, **kw), consent=consent,
                             locale="kk", ip_address="10.0.0.1")


def _code(excinfo) -> str:
    return excinfo.value.code


# --- registration ----------------------------------------------------------------------


def test_register_creates_a_trainee_with_recorded_consent(app, org_tree):
    user = _register(org_tree, email="  Gauhar@Example.KZ ")
    db.session.commit()
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.email == "gauhar@example.kz"
    assert user.full_name == NAME
    assert user.iin == VALID_IIN
    assert user.roles == {"trainee"}
    assert user.check_password("Qazaqstan-2026")
    assert (user.branch_id, user.union_id) == (org_tree["a"].id, org_tree["u"].id)
    [consent] = user.consents
    assert consent.text_version == app.config["CONSENT_VERSION"]
    assert consent.locale == "kk" and consent.withdrawn_at is None
    assert consent.granted_at is not None


def test_the_branch_decides_union_and_region(org_tree):
    user = _register(org_tree, region_id=None, union_id=None, primary_org_id=None)
    assert user.union_id == org_tree["u"].id
    assert user.region_id == org_tree["a"].region_id


def test_the_organisation_decides_its_branch(org_tree):
    user = _register(org_tree, branch_id=None, union_id=None)
    assert user.branch_id == org_tree["a"].id


@pytest.mark.parametrize("iin", [BAD_CHECK_DIGIT_IIN, "880315400130", "12345", "85042530012x"])
def test_register_refuses_an_invalid_iin(org_tree, iin):
    with pytest.raises(DomainError) as e:
        _register(org_tree, iin=iin)
    assert _code(e) == "iin_invalid"
    assert e.value.field == "iin"


def test_iin_is_optional_and_spaces_are_dropped(org_tree):
    assert _register(org_tree, iin="").iin is None
    other = _register(org_tree, email="b@example.kz", iin="8504 2530 0126")
    assert other.iin == VALID_IIN


def test_register_refuses_a_taken_email_in_any_case(org_tree, make_user):
    make_user(email="gauhar@example.kz")
    with pytest.raises(DomainError) as e:
        _register(org_tree, email="GAUHAR@example.kz")
    assert _code(e) == "email_taken"


def test_register_with_a_taken_iin_creates_the_account_without_it(org_tree, make_user):
    # Issue 11: no "this IIN is registered" answer (tests/accounts/test_iin_privacy.py).
    make_user(iin=VALID_IIN)
    user = _register(org_tree)
    assert user.id is not None and user.iin is None


def test_register_needs_consent(org_tree):
    with pytest.raises(DomainError) as e:
        _register(org_tree, consent=False)
    assert _code(e) == "consent_required"


@pytest.mark.parametrize(
    ("password", "code"),
    [("short1", "password_too_short"), ("1234567890", "password_too_simple"),
     ("aaaaaaaaaa", "password_too_simple")],
)
def test_register_refuses_weak_passwords(org_tree, password, code):
    with pytest.raises(DomainError) as e:
        _register(org_tree, password=password)
    assert _code(e) == code


def test_register_refuses_an_organisation_of_another_branch(org_tree):
    with pytest.raises(DomainError) as e:
        _register(org_tree, primary_org_id=org_tree["org_b"].id)
    assert _code(e) == "org_not_in_branch"


def test_register_refuses_a_branch_of_another_union(org_tree):
    with pytest.raises(DomainError) as e:
        _register(org_tree, union_id=org_tree["v"].id, primary_org_id=None)
    assert _code(e) == "branch_not_in_union"


def test_register_refuses_a_branch_in_another_region(org_tree):
    with pytest.raises(DomainError) as e:
        _register(org_tree, region_id=org_tree["a2"].region_id, primary_org_id=None)
    assert _code(e) == "branch_not_in_region"


def test_register_refuses_unknown_references_and_categories(org_tree):
    for field, code in [("branch_id", "branch_invalid"), ("primary_org_id", "org_invalid"),
                        ("union_id", "union_invalid"), ("region_id", "region_invalid")]:
        with pytest.raises(DomainError) as e:
            _register(org_tree, **{field: 987654})
        assert _code(e) == code
    with pytest.raises(DomainError) as e:
        _register(org_tree, category="president")
    assert _code(e) == "category_invalid"


def test_register_needs_a_region_and_a_name(org_tree):
    with pytest.raises(DomainError) as e:
        _register(org_tree, region_id=None, union_id=None, branch_id=None, primary_org_id=None)
    assert _code(e) == "region_required"
    with pytest.raises(DomainError) as e:
        _register(org_tree, full_name="  \x00 ")
    assert _code(e) == "name_required"


def test_register_refuses_a_bad_phone(org_tree):
    with pytest.raises(DomainError) as e:
        _register(org_tree, phone="call me")
    assert _code(e) == "phone_invalid"


def test_nothing_is_saved_when_registration_is_refused(org_tree):
    with pytest.raises(DomainError):
        _register(org_tree, iin=BAD_CHECK_DIGIT_IIN)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(ConsentRecord)) == 0


# --- profile ---------------------------------------------------------------------------


def test_update_profile_keeps_own_iin_and_refuses_another_persons(org_tree, make_user):
    user = _register(org_tree)
    make_user(iin="020731500813")
    services.update_profile(user, _profile(org_tree, position="Орынбасар"))
    assert user.position == "Орынбасар" and user.iin == VALID_IIN
    # Another person's IIN is not stored, and not refused either (issue 11) …
    services.update_profile(user, _profile(org_tree, iin="020731500813", position="Хатшы"))
    assert user.iin == VALID_IIN and user.position == "Хатшы"
    # … except to an administrator, who sees every IIN anyway.
    with pytest.raises(DomainError) as e:
        services.update_profile(user, _profile(org_tree, iin="020731500813"),
                                actor=make_user("admin"))
    assert _code(e) == "iin_taken"


# --- sign-in and passwords ----------------------------------------------------------------


def test_authenticate(make_user):
    user = make_user(email="a@example.kz")
    assert services.authenticate("A@example.kz ", PASSWORD) == user
    assert services.authenticate("a@example.kz", "wrong-password") is None
    assert services.authenticate("nobody@example.kz", PASSWORD) is None
    user.active = False
    assert services.authenticate("a@example.kz", PASSWORD) is None


def test_change_password_needs_the_current_one(make_user):
    user = make_user()
    with pytest.raises(DomainError) as e:
        services.change_password(user, "not-the-password", "New-password-1")
    assert _code(e) == "wrong_password"
    with pytest.raises(DomainError) as e:
        services.change_password(user, PASSWORD, "short")
    assert _code(e) == "password_too_short"
    services.change_password(user, PASSWORD, "New-password-1")
    assert user.check_password("New-password-1")


def test_reset_token_sets_the_password_once(make_user):
    user = make_user()
    token = services.make_reset_token(user)
    assert services.user_for_token(token) == user
    services.reset_password(token, "Brand-new-pass-1")
    db.session.commit()
    assert user.check_password("Brand-new-pass-1")
    with pytest.raises(DomainError) as e:
        services.reset_password(token, "Another-pass-2")
    assert _code(e) == "token_invalid"


def test_reset_token_dies_when_the_password_changes_in_the_same_microsecond(make_user):
    # The token must be bound to the exact moment of the last change, not a fragment of it.
    user = make_user()
    user.password_changed_at = datetime(2026, 1, 5, 9, 0, 0, 250000, tzinfo=UTC)
    db.session.commit()
    token = services.make_reset_token(user)
    user.password_changed_at = datetime(2026, 2, 7, 17, 30, 0, 250000, tzinfo=UTC)
    db.session.commit()
    with pytest.raises(DomainError) as e:
        services.user_for_token(token)
    assert _code(e) == "token_invalid"


def test_expired_and_forged_reset_tokens_are_refused(app, make_user, monkeypatch):
    user = make_user()
    issued = time.time() - app.config["PASSWORD_RESET_MAX_AGE"] - 60
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(issued))
        old_token = services.make_reset_token(user)
    with pytest.raises(DomainError) as e:
        services.user_for_token(old_token)
    assert _code(e) == "token_expired"

    token = services.make_reset_token(user)
    for forged in (token[:-2] + "xx", "garbage", services.make_reset_token(user, "invite")):
        with pytest.raises(DomainError) as e:
            services.user_for_token(forged)
        assert _code(e) == "token_invalid"


# --- consent -----------------------------------------------------------------------------


def test_withdrawing_consent_stops_processing_and_keeps_the_record(org_tree):
    user = _register(org_tree)
    db.session.commit()
    services.withdraw_consent(user)
    db.session.commit()
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.consent_withdrawn_at is not None and user.consent_pending is True
    [consent] = user.consents
    assert consent.withdrawn_at is not None
    assert user.current_consent is None
    with pytest.raises(DomainError) as e:
        services.withdraw_consent(user)
    assert _code(e) == "no_consent"


# --- roles -------------------------------------------------------------------------------


def test_grant_role_coordinator_needs_exactly_one_scope(org_tree, make_user):
    admin, person = make_user("admin"), make_user()
    for scope in ({}, {"union_id": org_tree["u"].id, "branch_id": org_tree["a"].id}):
        with pytest.raises(DomainError) as e:
            services.grant_role(person, "coordinator", actor=admin, **scope)
        assert _code(e) == "scope_required"
    grant = services.grant_role(person, "coordinator", actor=admin, branch_id=org_tree["a"].id)
    assert (grant.branch_id, grant.union_id, grant.granted_by_id) == (
        org_tree["a"].id, None, admin.id)
    services.grant_role(person, "coordinator", actor=admin, union_id=org_tree["v"].id)
    db.session.commit()
    assert {(g.role.value, g.branch_id, g.union_id) for g in person.grants} == {
        ("coordinator", None, org_tree["v"].id),
        ("coordinator", org_tree["a"].id, None),
        ("trainee", None, None),
    }


def test_grant_role_refusals(org_tree, make_user):
    admin, person = make_user("admin"), make_user()
    with pytest.raises(DomainError) as e:
        services.grant_role(person, "trainee", actor=admin)
    assert _code(e) == "role_exists"
    with pytest.raises(DomainError) as e:
        services.grant_role(person, "superuser", actor=admin)
    assert _code(e) == "role_invalid"
    with pytest.raises(DomainError) as e:
        services.grant_role(person, "coordinator", actor=admin, branch_id=987654)
    assert _code(e) == "branch_invalid"
    # A scope given with another role is dropped, not stored.
    grant = services.grant_role(person, "instructor", actor=admin, branch_id=org_tree["a"].id)
    assert grant.branch_id is None


def test_revoke_role_and_the_last_admin(make_user):
    admin = make_user("admin")
    own = next(g for g in admin.grants if g.role is Role.admin)
    with pytest.raises(DomainError) as e:
        services.revoke_role(admin, own.id, actor=admin)
    assert _code(e) == "last_admin"
    with pytest.raises(DomainError) as e:
        services.revoke_role(admin, 987654, actor=admin)
    assert _code(e) == "grant_missing"

    make_user("admin")
    services.revoke_role(admin, own.id, actor=admin)
    db.session.commit()
    assert not admin.is_admin


def test_an_inactive_admin_does_not_count_as_another_admin(make_user):
    admin = make_user("admin")
    make_user("admin", active=False)
    own = next(g for g in admin.grants if g.role is Role.admin)
    with pytest.raises(DomainError) as e:
        services.revoke_role(admin, own.id, actor=admin)
    assert _code(e) == "last_admin"


def test_create_user(org_tree):
    user = services.create_user("Boss@Example.kz", "Strong-pass-1", "coordinator",
                                branch_id=org_tree["a"].id, full_name="Ерлан")
    db.session.commit()
    assert user.email == "boss@example.kz"
    assert {(g.role.value, g.branch_id) for g in user.grants} == {
        ("coordinator", org_tree["a"].id), ("trainee", None)}
    for kwargs, code in [
        ({"email": "x@example.kz", "role": "coordinator"}, "scope_required"),
        ({"email": "no-at-sign", "role": "trainee"}, "email_invalid"),
        ({"email": "boss@example.kz", "role": "trainee"}, "email_taken"),
        ({"email": "y@example.kz", "role": "trainee", "branch_id": 987654}, "branch_invalid"),
    ]:
        with pytest.raises(DomainError) as e:
            services.create_user(kwargs.pop("email"), "Strong-pass-1", kwargs.pop("role"),
                                 **kwargs)
        assert _code(e) == code
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RoleGrant)) == 2
