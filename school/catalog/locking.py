"""The event lock: every rule that counts an event's seats or marks and then writes takes
it first (pretix keeps its locking in one small module too).

How long the lock is held is what caps a crowd enrolling in one event (issue 15: nothing
else can take a seat of that event meanwhile), so the hold is timed from the lock to the
transaction's end: `LOCK_HOLD_LOG` names a file that gets one line per hold in
milliseconds (bench/ reads it), and a hold over `LOCK_HOLD_WARN_MS` is logged.
"""

from __future__ import annotations

import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event as sa_event
from sqlalchemy import select

from school.catalog.models import Event
from school.errors import DomainError
from school.extensions import db

_LOCKED_AT = "event_locked_at"


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
    db.session().info.setdefault(_LOCKED_AT, (time.perf_counter(), event_id))
    return event


# First of the session's listeners (insert=True): the database has just released the lock;
# the letters and webhooks that other after_commit listeners hand over are not in the hold.
@sa_event.listens_for(db.session, "after_commit", insert=True)
def _committed(session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release is not the COMMIT
        _lock_released(session)


@sa_event.listens_for(db.session, "after_rollback", insert=True)
def _rolled_back(session) -> None:
    if not session.in_nested_transaction():
        _lock_released(session)


@sa_event.listens_for(db.session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:  # a transaction ended without COMMIT or ROLLBACK issued
        _lock_released(session)


def _lock_released(session) -> None:
    if _LOCKED_AT not in session.info:
        return
    started, event_id = session.info.pop(_LOCKED_AT)
    held_ms = (time.perf_counter() - started) * 1000
    config = current_app.config
    if path := config.get("LOCK_HOLD_LOG"):
        with open(path, "a", encoding="ascii") as log:  # one short append per hold
            log.write(f"{held_ms:.3f}\n")
    if held_ms > config.get("LOCK_HOLD_WARN_MS", 250):
        current_app.logger.warning("event %s was locked for %.0f ms", event_id, held_ms)
