"""Enrolment rules: seats, the waiting list, approvals, quotas, cancellations and mail.

Services take models and plain values, flush but never commit, and raise DomainError with
a stable code. Every change that can take or free a seat first locks the event row
(`_lock_event`: SELECT … FOR UPDATE on PostgreSQL; on SQLite the transaction already holds
the write lock: POST requests begin IMMEDIATE, other callers use write_transaction()).
Seats are always counted from rows under that lock, never kept in a counter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from school import signals
from school.accounts.models import User
from school.audit.services import record
from school.catalog.models import ApprovalMode, Event, EventQuota, EventStatus
from school.catalog.services import lock_event
from school.dbtypes import utcnow
from school.enrollment import rows, twostep
from school.enrollment.models import (
    ACTIVE_STATUSES,
    CANCELLABLE_STATUSES,
    SEAT_STATUSES,
    Enrollment,
    EnrollmentStatus,
)
from school.enrollment.notify import absolute_url, queue_mail
from school.errors import DomainError
from school.extensions import db
from school.permissions import can_see_branch, manages_enrollment
from school.timeutil import to_local

S = EnrollmentStatus
# Rows that hold a seat (SEAT_STATUSES, defined with the catalogue's "seats left"): a
# completed person still sat in a seat, so they keep counting.
# Rows a person or staff can still cancel.
CANCELLABLE = CANCELLABLE_STATUSES


# --- reading ---------------------------------------------------------------------------




def _reload(enrollment: Enrollment) -> Enrollment:
    """The enrolment as committed now: call after locking its event."""
    return db.session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment.id)
        .execution_options(populate_existing=True)
    )


def first_start(event: Event) -> datetime:
    """Event.first_start, kept under this name only for the tests that call
    services.first_start (tests/enrollment/test_services.py, test_issue22_services.py)."""
    return event.first_start


def active_enrollment(event_id: int, user_id: int) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(
            Enrollment.event_id == event_id,
            Enrollment.user_id == user_id,
            Enrollment.status.in_(ACTIVE_STATUSES),
        )
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
        from school.enrollment.holds import RESERVE, holds_seat

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


def confirmed_count(event_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Enrollment.event_id == event_id, Enrollment.status.in_(SEAT_STATUSES)
        )
    )


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


def _queue(event_id: int):
    return (
        select(Enrollment)
        .where(Enrollment.event_id == event_id, Enrollment.status == S.waitlisted)
        .order_by(Enrollment.waitlisted_at, Enrollment.id)
    )


# --- who may do what ---------------------------------------------------------------------


def can_decide(actor: User | None, event: Event, branch_id: int | None) -> bool:
    """Who approves requests for `event` from a person of `branch_id`.

    Branch mode: the coordinator of that branch (or its union) or the training centre;
    centre mode: the training centre (admins) only.
    """
    if actor is None:
        return False
    if actor.has_role("admin"):
        return True
    return (
        event.approval_mode is ApprovalMode.branch
        and actor.has_role("coordinator")
        and can_see_branch(actor, branch_id)
    )


# --- enrolling ---------------------------------------------------------------------------


def _check_open(event: Event, now: datetime) -> None:
    if event.status is not EventStatus.published:
        raise DomainError("event_not_open", _l("This event is not open for enrolment."))
    if event.enrol_opens_at is not None and now < event.enrol_opens_at:
        raise DomainError("enrol_not_open", _l("Enrolment for this event has not opened yet."))
    if (event.enrol_closes_at is not None and now >= event.enrol_closes_at) or (
        event.has_started(now)
    ):
        raise DomainError("enrol_closed", _l("Enrolment for this event is closed."))


def _mail_context(enrollment: Enrollment, **extra) -> dict:
    event = enrollment.event
    return {
        "user": enrollment.user,
        "event": event,
        "enrollment": enrollment,
        "starts_at": event.first_start,
        "my_link": absolute_url("enrollment.my"),
        "event_link": f"{current_app.config['BASE_URL']}/events/{event.id}",
        **extra,
    }


def _tell(enrollment: Enrollment, template: str, **extra) -> None:
    user = enrollment.user
    queue_mail(user.email, f"enrollment_{template}", locale=user.locale,
               **_mail_context(enrollment, **extra))


def enroll(event: Event, user: User, *, actor: User | None = None,
           now: datetime | None = None) -> Enrollment:
    """Enrol `user` in `event`: confirmed, waitlisted, or pending approval.

    `actor` is the coordinator or admin who nominates `user` (None: the person enrols
    themselves). A nomination by someone who may approve is approved at once.
    """
    now = now or utcnow()
    actor = actor if actor is not None and actor.id != user.id else None
    event = lock_event(event.id)
    _check_open(event, now)
    if not event.program.is_for(user.category):
        raise DomainError(
            "not_in_audience", _l("This programme is meant for other participant categories.")
        )
    if active_enrollment(event.id, user.id) is not None:
        raise DomainError("already_enrolled", _l("You are already enrolled in this event."))
    region_id, union_id, branch_id = enrolment_place(user)
    _check_branch_for_quotas(event, branch_id, actor)

    enrollment = Enrollment(
        event_id=event.id,
        user_id=user.id,
        created_at=now,
        region_id=region_id,
        union_id=union_id,
        branch_id=branch_id,
        primary_org_id=user.primary_org_id,
        category=user.category,
        nominated_by_id=actor.id if actor else None,
    )
    approved_now = can_decide(actor, event, branch_id)
    if twostep.applies(event) and not (actor is not None and actor.has_role("admin")):
        twostep.start(enrollment, event, actor, now)
    elif event.approval_mode is not ApprovalMode.open and not approved_now:
        enrollment.status = S.pending
    else:
        if event.approval_mode is not ApprovalMode.open:
            enrollment.decided_at, enrollment.decided_by_id = now, actor.id
        _place(enrollment, Seats.count(event), now)
    rows.insert(enrollment)
    record(actor or user, "enrollment.create", enrollment, status=enrollment.status.value,
           event_id=event.id, user_id=user.id)
    _signal_status(enrollment)
    if enrollment.status is S.confirmed:
        _tell(enrollment, "confirmed", nominated=actor is not None)
    elif enrollment.status is S.waitlisted:
        _tell(enrollment, "waitlisted", position=waitlist_position(enrollment),
              nominated=actor is not None)
    return enrollment


def enrolment_place(user: User) -> tuple[int | None, int | None, int | None]:
    """(region, union, branch) an enrolment is counted under: the profile's branch, else the
    branch of the person's primary organisation (a profile field left empty does not take a
    person out of their branch's quota)."""
    if user.branch_id is None and user.primary_org is not None:
        branch = user.primary_org.branch
        return (user.region_id or branch.region_id, user.union_id or branch.union_id,
                branch.id)
    return user.region_id, user.union_id, user.branch_id


