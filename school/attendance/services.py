"""Attendance: who may mark, the sheet, marks session by session, and completion.

Services take models and plain values, flush but never commit, and raise DomainError.

Every write locks the event row first (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
request or `write_transaction()` already holds the database write lock), so two
instructors marking one event queue instead of overwriting each other; the unique
(enrollment, session) constraint is the backstop, with one retry if it ever fires.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from school import signals
from school.accounts.models import Role, User
from school.attendance.models import AttendanceChange, AttendanceMark, AttendanceStatus
from school.audit.services import record
from school.catalog.models import Event, EventSession, EventStatus, event_instructor
from school.catalog.services import lock_event
from school.dbtypes import utcnow
from school.enrollment.models import SEAT_STATUSES, Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import Branch
from school.permissions import (  # the first two for tests/attendance/test_services.py
    can_complete,  # noqa: F401
    can_mark,  # noqa: F401
    coordinator_scope,
)

REMARK_MAX = 300
REASON_MAX = 500

# A repeated check-in may raise the person's own mark, never lower it: present beats late
# beats the absences. A mark the instructor set is not touched at all (Mode.checkin).
RANK = {
    AttendanceStatus.absent: 0,
    AttendanceStatus.excused: 1,
    AttendanceStatus.late: 2,
    AttendanceStatus.present: 3,
}


# --- settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """The check-in window and lateness, in minutes, from the app's config."""

    before: timedelta = timedelta(minutes=15)
    after: timedelta = timedelta(minutes=30)
    late_after: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls) -> Timing:
        cfg = current_app.config
        return cls(
            before=timedelta(minutes=int(cfg.get("ATTENDANCE_CHECKIN_BEFORE_MINUTES", 15))),
            after=timedelta(minutes=int(cfg.get("ATTENDANCE_CHECKIN_AFTER_MINUTES", 30))),
            late_after=timedelta(minutes=int(cfg.get("ATTENDANCE_LATE_AFTER_MINUTES", 15))),
        )

    def opens_at(self, session: EventSession) -> datetime:
        return session.starts_at - self.before

    def closes_at(self, session: EventSession) -> datetime:
        return session.ends_at + self.after

    def is_open(self, session: EventSession, now: datetime) -> bool:
        return self.opens_at(session) <= now <= self.closes_at(session)


# --- who may do what ------------------------------------------------------------------








def teaching_events_query(user: User):
    """Published events `user` marks attendance for: all for admins; else those they
    teach or whose organiser they coordinate."""
    query = select(Event).where(Event.status == EventStatus.published)
    if user.has_role(Role.admin):
        return query
    union_ids, branch_ids = coordinator_scope(user)
    conditions = [
        Event.id.in_(
            select(event_instructor.c.event_id).where(event_instructor.c.user_id == user.id)
        )
    ]
    if union_ids:
        conditions.append(Event.organizer_union_id.in_(union_ids))
        conditions.append(
            Event.organizer_branch_id.in_(select(Branch.id).where(Branch.union_id.in_(union_ids)))
        )
    if branch_ids:
        conditions.append(Event.organizer_branch_id.in_(branch_ids))
    return query.where(or_(*conditions)) if conditions else query.where(false())


def todays_sessions(user: User, day_start: datetime, day_end: datetime) -> list[EventSession]:
    """Sessions of `user`'s events that start within [day_start, day_end)."""
    events = teaching_events_query(user).with_only_columns(Event.id)
    return list(
        db.session.scalars(
            select(EventSession)
            .where(
                EventSession.event_id.in_(events),
                EventSession.starts_at >= day_start,
                EventSession.starts_at < day_end,
            )
            .options(joinedload(EventSession.event).joinedload(Event.program))
            .order_by(EventSession.starts_at)
            .limit(50)
        )
    )


# --- the sheet ------------------------------------------------------------------------


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


# --- marking --------------------------------------------------------------------------


class Mode(enum.Enum):
    set = "set"  # the sheet: set what was chosen
    fill = "fill"  # "all present": only cells that have no mark yet
    checkin = "checkin"  # self check-in: the instructor's marks stay; own ones only rise


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()


