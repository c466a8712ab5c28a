"""Issue 11, item 14 (parts): a failed CSRF check never redirects off-site, and a language
link (GET) does not change a signed-in account's stored language."""

from __future__ import annotations

import re

import pytest

from school.accounts.models import User
from school.extensions import db
from tests.factories import PASSWORD


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("referer", [
    "https://evil.example/phish", "//evil.example/x", "http://evil.example@localhost.evil/",
    "javascript:alert(1)", "https://localhost.evil.example/",
])
def test_a_failed_csrf_check_does_not_redirect_off_site(csrf_app, referer):
    client = csrf_app.test_client()
    response = client.post("/password/reset", data={"email": "a@example.kz"},
                           headers={"Referer": referer})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location


def test_a_failed_csrf_check_returns_to_a_page_of_ours(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/password/reset", data={"email": "a@example.kz"},
                           headers={"Referer": "http://localhost/events?q=x"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/events?q=x"


def _lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def test_a_language_link_does_not_change_the_stored_language(app, client, make_user, login):
    user = make_user(locale="ru")
    login(user)
    response = client.get("/lang/kk?next=/")
    assert response.status_code == 302
    assert _lang(client.get("/")) == "kk"  # this browser shows what was asked
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "ru"  # the account keeps its choice

    # The form (POST, with its CSRF token in production) does change it.
    client.post("/lang", data={"lang": "en", "next": "/"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_signed_in_pages_switch_language_with_a_form(client, make_user, login):
    login(make_user())
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/lang"', html)
    assert 'href="/lang/' not in html


def test_a_visitor_keeps_the_cacheable_links(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/lang/kk' in html


def test_the_form_switch_needs_its_csrf_token(csrf_app, make_user):
    user = make_user(locale="ru")
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": user.email, "password": PASSWORD,
                                "csrf_token": token})
    forged = client.post("/lang", data={"lang": "kk"})
    assert forged.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "ru"
