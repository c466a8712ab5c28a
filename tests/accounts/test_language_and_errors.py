"""Language choice, error pages in the person's language, security headers and CSRF."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext

from school.accounts.models import User
from school.extensions import db
from tests.factories import PASSWORD


def _lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("kk-KZ,ru;q=0.8", "kk"),
        ("kk", "kk"),
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru"),
        ("en-GB,en;q=0.9,ru;q=0.1", "en"),
        ("de-DE,kk;q=0.5", "kk"),
        ("de-DE,fr;q=0.5", "ru"),
        ("", "ru"),
    ],
)
def test_browser_language(client, header, lang):
    response = client.get("/", headers={"Accept-Language": header})
    assert _lang(response) == lang


def test_language_switch_for_a_visitor(client):
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert _lang(client.get("/", headers={"Accept-Language": "kk-KZ"})) == "en"
    client.post("/lang", data={"lang": "xx"})
    assert _lang(client.get("/")) == "en"


@pytest.mark.parametrize("target", ["//evil.example/", "/\t/evil.example", "/\n/evil.example"])
def test_language_switch_does_not_redirect_off_site(client, target):
    response = client.post("/lang", data={"lang": "kk", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_is_remembered_for_a_signed_in_user(app, client, make_user, login):
    user = make_user(locale="ru")
    login(user)
    client.post("/lang", data={"lang": "en"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"

    # Another browser, another day: the choice follows the person.
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert _lang(other.get("/", headers={"Accept-Language": "kk-KZ"})) == "en"


def _message(lang: str, text: str) -> str:
    with force_locale(lang):
        return gettext(text)


def test_404_page_in_the_browsers_language(client):
    kk = client.get("/no-such-page", headers={"Accept-Language": "kk-KZ,ru;q=0.8"})
    ru = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert kk.status_code == ru.status_code == 404
    assert _lang(kk) == "kk" and _lang(ru) == "ru"
    kk_text, ru_text = _message("kk", "Page not found."), _message("ru", "Page not found.")
    assert kk_text != ru_text  # both catalogues translate it
    assert kk_text in kk.get_data(as_text=True)
    assert ru_text in ru.get_data(as_text=True)


def test_404_and_403_pages_in_a_signed_in_users_language(client, make_user, login):
    login(make_user(locale="kk"))
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and _lang(missing) == "kk"
    assert _message("kk", "Page not found.") in missing.get_data(as_text=True)
    forbidden = client.get("/people")
    assert forbidden.status_code == 403 and _lang(forbidden) == "kk"
    assert _message("kk", "You do not have access to this page.") in forbidden.get_data(
        as_text=True)


@pytest.mark.parametrize("path", ["/", "/login", "/no-such-page"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_http_only(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_login_without_a_csrf_token_does_not_sign_in(make_app, make_user):
    user = make_user()
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code in (303, 400)
    assert client.get("/profile").status_code == 302

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    accepted = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token.group(1)})
    assert accepted.status_code == 302
    assert client.get("/profile").status_code == 200


HUGE = "99999999999999999999"


def test_absurd_ids_in_urls_are_404_not_500(client, login, make_user):
    login(make_user("admin"))
    for url in (f"/people/{HUGE}", f"/orgs/unions/{HUGE}/edit", f"/orgs/branches/{HUGE}/edit"):
        assert client.get(url).status_code == 404, url


def test_absurd_ids_in_queries_and_forms_are_ignored(client, regions):
    assert client.get(f"/orgs/api/branches?union_id={HUGE}").get_json() == []
    assert client.get(f"/orgs/api/organizations?branch_id={HUGE}").get_json() == []
    response = client.post("/register", data={
        "email": "a@example.kz", "password": "Strong-pass-1", "full_name": "Тест Тестов",
        "consent": "y", "region_id": HUGE, "branch_id": f"-{HUGE}"})
    assert response.status_code == 200
    assert db.session.scalar(db.select(User.id)) is None
