"""Enrolling a whole list at once (a nomination list of up to 2,000 people).

The rules are `services.enroll`'s, but checked for the list with a handful of queries —
the event locked once, its seats counted once and kept up to date in memory, the people
already enrolled found in one query — and the rows inserted together, so a list of 2,000
applies within a request instead of running 20 queries a person.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from school.accounts.models import User
from school.audit.models import AuditEntry
from school.catalog.locking import lock_event
from school.catalog.models import ApprovalMode, Event
from school.dbtypes import utcnow
from school.enrollment import rows, services
from school.enrollment.models import ACTIVE_STATUSES, Enrollment, EnrollmentStatus
from school.enrollment.notify import signal_status, tell
from school.enrollment.rules import check_open, enrolment_place
from school.enrollment.seats import Seats, place, waitlist_positions
from school.errors import DomainError
from school.extensions import db

S = EnrollmentStatus


def audit_many(actor: User, action: str, object_type: str,
               items: list[tuple[int, dict]]) -> None:
    """Audit entries for many records in one statement (executemany), as `record` would."""
    if items:
        db.session.execute(insert(AuditEntry), [
            {"actor_id": actor.id, "action": action, "object_type": object_type,
             "object_id": object_id, "details": details, "created_at": utcnow()}
            for object_id, details in items
        ])


def enroll_many(event: Event, users: list[User], *, actor: User,
                now: datetime | None = None) -> list[Enrollment]:
    """Enrol every one of `users` (nominated by `actor`), in list order, or raise the first
    broken rule (the caller rolls back: all or nothing). Mails and signals as enroll does."""
    now = now or utcnow()
    event = lock_event(event.id)
    check_open(event, now)
    ids = [u.id for u in users]
    already = set(db.session.scalars(
        select(Enrollment.user_id).where(
            Enrollment.event_id == event.id, Enrollment.status.in_(ACTIVE_STATUSES),
            Enrollment.user_id.in_(ids),
        )
    )) if ids else set()
    seats = Seats.count(event)
    decides: dict[int | None, bool] = {}  # branch → the actor may approve at once
    enrollments: list[Enrollment] = []
    for user in users:
        if user.id in already:
            raise DomainError("already_enrolled",
                              _l("You are already enrolled in this event."))
        if not event.program.is_for(user.category):
            raise DomainError("not_in_audience",
                              _l("This programme is meant for other participant categories."))
        nominator = actor if actor.id != user.id else None
        region_id, union_id, branch_id = enrolment_place(user)
        services._check_branch_for_quotas(event, branch_id, nominator)
        if branch_id not in decides:
            decides[branch_id] = services.can_decide(actor, event, branch_id)
        approved_now = nominator is not None and decides[branch_id]
        enrollment = Enrollment(
            event_id=event.id, user_id=user.id, created_at=now, region_id=region_id,
            union_id=union_id, branch_id=branch_id, primary_org_id=user.primary_org_id,
            category=user.category, nominated_by_id=nominator.id if nominator else None,
        )
        enrollment.user, enrollment.event = user, event  # no lazy load per row later
        if event.approval_mode is not ApprovalMode.open and not approved_now:
            enrollment.status = S.pending
        else:
            if event.approval_mode is not ApprovalMode.open:
                enrollment.decided_at, enrollment.decided_by_id = now, actor.id
            place(enrollment, seats, now)
        enrollments.append(enrollment)
        already.add(user.id)
    rows.insert(*enrollments)  # someone may have enrolled them meanwhile
    positions = waitlist_positions(
        [e.id for e in enrollments if e.status is S.waitlisted])
    audit_many(actor, "enrollment.create", "enrollment",
               [(e.id, {"status": e.status.value, "event_id": event.id, "user_id": e.user_id})
                for e in enrollments])
    for enrollment in enrollments:
        signal_status(enrollment)
        if enrollment.status is S.confirmed:
            tell(enrollment, "confirmed",
                 nominated=enrollment.nominated_by_id is not None)
        elif enrollment.status is S.waitlisted:
            tell(enrollment, "waitlisted", position=positions.get(enrollment.id),
                 nominated=enrollment.nominated_by_id is not None)
    return enrollments
