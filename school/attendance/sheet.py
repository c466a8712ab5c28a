"""The attendance sheet: the event's participants × sessions, their marks, and what
the marks add up to (attended sessions, hours, completed or not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.accounts.models import User
from school.attendance.models import AttendanceMark, AttendanceStatus
from school.attendance.timing import Timing
from school.catalog.models import Event, EventSession
from school.enrollment.models import SEAT_STATUSES, Enrollment
from school.extensions import db


@dataclass(frozen=True)
class Outcome:
    attended: int
    total: int
    hours: Decimal
    completed: bool

    @property
    def percent(self) -> int:
        return round(self.attended * 100 / self.total) if self.total else 0


def _hours(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def evaluate(
    sessions: Sequence[EventSession],
    statuses: dict[int, AttendanceStatus],
    threshold: int,
    programme_hours: int,
) -> Outcome:
    """Completion of one enrolment from its marks (session id → status).

    Attended means present or late; excused is a reason for absence, not attendance.
    Hours are the attended sessions' academic hours; when the event's sessions carry no
    hours at all, the programme's hours are shared out evenly instead.
    """
    total = len(sessions)
    attended = [s for s in sessions if statuses.get(s.id) and statuses[s.id].attended]
    if sum(s.academic_hours or 0 for s in sessions) > 0:
        hours = _hours(sum(s.academic_hours or 0 for s in attended))
    else:
        hours = _hours(Decimal(programme_hours) * len(attended) / total) if total else _hours(0)
    # Integer arithmetic: 4 of 5 at 80% must complete, whatever floats think of 0.8.
    completed = total > 0 and len(attended) * 100 >= threshold * total
    return Outcome(len(attended), total, hours, completed)


@dataclass
class SheetRow:
    enrollment: Enrollment
    marks: dict[int, AttendanceMark] = field(default_factory=dict)
    outcome: Outcome | None = None

    def status(self, session_id: int) -> AttendanceStatus | None:
        mark = self.marks.get(session_id)
        return mark.status if mark else None


@dataclass
class Sheet:
    event: Event
    sessions: list[EventSession]
    rows: list[SheetRow]

    def session(self, session_id: int | None) -> EventSession | None:
        return next((s for s in self.sessions if s.id == session_id), None)

    def marked_count(self, session_id: int) -> int:
        return sum(1 for r in self.rows if session_id in r.marks)

    def count(self, session_id: int, status: AttendanceStatus) -> int:
        return sum(1 for r in self.rows if r.status(session_id) is status)


def load_sheet(event: Event) -> Sheet:
    """The event's participants × sessions with their marks and outcomes, in four queries
    whatever the number of people."""
    sessions = list(
        db.session.scalars(
            select(EventSession)
            .where(EventSession.event_id == event.id)
            .order_by(EventSession.starts_at, EventSession.id)
        )
    )
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .join(User, User.id == Enrollment.user_id)
            .where(Enrollment.event_id == event.id, Enrollment.status.in_(SEAT_STATUSES))
            .options(joinedload(Enrollment.user).joinedload(User.primary_org))
            .order_by(User.full_name, Enrollment.id)
        )
    )
    rows = {e.id: SheetRow(e) for e in enrollments}
    if rows and sessions:
        marks = db.session.scalars(
            select(AttendanceMark).where(
                AttendanceMark.session_id.in_([s.id for s in sessions]),
                AttendanceMark.enrollment_id.in_(list(rows)),
            )
        )
        for mark in marks:
            rows[mark.enrollment_id].marks[mark.session_id] = mark
    program = event.program
    for row in rows.values():
        row.outcome = evaluate(
            sessions,
            {sid: m.status for sid, m in row.marks.items()},
            program.completion_threshold,
            program.academic_hours,
        )
    return Sheet(event, sessions, list(rows.values()))


def default_session(sessions: Sequence[EventSession], now: datetime, timing: Timing):
    """The session an instructor most likely wants: the latest one that has begun (with
    the check-in margin), else the first."""
    started = [s for s in sessions if timing.opens_at(s) <= now]
    if started:
        return started[-1]
    return sessions[0] if sessions else None
