"""Inserting enrolments: the one place that turns the database's refusal of a second active
enrolment of one person in one event into the `already_enrolled` answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.extensions import db

YOU_ALREADY = _l("You are already enrolled in this event.")


def insert(*enrollments: Enrollment, message=YOU_ALREADY, field: str | None = None) -> None:
    """Add and flush `enrollments` in a savepoint. The partial unique index refuses a
    person enrolled twice in one event (a race the event lock cannot see, such as the
    same person through two doors): that becomes DomainError("already_enrolled") and the
    caller's transaction goes on."""
    try:
        with db.session.begin_nested():
            db.session.add_all(enrollments)
            db.session.flush()  # one multi-row INSERT for many
    except IntegrityError:
        raise DomainError("already_enrolled", message, field=field) from None
