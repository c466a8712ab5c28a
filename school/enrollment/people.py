"""The enrolment feature's part in what happens to a person (school/accounts): a merge of
duplicates, a consent withdrawn, the person's copy of their data, their last activity.

Accounts sits below the enrolments and never imports them: it sends the signals
(school/signals.py) and reads the registries (school/accounts/privacy.py) filled here.
Imported by views.py, so the receivers connect whenever the app exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import event as sa_event
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from school import signals
from school.accounts import privacy
from school.accounts.duplicates import move_rows
from school.accounts.models import User
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventSession
from school.enrollment import services as enrolment
from school.enrollment.models import CANCELLABLE_STATUSES, Enrollment
from school.errors import DomainError
from school.extensions import db
from school.i18n_fields import localized

# Better first: which of two enrolments in one event a merge keeps.
STATUS_RANK = ("completed", "not_completed", "confirmed", "pending", "waitlisted",
               "cancelled", "rejected")
# Key → loader(enrolment ids) -> {enrolment id: rows}: what features above the enrolments
# (attendance marks) add to each enrolment of the person's copy; [] where a loader has none.
DETAILS: dict[str, Callable[[list[int]], dict[int, list]]] = {}

privacy.activity("enrolled", Enrollment.created_at, Enrollment.user_id)
privacy.activity("completed", Enrollment.completed_at, Enrollment.user_id)


def _lock_events(*user_ids: int) -> None:
    """Lock every event the people hold an active enrolment in, in id order (as transfers
    and bulk decisions lock theirs): no deadlock with them, and no enrolment of theirs
    slips in between the checks and the change."""
    for event_id in sorted(set(db.session.scalars(select(Enrollment.event_id).where(
            Enrollment.user_id.in_(user_ids), Enrollment.status.in_(CANCELLABLE_STATUSES))))):
        lock_event(event_id)


@signals.person_merging.connect
def _settle_before_merge(_sender=None, *, keep: User, other: User, actor: User,
                         **_kw) -> list[tuple]:
    """Two enrolments in one event: keep the better, settle the worse before rows move."""
    _lock_events(keep.id, other.id)
    mine = {e.event_id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == keep.id))}
    settled: list[tuple] = []
    for theirs in db.session.scalars(
            select(Enrollment).where(Enrollment.user_id == other.id).order_by(Enrollment.id)):
        ours = mine.get(theirs.event_id)
        if ours is None:
            continue
        better, worse = sorted((ours, theirs), key=lambda e: STATUS_RANK.index(e.status.value))
        if worse.status.value in ("completed", "not_completed"):
            raise DomainError("merge_conflict", _l(
                "Both people completed the same event (no. %(id)d): revoke one of the "
                "certificates and correct the attendance first.", id=theirs.event_id))
        settled.append((theirs.event_id, better.status, worse.status))
        if worse.status.is_cancellable:
            enrolment.cancel(worse, actor, str(_l("Duplicate account merged.")))
        if better is theirs:
            mine[theirs.event_id] = theirs
    return settled


@signals.person_merged.connect
def _move_on_merge(_sender=None, *, keep: User, other: User, **_kw) -> dict[str, int]:
    return move_rows(Enrollment.user_id, keep, other)


@signals.consent_withdrawn.connect
def _cancel_future(_sender=None, *, user: User, now: datetime, **_kw) -> list[Enrollment]:
    """Consent withdrawn stops processing: the person's enrolments in events not yet begun
    are cancelled, as the person's own cancellation (the seat goes to the queue at once)."""
    first_start = (select(func.min(EventSession.starts_at))
                   .where(EventSession.event_id == Enrollment.event_id).scalar_subquery())
    future = list(db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id,
                                 Enrollment.status.in_(CANCELLABLE_STATUSES),
                                 first_start > now)
        .order_by(Enrollment.id)))
    for event_id in sorted({e.event_id for e in future}):  # id order, as transfers lock
        lock_event(event_id)
    for enrollment in future:
        enrolment.cancel(enrollment, user, str(_l("Consent to personal-data processing "
                                                  "withdrawn.")), now=now)
    return future


@privacy.held("enrolments")
def _enrolments(user: User) -> list[dict]:
    enrolments = db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id)
        .options(selectinload(Enrollment.event).selectinload(Event.program))
        .order_by(Enrollment.created_at)).all()
    ids = [e.id for e in enrolments]
    details = {key: loader(ids) if ids else {} for key, loader in DETAILS.items()}
    return [{
        "event": localized(e.event.program, "title"), "event_id": e.event_id,
        "status": e.status.label, "enrolled_at": e.created_at,
        "completed_at": e.completed_at,
        **{key: found.get(e.id, []) for key, found in details.items()},
    } for e in enrolments]


@sa_event.listens_for(db.session, "before_flush")
def _refuse_withdrawn(session, _context, _instances) -> None:
    """Nobody enrols a person who withdrew their consent (or was anonymised): a nomination,
    a list upload or a staff enrolment is refused with `consent_withdrawn`, at the one place
    every path passes through."""
    unknown: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Enrollment):
            # The person as already loaded (no query per enrolment of a long list).
            person = obj.__dict__.get("user") or session.identity_map.get(
                identity_key(User, obj.user_id))
            if person is not None and "consent_withdrawn_at" in person.__dict__:
                privacy.check_may_nominate(person)
            elif obj.user_id is not None:
                unknown.add(obj.user_id)
    if unknown:
        with session.no_autoflush:
            refused = session.scalar(select(User).where(
                User.id.in_(unknown), or_(User.consent_withdrawn_at.is_not(None),
                                          User.anonymised_at.is_not(None))).limit(1))
        if refused is not None:
            privacy.check_may_nominate(refused)
