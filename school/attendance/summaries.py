"""What attendance looks like afterwards: the history of changes to an event's marks,
and each person's attendance per enrolment (/my and the event page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.attendance.models import AttendanceChange, AttendanceMark, AttendanceStatus
from school.catalog.models import Event, EventSession
from school.dbtypes import utcnow
from school.enrollment.models import SEAT_STATUSES, Enrollment
from school.extensions import db


def history_query(event: Event):
    """Every change of a mark of this event, newest first."""
    return (
        select(AttendanceChange)
        .join(EventSession, EventSession.id == AttendanceChange.session_id)
        .where(EventSession.event_id == event.id)
        .order_by(AttendanceChange.changed_at.desc(), AttendanceChange.id.desc())
    )


@dataclass(frozen=True)
class Summary:
    enrollment: Enrollment
    sessions: int
    past_sessions: int
    attended: int
    late: int
    excused: int

    @property
    def absent(self) -> int:
        return max(self.past_sessions - self.attended - self.excused, 0)


def summaries_for(user: User, now: datetime | None = None) -> list[Summary]:
    """The person's attendance per enrolment, in three queries."""
    now = now or utcnow()
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.user_id == user.id, Enrollment.status.in_(SEAT_STATUSES))
            .options(selectinload(Enrollment.event).joinedload(Event.program))
            .order_by(Enrollment.id.desc())
            .limit(100)
        )
    )
    return summarise(enrollments, now)


def summarise(enrollments: list[Enrollment], now: datetime) -> list[Summary]:
    """Attendance per enrolment of the given ones, in two queries whatever their number."""
    if not enrollments:
        return []
    event_ids = {e.event_id for e in enrollments}
    counts: dict[int, tuple[int, int]] = {}
    session_rows = db.session.execute(
        select(EventSession.event_id, func.count(), func.count().filter(
            EventSession.starts_at <= now))
        .where(EventSession.event_id.in_(event_ids))
        .group_by(EventSession.event_id)
    )
    for event_id, total, past in session_rows:
        counts[event_id] = (total, past)
    tallies: dict[int, dict[AttendanceStatus, int]] = {}
    mark_rows = db.session.execute(
        select(AttendanceMark.enrollment_id, AttendanceMark.status, func.count())
        .where(AttendanceMark.enrollment_id.in_([e.id for e in enrollments]))
        .group_by(AttendanceMark.enrollment_id, AttendanceMark.status)
    )
    for enrollment_id, status, n in mark_rows:
        tallies.setdefault(enrollment_id, {})[status] = n
    result = []
    for e in enrollments:
        total, past = counts.get(e.event_id, (0, 0))
        t = tallies.get(e.id, {})
        attended = t.get(AttendanceStatus.present, 0) + t.get(AttendanceStatus.late, 0)
        result.append(Summary(e, total, past, attended, t.get(AttendanceStatus.late, 0),
                              t.get(AttendanceStatus.excused, 0)))
    return result


def own_enrollment(user: User, event: Event) -> Enrollment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.event_id == event.id,
            Enrollment.user_id == user.id,
            Enrollment.status.in_(SEAT_STATUSES),
        )
    )
