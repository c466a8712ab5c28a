"""Recording audit entries; callers flush with their own unit of work."""

from __future__ import annotations

from school.audit.models import AuditEntry
from school.extensions import db, write_transaction


def record(actor, action: str, obj=None, *, object_type: str | None = None, **details):
    """Add an audit entry for `action` on `obj` (a model instance) by `actor` (a user or None)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "system"),
        object_id=getattr(obj, "id", None),
        details={k: _plain(v) for k, v in details.items()},
    )
    if _entered_after_the_fact(obj):
        entry.details["after_the_fact"] = True
    db.session.add(entry)
    return entry


def record_export(action: str, obj=None, **details) -> None:
    """An export of people's data (a roster, an attendance sheet, an archive of
    certificates) leaves an audit entry: who took which list, when, in what format. Its
    own short write transaction, so a GET does not hold the write lock."""
    from flask_login import current_user

    with write_transaction():
        record(current_user, action, obj, **details)


def _entered_after_the_fact(obj) -> bool:
    """The record concerns an event entered after it was held (school/records): an event,
    or something of one (a session, a material, an enrolment, a certificate). The event is
    known by its `recorded_after` column (catalog.models.Event): the audit sits below the
    catalogue and does not import it."""
    with db.session.no_autoflush:
        for _ in range(3):
            if obj is None or hasattr(type(obj), "recorded_after"):
                break
            obj = getattr(obj, "event", None) if hasattr(obj, "event") else getattr(
                obj, "enrollment", None)
        return bool(getattr(obj, "recorded_after", False))


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
