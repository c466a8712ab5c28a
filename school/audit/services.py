"""Recording audit entries; callers flush with their own unit of work."""

from __future__ import annotations

from school.audit.models import AuditEntry
from school.extensions import db


def record(actor, action: str, obj=None, *, object_type: str | None = None, **details):
    """Add an audit entry for `action` on `obj` (a model instance) by `actor` (a user or None)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or (obj.__tablename__ if obj is not None else "system"),
        object_id=getattr(obj, "id", None),
        details={k: _plain(v) for k, v in details.items()},
    )
    db.session.add(entry)
    return entry


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
