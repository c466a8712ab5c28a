"""Held seats: a branch quota that is a reservation (issue 22, item 4).

A quota is a *ceiling* (at most N people of the branch; the default and the older
behaviour) or a *reservation*: N seats kept for the branch until its release date (by
default 7 days before the start). Beyond its held seats the branch competes for the common
pool like everyone (Seats.allows). On the release date `flask release-held-seats` returns
the unused held seats to the pool and promotes the waiting list in order; coordinators are
told two days before and after.

Exactly once: each quota's `released_at` (and `release_warned_at`) is set under the event's
lock, read again after taking it, so a second run, or two workers at once, find it done.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.accounts.models import Role, RoleGrant, User
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventQuota, EventStatus
from school.dbtypes import utcnow
from school.enrollment.seats import CEILING, RESERVE, branch_taken, fill_free_seats
from school.errors import DomainError
from school.extensions import db, write_transaction
from school.mail import queue_mail
from school.timeutil import to_local

MODES = (CEILING, RESERVE)
DEFAULT_DAYS_BEFORE = 7
WARN_DAYS_BEFORE = 2


def release_date(quota: EventQuota, event: Event) -> date:
    return quota.release_on or event.starts_on - timedelta(days=DEFAULT_DAYS_BEFORE)


def set_mode(quota: EventQuota, mode: str, release_on: date | None, actor: User) -> EventQuota:
    """Make a quota a ceiling or a reservation (with its release date, default 7 days
    before the start). A released reservation stays released."""
    if mode not in MODES:
        raise DomainError("mode_invalid", _l("Choose a ceiling or a reservation."), field="mode")
    event = lock_event(quota.event_id)
    if release_on is not None and release_on > event.starts_on:
        raise DomainError("release_after_start",
                          _l("Held seats must be released before the event starts."),
                          field="release_on")
    quota.mode = mode
    quota.release_on = release_on if mode == RESERVE else None
    db.session.flush()
    record(actor, "quota.mode", quota, mode=mode,
           release_on=quota.release_on.isoformat() if quota.release_on else None)
    if mode == CEILING:
        fill_free_seats(event)
    return quota


def coordinators_of(branch_id: int) -> list[User]:
    """The branch's coordinators, else its union's."""
    from school.orgs.models import Branch

    branch = db.session.get(Branch, branch_id)
    for column, value in ((RoleGrant.branch_id, branch_id),
                          (RoleGrant.union_id, branch.union_id if branch else None)):
        if value is None:
            continue
        people = list(db.session.scalars(
            select(User).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.coordinator, column == value, User.active.is_(True))
            .distinct()
        ))
        if people:
            return people
    return []


def _tell_coordinators(quota: EventQuota, event: Event, template: str, **extra) -> None:
    for person in coordinators_of(quota.branch_id):
        queue_mail(person.email, template, locale=person.locale, user=person, event=event,
                   quota=quota, release_on=release_date(quota, event), **extra)


def _candidates(today: date) -> list[tuple[int, int]]:
    """(event id, quota id) of reservations still held in published events that are due a
    warning or a release today; the date rule runs here, not in SQL (two dialects)."""
    rows = db.session.execute(
        select(EventQuota, Event)
        .join(Event, Event.id == EventQuota.event_id)
        .where(EventQuota.mode == RESERVE, EventQuota.released_at.is_(None),
               Event.status == EventStatus.published,
               Event.starts_on >= today - timedelta(days=1))
    ).all()
    due = []
    for quota, event in rows:
        if release_date(quota, event) - timedelta(days=WARN_DAYS_BEFORE) <= today:
            due.append((event.id, quota.id))
    return sorted(due)


def release_due(*, now: datetime | None = None) -> dict[str, int]:
    """Warn of, and release, the reservations that are due; one committed transaction per
    event. Safe to run every hour, twice, or in two workers at once."""
    now = now or utcnow()
    today = to_local(now).date()
    result = {"warned": 0, "released": 0, "promoted": 0}
    with write_transaction():
        candidates = _candidates(today)
    by_event: dict[int, list[int]] = {}
    for event_id, quota_id in candidates:
        by_event.setdefault(event_id, []).append(quota_id)
    for event_id in sorted(by_event):
        with write_transaction():
            event = lock_event(event_id)
            quotas = list(db.session.scalars(
                select(EventQuota).where(EventQuota.id.in_(by_event[event_id]))
                .order_by(EventQuota.id).execution_options(populate_existing=True)))
            released = []
            for quota in quotas:
                if quota.mode != RESERVE or quota.released_at is not None:
                    continue  # another run got here first
                day = release_date(quota, event)
                if day <= today:
                    quota.released_at = now
                    released.append(quota)
                elif quota.release_warned_at is None:
                    quota.release_warned_at = now
                    result["warned"] += 1
                    unused = max(0, quota.seats - branch_taken(event.id, quota.branch_id))
                    _tell_coordinators(quota, event, "held_seats_soon", unused=unused)
            db.session.flush()
            if not released:
                continue
            for quota in released:
                unused = max(0, quota.seats - branch_taken(event.id, quota.branch_id))
                record(None, "quota.released", quota, event_id=event.id, unused=unused)
                _tell_coordinators(quota, event, "held_seats_released", unused=unused)
            result["released"] += len(released)
            result["promoted"] += len(fill_free_seats(event, now=now))
    return result


def held_seats_job() -> dict[str, int]:
    """RQ entry point (school/enrollment/rq_cron.py): `release_due` in the worker's app."""
    from school.enrollment.schedule import in_worker_app

    return in_worker_app(release_due)
