"""Release requests: created when a seat is confirmed, sent to the employer's HR with a
signed link, answered without an account, reminded, and counted against the yearly cap.

States: not_needed (a format that needs no release: RELEASE_FORMATS), to_send (held for the
coordinator: over the cap, no employer, no HR address; or queued for sending), sent,
released, refused (refused or another person proposed), no_answer (no answer by
RELEASE_REMIND_DAYS working days before the start; an answer may still come).

The answer link carries the request's id and a nonce, signed (itsdangerous) for this one
purpose; it expires (RELEASE_LINK_MAX_AGE_DAYS) and answers are taken only until the first
session starts. Re-sending draws a new nonce, which kills earlier links.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from school.accounts.models import Role, RoleGrant, User
from school.audit.services import record
from school.certificates import documents
from school.core.text import one_line
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.mail import absolute_url, pending_mail, queue_mail
from school.releases import letters
from school.releases.models import (
    HoldReason,
    ReleaseAnswer,
    ReleaseRequest,
    ReleaseState,
)
from school.timeutil import to_local

S = ReleaseState
# States whose days count against the cap: promised or on their way to the employer.
COMMITTED = (S.sent, S.released, S.no_answer)
ANSWERED = (S.released, S.refused)
DISPATCH_KEY = "releases_to_dispatch"
REASON_MAX = 1000


def _setting(name: str, default):
    return documents.setting(name, default)


def release_formats() -> set[str]:
    raw = str(_setting("RELEASE_FORMATS", "in_person,hybrid"))
    return {part.strip() for part in raw.split(",") if part.strip()}


def remind_days() -> int:
    return int(_setting("RELEASE_REMIND_DAYS", 5))


def working_days_before(day: date, n: int) -> date:
    """The date `n` working days (Monday to Friday) before `day`."""
    while n > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


# --- counting days --------------------------------------------------------------------------


def days_counted(user_id: int, year: int, agreement_id: int | None, *, states=COMMITTED,
                 exclude_id: int | None = None) -> int:
    """Days of the person's requests in `year` under the agreement in `states`."""
    query = select(func.coalesce(func.sum(ReleaseRequest.days), 0)).where(
        ReleaseRequest.user_id == user_id,
        ReleaseRequest.year == year,
        ReleaseRequest.agreement_id == agreement_id,
        ReleaseRequest.state.in_(list(states)),
        ReleaseRequest.withdrawn_at.is_(None),
    )
    if exclude_id is not None:
        query = query.where(ReleaseRequest.id != exclude_id)
    return int(db.session.scalar(query) or 0)


def days_left(request: ReleaseRequest) -> int | None:
    """Paid days still free this year under the request's agreement (None: no cap)."""
    if request.agreement is None:
        return None
    used = days_counted(request.user_id, request.year, request.agreement_id,
                        exclude_id=request.id)
    return max(0, request.agreement.paid_days - used)


def _hold_reason(request: ReleaseRequest) -> HoldReason | None:
    if request.employer is None:
        return HoldReason.no_employer
    if not request.employer.emails:
        return HoldReason.no_email
    left = days_left(request)
    if left is not None and request.days > left:
        return HoldReason.over_cap
    return None


# --- creating and sending ---------------------------------------------------------------------


def create_for(enrollment: Enrollment) -> ReleaseRequest | None:
    """The enrolment's release request, made when its seat is confirmed. A request that
    can go is queued for sending after the commit (see dispatch_queued); one that cannot
    is held for the coordinator, who is told why (over the cap: with the days left)."""
    existing = db.session.scalar(
        select(ReleaseRequest).where(ReleaseRequest.enrollment_id == enrollment.id)
    )
    if existing is not None:
        return existing
    event = enrollment.event
    user = enrollment.user
    days = documents.session_days(event)
    employer = letters.employer_of(user)
    agreement = letters.agreement_for(enrollment.union_id or user.union_id, employer)
    request = ReleaseRequest(
        enrollment_id=enrollment.id, event_id=event.id, user_id=user.id,
        branch_id=enrollment.branch_id, employer_id=employer.id if employer else None,
        agreement_id=agreement.id if agreement else None, year=days[0].year,
        days=len(days), hours=documents.event_hours(event), first_day=days[0],
        last_day=days[-1], nonce=secrets.token_hex(8), state=S.to_send,
    )
    request.employer, request.agreement = employer, agreement
    if event.format.value not in release_formats():
        request.state = S.not_needed
    db.session.add(request)
    db.session.flush()
    if request.state is S.to_send:
        request.hold_reason = _hold_reason(request)
        if request.hold_reason is None:
            db.session().info.setdefault(DISPATCH_KEY, set()).add(request.id)
        elif request.hold_reason is HoldReason.over_cap:
            # Flagged before sending, with the days left. A missing employer or HR address
            # is shown on the list instead: mailing it would repeat for every enrolment.
            _tell_staff(request, "release_held", days_left=days_left(request))
    record(None, "releases.request_created", request, state=request.state.value,
           hold=request.hold_reason.value if request.hold_reason else None)
    return request


