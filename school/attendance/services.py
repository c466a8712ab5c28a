"""Attendance: marks session by session (the sheet, "all present",
self check-in, a meeting report).

Services take models and plain values, flush but never commit, and raise DomainError.

Every write locks the event row first (PostgreSQL: SELECT … FOR UPDATE; SQLite: the
request or `write_transaction()` already holds the database write lock), so two
instructors marking one event queue instead of overwriting each other; the unique
(enrollment, session) constraint is the backstop, with one retry if it ever fires.

The sheet (school.attendance.sheet), completion (.completion), the check-in window
(.timing) and the history and summaries (.summaries) have their own modules. This module
also names `complete_event`, `evaluate` and `summaries_for`, and the rules `can_mark` and
`can_complete` (school.permissions), which tests reach as `services.<name>`; code imports
them from their own modules.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from school.accounts.models import Role, User
from school.attendance.completion import (
    complete_event,  # noqa: F401 (tests: see above)
    reevaluate,
)
from school.attendance.models import AttendanceChange, AttendanceMark, AttendanceStatus
from school.attendance.sheet import evaluate  # noqa: F401 (tests: see above)
from school.attendance.summaries import summaries_for  # noqa: F401 (tests)
from school.attendance.timing import Timing
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventSession, EventStatus, event_instructor
from school.core.text import one_line
from school.dbtypes import utcnow
from school.enrollment.models import SEAT_STATUSES, Enrollment
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
    return one_line(value, limit) or None




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