def _check_branch_for_quotas(event: Event, branch_id: int | None, actor: User | None) -> None:
    """Where an event's seats are shared out among branches (quotas), someone without a
    branch would escape every quota, so they cannot take a seat until their profile says
    which branch they belong to; an admin may still place them. Events without quotas are
    open to everyone, with a branch or without."""
    if branch_id is not None or (actor is not None and actor.has_role("admin")):
        return
    has_quotas = db.session.scalar(
        select(EventQuota.id).where(EventQuota.event_id == event.id).limit(1)
    )
    if has_quotas is not None:
        raise DomainError(
            "branch_required",
            _l("Seats of this event are shared out among branches: state your branch in "
               "your profile to enrol."),
        )


def _signal_status(enrollment: Enrollment) -> None:
    """Tell receivers (webhooks, other features) the enrolment's new status."""
    signal = {
        S.confirmed: signals.enrollment_confirmed, S.waitlisted: signals.enrollment_waitlisted,
        S.pending: signals.enrollment_pending, S.cancelled: signals.enrollment_cancelled,
        S.rejected: signals.enrollment_cancelled,
    }.get(enrollment.status)
    if signal is not None:
        signal.send(enrollment=enrollment)


def _place(enrollment: Enrollment, seats: Seats, now: datetime) -> None:
    """Give a seat when one is free for the person's branch, else the end of the queue."""
    if seats.allows(enrollment.branch_id):
        enrollment.status = S.confirmed
        enrollment.confirmed_at = now
        seats.take(enrollment.branch_id)
    else:
        enrollment.status = S.waitlisted
        enrollment.waitlisted_at = now


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
    for enrollment in db.session.scalars(_queue(event.id)):
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
        _tell(enrollment, "promoted")
    return promoted


