"""Sign-in, sign-out, rate limits, password reset and password change, through HTTP."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous.timed import TimestampSigner

from school.accounts import services
from school.accounts.models import User
from school.extensions import db, limiter
from tests.factories import PASSWORD


def _alerts(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>',
                                          html, re.S)]


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def _signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


# --- login / logout ------------------------------------------------------------------------


def test_login_and_logout(client, make_user):
    user = make_user(email="aigul@example.kz")
    response = client.post("/login", data={"email": "Aigul@Example.kz", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)
    assert user.full_name in client.get("/").get_data(as_text=True)
    assert client.post("/logout").status_code == 302
    assert not _signed_in(client)
    assert client.get("/profile").headers["Location"].startswith("/login")


UNSAFE_NEXT = ["https://evil.example/x", "//evil.example", "/\\evil.example",
               "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "javascript:alert(1)"]


def test_login_follows_a_local_next(client, make_user):
    user = make_user()
    data = {"email": user.email, "password": PASSWORD}
    response = client.post("/login", query_string={"next": "/people?q=Әбіл"}, data=data)
    assert response.headers["Location"] == "/people?q=%D3%98%D0%B1%D1%96%D0%BB"


@pytest.mark.parametrize("target", UNSAFE_NEXT)
def test_login_does_not_redirect_off_site(client, make_user, target):
    user = make_user()
    data = {"email": user.email, "password": PASSWORD}
    response = client.post("/login", query_string={"next": target}, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    make_user(email="known@example.kz")
    wrong = client.post("/login", data={"email": "known@example.kz", "password": "nope-nope"})
    unknown = client.post("/login", data={"email": "ghost@example.kz", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    wrong_html = _without_tokens(wrong.get_data(as_text=True).replace("known@example.kz", "E"))
    unknown_html = _without_tokens(unknown.get_data(as_text=True).replace("ghost@example.kz", "E"))
    assert _alerts(wrong_html) and _alerts(wrong_html) == _alerts(unknown_html)
    assert wrong_html == unknown_html
    assert not _signed_in(client)


def test_inactive_account_cannot_log_in(client, make_user):
    user = make_user(active=False)
    inactive = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert inactive.status_code == 200
    assert not _signed_in(client)
    unknown = client.post("/login", data={"email": "ghost@example.kz", "password": PASSWORD})
    assert _alerts(inactive.get_data(as_text=True)) == _alerts(unknown.get_data(as_text=True))


def test_a_deactivated_session_is_dropped(client, make_user, login):
    user = make_user()
    login(user)
    user.active = False
    db.session.commit()
    assert not _signed_in(client)


@pytest.fixture
def limited_app(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    limiter.reset()
    return app


def test_login_is_rate_limited(limited_app, make_user):
    user = make_user()
    client = limited_app.test_client()
    statuses = [
        client.post("/login", data={"email": user.email, "password": "wrong-password"}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Even the right password waits now.
    late = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert late.status_code == 429


def test_the_main_test_app_is_not_limited(client, make_user):
    user = make_user()
    for _ in range(12):
        response = client.post("/login", data={"email": user.email, "password": "wrong-one"})
        assert response.status_code == 200


# --- password reset ------------------------------------------------------------------------


def _reset_link(message) -> str:
    match = re.search(r"http://school\.test(/password/reset/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_reset_request_mails_a_link_that_works_once(client, make_user, outbox):
    user = make_user(email="reset@example.kz")
    response = client.post("/password/reset", data={"email": "Reset@example.kz"})
    assert response.status_code == 302
    assert len(outbox) == 1
    assert outbox[0].to == ["reset@example.kz"]
    link = _reset_link(outbox[0])

    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "Fresh-pass-2026",
                                       "password2": "Fresh-pass-2026"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("Fresh-pass-2026")

    again = client.post(link, data={"password": "Other-pass-2026", "password2": "Other-pass-2026"})
    assert again.status_code == 302
    assert again.headers["Location"] == "/password/reset"
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("Fresh-pass-2026")


def test_reset_request_answers_the_same_for_an_unknown_email(client, make_user, outbox):
    make_user(email="known@example.kz")
    answers = []
    for email in ("known@example.kz", "ghost@example.kz"):
        response = client.post("/password/reset", data={"email": email})
        assert response.status_code == 302
        page = client.get(response.headers["Location"])  # the flash shows on the next page
        answers.append((response.headers["Location"], _alerts(page.get_data(as_text=True))))
    assert answers[0] == answers[1]
    assert answers[0][1]
    assert len(outbox) == 1
    assert outbox[0].to == ["known@example.kz"]


def test_no_reset_mail_for_an_inactive_account(client, make_user, outbox):
    user = make_user(active=False)
    assert client.post("/password/reset", data={"email": user.email}).status_code == 302
    assert outbox == []


def test_expired_reset_link_is_refused(app, client, make_user, monkeypatch):
    user = make_user()
    issued = time.time() - app.config["PASSWORD_RESET_MAX_AGE"] - 5
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(issued))
        token = services.make_reset_token(user)
    response = client.post(f"/password/reset/{token}",
                           data={"password": "Fresh-pass-2026", "password2": "Fresh-pass-2026"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/password/reset"
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_change_password_needs_the_current_one(client, make_user, login):
    user = make_user()
    login(user)
    wrong = client.post("/profile/password", data={
        "current_password": "not-my-password", "new_password": "Fresh-pass-2026",
        "new_password2": "Fresh-pass-2026"})
    assert wrong.status_code == 200
    assert 'id="current_password"' in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)

    right = client.post("/profile/password", data={
        "current_password": PASSWORD, "new_password": "Fresh-pass-2026",
        "new_password2": "Fresh-pass-2026"})
    assert right.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("Fresh-pass-2026")


def test_change_password_is_for_signed_in_people(client):
    response = client.get("/profile/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