def refresh(request: ReleaseRequest) -> ReleaseRequest:
    """Look again at an unsent request's employer, agreement and cap (an employer or an
    agreement was added since); queue it for sending when nothing holds it any more."""
    if request.state is not S.to_send:
        return request
    enrollment = request.enrollment
    employer = letters.employer_of(enrollment.user)
    agreement = letters.agreement_for(enrollment.union_id or enrollment.user.union_id, employer)
    request.employer, request.agreement = employer, agreement
    request.hold_reason = _hold_reason(request)
    db.session.flush()
    if request.hold_reason is None:
        db.session().info.setdefault(DISPATCH_KEY, set()).add(request.id)
    return request


def forget_queued(request: ReleaseRequest) -> None:
    db.session().info.get(DISPATCH_KEY, set()).discard(request.id)


def dispatch_queued() -> int:
    """Send the requests queued in this session (call after the enrolment committed)."""
    ids = db.session().info.pop(DISPATCH_KEY, set())
    sent = 0
    for request_id in sorted(ids):
        request = db.session.get(ReleaseRequest, request_id)
        if (request is None or request.state is not S.to_send or request.hold_reason
                is not None or request.withdrawn_at is not None):
            continue
        # Looked at again: another request of the person may have used the days meanwhile.
        request.hold_reason = _hold_reason(request)
        if request.hold_reason is HoldReason.over_cap:
            _tell_staff(request, "release_held", days_left=days_left(request))
        if request.hold_reason is None:
            send(request)
            sent += 1
    db.session.flush()
    return sent


def send(request: ReleaseRequest, *, actor: User | None = None, force: bool = False,
         now: datetime | None = None) -> ReleaseRequest:
    """Issue the letter and mail HR with a fresh answer link. `force`: the coordinator
    sends a request held over the cap anyway."""
    if request.withdrawn_at is not None or request.enrollment.status not in (
        EnrollmentStatus.confirmed, EnrollmentStatus.completed
    ):
        raise DomainError("request_withdrawn", _l("The enrolment was cancelled."))
    if request.state is S.not_needed:
        raise DomainError("not_needed", _l("This training needs no release from work."))
    if request.state in ANSWERED:
        raise DomainError("already_answered", _l("The employer has already answered."))
    employer = request.employer
    if employer is None:
        raise DomainError("no_employer", _l("The person's employer is not known."))
    if not employer.emails:
        raise DomainError("no_email", _l("The employer has no HR e-mail address."))
    reason = _hold_reason(request)
    if reason is HoldReason.over_cap and not force:
        raise DomainError("over_cap", _l("This request would pass the paid-days cap."))
    lang = employer.language
    letter = letters.issue("release", lang, request.enrollment, employer=employer,
                           agreement=request.agreement, limit=False)
    request.letter_id = letter.id
    request.nonce = secrets.token_hex(8)
    request.state = S.sent
    request.hold_reason = None
    request.sent_at = now or utcnow()
    request.reminded_at = None
    db.session.flush()
    _mail_hr(request, "release_request", letter)
    record(actor, "releases.request_sent", request, letter=letter.number, forced=force)
    return request


def _mail_hr(request: ReleaseRequest, template: str, letter=None, *,
             attach: bool = True) -> None:
    employer = request.employer
    letter = (letter or request.letter) if attach else None
    context = _context(request)
    for address in employer.emails:
        before = len(pending_mail())
        queue_mail(address, template, locale=employer.language, **context)
        queued = pending_mail()
        if letter is not None and len(queued) > before:  # nothing queued when suppressed
            queued[-1].attach(f"{letter.number}.pdf", letter.pdf, "application/pdf")


