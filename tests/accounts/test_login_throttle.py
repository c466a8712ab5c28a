"""Issue 11, item 4: sign-in limits that count failures only, behind a configurable number of
proxies, and that an attacker cannot turn against the account's owner."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import uuid

import pytest
import redis

from school.accounts.models import ConsentRecord, User
from school.extensions import db, limiter
from tests.factories import PASSWORD


def _client(app, address: str = "10.20.30.40"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


@pytest.fixture
def prod_limits(make_app):
    """The app with rate limits on and the shipped defaults for sign-in."""
    app = make_app(RATELIMIT_ENABLED=True)
    limiter.reset()
    return app


@pytest.fixture
def slow_clock(monkeypatch):
    """Back-off waits long enough that a busy test machine cannot outlast them (the real
    1 s, 2 s … steps are tested in test_back_off_doubles_and_is_capped)."""
    from school.accounts import throttle

    real = throttle._backoff
    monkeypatch.setattr(throttle, "_backoff", lambda n: 60 if real(n) else 0)


def test_thirty_people_sign_in_from_one_address_within_a_minute(prod_limits, make_user):
    people = [make_user() for _ in range(30)]
    statuses = [_login(_client(prod_limits), p.email).status_code for p in people]
    assert statuses == [302] * 30


def test_successes_never_count(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    limiter.reset()
    user = make_user()
    statuses = [_login(_client(app), user.email).status_code for _ in range(6)]
    assert statuses == [302] * 6
    # Failures do count, and then the address waits, right password or not.
    client = _client(app)
    fails = [_login(client, user.email, "wrong-password").status_code for _ in range(4)]
    assert fails == [200, 200, 200, 429]
    assert _login(_client(app), user.email).status_code == 429
    assert _login(_client(app, "10.99.0.1"), user.email).status_code == 302


def _fail_from_ten_addresses(app, email: str) -> list[int]:
    return [_login(_client(app, f"198.51.100.{n}"), email, f"guess-{n}").status_code
            for n in range(10)]


def test_ten_failures_from_ten_addresses_do_not_lock_the_owner_out(prod_limits, make_user,
                                                                   slow_clock):
    owner = make_user()
    phone = _client(prod_limits, "100.64.0.9")
    assert _login(phone, owner.email).status_code == 302  # the owner's own browser
    assert phone.post("/logout").status_code == 302

    attempts = _fail_from_ten_addresses(prod_limits, owner.email)
    assert attempts == [200] * 5 + [429] * 5  # then the account's back-off answers 429

    # From a browser the owner has used, the right password works at once.
    assert _login(phone, owner.email).status_code == 302
    assert phone.get("/profile").status_code == 200


def test_a_stranger_browser_backs_off_and_the_reset_link_always_works(prod_limits, make_user,
                                                                      slow_clock):
    owner = make_user(email="owner@example.kz")
    _fail_from_ten_addresses(prod_limits, owner.email)
    laptop = _client(prod_limits, "100.64.0.10")  # never signed in here
    refused = _login(laptop, owner.email)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1

    assert laptop.post("/password/reset", data={"email": owner.email}).status_code == 302
    mail = prod_limits.extensions["mailman"].outbox[-1]
    link = re.search(r"http://school\.test(/password/reset/\S+)", mail.body).group(1)
    done = laptop.post(link, data={"password": "Fresh-pass-2026",
                                   "password2": "Fresh-pass-2026"})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert _login(laptop, owner.email, "Fresh-pass-2026").status_code == 302


def test_back_off_is_the_same_for_an_unknown_email(prod_limits, make_user, slow_clock):
    make_user(email="real@example.kz")
    real = _fail_from_ten_addresses(prod_limits, "real@example.kz")
    ghost = _fail_from_ten_addresses(prod_limits, "ghost@example.kz")
    assert real == ghost


def test_back_off_doubles_and_is_capped(make_app, make_user):
    from school.accounts import throttle

    app = make_app(RATELIMIT_ENABLED=True, LOGIN_FREE_FAILURES=2, LOGIN_BACKOFF_MAX=4)
    limiter.reset()
    user = make_user()
    addresses = (f"203.0.113.{n}" for n in range(1, 200))

    def attempt():
        return _login(_client(app, next(addresses)), user.email, "x-wrong-x")

    assert [attempt().status_code for _ in range(2)] == [200, 200]
    waits = []
    for _ in range(4):
        refused = attempt()
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        with app.test_request_context():  # as if the wait had passed
            limiter.storage.clear(throttle._account_key(user.email, None) + ":wait")
        assert attempt().status_code == 200
    assert waits == [1, 2, 4, 4]


# --- proxies ----------------------------------------------------------------------------


def _register(client, registration, **extra):
    return client.post("/register", data=registration(), **extra)


def test_consent_records_the_real_client_address_behind_a_proxy(make_app, registration):
    app = make_app(PROXY_COUNT=1)
    client = app.test_client()
    response = _register(client, registration, environ_base={"REMOTE_ADDR": "10.0.0.2"},
                         headers={"X-Forwarded-For": "203.0.113.77"})
    assert response.status_code == 302
    consent = db.session.scalar(db.select(ConsentRecord))
    assert consent.ip_address == "203.0.113.77"


def test_without_trusted_proxies_forwarded_for_is_ignored(make_app, registration):
    app = make_app()  # PROXY_COUNT 0: the default
    client = app.test_client()
    response = _register(client, registration, environ_base={"REMOTE_ADDR": "10.0.0.2"},
                         headers={"X-Forwarded-For": "203.0.113.77"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(ConsentRecord)).ip_address == "10.0.0.2"


def test_behind_a_proxy_limits_apply_to_each_real_address(make_app, make_user):
    app = make_app(PROXY_COUNT=1, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute",
                   LOGIN_FREE_FAILURES=50)
    limiter.reset()
    user = make_user()
    balancer = _client(app, "10.0.0.1")

    def attempt(client_address: str, password: str = "wrong-password") -> int:  # noqa: S107
        return balancer.post("/login", data={"email": user.email, "password": password},
                             headers={"X-Forwarded-For": client_address}).status_code

    assert [attempt("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    # Another person behind the same balancer is not refused.
    assert attempt("203.0.113.2", PASSWORD) == 302


# --- shared across workers --------------------------------------------------------------

WORKER = textwrap.dedent("""
    import sys
    from school import create_app
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": sys.argv[1], "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": sys.argv[2],
                      "LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_FREE_FAILURES": 50,
                      "PAGE_CACHE_SECONDS": 0})
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    for _ in range(3):
        r = client.post("/login", data={"email": sys.argv[3], "password": "wrong-password"})
        print(r.status_code)