# --- approvals ---------------------------------------------------------------------------


def _pending_for_decision(enrollment: Enrollment, actor: User) -> tuple[Event, Enrollment]:
    event = lock_event(enrollment.event_id)
    enrollment = _reload(enrollment)
    if not can_decide(actor, event, enrollment.branch_id):
        raise DomainError("forbidden", _l("You cannot decide on this request."), status=403)
    if enrollment.user_id == actor.id and not actor.has_role("admin"):
        # A coordinator's own request goes to another coordinator or the training centre.
        raise DomainError("own_request", _l("You cannot decide on your own request."),
                          status=403)
    if enrollment.status is not S.pending:
        raise DomainError("not_pending", _l("This request has already been decided."))
    return event, enrollment


def approve(enrollment: Enrollment, actor: User, *, now: datetime | None = None) -> Enrollment:
    """Approve a request: a free seat (within the branch quota) or the waiting list."""
    if enrollment.approval_step is not None:
        return twostep.approve(enrollment, actor, now=now)
    now = now or utcnow()
    event, enrollment = _pending_for_decision(enrollment, actor)
    enrollment.decided_at, enrollment.decided_by_id = now, actor.id
    _place(enrollment, Seats.count(event), now)
    db.session.flush()
    record(actor, "enrollment.approve", enrollment, status=enrollment.status.value)
    _signal_status(enrollment)
    _tell(enrollment, "approved", position=waitlist_position(enrollment))
    return enrollment


def reject(enrollment: Enrollment, actor: User, reason: str, *,
           now: datetime | None = None) -> Enrollment:
    if enrollment.approval_step is not None:
        return twostep.reject(enrollment, actor, reason, now=now)
    reason = _clean_reason(reason)
    now = now or utcnow()
    _event, enrollment = _pending_for_decision(enrollment, actor)
    enrollment.status = S.rejected
    enrollment.decided_at, enrollment.decided_by_id = now, actor.id
    enrollment.reason = reason
    db.session.flush()
    record(actor, "enrollment.reject", enrollment)
    signals.enrollment_cancelled.send(enrollment=enrollment)
    _tell(enrollment, "rejected", reason=reason)
    return enrollment


@dataclass
class DecisionResult:
    done: list[Enrollment] = field(default_factory=list)
    skipped: list[tuple[Enrollment, str]] = field(default_factory=list)  # (row, error code)


def decide_many(enrollment_ids, actor: User, action: str, reason: str = "", *,
                now: datetime | None = None) -> DecisionResult:
    """Approve or reject several requests, oldest first; the ones that cannot be decided
    (already decided, outside the actor's scope) are skipped and reported."""
    if action not in ("approve", "reject"):
        raise DomainError("action_invalid", _l("Choose approve or reject."))
    if action == "reject":
        reason = _clean_reason(reason)
    ids = {int(i) for i in enrollment_ids}
    if not ids:
        raise DomainError("nothing_chosen", _l("Choose at least one request."))
    rows = list(db.session.scalars(
        select(Enrollment).where(Enrollment.id.in_(ids))
        .order_by(Enrollment.created_at, Enrollment.id)
    ))
    # Lock the events in one order so that two bulk decisions cannot deadlock.
    for event_id in sorted({e.event_id for e in rows}):
        lock_event(event_id)
    result = DecisionResult()
    for enrollment in rows:
        try:
            if action == "approve":
                approve(enrollment, actor, now=now)
            else:
                reject(enrollment, actor, reason, now=now)
        except DomainError as e:
            result.skipped.append((enrollment, e.code))
        else:
            result.done.append(enrollment)
    return result


