"""Fixtures for the API tests: tokens for any person and scope, and a client that sends
them as Authorization: Bearer."""

from __future__ import annotations

import pytest

from school.api import delivery, tokens
from school.extensions import db

ALL_SCOPES = tuple(tokens.SCOPES)


@pytest.fixture(autouse=True)
def _api_settings(app):
    """Webhooks may reach 127.0.0.1 in tests; retries are quick."""
    saved = {k: app.config.get(k) for k in ("WEBHOOK_ALLOW_PRIVATE", "WEBHOOK_RETRY_DELAYS")}
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_DELAYS="0.05,0.05")
    yield
    delivery.wait_local()
    app.config.update(saved)


@pytest.fixture
def make_token(app):
    def make(user, scopes=ALL_SCOPES, days: int = 30) -> str:
        """A token of `user` (any role: tests also try people who may not make one)."""
        if not tokens.may_create_tokens(user):
            import secrets

            from school.api.models import ApiToken
            from school.dbtypes import utcnow

            secret = tokens.TOKEN_PREFIX + secrets.token_urlsafe(32)
            now = utcnow()
            from datetime import timedelta

            db.session.add(ApiToken(owner_id=user.id, name="t", prefix=secret[:9],
                                    token_hash=tokens.hash_token(secret),
                                    scopes=" ".join(scopes), created_at=now,
                                    expires_at=now + timedelta(days=days)))
            db.session.commit()
            return secret
        _row, secret = tokens.create_token(user, "test", scopes, days)
        db.session.commit()
        return secret

    return make


@pytest.fixture
def bearer():
    def headers(token: str | None, **extra) -> dict:
        out = dict(extra)
        if token:
            out["Authorization"] = f"Bearer {token}"
        return out

    return headers
