"""What happens to release requests later: reminders before the start, withdrawal when the
enrolment is cancelled, and new days when the event changes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from school.audit.services import record
from school.certificates import documents
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.releases import letters
from school.releases.models import HoldReason, ReleaseRequest
from school.releases.requests import (
    DISPATCH_KEY,
    S,
    _hold_reason,
    _mail_hr,
    _tell_staff,
    days_left,
    dispatch_queued,
    forget_queued,
    release_formats,
    remind_days,
    working_days_before,
)
from school.timeutil import local_today

# --- reminders --------------------------------------------------------------------------------


def send_reminders(*, today: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """Send what is queued, then remind HR of requests unanswered N working days before
    the start (state no_answer, coordinators told). Each reminder goes once."""
    today = today or local_today()
    now = now or utcnow()
    queued = db.session.scalars(
        select(ReleaseRequest.id)
        .join(Enrollment, Enrollment.id == ReleaseRequest.enrollment_id)
        .where(ReleaseRequest.state == S.to_send, ReleaseRequest.hold_reason.is_(None),
               ReleaseRequest.withdrawn_at.is_(None),
               Enrollment.status == EnrollmentStatus.confirmed,
               ReleaseRequest.first_day >= today)
    ).all()
    db.session().info.setdefault(DISPATCH_KEY, set()).update(queued)
    sent = dispatch_queued()
    candidates = db.session.scalars(
        select(ReleaseRequest)
        .join(Enrollment, Enrollment.id == ReleaseRequest.enrollment_id)
        .where(ReleaseRequest.state == S.sent, ReleaseRequest.reminded_at.is_(None),
               ReleaseRequest.withdrawn_at.is_(None),
               Enrollment.status == EnrollmentStatus.confirmed,
               ReleaseRequest.first_day >= today)
        .order_by(ReleaseRequest.id)
    ).all()
    reminded = 0
    days = remind_days()
    for request in candidates:
        if today < working_days_before(request.first_day, days):
            continue
        request.state = S.no_answer
        request.reminded_at = now
        db.session.flush()
        _mail_hr(request, "release_reminder")
        _tell_staff(request, "release_no_answer_staff")
        record(None, "releases.reminded", request)
        reminded += 1
    return {"sent": sent, "reminded": reminded}


def withdraw(enrollment: Enrollment) -> None:
    """The enrolment was cancelled: its request and letters stop being valid, and HR, if
    it was asked, is told that the person will not come."""
    request = db.session.scalar(
        select(ReleaseRequest).where(ReleaseRequest.enrollment_id == enrollment.id)
    )
    if request is not None and request.withdrawn_at is None:
        request.withdrawn_at = utcnow()
        forget_queued(request)
        if request.sent_at is not None and request.employer is not None:
            _mail_hr(request, "release_withdrawn", attach=False)
    letters.withdraw_all(enrollment.id)


def event_changed(event) -> int:
    """The event's days or format changed: requests whose days changed get a new letter
    (the old one is withdrawn), their answer is cleared and they are sent again."""
    rows = db.session.scalars(
        select(ReleaseRequest)
        .join(Enrollment, Enrollment.id == ReleaseRequest.enrollment_id)
        .where(ReleaseRequest.event_id == event.id, ReleaseRequest.withdrawn_at.is_(None),
               Enrollment.status == EnrollmentStatus.confirmed)
    ).all()
    if not rows:
        return 0
    days = documents.session_days(event)
    needed = event.format.value in release_formats()
    changed = 0
    for request in rows:
        same_days = (request.days, request.first_day, request.last_day) == (
            len(days), days[0], days[-1])
        if same_days and needed == (request.state is not S.not_needed):
            continue
        changed += 1
        request.days, request.first_day, request.last_day = len(days), days[0], days[-1]
        request.year, request.hours = days[0].year, documents.event_hours(event)
        request.answer = request.answer_reason = request.proposed_name = None
        request.answered_at = request.answer_address = request.reminded_at = None
        letters.withdraw_kind(request.enrollment_id, "release")
        request.letter_id = None
        if not needed:
            request.state, request.hold_reason = S.not_needed, None
            forget_queued(request)
            continue
        request.state = S.to_send
        request.hold_reason = _hold_reason(request)
        if request.hold_reason is None:
            db.session().info.setdefault(DISPATCH_KEY, set()).add(request.id)
        elif request.hold_reason is HoldReason.over_cap:
            _tell_staff(request, "release_held", days_left=days_left(request))
    db.session.flush()
    return changed
