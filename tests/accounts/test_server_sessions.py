"""Issue 11, item 5: server-side sessions, not bound to the address, revoked by logout and
listed on the profile ("your devices"); the session cookie is sent only when it changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from school.accounts.sessions import UserSession
from school.audit.models import AuditEntry
from school.extensions import db
from tests.factories import PASSWORD


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _sign_in(client, user, **extra):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, **extra})
    assert response.status_code == 302
    return response


def _cookie(client, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_a_session_survives_a_change_of_address(app, make_user):
    user = make_user()
    phone = _client(app, "192.168.1.20")  # Wi-Fi
    _sign_in(phone, user)
    phone.environ_base["REMOTE_ADDR"] = "100.72.14.3"  # mobile data
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Linux; Android 14) Chrome/120"
    assert _signed_in(phone)


def test_a_session_survives_a_change_of_forwarded_address(make_app, make_user):
    app = make_app(PROXY_COUNT=1)
    user = make_user()
    phone = _client(app, "10.0.0.1")  # the load balancer
    phone.post("/login", data={"email": user.email, "password": PASSWORD},
               headers={"X-Forwarded-For": "192.168.1.20"})
    assert phone.get("/profile", headers={"X-Forwarded-For": "100.72.14.3"}).status_code == 200


def test_after_logout_the_old_cookie_is_refused(app, make_user):
    user = make_user()
    browser = app.test_client()
    _sign_in(browser, user)
    stolen = _cookie(browser, "session")
    assert browser.post("/logout").status_code == 302
    assert not _signed_in(browser)

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert not _signed_in(thief)


def test_after_logout_the_remember_token_is_refused(app, make_user):
    user = make_user()
    browser = app.test_client()
    _sign_in(browser, user, remember="y")
    token = _cookie(browser, "remember_token")
    assert token
    # The remember cookie alone signs in (that is its purpose) …
    other = app.test_client()
    other.set_cookie("remember_token", token)
    assert _signed_in(other)

    assert browser.post("/logout").status_code == 302
    # … until logout: then it no longer does, anywhere.
    later = app.test_client()
    later.set_cookie("remember_token", token)
    assert not _signed_in(later)


def test_no_session_cookie_when_nothing_changed(app, make_user, client):
    user = make_user()
    _sign_in(client, user)
    # The first page with a form puts a CSRF token in the session (a change: sent once; in
    # production the sign-in form already did).
    assert client.get("/").headers.getlist("Set-Cookie")
    for path in ("/", "/profile", "/no-such-page", "/events/123456"):
        response = client.get(path)
        assert response.status_code in (200, 404)
        cookies = response.headers.getlist("Set-Cookie")
        assert not [c for c in cookies if c.startswith(("session=", "remember_token="))], path


def test_no_session_cookie_for_an_anonymous_404_either(client):
    client.get("/login")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers.getlist("Set-Cookie") == []


# --- your devices -------------------------------------------------------------------------


def test_profile_lists_the_devices_and_signs_one_out(app, make_user):
    user = make_user()
    phone, laptop = _client(app, "10.1.1.1"), _client(app, "10.2.2.2")
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (iPhone) Safari/605"
    laptop.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Windows NT 10.0) Firefox/133"
    _sign_in(phone, user)
    _sign_in(laptop, user)
    page = laptop.get("/profile").get_data(as_text=True)
    assert 'id="devices"' in page and "iPhone" in page and "Firefox" in page

    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert len(rows) == 2
    phone_row = next(r for r in rows if r.ip_address == "10.1.1.1")
    response = laptop.post(f"/profile/sessions/{phone_row.id}/revoke")
    assert response.status_code == 302
    assert not _signed_in(phone)
    assert _signed_in(laptop)


def test_sign_out_everywhere(app, make_user):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    _sign_in(phone, user, remember="y")
    _sign_in(laptop, user)
    remember = _cookie(phone, "remember_token")
    assert laptop.post("/profile/sessions/revoke-all").status_code == 302
    assert not _signed_in(laptop)
    assert not _signed_in(phone)
    again = app.test_client()
    again.set_cookie("remember_token", remember)
    assert not _signed_in(again)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "user.signed_out_everywhere")) == 1


def test_someone_elses_session_is_not_found(app, make_user):
    owner, other = make_user(), make_user()
    victim = app.test_client()
    _sign_in(victim, owner)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == owner.id))
    attacker = app.test_client()
    _sign_in(attacker, other)
    response = attacker.post(f"/profile/sessions/{row.id}/revoke")
    assert response.status_code == 302
    assert _signed_in(victim)
    db.session.expire_all()
    assert db.session.get(UserSession, row.id).revoked_at is None


def test_a_password_reset_ends_every_session(app, make_user):
    from school.accounts import services

    user = make_user()
    browser = app.test_client()
    _sign_in(browser, user, remember="y")
    token = services.make_reset_token(user)
    fresh = app.test_client()
    assert fresh.post(f"/password/reset/{token}", data={
        "password": "Fresh-pass-2026", "password2": "Fresh-pass-2026"}).status_code == 302
    assert not _signed_in(browser)


@pytest.mark.parametrize("path", ["/profile/sessions/1/revoke", "/profile/sessions/revoke-all"])
def test_device_routes_need_a_signed_in_person(client, path):
    response = client.post(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["trainee", "instructor", "coordinator", "admin"])
def test_device_routes_for_every_role(app, make_user, make_branch, role):
    branch = make_branch()
    user = make_user(role, branch=branch)
    browser = app.test_client()
    _sign_in(browser, user)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert browser.post(f"/profile/sessions/{row.id + 1000}/revoke").status_code == 302
    assert _signed_in(browser)
    assert browser.post("/profile/sessions/revoke-all").status_code == 302
    assert not _signed_in(browser)
