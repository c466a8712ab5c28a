"""Seats: the one place that counts them, orders the waiting list and promotes from it.

Seats are derived from enrolment rows, never kept in a counter (Indico's `limit_reached`,
pretix's quotas). Which statuses hold a seat is the model's SEAT_STATUSES; a request that
holds a seat from its first approval (twostep.py) counts too (`holds_seat`). A branch quota
is a ceiling (at most N people of the branch) or a reservation (N seats kept for the branch
until released: holds.py). Every caller that counts and then writes holds the event's lock
(school/catalog/locking.py) first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from school import signals
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventQuota, EventStatus
from school.dbtypes import utcnow
from school.enrollment.models import SEAT_STATUSES, Enrollment, EnrollmentStatus
from school.enrollment.notify import tell
from school.extensions import db

S = EnrollmentStatus
# A quota's mode (EventQuota.mode): a ceiling, or a reservation (holds.py).
CEILING, RESERVE = "ceiling", "reserve"


# --- counting ----------------------------------------------------------------------------


def holds_seat():
    """Rows that hold a seat: confirmed and completed ones, and requests that hold a seat
    from their first approval (twostep.py)."""
    return or_(
        Enrollment.status.in_(SEAT_STATUSES),
        and_(Enrollment.status == S.pending, Enrollment.seat_held.is_(True)),
    )


@dataclass
class Seats:
    """Seats of one event as counted from its rows: the whole event and per branch."""

    capacity: int
    taken: int
    by_branch: Counter
    quotas: dict[int, int]
    # Reservations not yet released (holds.py): branch → seats held for it.
    held: dict[int, int] = field(default_factory=dict)

    @classmethod
    def count(cls, event: Event) -> Seats:
        rows = db.session.execute(
            select(Enrollment.branch_id, func.count())
            .where(Enrollment.event_id == event.id, holds_seat())
            .group_by(Enrollment.branch_id)
        ).all()
        quota_rows = db.session.execute(
            select(EventQuota.branch_id, EventQuota.seats, EventQuota.mode,
                   EventQuota.released_at).where(EventQuota.event_id == event.id)
        ).all()
        quotas = {r.branch_id: r.seats for r in quota_rows if r.mode != RESERVE}
        held = {r.branch_id: r.seats for r in quota_rows
                if r.mode == RESERVE and r.released_at is None}
        by_branch = Counter({branch_id: n for branch_id, n in rows})
        return cls(event.capacity, sum(by_branch.values()), by_branch, quotas, held)

    def unused_held(self, except_branch: int | None = None) -> int:
        return sum(max(0, seats - self.by_branch[b]) for b, seats in self.held.items()
                   if b != except_branch)

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)

    def allows(self, branch_id: int | None) -> bool:
        """A seat is free and the branch's quota (when it has one) is not used up.

        A quota caps a branch; branches without one compete for the remaining seats. A
        reservation (holds.py) keeps its seats for its branch until released; beyond them
        the branch competes for the common pool like everyone.
        """
        if self.taken >= self.capacity:
            return False
        if branch_id is not None and self.by_branch[branch_id] < self.held.get(branch_id, 0):
            return True  # one of the seats held for the branch
        quota = self.quotas.get(branch_id) if branch_id is not None else None
        if quota is not None and self.by_branch[branch_id] >= quota:
            return False
        # The common pool: what is neither taken nor held for other branches.
        return self.taken + self.unused_held(branch_id) < self.capacity

    def take(self, branch_id: int | None) -> None:
        self.taken += 1
        self.by_branch[branch_id] += 1


def confirmed_counts(event_ids: Iterable[int]) -> dict[int, int]:
    """Seats taken per event, counted from enrolment rows in one grouped query.

    Events without any seat-holding enrolment are absent from the answer (read it with
    `.get(event_id, 0)`).
    """
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Enrollment.event_id, func.count())
        .where(Enrollment.event_id.in_(ids), Enrollment.status.in_(SEAT_STATUSES))
        .group_by(Enrollment.event_id)
    )
    return {event_id: count for event_id, count in rows}


def confirmed_count(event_id: int) -> int:
    return confirmed_counts([event_id]).get(event_id, 0)


def seats_left(event: Event, counts: Mapping[int, int]) -> int:
    """Free seats of `event`, from `confirmed_counts`' answer."""
    return max(0, event.capacity - counts.get(event.id, 0))


