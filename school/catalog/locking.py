"""The event lock: every rule that counts an event's seats or marks and then writes takes
it first (pretix keeps its locking in one small module too)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.catalog.models import Event
from school.errors import DomainError
from school.extensions import db


def lock_event(event_id: int) -> Event:
    """The event, re-read and locked until commit: SELECT … FOR UPDATE on PostgreSQL (on
    SQLite the write transaction already holds the database's lock). Every rule that counts
    seats or marks for an event and then writes takes this lock first."""
    event = db.session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if event is None:
        raise DomainError("event_missing", _l("This event does not exist."), status=404)
    return event
