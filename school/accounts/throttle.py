"""Sign-in throttling that counts failures only and cannot be turned against the owner.

Two counters, both kept in the rate limiter's storage (Redis when REDIS_URL is set, so
every worker sees the same counts; otherwise each worker process counts on its own):

- per client address: failed attempts only (LOGIN_RATE_LIMIT). A seminar room signing in
  from one address is never refused for its successes.
- per account: after LOGIN_FREE_FAILURES failures each next attempt must wait a delay that
  doubles (1 s, 2 s, 4 s … up to LOGIN_BACKOFF_MAX). A browser that has signed in to the
  account before (it holds a signed "known device" cookie) or that has just used a reset
  link is counted apart, so failures from strangers never slow the owner there; and the
  reset link always works.

Unknown e-mails are counted exactly like real accounts: the answers tell nothing.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse_many
from limits.strategies import MovingWindowRateLimiter

from school.extensions import limiter

DEVICE_COOKIE = "known_device"
DEVICE_COOKIE_DAYS = 365
MAX_DEVICE_ACCOUNTS = 8  # a shared seminar-room computer remembers this many accounts
FAILURE_MEMORY = 24 * 3600  # an account's failure count is forgotten after a quiet day


@dataclass
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds


def enabled() -> bool:
    return bool(limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True))


def _storage():
    return limiter.storage


def _fail_open(default):
    """If the limit store (Redis) is down, sign-in keeps working unthrottled and it is
    logged: locking everyone out would be the worse failure."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:
                current_app.logger.exception("sign-in throttle: limit storage unavailable")
                return default

        return inner

    return wrap


def _digest(text: str) -> str:
    # Keys hold no e-mail in clear (Redis may be shared or dumped).
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _address_limits():
    return parse_many(current_app.config["LOGIN_RATE_LIMIT"])


def _account_key(email: str, known_user_id: int | None) -> str:
    bucket = f"known:{known_user_id}" if known_user_id else f"email:{email}"
    return "login-fail:" + _digest(bucket)


# --- known devices ------------------------------------------------------------------


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def known_accounts() -> list[int]:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        ids = _device_serializer().loads(raw)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember_device(response, user_id: int) -> None:
    """Mark this browser as one the account's owner uses (after a sign-in or a reset)."""
    ids = [user_id, *[i for i in known_accounts() if i != user_id]][:MAX_DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(ids),
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


# --- the checks ---------------------------------------------------------------------


def _backoff(failures: int) -> int:
    free = current_app.config["LOGIN_FREE_FAILURES"]
    if failures < free:
        return 0
    return min(2 ** (failures - free), current_app.config["LOGIN_BACKOFF_MAX"])


@_fail_open(Verdict(True))
def check(email: str, user_id: int | None) -> Verdict:
    """May this attempt be judged at all? Asked before the password is looked at."""
    if not enabled():
        return Verdict(True)
    strategy = MovingWindowRateLimiter(_storage())
    address = request.remote_addr or "-"
    for item in _address_limits():
        if not strategy.test(item, "login-fail-addr", address):
            stats = strategy.get_window_stats(item, "login-fail-addr", address)
            return Verdict(False, max(1, math.ceil(stats.reset_time - _now())))
    known = user_id if user_id is not None and user_id in known_accounts() else None
    key = _account_key(email, known)
    wait_key = key + ":wait"
    if _storage().get(wait_key):
        return Verdict(False, max(1, math.ceil(_storage().get_expiry(wait_key) - _now())))
    return Verdict(True)


@_fail_open(None)
def failed(email: str, user_id: int | None) -> None:
    """Count a failed attempt against the address and the account."""
    if not enabled():
        return
    strategy = MovingWindowRateLimiter(_storage())
    for item in _address_limits():
        strategy.hit(item, "login-fail-addr", request.remote_addr or "-")
    known = user_id if user_id is not None and user_id in known_accounts() else None
    key = _account_key(email, known)
    failures = _storage().incr(key, FAILURE_MEMORY)
    delay = _backoff(failures)
    if delay:
        wait_key = key + ":wait"
        _storage().clear(wait_key)
        _storage().incr(wait_key, delay)


@_fail_open(None)
def succeeded(email: str, user_id: int) -> None:
    """A right password clears the count of the bucket it was tried in (strangers' failures
    elsewhere keep theirs: an attacker gains no fresh tries from the owner's sign-in)."""
    if not enabled():
        return
    known = user_id if user_id in known_accounts() else None
    key = _account_key(email, known)
    _storage().clear(key)
    _storage().clear(key + ":wait")


def _now() -> float:
    return time.time()
