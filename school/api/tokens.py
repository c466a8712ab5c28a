"""API tokens: who may create them, how they are stored, and how a request is authenticated.

A token acts as its owner: every query the API runs goes through the same permission
helpers as the web pages (school/permissions.py), given the owner instead of the session's
person, and the token's scopes narrow what it may call on top of that.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from school.accounts.models import User
from school.api.models import ApiToken
from school.audit.services import record
from school.core.text import one_line
from school.dbtypes import utcnow
from school.errors import DomainError
from school.extensions import db
from school.permissions import visible_branch_ids

# Scope → what it opens (labels for the token page).
SCOPES = {
    "catalogue:read": _l("Read programmes, events and organisations"),
    "people:read": _l("Read enrolments, attendance and certificates"),
    "enrolments:write": _l("Enrol and cancel enrolments"),
    "reports:read": _l("Read the yearly report"),
    "webhooks:manage": _l("Manage webhook subscriptions"),
}
TOKEN_PREFIX = "fprk_"  # noqa: S105  (a marker, not a secret)
MAX_DAYS = 366
LAST_USE_PRECISION = timedelta(minutes=1)  # write last use at most once a minute


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_create_tokens(user: User) -> bool:
    """Admins, and coordinators for their own scope (their token sees what they see)."""
    return user.has_role("admin") or user.has_role("coordinator")


def create_token(owner: User, name: str, scopes, days: int, *,
                 now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `owner`; returns (row, the token itself: shown once, never stored)."""
    now = now or utcnow()
    if not may_create_tokens(owner):
        raise DomainError("forbidden", _l("Only administrators and coordinators can create "
                                          "API tokens."), status=403)
    name = one_line(name, 120)
    if not name:
        raise DomainError("name_required", _l("Give the token a name."), field="name")
    chosen = sorted(set(scopes or ()))
    if not chosen or any(s not in SCOPES for s in chosen):
        raise DomainError("scopes_invalid", _l("Choose at least one known scope."),
                          field="scopes")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise DomainError("expiry_invalid",
                          _l("A token lives from 1 to %(n)d days.", n=MAX_DAYS), field="days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(owner_id=owner.id, name=name, token_hash=hash_token(secret),
                     prefix=secret[:len(TOKEN_PREFIX) + 4], scopes=" ".join(chosen),
                     created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record(owner, "api_token.create", token, scopes=chosen, days=days)
    return token, secret


def tokens_query(viewer: User):
    """Tokens `viewer` may see and revoke: an admin all, anyone else their own."""
    q = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return q if viewer.has_role("admin") else q.where(ApiToken.owner_id == viewer.id)


def revoke_token(token: ApiToken, actor: User, *, now: datetime | None = None) -> ApiToken:
    if not (actor.has_role("admin") or token.owner_id == actor.id):
        raise DomainError("not_found", _l("No such token."), status=404)
    if token.revoked_at is not None:
        raise DomainError("already_revoked", _l("This token has already been revoked."))
    token.revoked_at = now or utcnow()
    db.session.flush()
    record(actor, "api_token.revoke", token)
    return token


# --- per request ---------------------------------------------------------------------------


class Anonymous:
    """The caller without a token: what an anonymous visitor of the site sees."""

    is_authenticated = False
    id = None

    def has_role(self, _role) -> bool:
        return False


ANONYMOUS = Anonymous()


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def authenticate() -> None:
    """Find the request's token (if any) into g.api_token / g.api_user.

    Cookies are never read by the API: a browser session cannot act here, so the API needs
    no CSRF protection. A token that is unknown, expired or revoked is refused (401)."""
    g.api_token, g.api_user = None, ANONYMOUS
    value = bearer()
    if request.headers.get("Authorization") and value is None:
        raise DomainError("unauthorized", _l("Use the header Authorization: Bearer <token>."),
                          status=401)
    if value is None:
        return
    now = utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(value)))
    # The owner's consent too: a person who withdrew it (or never gave it) is not processed
    # through the API either (school/accounts/consent.py).
    if token is None or not token.is_active(now) or not token.owner.active \
            or token.owner.consent_pending or token.owner.consent_withdrawn_at is not None:
        raise DomainError("unauthorized", _l("The token is unknown, expired or revoked."),
                          status=401)
    if token.last_used_at is None or now - token.last_used_at > LAST_USE_PRECISION:
        # A separate short statement: the request's own work may be read-only or fail.
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id)
                           .values(last_used_at=now))
        db.session.commit()
    g.api_token, g.api_user = token, token.owner


def api_user():
    return g.get("api_user", ANONYMOUS)


def require(scope: str | None = None) -> User:
    """The token's owner, when the request carries a token with `scope`; else 401/403."""
    token = g.get("api_token")
    if token is None:
        raise DomainError("unauthorized", _l("This needs an API token."), status=401)
    if scope is not None and scope not in token.scope_set:
        raise DomainError("insufficient_scope",
                          _l("The token lacks the scope %(scope)s.", scope=scope), status=403)
    return token.owner


def is_staff(user) -> bool:
    return user.is_authenticated and (user.has_role("admin") or user.has_role("coordinator"))


def branch_scope(user) -> set[int] | None:
    return visible_branch_ids(user)


def rate_key() -> str:
    """Flask-Limiter key: the token (by its hash) when there is one, else the address."""
    value = bearer()
    if value:
        return "api-token:" + hash_token(value)[:32]
    return "api-ip:" + (request.remote_addr or "?")
