"""Server-side sign-in sessions: one row per signed-in browser ("your devices").

The session cookie and the "remember me" cookie carry only `<user id>:<password stamp>:<key>`;
the row decides whether they still work. Logging out, "sign out everywhere", changing or
resetting the password revoke rows, and with them both cookies. Nothing is bound to the
client's address: a phone moving from Wi-Fi to mobile data stays signed in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, bindparam, delete, or_, select, update
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship

from school.accounts.models import RoleGrant, User
from school.audit.services import record
from school.dbtypes import UTCDateTime, utcnow
from school.errors import DomainError
from school.extensions import db


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # Only a hash of the cookie's key is stored: a copy of the table signs no one in.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(default=False)
    # Shown on the profile so the owner recognises the device; never used to decide access.
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ip_address: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()

    @property
    def device(self) -> str:
        return describe_agent(self.user_agent)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User, *, remember: bool, user_agent: str | None,
          ip_address: str | None) -> str:
    """A new session for `user`; returns the key the cookies carry."""
    now = utcnow()
    if remember:
        lifetime = current_app.config.get("REMEMBER_COOKIE_DURATION", timedelta(days=365))
        if not isinstance(lifetime, timedelta):
            lifetime = timedelta(seconds=int(lifetime))
    else:
        lifetime = timedelta(days=current_app.config["SESSION_MAX_DAYS"])
    # Rows that can no longer sign anyone in are dropped here, so the table stays small.
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.revoked_at.is_not(None), UserSession.expires_at < now),
        )
    )
    key = secrets.token_urlsafe(24)
    db.session.add(UserSession(
        user_id=user.id, key_hash=_hash(key), created_at=now, expires_at=now + lifetime,
        remember=remember, user_agent=(user_agent or "")[:200] or None,
        ip_address=(ip_address or "")[:45] or None,
    ))
    db.session.flush()
    return key


def find(user_id: int, key: str) -> UserSession | None:
    """The live session for this cookie, or None."""
    if not key:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.key_hash == _hash(key)))
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        return None
    if row.expires_at <= utcnow():
        return None
    return row


def _signed_in_statement():
    # Built once: constructing the statement cost as much as running it.
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.id == bindparam("user_id"), UserSession.key_hash == bindparam("key_hash"),
               UserSession.revoked_at.is_(None),
               UserSession.expires_at > bindparam("now", type_=UTCDateTime))
        .options(contains_eager(User.grants))
    )


_SIGNED_IN = None


def signed_in(user_id: int, key: str) -> User | None:
    """The person whose live session carries `key`, with their role grants: ONE statement
    (every signed-in request runs it; the person, the grants and the session row were three
    round trips). None when the row is missing, revoked, expired or someone else's."""
    global _SIGNED_IN
    if not key or not 0 < user_id < 2**63:
        return None
    if _SIGNED_IN is None:
        _SIGNED_IN = _signed_in_statement()
    return db.session.scalars(
        _SIGNED_IN, {"user_id": user_id, "key_hash": _hash(key), "now": utcnow()}
    ).unique().first()


def active(user: User) -> list[UserSession]:
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
               UserSession.expires_at > utcnow())
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
    ))


def revoke_key(key: str | None) -> None:
    """Logout: this browser's session (and its "remember me" cookie) stops working."""
    if key:
        db.session.execute(
            update(UserSession)
            .where(UserSession.key_hash == _hash(key), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def revoke_one(user: User, session_id: int) -> None:
    """The owner signs one of their devices out."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise DomainError("session_missing", _l("This session was not found."), status=404)
    row.revoked_at = utcnow()
    record(user, "user.session_revoked", user)


def revoke_all(user: User, *, keep_key: str | None = None) -> int:
    """Every session of `user` but the one with `keep_key` ends; returns how many."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep_key:
        query = query.where(UserSession.key_hash != _hash(keep_key))
    result = db.session.execute(query.values(revoked_at=utcnow()))
    return result.rowcount or 0


def describe_agent(agent: str | None) -> str:
    """A short "browser on system" from a User-Agent header, for people, not for rules."""
    text = agent or ""
    system = next((name for needle, name in (
        ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
        ("Windows", "Windows"), ("Mac OS", "macOS"), ("Linux", "Linux"),
    ) if needle in text), "")
    browser = next((name for needle, name in (
        ("YaBrowser", "Yandex Browser"), ("Edg/", "Edge"), ("OPR/", "Opera"),
        ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"),
    ) if needle in text), "")
    return " · ".join(part for part in (browser, system) if part) or (text[:60] or "—")


def sign_out_everywhere(user: User) -> int:
    """"Sign out everywhere": every session and "remember me" cookie of the account ends."""
    count = revoke_all(user)
    record(user, "user.signed_out_everywhere", user, sessions=count)
    return count
