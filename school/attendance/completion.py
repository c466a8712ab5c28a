"""Completion: closing an event decides each participant's outcome from their marks
(and from the requirements other features register, such as the evaluation's post-test).

Certificates follow completion (school.certificates); this module does not issue them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school import signals
from school.accounts.models import User
from school.attendance.models import AttendanceMark, AttendanceStatus
from school.attendance.sheet import Outcome, evaluate
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventStatus
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db

# Requirements beside attendance (the evaluation feature's post-test): functions
# (event, enrollment ids) -> the ids that fail them, registered by the feature that owns
# the rule, so that this module needs no import of it.
COMPLETION_CHECKS: list[Callable[[Event, list[int]], set[int]]] = []


def failing_extra_checks(event: Event, enrollment_ids: list[int]) -> set[int]:
    failing: set[int] = set()
    for check in COMPLETION_CHECKS:
        failing |= check(event, enrollment_ids)
    return failing


@dataclass(frozen=True)
class CompletionResult:
    completed: int
    not_completed: int


def _statuses_by_enrollment(enrollment_ids: Iterable[int], session_ids: Iterable[int]):
    result: dict[int, dict[int, AttendanceStatus]] = {}
    ids, sids = list(enrollment_ids), list(session_ids)
    if not ids or not sids:
        return result
    rows = db.session.execute(
        select(AttendanceMark.enrollment_id, AttendanceMark.session_id, AttendanceMark.status)
        .where(AttendanceMark.enrollment_id.in_(ids), AttendanceMark.session_id.in_(sids))
    )
    for enrollment_id, session_id, status in rows:
        result.setdefault(enrollment_id, {})[session_id] = status
    return result


def _settle(enrollment: Enrollment, outcome: Outcome, now: datetime) -> None:
    enrollment.attended_sessions = outcome.attended
    enrollment.attended_hours = outcome.hours
    if outcome.completed:
        if enrollment.status is not EnrollmentStatus.completed:
            enrollment.completed_at = now
        enrollment.status = EnrollmentStatus.completed
    else:
        enrollment.status = EnrollmentStatus.not_completed
        enrollment.completed_at = None


def complete_event(event: Event, actor: User, *, now: datetime | None = None) -> CompletionResult:
    """Close the event: each confirmed enrolment becomes completed when its share of
    attended sessions reaches the programme's threshold, else not completed.

    Raises `already_completed`, `event_not_running` (draft or cancelled), `no_sessions`,
    `event_not_finished` (the last session has not ended yet).
    """
    now = now or utcnow()
    event = lock_event(event.id)
    if event.status is EventStatus.completed:
        raise DomainError("already_completed", _l("This event is already completed."),
                          status=409)
    if event.status is not EventStatus.published:
        raise DomainError(
            "event_not_running", _l("Only a published event can be completed."), status=409
        )
    sessions = list(event.sessions)
    if not sessions:
        raise DomainError("no_sessions", _l("The event has no sessions."))
    if not event.has_ended(now):
        raise DomainError(
            "event_not_finished",
            _l("The event can be completed once its last session has ended."),
            status=409,
        )
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.event_id == event.id,
                   Enrollment.status == EnrollmentStatus.confirmed)
            .with_for_update()
        )
    )
    statuses = _statuses_by_enrollment([e.id for e in enrollments], [s.id for s in sessions])
    program = event.program
    failing = failing_extra_checks(event, [e.id for e in enrollments])
    done = 0
    for enrollment in enrollments:
        outcome = evaluate(sessions, statuses.get(enrollment.id, {}),
                           program.completion_threshold, program.academic_hours)
        if enrollment.id in failing:
            outcome = replace(outcome, completed=False)
        _settle(enrollment, outcome, now)
        done += outcome.completed
    event.status = EventStatus.completed
    event.completed_at = now
    result = CompletionResult(done, len(enrollments) - done)
    record(actor, "event.completed", event, completed=result.completed,
           not_completed=result.not_completed)
    db.session.flush()
    signals.event_completed.send(event=event)
    return result


def reevaluate(event: Event, enrollment_ids: set[int], *, actor: User, now: datetime) -> None:
    """After an admin changes marks of a completed event, decide those enrolments again.

    Certificates are documents and are not touched here: an enrolment that falls to
    not completed keeps any certificate already issued until someone revokes it; the
    audit entry `enrollment.completion_changed` says which ones flipped.
    """
    sessions = list(event.sessions)
    program = event.program
    enrollments = db.session.scalars(
        select(Enrollment).where(
            Enrollment.id.in_(enrollment_ids),
            Enrollment.status.in_((EnrollmentStatus.completed, EnrollmentStatus.not_completed)),
        )
    )
    enrollments = list(enrollments)
    statuses = _statuses_by_enrollment([e.id for e in enrollments], [s.id for s in sessions])
    failing = failing_extra_checks(event, [e.id for e in enrollments])
    for enrollment in enrollments:
        before = enrollment.status
        outcome = evaluate(sessions, statuses.get(enrollment.id, {}),
                           program.completion_threshold, program.academic_hours)
        if enrollment.id in failing:
            outcome = replace(outcome, completed=False)
        _settle(enrollment, outcome, now)
        if enrollment.status is not before:
            record(actor, "enrollment.completion_changed", enrollment,
                   before=before.value, after=enrollment.status.value)
    db.session.flush()
