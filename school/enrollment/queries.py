"""What the enrolment pages read: the requests a person may decide (the approvals page,
the digests, the menu's count), who takes part in an event (its online link, the personal
calendar feed), the enrol button's state on the event page, and the roster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from school.accounts.models import User
from school.catalog.models import ApprovalMode, Event, EventStatus
from school.dbtypes import utcnow
from school.enrollment import twostep
from school.enrollment.models import (
    PARTICIPANT_STATUSES,
    SEAT_STATUSES,
    Enrollment,
    EnrollmentStatus,
)
from school.enrollment.rules import active_enrollment, check_open
from school.enrollment.seats import Seats, confirmed_counts, queue, seats_left, waitlist_position
from school.errors import DomainError
from school.extensions import db

S = EnrollmentStatus


# --- requests to decide ----------------------------------------------------------------------


def pending_query(actor: User, event_id: int | None = None, step: int | None = None):
    """Requests the actor may decide, oldest first. Two-step requests (twostep.py) wait at
    the step the viewer decides: coordinators see step 1; admins every step, or `step`
    (1 or 2) only."""
    q = _pending(select(Enrollment), actor, event_id, step).options(
        joinedload(Enrollment.user),
        joinedload(Enrollment.event).joinedload(Event.program),
        joinedload(Enrollment.branch),
        joinedload(Enrollment.primary_org),
    )
    return q.order_by(Enrollment.created_at, Enrollment.id)


def pending_count(actor: User) -> int:
    """How many requests `pending_query` gives, in one statement."""
    return db.session.scalar(
        _pending(select(func.count(Enrollment.id)).select_from(Enrollment), actor)) or 0


def _pending(q, actor: User, event_id: int | None = None, step: int | None = None):
    from school.permissions import visible_branch_clause

    q = q.join(Event, Event.id == Enrollment.event_id).where(
        Enrollment.status == S.pending, Event.status == EventStatus.published)
    if event_id:
        q = q.where(Enrollment.event_id == event_id)
    in_scope = visible_branch_clause(actor, Enrollment.branch_id)
    if in_scope is not None:
        # Coordinators decide for their branches, and only where the event asks them to;
        # never on their own request.
        q = q.where(or_(and_(Event.approval_mode == ApprovalMode.branch,
                             Enrollment.approval_step.is_(None)),
                        Enrollment.approval_step == twostep.BRANCH_STEP),
                    in_scope, Enrollment.user_id != actor.id)
    elif step in (twostep.BRANCH_STEP, twostep.CENTRE_STEP):
        q = q.where(Enrollment.approval_step == step)
    return q


# --- participants ---------------------------------------------------------------------------


def participates(user_id: int):
    """SQL condition on Event: the person takes part in it (confirmed or completed)."""
    return exists().where(Enrollment.event_id == Event.id, Enrollment.user_id == user_id,
                          Enrollment.status.in_(PARTICIPANT_STATUSES))


# --- the event page and the roster -----------------------------------------------------------


@dataclass
class EnrolState:
    """What the event page shows the current person about enrolling."""

    kind: str  # sign_in | closed | not_open_yet | not_for_you | enrol | request | full |
    # confirmed | waitlisted | pending | completed
    enrollment: Enrollment | None = None
    position: int | None = None
    free: int = 0
    opens_at: datetime | None = None
    can_cancel: bool = False


def enrol_state(event: Event, user, *, now: datetime | None = None, mine=...) -> EnrolState:
    """`mine`: the person's active enrolment of the event when the caller has it loaded."""
    now = now or utcnow()
    free = seats_left(event, confirmed_counts([event.id]))
    if user is not None and user.is_authenticated:
        if mine is ...:
            mine = active_enrollment(event.id, user.id)
        if mine is not None:
            kind = {S.not_completed: "completed"}.get(mine.status, mine.status.value)
            return EnrolState(
                kind, mine, waitlist_position(mine), free,
                can_cancel=mine.can_be_cancelled_by(user, now),
            )
    try:
        check_open(event, now)
    except DomainError as e:
        kind = "not_open_yet" if e.code == "enrol_not_open" else "closed"
        return EnrolState(kind, free=free, opens_at=event.enrol_opens_at)
    if user is None or not user.is_authenticated:
        return EnrolState("sign_in", free=free)
    if not event.program.is_for(user.category):
        return EnrolState("not_for_you", free=free)
    if event.approval_mode is not ApprovalMode.open:
        return EnrolState("request", free=free)
    seats = Seats.count(event)
    return EnrolState("enrol" if seats.allows(user.branch_id) else "full", free=seats.free)


@dataclass
class Roster:
    confirmed: list[Enrollment]
    pending: list[Enrollment]
    waitlisted: list[tuple[int, Enrollment]]  # (queue position, row)
    other: list[Enrollment]  # cancelled, rejected, completed, not completed

    def numbered(self, name: str) -> list[tuple[int, Enrollment]]:
        return list(enumerate(getattr(self, name), start=1))

    def export_rows(self):
        for e in self.confirmed:
            yield e, None
        for e in self.pending:
            yield e, None
        for position, e in self.waitlisted:
            yield e, position


def roster(event: Event, viewer: User) -> Roster:
    """The event's people that `viewer` may see: all of them for its organisers, else the
    people of the coordinator's branches; queue positions are positions in the whole queue."""
    from school.permissions import scope_to_branches, sees_all_participants

    q = select(Enrollment).where(Enrollment.event_id == event.id)
    if not sees_all_participants(viewer, event):
        q = scope_to_branches(q, Enrollment.branch_id, viewer)
    q = q.options(
        joinedload(Enrollment.user),
        joinedload(Enrollment.branch),
        joinedload(Enrollment.region),
        joinedload(Enrollment.union),
        joinedload(Enrollment.primary_org),
    ).order_by(Enrollment.created_at, Enrollment.id)
    rows = list(db.session.scalars(q))
    queue_ids = list(db.session.scalars(queue(event.id).with_only_columns(Enrollment.id)))
    positions = {eid: n for n, eid in enumerate(queue_ids, start=1)}
    by_name = sorted(rows, key=lambda e: e.user.full_name.lower())
    return Roster(
        confirmed=[e for e in by_name if e.status in SEAT_STATUSES],
        pending=[e for e in rows if e.status is S.pending],
        waitlisted=sorted(
            ((positions[e.id], e) for e in rows if e.status is S.waitlisted),
            key=lambda pair: pair[0],
        ),
        other=[e for e in rows if e.status in (S.cancelled, S.rejected)],
    )
