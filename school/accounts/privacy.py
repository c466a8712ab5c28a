"""What the data law asks of us beyond the consent itself (issue 13).

- `withdraw`: consent withdrawn stops processing: future enrolments are cancelled through
  the enrolment service (a freed seat promotes the queue), staff no longer see the person's
  contacts (`contacts`), nobody may nominate them (`check_may_nominate`); issued
  certificates and counted statistics stay. Signing in again asks for the consent anew.
- `personal_data`: everything held about a person, for their own download.
- `expired` / `anonymise`: people inactive for RETENTION_YEARS lose their name, contacts,
  IIN (and the birth date in it); enrolment snapshots (the yearly report) and the
  certificate's printed holder name (the registry's "issued to …") are kept.

The other features hold most of a person's records, and accounts sits below them: it never
imports them. They act on the signals (school/signals.py `consent_withdrawn`,
`person_closed`) and fill two registries here: `held` (their part of the person's copy)
and `activity` (their part of "last activity").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from school import signals
from school.accounts.models import Role, RoleGrant, User
from school.audit.services import record
from school.dbtypes import utcnow
from school.errors import DomainError
from school.extensions import db

STAFF_ROLES = (Role.admin, Role.coordinator, Role.instructor)
# The person's copy lists its parts in this order (the JSON and the page); a part not named
# here comes after these.
SECTIONS = ("profile", "consents", "enrolments", "certificates", "release_requests",
            "commission_terms", "sign_ins")
# Section → loader(user) -> rows (dicts): the features' parts of the person's copy.
HELD: dict[str, Callable[[User], list[dict]]] = {}
# Name → (timestamp column, its owner's user id column): what counts as the person's activity.
ACTIVITY: dict[str, tuple] = {}


def held(section: str):
    """Register a feature's part of the person's copy: loader(user) -> list of dicts."""
    def register(loader):
        HELD[section] = loader
        return loader
    return register


def activity(name: str, column, owner) -> None:
    """Count `column` (a timestamp of the rows whose `owner` column is the user's id) as the
    person's activity: the retention period runs from the latest."""
    ACTIVITY[name] = (column, owner)


# --- withdrawal -----------------------------------------------------------------------------


def withdraw(user: User, *, now: datetime | None = None) -> list:
    """Withdraw the person's consent; returns the enrolments cancelled (by the enrolment
    feature's receiver of `consent_withdrawn`: future enrolments, through its service)."""
    now = now or utcnow()
    consent = user.current_consent
    if consent is None or user.consent_withdrawn_at is not None:
        raise DomainError("no_consent", _l("There is no consent to withdraw."))
    consent.withdrawn_at = now
    user.consent_withdrawn_at = now
    user.consent_pending = True  # the next sign-in asks again; no mail but the way back
    future = [e for _receiver, cancelled in signals.consent_withdrawn.send(user=user, now=now)
              for e in cancelled or ()]
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
    """Everything the school holds about `user`, in plain values (JSON and the page): the
    profile, consents and sign-ins here, the rest from the features' `held` loaders."""
    from school.accounts.sessions import UserSession

    data = {
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
        **{section: loader(user) for section, loader in HELD.items()},
        "sign_ins": [{"at": s.created_at, "device": s.device, "address": s.ip_address}
                     for s in db.session.scalars(select(UserSession).where(
                         UserSession.user_id == user.id).order_by(UserSession.created_at))],
    }
    order = {section: i for i, section in enumerate(SECTIONS)}
    return dict(sorted(data.items(), key=lambda item: order.get(item[0], len(order))))


# --- retention --------------------------------------------------------------------------


def last_activity_column():
    """A person's last activity: the latest of the account's creation, a sign-in, an
    enrolment, a completion and a consent given or withdrawn (the features register theirs
    with `activity`)."""
    from school.accounts.models import ConsentRecord
    from school.accounts.sessions import UserSession

    def latest(column, owner):
        return select(func.max(column)).where(owner == User.id).scalar_subquery()

    candidates = [
        latest(UserSession.created_at, UserSession.user_id),
        *(latest(column, owner) for column, owner in ACTIVITY.values()),
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
    now = now or utcnow()
    user.full_name = str(_l("Anonymised person %(n)d", n=user.id))
    user.email = f"anonymised-{user.id}@invalid"
    user.phone = user.iin = None
    for key in free_text_columns():
        setattr(user, key, None)
    user.anonymised_at = now
    for consent in user.consents:
        consent.ip_address = None
    close(user)
    db.session.flush()
    record(None, "user.anonymised", user)


def close(user: User) -> None:
    """The account can no longer be used (merged away or anonymised): no password, no
    sign-in, and the features revoke what else lets it in (`person_closed`: calendar feed
    tokens)."""
    from school.accounts.sessions import UserSession

    user.password_hash = None
    user.active = False
    db.session.execute(UserSession.__table__.delete().where(UserSession.user_id == user.id))
    signals.person_closed.send(user=user)


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

