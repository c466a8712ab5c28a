"""The personal calendar feed: its secret token, and the sessions it lists."""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.accounts.models import User
from school.audit.services import record
from school.catalog import hooks
from school.catalog.browsing import with_program
from school.catalog.models import CalendarToken, Event, EventSession, EventStatus
from school.extensions import db
from school.timeutil import local_today, now


def feed_token(user: User, *, create: bool = True) -> CalendarToken | None:
    token = db.session.scalar(select(CalendarToken).where(CalendarToken.user_id == user.id))
    if token is None and create:
        token = CalendarToken(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(token)
        db.session.flush()
    return token


def regenerate_feed_token(user: User) -> CalendarToken:
    """A new secret: the old feed URL stops working at once."""
    token = feed_token(user)
    token.token = secrets.token_urlsafe(32)
    token.created_at = now()
    db.session.flush()
    record(user, "calendar.token_regenerated", token)
    return token


def user_for_feed(token: str) -> User | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        return None
    user = db.session.scalar(
        select(User).join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token == token)
    )
    return user if user is not None and user.active else None


def feed_sessions(user: User, since: date | None = None) -> list[EventSession]:
    """Sessions of the person's confirmed enrolments, from a year back on."""
    since = since or local_today() - timedelta(days=366)
    return list(db.session.scalars(
        select(EventSession)
        .join(Event, EventSession.event_id == Event.id)
        .where(
            Event.status.in_((EventStatus.published, EventStatus.completed)),
            Event.ends_on >= since,
            hooks.participates(user.id),
        )
        .options(joinedload(EventSession.event).options(with_program()))
        .order_by(EventSession.starts_at)
    ).unique())
