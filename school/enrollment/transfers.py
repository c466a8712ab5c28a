"""Transfers (issue 22, item 3): move a confirmed or waitlisted person to another event of
the same programme in one step.

Both events are locked in the order of their ids (two transfers crossing between the same
two events cannot deadlock). Choices:
- a confirmed person moves only into a free seat for their branch; with none, the
  transfer is refused and they keep their seat (nobody loses a seat to a queue);
- a waitlisted person keeps their queue rights: they join the other event's queue with the
  time they joined the first one (first come, first served across the programme), or take
  a seat there if one is free for their branch;
- the old row is cancelled (reason: the transfer) and a seat freed there goes to its queue.
The snapshot (region, union, branch, organisation, category) moves with the person.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school import signals
from school.accounts.models import User
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventStatus
from school.dbtypes import utcnow
from school.enrollment import rows
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.enrollment.notify import signal_status, tell
from school.enrollment.rules import active_enrollment, clean_reason, reload
from school.enrollment.seats import Seats, fill_free_seats, waitlist_position
from school.errors import DomainError
from school.extensions import db
from school.mail import Later
from school.permissions import manages_enrollment

S = EnrollmentStatus


def targets(enrollment: Enrollment, now: datetime | None = None) -> list[Event]:
    """Other published events of the same programme that have not started yet."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Event).where(Event.program_id == enrollment.event.program_id,
                            Event.id != enrollment.event_id,
                            Event.status == EventStatus.published)
        .options(selectinload(Event.sessions))  # has_started reads them
        .order_by(Event.starts_on, Event.id))
    return [e for e in rows if not e.has_started(now)]


def transfer(enrollment: Enrollment, target: Event, actor: User, reason: str, *,
             now: datetime | None = None) -> Enrollment:
    """Move `enrollment` to `target`; returns the new row."""
    now = now or utcnow()
    reason = clean_reason(reason)
    if target.id == enrollment.event_id:
        raise DomainError("same_event", _l("Choose another event."), field="target")
    first, second = sorted((enrollment.event_id, target.id))
    locked = {first: lock_event(first), second: lock_event(second)}
    source, target = locked[enrollment.event_id], locked[target.id]
    enrollment = reload(enrollment)
    if not manages_enrollment(actor, enrollment):
        raise DomainError("forbidden", _l("You cannot change this enrolment."), status=403)
    if not enrollment.status.is_transferable:
        raise DomainError("not_transferable",
                          _l("Only a confirmed or waitlisted person can be moved."))
    if target.program_id != source.program_id:
        raise DomainError("other_program", _l("Choose an event of the same programme."),
                          field="target")
    if target.status is not EventStatus.published or target.has_started(now):
        raise DomainError("target_closed", _l("That event has started or is not open."),
                          field="target")
    if active_enrollment(target.id, enrollment.user_id) is not None:
        raise DomainError("already_enrolled",
                          _l("This person is already enrolled in that event."), field="target")
    seats = Seats.count(target)
    was_confirmed = enrollment.status is S.confirmed
    new = Enrollment(
        event_id=target.id, user_id=enrollment.user_id, created_at=now,
        region_id=enrollment.region_id, union_id=enrollment.union_id,
        branch_id=enrollment.branch_id, primary_org_id=enrollment.primary_org_id,
        category=enrollment.category, nominated_by_id=enrollment.nominated_by_id,
        decided_at=now, decided_by_id=actor.id, transferred_from_id=enrollment.id,
    )
    if seats.allows(enrollment.branch_id):
        new.status, new.confirmed_at = S.confirmed, now
    elif was_confirmed:
        raise DomainError("no_seat", _l("That event has no free seat for this person's "
                                        "branch: they keep their seat here."), field="target")
    else:
        new.status, new.waitlisted_at = S.waitlisted, enrollment.waitlisted_at or now
    enrollment.status = S.cancelled
    enrollment.cancelled_at, enrollment.cancelled_by_id = now, actor.id
    enrollment.reason = str(_l("Moved to another date: %(reason)s", reason=reason))[:500]
    rows.insert(new, message=_l("This person is already enrolled in that event."),
                field="target")
    record(actor, "enrollment.transfer", new, from_enrollment_id=enrollment.id,
           from_event_id=source.id, event_id=target.id, status=new.status.value,
           reason=reason)
    signals.enrollment_cancelled.send(enrollment=enrollment)
    signal_status(new)
    tell(new, "transferred", old_event=source, position=Later(lambda: waitlist_position(new)))
    if was_confirmed:
        fill_free_seats(source, now=now)
    return new