@dataclass(frozen=True)
class MarkInput:
    """One cell of the sheet: what it should become. A remark of UNCHANGED keeps the
    current remark (the table view does not edit remarks)."""

    enrollment_id: int
    session_id: int
    status: AttendanceStatus
    remark: str | _Unchanged | None = UNCHANGED


def clean_text(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    cleaned = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(cleaned.split())[:limit] or None




def _check_writable(event: Event, actor: User, reason: str | None) -> str | None:
    if event.status in (EventStatus.cancelled, EventStatus.draft):
        raise DomainError(
            "event_not_running", _l("Attendance cannot be marked for this event."), status=409
        )
    if event.status is EventStatus.completed:
        if not actor.has_role(Role.admin):
            raise DomainError(
                "event_completed",
                _l("The event is completed: only an administrator can change its marks."),
                status=403,
            )
        reason = clean_text(reason, REASON_MAX)
        if not reason:
            raise DomainError(
                "reason_required",
                _l("Give the reason for changing marks after completion."),
                field="reason",
            )
        return reason
    return clean_text(reason, REASON_MAX)


def _existing_marks(cells: set[tuple[int, int]]) -> dict[tuple[int, int], AttendanceMark]:
    if not cells:
        return {}
    enrollment_ids = {e for e, _s in cells}
    session_ids = {s for _e, s in cells}
    marks = db.session.scalars(
        select(AttendanceMark)
        .where(
            AttendanceMark.enrollment_id.in_(enrollment_ids),
            AttendanceMark.session_id.in_(session_ids),
        )
        .execution_options(populate_existing=True)
    )
    return {(m.enrollment_id, m.session_id): m for m in marks}


def _apply(
    inputs: Sequence[MarkInput],
    *,
    actor: User,
    mode: Mode,
    source: str,
    reason: str | None,
    now: datetime,
) -> list[AttendanceChange]:
    existing = _existing_marks({(i.enrollment_id, i.session_id) for i in inputs})
    changes = []
    for item in inputs:
        key = (item.enrollment_id, item.session_id)
        mark = existing.get(key)
        before_status = mark.status if mark else None
        before_remark = mark.remark if mark else None
        if mark is not None and mode is Mode.fill:
            continue
        if mark is not None and mode is Mode.checkin and (
            mark.source != "checkin" or RANK[item.status] <= RANK[mark.status]
        ):
            continue  # the instructor in the room decides; a check-in never lowers
        remark = before_remark if item.remark is UNCHANGED else item.remark
        if before_status is item.status and before_remark == remark:
            continue  # saving the same thing twice changes nothing
        if mark is None:
            mark = AttendanceMark(enrollment_id=item.enrollment_id, session_id=item.session_id)
            db.session.add(mark)
            existing[key] = mark
        mark.status = item.status
        mark.remark = remark
        mark.source = source
        mark.marked_by_id = actor.id
        mark.marked_at = now
        change = AttendanceChange(
            enrollment_id=item.enrollment_id,
            session_id=item.session_id,
            before=before_status.value if before_status else None,
            after=item.status.value,
            remark_before=before_remark,
            remark_after=remark,
            reason=reason,
            changed_by_id=actor.id,
            changed_at=now,
        )
        db.session.add(change)
        changes.append(change)
    db.session.flush()
    return changes


def _write(inputs, *, actor, mode, source, reason, now) -> list[AttendanceChange]:
    # The event lock makes a duplicate insert impossible among our own writers; should a
    # writer that skipped the lock insert the same cell first, the savepoint rolls back
    # and the second pass finds its row and updates it instead.
    for attempt in (1, 2):
        try:
            with db.session.begin_nested():
                return _apply(inputs, actor=actor, mode=mode, source=source, reason=reason,
                              now=now)
        except IntegrityError:
            if attempt == 2:
                raise DomainError(
                    "mark_conflict",
                    _l("Someone else changed these marks at the same moment. Try again."),
                    status=409,
                ) from None
    raise AssertionError("unreachable")


def _participants(event: Event, enrollment_ids: Iterable[int]) -> dict[int, Enrollment]:
    ids = set(enrollment_ids)
    if not ids:
        return {}
    return {
        e.id: e
        for e in db.session.scalars(
            select(Enrollment).where(
                Enrollment.id.in_(ids),
                Enrollment.event_id == event.id,
                Enrollment.status.in_(SEAT_STATUSES),
            )
        )
    }


def save_marks(
    event: Event,
    actor: User,
    inputs: Iterable[MarkInput],
    *,
    reason: str | None = None,
    now: datetime | None = None,
    timing: Timing | None = None,
    mode: Mode = Mode.set,
) -> list[AttendanceChange]:
    """Set marks on the sheet; returns the changes made (none when nothing differs).

    Raises `event_not_running`, `event_completed` (not an admin), `reason_required`,
    `unknown_session`, `not_enrolled` (not a participant of this event), or
    `session_not_started` (present or late before the session can have begun).
    """
    now = now or utcnow()
    timing = timing or Timing.from_config()
    inputs = list(inputs)
    event = lock_event(event.id)
    reason = _check_writable(event, actor, reason)
    if not inputs:
        return []
    sessions = {s.id: s for s in event.sessions}
    participants = _participants(event, (i.enrollment_id for i in inputs))
    cleaned = []
    for item in inputs:
        session = sessions.get(item.session_id)
        if session is None:
            raise DomainError("unknown_session", _l("This session is not part of the event."))
        if item.enrollment_id not in participants:
            raise DomainError(
                "not_enrolled", _l("This person is not a confirmed participant of the event.")
            )
        if item.status.attended and now < timing.opens_at(session):
            raise DomainError(
                "session_not_started",
                _l("A session that has not started yet cannot be marked present or late."),
            )
        remark = item.remark
        if not isinstance(remark, _Unchanged):
            remark = clean_text(remark, REMARK_MAX)
        cleaned.append(MarkInput(item.enrollment_id, item.session_id, item.status, remark))
    changes = _write(cleaned, actor=actor, mode=mode, source="sheet", reason=reason, now=now)
    if changes and event.recorded_after:  # marked after the fact: said in the audit too
        record(actor, "attendance.marked", event, marks=len(changes))
    if changes and event.status is EventStatus.completed:
        reevaluate(event, {c.enrollment_id for c in changes}, actor=actor, now=now)
    return changes


def mark_all_present(
    event: Event,
    session: EventSession,
    actor: User,
    *,
    now: datetime | None = None,
    timing: Timing | None = None,
) -> list[AttendanceChange]:
    """Everyone on the sheet without a mark for `session` becomes present; marks already
    given stay (then the instructor marks the exceptions)."""
    if session.event_id != event.id:
        raise DomainError("unknown_session", _l("This session is not part of the event."))
    ids = db.session.scalars(
        select(Enrollment.id).where(
            Enrollment.event_id == event.id, Enrollment.status.in_(SEAT_STATUSES)
        )
    )
    inputs = [MarkInput(eid, session.id, AttendanceStatus.present) for eid in ids]
    return save_marks(event, actor, inputs, now=now, timing=timing, mode=Mode.fill)


def record_checkin(
    event: Event,
    enrollment: Enrollment,
    session: EventSession,
    status: AttendanceStatus,
    *,
    now: datetime,
) -> AttendanceChange | None:
    """A participant's own check-in. A mark the instructor already set for the session
    (present, late, excused or absent) is left as it is: they are the authority in the
    room. Returns None when nothing changed."""
    event = lock_event(event.id)
    if event.status is not EventStatus.published:
        raise DomainError("checkin_closed", _l("Check-in for this session is closed."))
    changes = _write(
        [MarkInput(enrollment.id, session.id, status)],
        actor=enrollment.user,
        mode=Mode.checkin,
        source="checkin",
        reason=None,
        now=now,
    )
    return changes[0] if changes else None


# --- completion -----------------------------------------------------------------------


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
    last_end = max(s.ends_at for s in sessions)
    if last_end > now:
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


# --- history and summaries ------------------------------------------------------------


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
