"""Two-step approval (issue 22, item 5): where a programme asks for it, a request is
approved by the branch coordinator (step 1), then by the training centre (step 2).

A pending row carries its step in `approval_step`. With the programme's
`hold_seat_first_step` (the default) the first approval holds a seat when one is free for
the branch (`seat_held`: the row counts in Seats while pending); the centre's approval then
confirms it without counting again, and a rejection frees it for the queue. Without a
held seat the centre's approval places the person as a one-step approval would (a seat or
the waiting list). An administrator's approval at step 1 decides both steps.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from school.accounts.models import User
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import ApprovalMode, Event
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.enrollment.notify import signal_status, tell
from school.enrollment.rules import clean_reason, reload
from school.enrollment.seats import Seats, end_enrollment, fill_free_seats, place, waitlist_position
from school.errors import DomainError
from school.extensions import db
from school.mail import Later
from school.permissions import can_see_branch

S = EnrollmentStatus
BRANCH_STEP, CENTRE_STEP = 1, 2


def applies(event: Event) -> bool:
    return event.approval_mode is not ApprovalMode.open and bool(event.program.two_step_approval)


def _branch_decider(actor: User | None, branch_id: int | None) -> bool:
    return (actor is not None and actor.has_role("coordinator")
            and can_see_branch(actor, branch_id))


def start(enrollment: Enrollment, event: Event, actor: User | None, now: datetime) -> None:
    """A new request in a two-step event: step 1, or step 2 at once when the branch's
    coordinator nominated the person (their nomination is the first approval)."""
    enrollment.status = S.pending
    if actor is not None and _branch_decider(actor, enrollment.branch_id):
        enrollment.decided_at, enrollment.decided_by_id = now, actor.id
        _to_centre(enrollment, event)
    else:
        enrollment.approval_step = BRANCH_STEP


def _to_centre(enrollment: Enrollment, event: Event) -> None:
    enrollment.approval_step = CENTRE_STEP
    if event.program.hold_seat_first_step and Seats.count(event).allows(enrollment.branch_id):
        enrollment.seat_held = True


def can_decide_step(actor: User, enrollment: Enrollment) -> bool:
    if actor.has_role("admin"):
        return True
    return (enrollment.approval_step in (None, BRANCH_STEP)
            and _branch_decider(actor, enrollment.branch_id))


def _check(enrollment: Enrollment, actor: User) -> tuple[Event, Enrollment]:
    event = lock_event(enrollment.event_id)
    enrollment = reload(enrollment)
    if enrollment.status is not S.pending:
        raise DomainError("not_pending", _l("This request has already been decided."))
    if not can_decide_step(actor, enrollment):
        raise DomainError("forbidden", _l("You cannot decide on this request."), status=403)
    if enrollment.user_id == actor.id and not actor.has_role("admin"):
        raise DomainError("own_request", _l("You cannot decide on your own request."),
                          status=403)
    return event, enrollment


def approve(enrollment: Enrollment, actor: User, *, now: datetime | None = None) -> Enrollment:
    now = now or utcnow()
    event, enrollment = _check(enrollment, actor)
    step = enrollment.approval_step or BRANCH_STEP
    enrollment.decided_at, enrollment.decided_by_id = now, actor.id
    if step == BRANCH_STEP and not actor.has_role("admin"):
        _to_centre(enrollment, event)
        db.session.flush()
        record(actor, "enrollment.approve_step", enrollment, step=BRANCH_STEP,
               seat_held=enrollment.seat_held)
        tell(enrollment, "step_approved", held=enrollment.seat_held)
        return enrollment
    if enrollment.seat_held:
        enrollment.status, enrollment.confirmed_at = S.confirmed, now
    else:
        place(enrollment, Seats.count(event), now)
    enrollment.seat_held, enrollment.approval_step = False, None
    db.session.flush()
    record(actor, "enrollment.approve", enrollment, status=enrollment.status.value,
           step=CENTRE_STEP)
    signal_status(enrollment)
    tell(enrollment, "approved", position=Later(lambda: waitlist_position(enrollment)))
    return enrollment


def reject(enrollment: Enrollment, actor: User, reason: str, *,
           now: datetime | None = None) -> Enrollment:
    reason = clean_reason(reason)
    now = now or utcnow()
    event, enrollment = _check(enrollment, actor)
    step = enrollment.approval_step or BRANCH_STEP
    if end_enrollment(enrollment, S.rejected, actor, now, reason, action="enrollment.reject",
                      letter="rejected", step=step):
        fill_free_seats(event, now=now)  # the seat held since the first step
    return enrollment
