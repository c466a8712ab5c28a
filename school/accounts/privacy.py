"""What the data law asks of us beyond the consent itself (issue 13).

- `withdraw`: consent withdrawn stops processing: future enrolments are cancelled through
  the enrolment service (a freed seat promotes the queue), staff no longer see the person's
  contacts (`contacts`), nobody may nominate them (`check_may_nominate`); issued
  certificates and counted statistics stay. Signing in again asks for the consent anew.
- `personal_data`: everything held about a person, for their own download.
- `expired` / `anonymise`: people inactive for RETENTION_YEARS lose their name, contacts,
  IIN (and the birth date in it); enrolment snapshots (the yearly report) and the
  certificate's printed holder name (the registry's "issued to …") are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school.accounts.models import Role, RoleGrant, User
from school.audit.services import record
from school.dbtypes import utcnow
from school.errors import DomainError
from school.extensions import db

STAFF_ROLES = (Role.admin, Role.coordinator, Role.instructor)


# --- withdrawal -----------------------------------------------------------------------------


def withdraw(user: User, *, now: datetime | None = None) -> list:
    """Withdraw the person's consent; returns the enrolments cancelled."""
    from school.catalog.models import EventSession
    from school.enrollment import services as enrolment
    from school.enrollment.models import Enrollment

    now = now or utcnow()
    consent = user.current_consent
    if consent is None or user.consent_withdrawn_at is not None:
        raise DomainError("no_consent", _l("There is no consent to withdraw."))
    consent.withdrawn_at = now
    user.consent_withdrawn_at = now
    user.consent_pending = True  # the next sign-in asks again; no mail but the way back
    first_start = (select(func.min(EventSession.starts_at))
                   .where(EventSession.event_id == Enrollment.event_id).scalar_subquery())
    future = list(db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id,
                                 Enrollment.status.in_(enrolment.CANCELLABLE),
                                 first_start > now)
        .order_by(Enrollment.id)))
    from school.catalog.locking import lock_event

    for event_id in sorted({e.event_id for e in future}):  # id order, as transfers lock
        lock_event(event_id)
    for enrollment in future:
        # The person's own cancellation: the seat goes to the head of the queue at once.
        enrolment.cancel(enrollment, user, str(_l("Consent to personal-data processing "
                                                  "withdrawn.")), now=now)
    db.session.flush()
    record(user, "user.consent_withdrawn", user, cancelled=[e.id for e in future])
    return future


def check_may_nominate(user: User) -> None:
    """Staff may not enrol a person who withdrew their consent (or was anonymised)."""
    if user.consent_withdrawn_at is not None or user.anonymised_at is not None:
        raise DomainError("consent_withdrawn", _l(
            "This person has withdrawn their consent to personal-data processing: they "
            "cannot be nominated until they consent again."))


# --- what staff see -----------------------------------------------------------------------


@dataclass(frozen=True)
class Contacts:
    email: str
    phone: str
    hidden: bool


def contacts(user: User) -> Contacts:
    """The one place that decides whether staff pages and exports show a person's e-mail
    and phone: not after the consent is withdrawn, nor once anonymised."""
    if user.consent_withdrawn_at is not None or user.anonymised_at is not None:
        return Contacts("", "", True)
    return Contacts(user.email or "", user.phone or "", False)


# --- the person's copy ----------------------------------------------------------------------


def personal_data(user: User) -> dict:
    """Everything the school holds about `user`, in plain values (JSON and the page)."""
    from school.accounts.sessions import UserSession
    from school.catalog.models import Event
    from school.certificates.models import Certificate
    from school.commissions.models import Member
    from school.enrollment.models import Enrollment
    from school.i18n_fields import localized
    from school.releases.models import ReleaseRequest

    enrolments = db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id)
        .options(selectinload(Enrollment.event).selectinload(Event.program))
        .order_by(Enrollment.created_at)).all()
    by_id = {e.id: e for e in enrolments}
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.enrollment_id.in_(list(by_id) or [0]))
        .order_by(Certificate.issued_at)).all()
    marks = _marks(list(by_id))
    return {
        "profile": {
            "full_name": user.full_name, "email": user.email, "phone": user.phone,
            "iin": user.iin, "category": user.category.label if user.category else None,
            "position": user.position, "workplace": user.workplace,
            "region": user.region.name if user.region else None,
            "sectoral_union": user.union.name if user.union else None,
            "branch": user.branch.name if user.branch else None,
            "primary_organisation": user.primary_org.name if user.primary_org else None,
            "language": user.locale, "created_at": user.created_at,
            "roles": sorted(user.roles),
        },
        "consents": [{"text_version": c.text_version, "language": c.locale,
                      "given_at": c.granted_at, "withdrawn_at": c.withdrawn_at,
                      "address": c.ip_address} for c in user.consents],
        "enrolments": [{
            "event": localized(e.event.program, "title"), "event_id": e.event_id,
            "status": e.status.label, "enrolled_at": e.created_at,
            "completed_at": e.completed_at, "attendance": marks.get(e.id, []),
        } for e in enrolments],
        "certificates": [{"number": c.number, "holder_name": c.holder_name,
                          "issued_at": c.issued_at, "revoked_at": c.revoked_at}
                         for c in certificates],
        "release_requests": [{"event_id": r.event_id, "first_day": r.first_day,
                              "last_day": r.last_day, "state": r.state.value}
                             for r in db.session.scalars(select(ReleaseRequest).where(
                                 ReleaseRequest.user_id == user.id))],
        "commission_terms": [{"body_id": m.body_id, "role": m.role.value,
                              "term_start": m.term_start, "term_end": m.term_end}
                             for m in db.session.scalars(select(Member).where(
                                 Member.user_id == user.id))],
        "sign_ins": [{"at": s.created_at, "device": s.device, "address": s.ip_address}
                     for s in db.session.scalars(select(UserSession).where(
                         UserSession.user_id == user.id).order_by(UserSession.created_at))],
    }