""")


def _redis_url() -> str | None:
    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return url


def test_failures_in_one_worker_count_in_another_with_redis(make_app, make_user,
                                                            database_url):
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis on this machine")
    user = make_user(email=f"shared-{uuid.uuid4().hex[:8]}@example.kz")
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url,
                   LOGIN_RATE_LIMIT="3 per minute", LOGIN_FREE_FAILURES=50)
    try:
        # Another process (another gunicorn worker) fails three times from one address.
        other = subprocess.run([sys.executable, "-c", WORKER, database_url, url, user.email],
                               capture_output=True, text=True, timeout=120, check=True)
        assert other.stdout.split() == ["200", "200", "200"]
        here = _client(app, "192.0.2.50")
        assert _login(here, user.email).status_code == 429  # this worker knows
        assert _login(_client(app, "192.0.2.51"), user.email).status_code == 302
    finally:
        limiter.reset()
    assert db.session.get(User, user.id) is not None


def test_sign_in_works_when_the_limit_store_is_down(prod_limits, make_user, monkeypatch):
    from school.accounts import throttle

    def unreachable():
        raise redis.ConnectionError("Redis is down")

    monkeypatch.setattr(throttle, "_storage", unreachable)
    user = make_user()
    assert _login(_client(prod_limits), user.email, "wrong-password").status_code == 200
    assert _login(_client(prod_limits), user.email).status_code == 302
