"""The one way a view loads an object it was given in its URL: found and allowed, or 404.

Like the Flask tutorial's `get_post(id, check_author=True)`: `load_event(id, "manage")`
refuses with a 404 (never a 403, so that nobody learns which ids exist) unless the
signed-in person passes the named rule (`named.py`) for the object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort
from flask_login import current_user

from school.permissions.named import can

if TYPE_CHECKING:
    from school.catalog.models import Event
    from school.enrollment.models import Enrollment

def load(model, ident, need: str | None, *, options=()):
    """The `model` row `ident`, if it exists and the signed-in person passes `need`."""
    from school.core.utils import MAX_ID
    from school.extensions import db

    # Beyond an INTEGER nothing can be found (and PostgreSQL would refuse the query).
    if not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        abort(404)
    obj = db.session.get(model, ident, options=options)
    if obj is None or (need is not None and not can(current_user, need, obj)):
        abort(404)
    return obj


def load_event(event_id, need: str = "see", *, options=()) -> Event:
    """The event, if the signed-in person passes `need` for it: "see" (drafts only for
    their managers and instructors), "see_backstage", "manage", "mark", "complete",
    "see_materials", "add_materials"…"""
    from school.catalog.models import Event

    return load(Event, event_id, need, options=options)


def load_enrollment(enrollment_id, need: str = "see_enrollment", *, options=()) -> Enrollment:
    """The enrolment, if the signed-in person passes `need`: "see_enrollment" (the person
    themself or staff who manage it), "manage_enrollment", "issue_certificate"."""
    from school.enrollment.models import Enrollment

    return load(Enrollment, enrollment_id, need, options=options)
