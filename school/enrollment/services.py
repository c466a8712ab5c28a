"""Enrolment rules: enrolling, approvals, cancellations, nominations.

Services take models and plain values, flush but never commit, and raise DomainError with
a stable code. Every change that can take or free a seat first locks the event row
(`lock_event`: SELECT … FOR UPDATE on PostgreSQL; on SQLite the transaction already holds
the write lock: POST requests begin IMMEDIATE, other callers use write_transaction()).
Seats are counted, queued and promoted in seats.py, from rows under that lock.

Tests reach the seat and queue helpers, the reminders and the approvals query through
this module (`services.Seats`, `services._queue`, `services.send_reminders`, …): those
names are imported here for them, from seats.py, notices.py and queries.py (issue 14:
changing those calls is more than an import change). New code imports them from there;
views not yet moved over still read some of them here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school import signals
from school.accounts.models import User
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import ApprovalMode, Event, EventQuota
from school.core.text import one_line
from school.dbtypes import utcnow
from school.enrollment import rows, twostep
from school.enrollment.models import (
    ACTIVE_STATUSES,
    CANCELLABLE_STATUSES,
    Enrollment,
    EnrollmentStatus,
)
from school.enrollment.notices import send_reminders  # noqa: F401  (tests)
from school.enrollment.notify import signal_status, tell
from school.enrollment.queries import pending_query  # noqa: F401  (tests)
from school.enrollment.rules import (
    active_enrollment,
    check_open,
    check_published,
    clean_reason,
    enrolment_place,
    reload,
)
from school.enrollment.seats import (  # noqa: F401  (Seats, fill_free_seats, waitlist_*: tests)
    Seats,
    end_enrollment,
    fill_free_seats,
    place,
    waitlist_position,
    waitlist_positions,
)
from school.enrollment.seats import queue as _queue  # noqa: F401  (tests)
from school.errors import DomainError
from school.extensions import db
from school.mail import Later
from school.permissions import can_see_branch, manages_enrollment

S = EnrollmentStatus


def first_start(event: Event) -> datetime:
    """Event.first_start, kept under this name only for the tests that call
    services.first_start (tests/enrollment/test_services.py, test_issue22_services.py)."""
    return event.first_start


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


def enroll(event: Event, user: User, *, actor: User | None = None,
           now: datetime | None = None) -> Enrollment:
    """Enrol `user` in `event`: confirmed, waitlisted, or pending approval.

    `actor` is the coordinator or admin who nominates `user` (None: the person enrols
    themselves). A nomination by someone who may approve is approved at once.
    """
    now = now or utcnow()
    actor = actor if actor is not None and actor.id != user.id else None
    # Everything that does not count seats is decided before the event's lock, which a
    # crowd enrolling at once takes in turn (issue 15): under it only the count, the row,
    # its audit entry and the other features' rows (receivers) remain; letters render
    # after COMMIT. The partial unique index stops a second enrolment racing past the
    # check below.
    check_open(event, now)
    if not event.program.is_for(user.category):
        raise DomainError(
            "not_in_audience", _l("This programme is meant for other participant categories.")
        )
    if active_enrollment(event.id, user.id) is not None:
        raise DomainError("already_enrolled", _l("You are already enrolled in this event."))
    region_id, union_id, branch_id = enrolment_place(user)
    _check_branch_for_quotas(event, branch_id, actor)

    event = lock_event(event.id)
    check_published(event)  # cancelled while we were checking

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
        place(enrollment, Seats.count(event), now)
    rows.insert(enrollment)
    record(actor or user, "enrollment.create", enrollment, status=enrollment.status.value,
           event_id=event.id, user_id=user.id)
    signal_status(enrollment)
    if enrollment.status is S.confirmed:
        tell(enrollment, "confirmed", nominated=actor is not None)
    elif enrollment.status is S.waitlisted:
        tell(enrollment, "waitlisted", position=Later(lambda: waitlist_position(enrollment)),
              nominated=actor is not None)
    return enrollment


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


# --- approvals ---------------------------------------------------------------------------


def _pending_for_decision(enrollment: Enrollment, actor: User) -> tuple[Event, Enrollment]:
    event = lock_event(enrollment.event_id)
    enrollment = reload(enrollment)
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
    place(enrollment, Seats.count(event), now)
    db.session.flush()
    record(actor, "enrollment.approve", enrollment, status=enrollment.status.value)
    signal_status(enrollment)
    tell(enrollment, "approved", position=Later(lambda: waitlist_position(enrollment)))
    return enrollment


def reject(enrollment: Enrollment, actor: User, reason: str, *,
           now: datetime | None = None) -> Enrollment:
    if enrollment.approval_step is not None:
        return twostep.reject(enrollment, actor, reason, now=now)
    reason = clean_reason(reason)
    now = now or utcnow()
    _event, enrollment = _pending_for_decision(enrollment, actor)
    end_enrollment(enrollment, S.rejected, actor, now, reason, action="enrollment.reject",
                   letter="rejected")
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
        reason = clean_reason(reason)
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
    enrollment = reload(enrollment)
    by_staff = actor.id != enrollment.user_id
    if by_staff:
        if not manages_enrollment(actor, enrollment):
            raise DomainError("forbidden", _l("You cannot cancel this enrolment."), status=403)
        reason = clean_reason(reason)
    else:
        reason = one_line(reason, 500) or None
        if event.has_started(now) and not actor.has_role("admin"):
            raise DomainError(
                "too_late", _l("The event has started: ask the organisers to cancel.")
            )
    if not enrollment.status.is_cancellable:
        raise DomainError("not_cancellable", _l("This enrolment cannot be cancelled."))
    # Both sides are told: the person by staff with the reason, or themselves as a receipt.
    held_seat = end_enrollment(enrollment, S.cancelled, actor, now, reason,
                               action="enrollment.cancel", by_staff=by_staff,
                               letter="cancelled" if by_staff else "cancelled_own")
    return fill_free_seats(event, now=now) if held_seat else []


def notify_event_cancelled(event: Event, *, now: datetime | None = None) -> int:
    """For the catalogue, after it cancels `event` (and before it commits): every pending,
    confirmed or waitlisted enrolment is cancelled with the event's reason and its person
    is mailed (after the commit). Returns how many people were told."""
    now = now or utcnow()
    event = lock_event(event.id)
    rows = list(db.session.scalars(
        select(Enrollment)
        .where(Enrollment.event_id == event.id, Enrollment.status.in_(CANCELLABLE_STATUSES))
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
        tell(enrollment, "event_cancelled", reason=event.cancel_reason)
    return len(rows)


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
        check_open(event, now or utcnow())
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
