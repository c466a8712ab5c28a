"""The small rules every enrolment change shares: whether enrolment is open now (it closes
when the event begins: Event.has_started), a person's active enrolment and the branch their
seat counts under, a row re-read under the event's lock, and a reason's text.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.accounts.models import User
from school.catalog.models import Event, EventStatus
from school.core.text import one_line
from school.enrollment.models import ACTIVE_STATUSES, Enrollment
from school.errors import DomainError
from school.extensions import db


def reload(enrollment: Enrollment) -> Enrollment:
    """The enrolment as committed now: call after locking its event."""
    return db.session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment.id)
        .execution_options(populate_existing=True)
    )


def active_enrollment(event_id: int, user_id: int) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.event_id == event_id,
            Enrollment.user_id == user_id,
            Enrollment.status.in_(ACTIVE_STATUSES),
        )
    )


def check_published(event: Event) -> None:
    """The part of check_open an event's lock re-checks: it may have been cancelled or
    unpublished between the checks and the lock."""
    if event.status is not EventStatus.published:
        raise DomainError("event_not_open", _l("This event is not open for enrolment."))


def check_open(event: Event, now: datetime) -> None:
    check_published(event)
    if event.enrol_opens_at is not None and now < event.enrol_opens_at:
        raise DomainError("enrol_not_open", _l("Enrolment for this event has not opened yet."))
    if (event.enrol_closes_at is not None and now >= event.enrol_closes_at) or (
        event.has_started(now)
    ):
        raise DomainError("enrol_closed", _l("Enrolment for this event is closed."))


def enrolment_place(user: User) -> tuple[int | None, int | None, int | None]:
    """(region, union, branch) an enrolment is counted under: the profile's branch, else the
    branch of the person's primary organisation (a profile field left empty does not take a
    person out of their branch's quota)."""
    if user.branch_id is None and user.primary_org is not None:
        branch = user.primary_org.branch
        return (user.region_id or branch.region_id, user.union_id or branch.union_id,
                branch.id)
    return user.region_id, user.union_id, user.branch_id


def clean_reason(reason: str | None) -> str:
    cleaned = one_line(reason, 500)
    if len(cleaned) < 3:
        raise DomainError("reason_required", _l("Give a reason."), field="reason")
    return cleaned
