"""Demo API token: the administrator's, with every scope, printed by `flask seed-demo`.

A real token is random and shown once; the demo one is derived from SECRET_KEY so that
running seed-demo again prints the same working token (idempotent) without storing it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from school.accounts.models import User
from school.api import tokens
from school.api.models import ApiToken
from school.dbtypes import utcnow
from school.extensions import db

NAME = "Demo: the federation's website"


def _demo_secret() -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return tokens.TOKEN_PREFIX + "demo_" + hmac.new(key, b"demo-api-token",
                                                    hashlib.sha256).hexdigest()[:32]


def seed(_rng) -> list[str]:
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.kz"))
    if admin is None:
        return []
    secret = _demo_secret()
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == tokens.hash_token(secret)))
    if token is None:
        now = utcnow()
        db.session.add(ApiToken(owner_id=admin.id, name=NAME, token_hash=tokens.hash_token(secret),
                                prefix=secret[:len(tokens.TOKEN_PREFIX) + 4],
                                scopes=" ".join(sorted(tokens.SCOPES)), created_at=now,
                                expires_at=now + timedelta(days=tokens.MAX_DAYS)))
        db.session.flush()
    base = current_app.config["BASE_URL"]
    return [f"API: {base}/api/v1/docs; demo token (admin, every scope): {secret}"]
