"""Demo attendance: marks and completion for demo events that are over, so that the
history (completed enrolments, hours, certificates to issue) is filled.

Idempotent: only cells without a mark get one, and only published events are completed.
Deterministic for a given `rng`. Does nothing when the catalogue has no past events.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from school.accounts.models import Role, RoleGrant, User
from school.attendance import completion, services
from school.attendance.models import AttendanceStatus
from school.catalog.models import Event, EventSession, EventStatus
from school.dbtypes import utcnow
from school.enrollment.models import SEAT_STATUSES, Enrollment
from school.extensions import db


def _status(rng, diligence: float) -> AttendanceStatus:
    if rng.random() < diligence:
        return AttendanceStatus.late if rng.random() < 0.1 else AttendanceStatus.present
    return AttendanceStatus.excused if rng.random() < 0.4 else AttendanceStatus.absent


def _admin() -> User | None:
    return db.session.scalar(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.admin).order_by(User.id).limit(1)
    )


def seed(rng) -> list[str]:
    now = utcnow()
    last_end = (
        select(EventSession.event_id, func.max(EventSession.ends_at).label("ends_at"))
        .group_by(EventSession.event_id)
        .subquery()
    )
    events = list(
        db.session.scalars(
            select(Event)
            .join(last_end, last_end.c.event_id == Event.id)
            .where(last_end.c.ends_at < now,
                   Event.status.in_((EventStatus.published, EventStatus.completed)))
            .order_by(Event.id)
        )
    )
    if not events:
        return []
    admin = _admin()
    marked = completed = 0
    for event in events:
        actor = event.instructors[0] if event.instructors else admin
        if actor is None:
            continue
        sessions = list(event.sessions)
        enrollments = list(db.session.scalars(
            select(Enrollment)
            .where(Enrollment.event_id == event.id, Enrollment.status.in_(SEAT_STATUSES))
            .order_by(Enrollment.id)
        ))
        inputs = []
        for enrollment in enrollments:
            # Most people come to everything; some miss a day or more.
            diligence = 0.97 if rng.random() < 0.8 else rng.uniform(0.3, 0.9)
            inputs += [services.MarkInput(enrollment.id, s.id, _status(rng, diligence))
                       for s in sessions]
        when = max(s.ends_at for s in sessions) + timedelta(hours=1)
        if event.status is EventStatus.completed:
            if admin is None:
                continue
            changes = services.save_marks(event, admin, inputs, now=when,
                                          reason="Demo data", mode=services.Mode.fill)
        else:
            changes = services.save_marks(event, actor, inputs, now=when,
                                          mode=services.Mode.fill)
        marked += len(changes)
        if event.status is EventStatus.published and enrollments:
            completion.complete_event(event, admin or actor, now=when + timedelta(hours=1))
            completed += 1
    db.session.flush()
    if not marked and not completed:
        return []
    return [f"Attendance: {marked} marks, {completed} past events completed"]