def _clean_reason(reason: str | None) -> str:
    cleaned = " ".join("".join(c for c in (reason or "") if c.isprintable()).split())[:500]
    if len(cleaned) < 3:
        raise DomainError("reason_required", _l("Give a reason."), field="reason")
    return cleaned


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


# --- cancelling --------------------------------------------------------------------------


def cancel(enrollment: Enrollment, actor: User, reason: str | None = None, *,
           now: datetime | None = None) -> list[Enrollment]:
    """Cancel an enrolment; a freed seat goes to the head of the queue at once.

    The person may cancel their own until the first session starts; staff (admins, the
    branch's coordinators) may cancel anyone's at any time, with a reason. Returns the
    people promoted into the freed seat.
    """
    now = now or utcnow()
    event = lock_event(enrollment.event_id)
    enrollment = _reload(enrollment)
    by_staff = actor.id != enrollment.user_id
    if by_staff:
        if not manages_enrollment(actor, enrollment):
            raise DomainError("forbidden", _l("You cannot cancel this enrolment."), status=403)
        reason = _clean_reason(reason)
    else:
        reason = " ".join((reason or "").split())[:500] or None
        if event.has_started(now) and not actor.has_role("admin"):
            raise DomainError(
                "too_late", _l("The event has started: ask the organisers to cancel.")
            )
    if enrollment.status not in CANCELLABLE:
        raise DomainError("not_cancellable", _l("This enrolment cannot be cancelled."))
    held_seat = enrollment.status is S.confirmed or enrollment.seat_held
    enrollment.status, enrollment.seat_held = S.cancelled, False
    enrollment.cancelled_at, enrollment.cancelled_by_id = now, actor.id
    enrollment.reason = reason
    db.session.flush()
    record(actor, "enrollment.cancel", enrollment, by_staff=by_staff)
    signals.enrollment_cancelled.send(enrollment=enrollment)
    # Both sides are told: the person by staff with the reason, or themselves as a receipt.
    _tell(enrollment, "cancelled" if by_staff else "cancelled_own", reason=reason)
    return fill_free_seats(event, now=now) if held_seat else []


def notify_event_cancelled(event: Event, *, now: datetime | None = None) -> int:
    """For the catalogue, after it cancels `event` (and before it commits): every pending,
    confirmed or waitlisted enrolment is cancelled with the event's reason and its person
    is mailed (after the commit). Returns how many people were told."""
    now = now or utcnow()
    event = lock_event(event.id)
    rows = list(db.session.scalars(
        select(Enrollment)
        .where(Enrollment.event_id == event.id, Enrollment.status.in_(CANCELLABLE))
        .options(joinedload(Enrollment.user))
        .order_by(Enrollment.id)
    ))
    for enrollment in rows:
        enrollment.status = S.cancelled
        enrollment.cancelled_at = now
        enrollment.reason = (event.cancel_reason or "")[:500] or None
    db.session.flush()
    for enrollment in rows:
        signals.enrollment_cancelled.send(enrollment=enrollment)
        _tell(enrollment, "event_cancelled", reason=event.cancel_reason)
    return len(rows)


# --- reminders ---------------------------------------------------------------------------


