"""Substitutions (issue 22, item 1): a confirmed person is replaced by another eligible one
in the same seat, before or during the event.

The old row is cancelled (its reason names the substitute) and a new confirmed row takes
its place under the same event lock: the seat count, the branch's quota count and the
waiting list do not change (nobody is promoted, nobody waits). Where the event's seats are
shared among branches the substitute must count under the same branch. Both people are
mailed; the release request to the employer follows the substitute through the usual
signals (enrollment_cancelled withdraws the old letter, enrollment_confirmed makes the new
one: school/releases/receivers.py).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school import signals
from school.accounts.models import User
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import EventQuota, EventStatus
from school.dbtypes import utcnow
from school.enrollment import rows
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.enrollment.notify import tell
from school.enrollment.rules import active_enrollment, clean_reason, enrolment_place, reload
from school.errors import DomainError
from school.extensions import db
from school.permissions import can_see_branch, manages_enrollment

S = EnrollmentStatus


def may_substitute(actor: User, enrollment: Enrollment) -> bool:
    return enrollment.status is S.confirmed and manages_enrollment(actor, enrollment)


def _has_quotas(event_id: int) -> bool:
    return db.session.scalar(
        select(EventQuota.id).where(EventQuota.event_id == event_id).limit(1)) is not None


def substitute(enrollment: Enrollment, person: User, actor: User, reason: str, *,
               now: datetime | None = None) -> Enrollment:
    """Replace `enrollment`'s person by `person`; returns the substitute's new row."""
    now = now or utcnow()
    reason = clean_reason(reason)
    event = lock_event(enrollment.event_id)
    enrollment = reload(enrollment)
    if not manages_enrollment(actor, enrollment):
        raise DomainError("forbidden", _l("You cannot change this enrolment."), status=403)
    if enrollment.status is not S.confirmed:
        raise DomainError("not_confirmed", _l("Only a confirmed participant can be replaced."))
    if event.status is not EventStatus.published or event.has_ended(now):
        raise DomainError("event_over", _l("This event is over: nobody can be replaced."))
    if not person.active:
        raise DomainError("person_inactive", _l("This account is switched off."),
                          field="person")
    if not actor.has_role("admin") and not can_see_branch(actor, person.branch_id):
        raise DomainError("forbidden", _l("You can nominate only people of your branch."),
                          status=403)
    if not event.program.is_for(person.category):
        raise DomainError("not_in_audience",
                          _l("This programme is meant for other participant categories."),
                          field="person")
    if active_enrollment(event.id, person.id) is not None:
        raise DomainError("already_enrolled",
                          _l("This person is already enrolled in this event."), field="person")
    region_id, union_id, branch_id = enrolment_place(person)
    if branch_id != enrollment.branch_id and _has_quotas(event.id):
        raise DomainError(
            "other_branch",
            _l("Seats of this event are shared out among branches: the substitute must "
               "belong to the same branch."), field="person")
    enrollment.status = S.cancelled
    enrollment.cancelled_at, enrollment.cancelled_by_id = now, actor.id
    enrollment.reason = str(_l("Replaced by %(name)s: %(reason)s", name=person.full_name,
                               reason=reason))[:500]
    new = Enrollment(
        event_id=event.id, user_id=person.id, status=S.confirmed, created_at=now,
        confirmed_at=now, decided_at=now, decided_by_id=actor.id, nominated_by_id=actor.id,
        region_id=region_id, union_id=union_id, branch_id=branch_id,
        primary_org_id=person.primary_org_id, category=person.category,
        substituted_for_id=enrollment.id,
    )
    rows.insert(new, message=_l("This person is already enrolled in this event."),
                field="person")
    record(actor, "enrollment.substitute", new, replaced_enrollment_id=enrollment.id,
           replaced_user_id=enrollment.user_id, user_id=person.id, reason=reason)
    signals.enrollment_cancelled.send(enrollment=enrollment)
    signals.enrollment_confirmed.send(enrollment=new)
    tell(enrollment, "substituted_out", substitute=person, reason=reason)
    tell(new, "substituted_in", replaced=enrollment.user)
    return new