def branch_taken(event_id: int, branch_id: int, *, held_requests: bool = True) -> int:
    """Seats one branch takes in an event; `held_requests`: with the requests that hold a
    seat from their first approval, as Seats counts (the catalogue's quota check counts
    the seat-holding statuses only)."""
    holding = holds_seat() if held_requests else Enrollment.status.in_(SEAT_STATUSES)
    return db.session.scalar(select(func.count()).where(
        Enrollment.event_id == event_id, Enrollment.branch_id == branch_id, holding))


# --- the waiting list ------------------------------------------------------------------------

# Built once: making aliases per call costs about 10 ms of SQLAlchemy adaptation work.
_MINE, _AHEAD = aliased(Enrollment, name="mine"), aliased(Enrollment, name="ahead")


def waitlist_positions(enrollment_ids) -> dict[int, int]:
    """Queue position (1 = next in line) of each given waitlisted enrolment, in one query."""
    ids = list(enrollment_ids)
    if not ids:
        return {}
    mine, ahead = _MINE, _AHEAD
    rows = db.session.execute(
        select(mine.id, func.count(ahead.id))
        .join(
            ahead,
            and_(
                ahead.event_id == mine.event_id,
                ahead.status == S.waitlisted,
                or_(
                    ahead.waitlisted_at < mine.waitlisted_at,
                    and_(ahead.waitlisted_at == mine.waitlisted_at, ahead.id <= mine.id),
                ),
            ),
        )
        .where(mine.id.in_(ids), mine.status == S.waitlisted)
        .group_by(mine.id)
    ).all()
    return dict(rows)


def waitlist_position(enrollment: Enrollment) -> int | None:
    if enrollment.status is not S.waitlisted:
        return None
    return waitlist_positions([enrollment.id]).get(enrollment.id)


def queue(event_id: int):
    """The event's waiting list, first in line first."""
    return (
        select(Enrollment)
        .where(Enrollment.event_id == event_id, Enrollment.status == S.waitlisted)
        .order_by(Enrollment.waitlisted_at, Enrollment.id)
    )


# --- placing and promoting ---------------------------------------------------------------


def place(enrollment: Enrollment, seats: Seats, now: datetime) -> None:
    """Give a seat when one is free for the person's branch, else the end of the queue."""
    if seats.allows(enrollment.branch_id):
        enrollment.status = S.confirmed
        enrollment.confirmed_at = now
        seats.take(enrollment.branch_id)
    else:
        enrollment.status = S.waitlisted
        enrollment.waitlisted_at = now


def end_enrollment(enrollment: Enrollment, status: EnrollmentStatus, actor, now: datetime,
                   reason: str | None, *, action: str, letter: str, **details) -> bool:
    """Cancel or reject `enrollment` (by `actor`, for `reason`): audited as `action`,
    signalled, and its person told by the `letter`. Returns whether it held a seat (a
    confirmed row, or a request holding one): the caller then fills it."""
    held = enrollment.status is S.confirmed or enrollment.seat_held
    enrollment.status, enrollment.seat_held = status, False
    if status is S.cancelled:
        enrollment.cancelled_at, enrollment.cancelled_by_id = now, actor.id
    else:
        enrollment.decided_at, enrollment.decided_by_id = now, actor.id
    enrollment.reason = reason
    db.session.flush()
    record(actor, action, enrollment, **details)
    signals.enrollment_cancelled.send(enrollment=enrollment)
    tell(enrollment, letter, reason=reason)
    return held


def fill_free_seats(event: Event, *, now: datetime | None = None) -> list[Enrollment]:
    """Promote from the head of the queue while seats are free: first come, first served,
    skipping people whose branch quota is used up. Call after freeing or adding seats
    (a cancellation, a larger capacity or quota); each promoted person is mailed.
    """
    now = now or utcnow()
    event = lock_event(event.id)
    if event.status is not EventStatus.published:
        return []
    seats = Seats.count(event)
    promoted: list[Enrollment] = []
    if seats.free == 0:
        return promoted
    for enrollment in db.session.scalars(queue(event.id)):
        if seats.free == 0:
            break
        if seats.allows(enrollment.branch_id):
            enrollment.status = S.confirmed
            enrollment.confirmed_at = now
            seats.take(enrollment.branch_id)
            promoted.append(enrollment)
    db.session.flush()
    for enrollment in promoted:
        record(None, "enrollment.promote", enrollment, event_id=event.id)
        signals.enrollment_confirmed.send(enrollment=enrollment)
        tell(enrollment, "promoted")
    return promoted