def _marks(enrollment_ids: list[int]) -> dict[int, list[dict]]:
    from school.attendance.models import AttendanceMark

    out: dict[int, list[dict]] = {}
    if not enrollment_ids:
        return out
    for m in db.session.scalars(select(AttendanceMark).where(
            AttendanceMark.enrollment_id.in_(enrollment_ids)).order_by(AttendanceMark.id)):
        out.setdefault(m.enrollment_id, []).append(
            {"session_id": m.session_id, "status": m.status.value, "marked_at": m.marked_at})
    return out


# --- retention --------------------------------------------------------------------------


def last_activity_column():
    """A person's last activity: the latest of the account's creation, a sign-in, an
    enrolment, a completion and a consent given or withdrawn."""
    from school.accounts.models import ConsentRecord
    from school.accounts.sessions import UserSession
    from school.enrollment.models import Enrollment

    def latest(column, owner):
        return select(func.max(column)).where(owner == User.id).scalar_subquery()

    candidates = [
        latest(UserSession.created_at, UserSession.user_id),
        latest(Enrollment.created_at, Enrollment.user_id),
        latest(Enrollment.completed_at, Enrollment.user_id),
        latest(ConsentRecord.granted_at, ConsentRecord.user_id),
        latest(ConsentRecord.withdrawn_at, ConsentRecord.user_id),
    ]
    # MAX of the non-NULL ones (COALESCE each with the account's creation).
    return func.max(User.created_at, *[func.coalesce(c, User.created_at) for c in candidates]) \
        if db.engine.dialect.name == "sqlite" else \
        func.greatest(User.created_at, *[func.coalesce(c, User.created_at) for c in candidates])


def expired(now: datetime | None = None) -> list[tuple[User, datetime]]:
    """People whose last activity is older than the retention period (staff excluded:
    their data are kept under their employment, not this consent)."""
    now = now or utcnow()
    years = current_app.config["RETENTION_YEARS"]
    cutoff = now - timedelta(days=round(365.25 * years))
    last = last_activity_column().label("last_activity")
    rows = db.session.execute(
        select(User, last)
        .where(User.anonymised_at.is_(None),
               ~User.grants.any(RoleGrant.role.in_(STAFF_ROLES)))
        .where(last < cutoff)
        .order_by(User.id)).all()
    return [(user, _aware(at)) for user, at in rows]


def _aware(value):
    from datetime import UTC

    if isinstance(value, str):  # SQLite's MAX() over timestamps answers the stored text
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def anonymise(user: User, *, now: datetime | None = None) -> None:
    """Remove what identifies the person; keep the row (enrolment snapshots, the yearly
    report's distinct people, certificates' printed holder name)."""
    from school.accounts.sessions import UserSession
    from school.catalog.models import CalendarToken

    now = now or utcnow()
    user.full_name = str(_l("Anonymised person %(n)d", n=user.id))
    user.email = f"anonymised-{user.id}@invalid"
    user.phone = user.iin = None
    for key in free_text_columns():
        setattr(user, key, None)
    user.password_hash = None
    user.active = False
    user.anonymised_at = now
    for consent in user.consents:
        consent.ip_address = None
    db.session.execute(UserSession.__table__.delete().where(UserSession.user_id == user.id))
    db.session.execute(CalendarToken.__table__.delete().where(CalendarToken.user_id == user.id))
    db.session.flush()
    record(None, "user.anonymised", user)


def free_text_columns() -> list[str]:
    """The profile's free-text columns about the person's job (one per language, if any)."""
    keys = User.__mapper__.column_attrs.keys()
    return [k for k in keys if k.startswith(("position", "workplace"))]


def anonymise_expired(*, dry_run: bool, now: datetime | None = None) -> list[tuple]:
    found = expired(now)
    if not dry_run:
        for user, _last in found:
            anonymise(user, now=now)
    return found