def send_reminders(*, now: datetime | None = None, batch: int = 200) -> int:
    """Remind confirmed people of events that start tomorrow (Kazakhstan time). Each
    reminder is marked sent in the same transaction as its letter, so hourly runs (even
    overlapping ones) send it once. Commits per batch; returns how many were sent."""
    from school.enrollment.notices import calendar_attachment
    from school.extensions import write_transaction

    now = now or utcnow()
    tomorrow = to_local(now).date() + timedelta(days=1)
    sent = 0
    while True:
        with write_transaction():
            rows = list(db.session.scalars(
                select(Enrollment)
                .join(Event, Event.id == Enrollment.event_id)
                .where(
                    Event.status == EventStatus.published,
                    Event.starts_on == tomorrow,
                    Enrollment.status == S.confirmed,
                    Enrollment.reminder_sent_at.is_(None),
                )
                .order_by(Enrollment.id)
                .limit(batch)
                .with_for_update(of=Enrollment, skip_locked=True)
            ))
            for enrollment in rows:
                enrollment.reminder_sent_at = now
                _tell(enrollment, "reminder",
                      sessions=[s for s in enrollment.event.sessions
                                if to_local(s.starts_at).date() >= tomorrow],
                      attachments=[calendar_attachment(enrollment.event,
                                                       enrollment.user.locale)])
        sent += len(rows)
        if len(rows) < batch:
            return sent


# --- pages -------------------------------------------------------------------------------


def my_enrollments(user: User) -> list[Enrollment]:
    """One's enrolments, upcoming first, with events, sessions and programmes loaded."""
    rows = db.session.scalars(
        select(Enrollment)
        .join(Event, Event.id == Enrollment.event_id)
        .where(Enrollment.user_id == user.id)
        .options(
            joinedload(Enrollment.event).joinedload(Event.program),
            joinedload(Enrollment.event).selectinload(Event.sessions),
        )
        .order_by(Event.starts_on.desc(), Enrollment.id.desc())
    ).unique()
    return list(rows)


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
    free = max(0, event.capacity - confirmed_count(event.id))
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
        _check_open(event, now)
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
    queue_ids = list(db.session.scalars(_queue(event.id).with_only_columns(Enrollment.id)))
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


@dataclass(frozen=True)
class Blocker:
    """Why a person cannot be nominated: `already_enrolled` (with their enrolment) or
    `not_in_audience`."""

    code: str
    enrollment: Enrollment | None = None


def nomination_blockers(event: Event, people: list[User]) -> dict[int, Blocker]:
    """The people (by id) that `nominate` would skip, with the reason, in one query; the
    list page shows them disabled instead of failing after the submit."""
    ids = [p.id for p in people]
    if not ids:
        return {}
    enrolled = {
        e.user_id: e
        for e in db.session.scalars(
            select(Enrollment).where(
                Enrollment.event_id == event.id,
                Enrollment.user_id.in_(ids),
                Enrollment.status.in_(ACTIVE_STATUSES),
            )
        )
    }
    blockers = {}
    for person in people:
        if person.id in enrolled:
            blockers[person.id] = Blocker("already_enrolled", enrolled[person.id])
        elif not event.program.is_for(person.category):
            blockers[person.id] = Blocker("not_in_audience")
    return blockers


def enrolment_closed_reason(event: Event, now: datetime | None = None) -> DomainError | None:
    """The refusal every enrolment in `event` would meet right now, if any."""
    try:
        _check_open(event, now or utcnow())
    except DomainError as e:
        return e
    return None


def nominate(event: Event, people: list[User], actor: User, *,
             now: datetime | None = None) -> tuple[list[Enrollment], list[tuple[User, str]]]:
    """Enrol people chosen by a coordinator (their own branches only) or an admin.

    Returns (enrolled, skipped with error codes); nobody outside the actor's scope is
    touched: one such person refuses the whole list.
    """
    for person in people:
        if not actor.has_role("admin") and not (
            actor.has_role("coordinator") and can_see_branch(actor, person.branch_id)
        ):
            raise DomainError("forbidden", _l("You can nominate only people of your branch."),
                              status=403)
    enrolled, skipped = [], []
    for person in people:
        try:
            enrolled.append(enroll(event, person, actor=actor, now=now))
        except DomainError as e:
            skipped.append((person, e.code))
    return enrolled, skipped
