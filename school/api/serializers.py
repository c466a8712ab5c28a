"""Models → plain dicts in the shape of school/api/schemas.py (one place per resource, used
by the API responses and the webhook payloads alike)."""

from __future__ import annotations

import base64
import json

from flask import current_app
from flask_babel import lazy_gettext as _l

from school.catalog import services as catalog
from school.certificates import documents
from school.errors import DomainError
from school.permissions import sees_link


def lang3(obj, field: str) -> dict:
    return {code: getattr(obj, f"{field}_{code}", None) for code in ("ru", "kk", "en")}


def program(p) -> dict:
    return {
        "id": p.id, "code": p.code, "title": lang3(p, "title"),
        "description": lang3(p, "description"), "academic_hours": p.academic_hours,
        "completion_threshold": p.completion_threshold,
        "audience": sorted(c.value for c in p.audience), "active": p.active,
    }


def event(e, *, counts: dict | None = None, viewer=None) -> dict:
    counts = counts if counts is not None else catalog.confirmed_counts([e.id])
    link = e.online_link if viewer is not None and sees_link(viewer, e) else None
    title = {code: getattr(e, f"title_{code}", None) or getattr(e.program, f"title_{code}")
             for code in ("ru", "kk", "en")}
    return {
        "id": e.id, "program_id": e.program_id, "program_code": e.program.code,
        "title": title, "kind": e.kind.value, "format": e.format.value,
        "status": e.status.value, "approval_mode": e.approval_mode.value,
        "region_code": e.region.code if e.region is not None else None,
        "city": {"ru": e.city_ru, "kk": e.city_kk, "en": None},
        "venue": e.venue_ru, "online_link": link,
        "starts_on": e.starts_on, "ends_on": e.ends_on, "capacity": e.capacity,
        "seats_left": catalog.seats_left(e, counts),
        "enrol_opens_at": e.enrol_opens_at, "enrol_closes_at": e.enrol_closes_at,
        "sessions": [
            {"id": s.id, "starts_at": s.starts_at, "ends_at": s.ends_at,
             "topic": lang3(s, "topic"), "academic_hours": s.academic_hours}
            for s in sorted(e.sessions, key=lambda s: (s.starts_at, s.id))
        ],
        "url": f"{current_app.config['BASE_URL']}/events/{e.id}",
    }


def enrolment(e, position: int | None = None) -> dict:
    return {
        "id": e.id, "event_id": e.event_id,
        "person": {"id": e.user.id, "full_name": e.user.full_name},
        "status": e.status.value, "waitlist_position": position,
        "created_at": e.created_at, "confirmed_at": e.confirmed_at,
        "cancelled_at": e.cancelled_at, "completed_at": e.completed_at,
        "region_code": e.region.code if e.region is not None else None,
        "union_id": e.union_id, "branch_id": e.branch_id,
        "category": e.category.value if e.category is not None else None,
    }


def certificate(c) -> dict:
    return {
        "number": c.number, "enrolment_id": c.enrollment_id, "holder_name": c.holder_name,
        "status": c.status, "issued_at": c.issued_at, "revoked_at": c.revoked_at,
        "replaced_by": c.replaced_by.number if c.replaced_by is not None else None,
        "sha256": c.sha256, "verify_url": documents.verify_url(c.verification_code),
    }


def verification(data: dict) -> dict:
    keys = ("status", "number", "holder_name", "program", "event_title", "dates", "hours",
            "issued_at", "revoked_at", "replaced_by")
    out = {k: data[k] for k in keys}
    out["hours"] = str(out["hours"]) if out["hours"] is not None else None
    return out


# --- cursors ------------------------------------------------------------------------------

MAX_ID = 2**31 - 1


def cursor_id(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ValueError("id out of range")
    return value


def encode_cursor(*values) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str | None, kinds: tuple) -> tuple | None:
    """The values a cursor holds, converted by `kinds` (callables), or a 400 problem."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        items = json.loads(raw)
        if not isinstance(items, list) or len(items) != len(kinds):
            raise ValueError
        return tuple(kind(item) for kind, item in zip(kinds, items, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise DomainError("cursor_invalid", _l("The cursor is not valid."),
                          field="cursor") from None
