"""Records of seminars that were held before anyone entered them.

A draft whose sessions are all over is published only as a record
(catalog.events.publish_event(as_record=True): `Event.recorded_after`). Its participants
are then added although enrolment has long closed: found one by one, or from a list read
and previewed as nominations are (enrollment.nominations, with its open-enrolment check
left out). They are confirmed at once (the seminar has happened: no approval, no waiting
list, no mail), attendance is marked on the usual sheet, the event is completed and its
certificates issued as any other. Every audit entry about such an event says
`after_the_fact` (school.audit.services.record).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.accounts.models import User
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventStatus
from school.dbtypes import utcnow
from school.enrollment import nominations
from school.enrollment.bulk import audit_many
from school.enrollment.models import ACTIVE_STATUSES, Enrollment, EnrollmentStatus
from school.enrollment.rules import enrolment_place
from school.errors import DomainError
from school.extensions import db

ON_RECORD = (EnrollmentStatus.confirmed, EnrollmentStatus.completed,
             EnrollmentStatus.not_completed)


def _check_open_record(event: Event) -> None:
    if not event.recorded_after:
        raise DomainError("not_a_record",
                          _l("Participants are added this way only to a record of a held "
                             "event."), status=409)
    if event.status is not EventStatus.published:
        raise DomainError("record_closed",
                          _l("The record is completed: participants can no longer be "
                             "added."), status=409)


def add_participants(event: Event, users: list[User], *, actor: User,
                     now: datetime | None = None) -> list[Enrollment]:
    """Confirm `users` in the recorded event at once, skipping anyone already in it.

    Raises `not_a_record`, `record_closed`. No capacity, window or approval applies: the
    seminar has been held, and these people were there.
    """
    now = now or utcnow()
    event = lock_event(event.id)
    _check_open_record(event)
    ids = [u.id for u in users]
    already = set(db.session.scalars(
        select(Enrollment.user_id).where(
            Enrollment.event_id == event.id, Enrollment.status.in_(ACTIVE_STATUSES),
            Enrollment.user_id.in_(ids)))) if ids else set()
    added = []
    for user in users:
        if user.id in already:
            continue
        region_id, union_id, branch_id = enrolment_place(user)
        enrollment = Enrollment(
            event_id=event.id, user_id=user.id, status=EnrollmentStatus.confirmed,
            created_at=now, confirmed_at=now, decided_at=now, decided_by_id=actor.id,
            nominated_by_id=actor.id, region_id=region_id, union_id=union_id,
            branch_id=branch_id, primary_org_id=user.primary_org_id, category=user.category,
        )
        enrollment.user, enrollment.event = user, event
        added.append(enrollment)
        already.add(user.id)
    db.session.add_all(added)
    db.session.flush()
    audit_many(actor, "enrollment.recorded", "enrollment",
               [(e.id, {"event_id": event.id, "user_id": e.user_id, "after_the_fact": True})
                for e in added])
    return added


def _enrol(event: Event, people: list[User], *, actor: User) -> list[Enrollment]:
    return add_participants(event, people, actor=actor)


def plan_list(event: Event, data: bytes, actor: User) -> nominations.Report:
    """The nomination list's preview, for a record (its dates are past)."""
    report = nominations.plan(event, data, actor, check_open=False)
    try:
        _check_open_record(event)
    except DomainError as e:
        report.errors.append(str(e.message))
    return report


def apply_list(event: Event, data: bytes, actor: User, *, locale: str = "ru"
               ) -> nominations.Report:
    """Create the missing accounts and confirm everyone on the list, or write nothing."""
    _check_open_record(event)
    return nominations.apply(event, data, actor, locale=locale, check_open=False,
                             enrol=_enrol)


def participants_of(event: Event) -> list[Enrollment]:
    return list(db.session.scalars(
        select(Enrollment).options(joinedload(Enrollment.user))
        .where(Enrollment.event_id == event.id, Enrollment.status.in_(ON_RECORD))
        .order_by(Enrollment.id)))