def _context(request: ReleaseRequest) -> dict:
    event = request.event
    return {
        "request": request,
        "event": event,
        "person": request.user,
        "employer": request.employer,
        "letter": request.letter,
        "answer_link": answer_url(request),
        "dates": documents.fmt_dates(request.first_day, request.last_day),
        "deadline": answer_deadline(request),
        "days_left": days_left(request),
        "manage_link": absolute_url("releases.detail", request_id=request.id),
    }


def _coordinators(request: ReleaseRequest) -> list[User]:
    """The branch's coordinators, else the union's."""
    enrollment = request.enrollment
    for column, value in ((RoleGrant.branch_id, enrollment.branch_id),
                          (RoleGrant.union_id, enrollment.union_id)):
        if value is None:
            continue
        people = db.session.scalars(
            select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
                RoleGrant.role == Role.coordinator, column == value, User.active.is_(True)
            ).distinct()
        ).all()
        if people:
            return list(people)
    return []


def _tell_staff(request: ReleaseRequest, template: str, **extra) -> None:
    context = {**_context(request), **extra}
    for person in _coordinators(request):
        queue_mail(person.email, template, locale=person.locale, recipient=person, **context)


# --- the answer link --------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="release-answer")


def make_token(request: ReleaseRequest) -> str:
    return _serializer().dumps([request.id, request.nonce])


def answer_url(request: ReleaseRequest) -> str:
    return absolute_url("releases.answer", request_id=request.id, token=make_token(request))


def answer_deadline(request: ReleaseRequest) -> datetime:
    """Answers are taken (and changed) until the first session starts."""
    return request.event.first_start


def request_for_token(request_id: int, token: str) -> ReleaseRequest:
    """The request this link was made for; refuses another request's id, a forged or
    re-sent link and an expired one."""
    max_age = int(_setting("RELEASE_LINK_MAX_AGE_DAYS", 60)) * 86400
    try:
        signed_id, nonce = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError("token_expired", _l("This link has expired."), status=410) from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError("token_invalid", _l("This link is not valid."), status=404) from None
    if signed_id != request_id:
        raise DomainError("token_invalid", _l("This link is not valid."), status=404)
    request = db.session.get(ReleaseRequest, request_id)
    if request is None or not secrets.compare_digest(str(nonce), request.nonce):
        raise DomainError("token_invalid", _l("This link is not valid."), status=404)
    if request.withdrawn_at is not None:
        raise DomainError(
            "request_withdrawn", _l("This request was withdrawn: the enrolment was cancelled."),
            status=410,
        )
    return request


def answer(request: ReleaseRequest, choice: str, *, reason: str | None = None,
           proposed_name: str | None = None, address: str | None = None,
           now: datetime | None = None) -> ReleaseRequest:
    """Record the employer's answer (release, refuse with a reason, or propose another
    person); it may be changed until the deadline. The trainee and coordinators are told."""
    now = now or utcnow()
    if now >= answer_deadline(request):
        raise DomainError(
            "answer_closed", _l("The training has started: the answer can no longer be "
                                "given or changed here."), status=409,
        )
    try:
        choice_value = ReleaseAnswer(choice)
    except ValueError:
        raise DomainError("answer_invalid", _l("Choose an answer."), field="choice") from None
    reason = one_line(reason, REASON_MAX) or None
    proposed_name = one_line(proposed_name, 200) or None
    if choice_value is ReleaseAnswer.refuse and not reason:
        raise DomainError("reason_required", _l("Give the reason for the refusal."),
                          field="reason")
    if choice_value is ReleaseAnswer.substitute and not proposed_name:
        raise DomainError("proposed_name_required", _l("Name the person you propose."),
                          field="proposed_name")
    changed = request.answer is not None
    request.answer = choice_value
    request.state = S.released if choice_value is ReleaseAnswer.release else S.refused
    request.answer_reason = reason
    request.proposed_name = proposed_name if choice_value is ReleaseAnswer.substitute else None
    request.answered_at = now
    request.answer_address = (address or "")[:64] or None
    db.session.flush()
    record(None, "releases.answered", request, answer=choice_value.value, changed=changed,
           address=request.answer_address)
    person = request.user
    queue_mail(person.email, "release_answered", locale=person.locale, **_context(request))
    _tell_staff(request, "release_answered_staff")
    return request


def local_deadline(request: ReleaseRequest) -> datetime:
    return to_local(answer_deadline(request))

