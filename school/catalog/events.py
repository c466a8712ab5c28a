"""Events: planning (create, edit, publish, cancel, clone), their quotas and instructors.

Every service takes models and plain values, checks everything before it writes, flushes
and never commits; a broken rule raises DomainError with a stable code, so the caller's
rollback leaves the database as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school import signals
from school.accounts.models import Role, RoleGrant, User
from school.audit.services import record
from school.catalog import hooks
from school.catalog.locking import lock_event
from school.catalog.models import (
    ApprovalMode,
    Event,
    EventFormat,
    EventKind,
    EventQuota,
    EventSession,
    EventStatus,
    Program,
)
from school.catalog.organisers import CENTRE, organizer_of
from school.catalog.rules import (
    check_editable,
    check_year,
    clean,
    enum_choice,
    no_sessions,
    raise_error,
)
from school.catalog.schedule import DailySessions, Slot, check_schedule, daily_sessions, slots
from school.errors import DomainError, Problems
from school.extensions import db
from school.orgs.models import Branch, Region
from school.permissions import can_see_branch
from school.timeutil import local_datetime, now, to_local

# Statuses the public may see (drafts only their managers).
PUBLIC_STATUSES = (EventStatus.published, EventStatus.completed, EventStatus.cancelled)


@dataclass
class EventData:
    program_id: int | None = None
    kind: str = EventKind.seminar.value
    format: str = EventFormat.in_person.value
    organizer: str = CENTRE
    title_ru: str | None = None
    title_kk: str | None = None
    title_en: str | None = None
    region_id: int | None = None
    city_ru: str | None = None
    city_kk: str | None = None
    venue: str | None = None  # in Russian
    venue_kk: str | None = None
    venue_en: str | None = None
    online_link: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    capacity: int | None = None
    enrol_opens_at: datetime | None = None  # aware instants
    enrol_closes_at: datetime | None = None
    approval_mode: str = ApprovalMode.open.value


def _link(value: str | None) -> str | None:
    link = clean(value, 500)
    if link and not re.fullmatch(r"https?://[^\s<>\"']+\.[^\s<>\"']+", link):
        raise DomainError("online_link_invalid",
                          _l("The online link must be a web address starting with https://."),
                          field="online_link")
    return link


def _check_link_for_format(fmt: EventFormat, link: str | None) -> None:
    if fmt in (EventFormat.online, EventFormat.hybrid) and not link:
        raise DomainError("online_needs_link",
                          _l("An online or hybrid event needs its online link."),
                          field="online_link")


def _program_for(program_id: int | None, event: Event | None) -> Program:
    program = db.session.get(Program, program_id) if program_id else None
    if program is None:
        raise DomainError("program_required", _l("Choose the programme."), field="program_id")
    if not program.active and (event is None or event.program_id != program.id):
        raise DomainError("program_inactive",
                          _l("This programme is no longer offered."), field="program_id")
    return program


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is None or ends_on is None:
        raise DomainError("dates_required", _l("Enter the first and the last day."),
                          field="starts_on")
    check_year(starts_on, "starts_on")
    check_year(ends_on, "ends_on")
    if ends_on < starts_on:
        raise DomainError("dates_order",
                          _l("The last day cannot be before the first day."), field="ends_on")


def _check_capacity(capacity: int | None) -> None:
    if capacity is None or not 1 <= capacity <= 100_000:
        raise DomainError("capacity", _l("Capacity must be at least 1."), field="capacity")


def _check_window(opens: datetime | None, closes: datetime | None) -> None:
    check_year(opens.date() if opens else None, "enrol_opens_at")
    check_year(closes.date() if closes else None, "enrol_closes_at")
    if opens is not None and closes is not None and opens >= closes:
        raise DomainError("enrolment_window_order",
                          _l("Enrolment must open before it closes."), field="enrol_closes_at")


def _check_region(region_id: int | None) -> None:
    if region_id is not None and db.session.get(Region, region_id) is None:
        raise DomainError("invalid_choice", _l("Choose from the list."), field="region_id")


def _check_capacity_for(event: Event, capacity: int) -> None:
    taken = hooks.confirmed_counts([event.id]).get(event.id, 0)
    if capacity < taken:
        raise DomainError(
            "capacity_below_confirmed",
            _l("Capacity cannot be below the %(n)d seats already confirmed.", n=taken),
            field="capacity",
        )
    if any(q.seats > capacity for q in event.quotas):
        raise DomainError("quota_exceeds_capacity",
                          _l("A branch quota cannot exceed the event's capacity."),
                          field="capacity")


def save_event(event: Event | None, data: EventData, actor: User,
               daily: DailySessions | None = None) -> Event:
    """Create or edit an event; `daily` adds one session a day in the same action.

    Every rule that does not depend on another is checked before anything is refused, so
    the form shows all its problems at once (DomainErrors; its code is the first one's)."""
    if event is not None:
        # Capacity is checked against the seats taken: hold the event until commit.
        event = lock_event(event.id)
        check_editable(event)
    problems = Problems()
    program = problems.value(_program_for, data.program_id, event)
    kind = problems.value(enum_choice, EventKind, data.kind, "kind")
    fmt = problems.value(enum_choice, EventFormat, data.format, "format")
    approval = problems.value(enum_choice, ApprovalMode, data.approval_mode, "approval_mode")
    dates_ok = problems.ok(_check_dates, data.starts_on, data.ends_on)
    capacity_ok = problems.ok(_check_capacity, data.capacity)
    link_ok = problems.ok(_link, data.online_link)
    link = _link(data.online_link) if link_ok else None
    if link_ok and fmt is not None:
        problems.ok(_check_link_for_format, fmt, link)
    opens, closes = data.enrol_opens_at, data.enrol_closes_at
    problems.ok(_check_window, opens, closes)
    problems.ok(_check_region, data.region_id)
    organizer = problems.value(organizer_of, actor, data.organizer, event)

    existing = slots(event.sessions) if event is not None else []
    new_sessions: list[EventSession] = []
    if dates_ok:
        if daily:
            new_sessions = problems.value(
                daily_sessions, daily, data.starts_on, data.ends_on) or []
        problems.ok(check_schedule, data.starts_on, data.ends_on, closes,
                    existing + [Slot(s.starts_at, s.ends_at) for s in new_sessions])
    if event is not None:
        if event.status is EventStatus.published and not (existing or new_sessions):
            problems.ok(raise_error, no_sessions())
        if capacity_ok:
            problems.ok(_check_capacity_for, event, data.capacity)
    problems.raise_any()
    union_id, branch_id = organizer

    is_new = event is None
    before = None if is_new else _what_receivers_see(event)
    if event is None:
        event = Event(status=EventStatus.draft, created_by_id=actor.id)
        db.session.add(event)
    event.program = program
    event.kind, event.format, event.approval_mode = kind, fmt, approval
    event.title_ru, event.title_kk, event.title_en = (
        clean(data.title_ru), clean(data.title_kk), clean(data.title_en))
    event.organizer_union_id, event.organizer_branch_id = union_id, branch_id
    event.region_id = data.region_id
    event.city_ru, event.city_kk = clean(data.city_ru, 120), clean(data.city_kk, 120)
    event.venue_ru, event.venue_kk, event.venue_en = (
        clean(data.venue, 500), clean(data.venue_kk, 500), clean(data.venue_en, 500))
    event.online_link = link
    event.starts_on, event.ends_on = data.starts_on, data.ends_on
    event.capacity = data.capacity
    event.enrol_opens_at, event.enrol_closes_at = opens, closes
    event.sessions.extend(new_sessions)
    db.session.flush()
    record(actor, "event.create" if is_new else "event.edit", event,
           sessions_added=len(new_sessions))
    if not is_new:
        after = _what_receivers_see(event)
        what = ",".join(k for k in after if after[k] != before[k]) or "details"
        signals.event_changed.send(event=event, what=what)
    if not is_new:
        _offer_free_seats(event)
    return event


def _what_receivers_see(event: Event) -> dict:
    """The parts of an event whose change `event_changed` names in `what`."""
    return {"venue": (event.venue_ru, event.venue_kk, event.venue_en, event.city_ru,
                      event.city_kk), "link": event.online_link,
            "dates": (event.starts_on, event.ends_on), "capacity": event.capacity,
            "sessions": len(event.sessions)}


def _offer_free_seats(event: Event) -> None:
    """More capacity or a larger quota lets the waiting list move up at once."""
    if event.status is EventStatus.published:
        signals.seats_freed.send(event=event)


def publish_event(event: Event, actor: User, *, as_record: bool = False) -> Event:
    """Publish a draft. An event whose sessions are all over is published only `as_record`
    (a seminar held before it was entered: `recorded_after`), else refused with `event_ended`
    so that a past date is not announced by mistake; `event_not_ended` for a record of an
    event still to come."""
    if event.status is not EventStatus.draft:
        raise DomainError("status_transition", _l("Only a draft can be published."))
    if not event.sessions:
        raise no_sessions()
    ended = event.has_ended(now())
    if ended and not as_record:
        raise DomainError("event_ended", _l(
            "This event has already ended. Publish it only as a record of an event that "
            "was held."), status=409)
    if as_record and not ended:
        raise DomainError("event_not_ended",
                          _l("Only an event that has ended can be recorded as held."))
    hooks.check("offer_program", event.program.signatories)
    _check_link_for_format(event.format, event.online_link)
    check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                    slots(event.sessions))
    event.status = EventStatus.published
    event.published_at = now()
    event.recorded_after = as_record
    db.session.flush()
    record(actor, "event.publish", event, recorded_after=as_record)
    signals.event_published.send(event=event)
    return event


def cancel_event(event: Event, reason: str | None, actor: User) -> Event:
    if event.status not in (EventStatus.draft, EventStatus.published):
        raise DomainError("status_transition",
                          _l("Only a draft or a published event can be cancelled."))
    reason = clean(reason, 500)
    if not reason:
        raise DomainError("cancel_reason_required",
                          _l("Give the reason for the cancellation."), field="reason")
    event.status = EventStatus.cancelled
    event.cancelled_at = now()
    event.cancel_reason = reason
    db.session.flush()
    record(actor, "event.cancel", event, reason=reason)
    # Everyone enrolled is released and told, in the same transaction (the enrolment
    # feature's receiver), before the others hear of the cancellation.
    signals.event_cancelling.send(event=event)
    signals.event_cancelled.send(event=event)
    return event


def _shift(instant: datetime | None, days: int) -> datetime | None:
    """The same wall-clock time in Kazakhstan, `days` later."""
    if instant is None:
        return None
    local = to_local(instant)
    return local_datetime(local.date() + timedelta(days=days), local.time())


def clone_event(event: Event, new_start: date | None, actor: User) -> Event:
    """A draft copy of `event` starting on `new_start`: sessions, enrolment window,
    instructors and quotas move with it; nobody is enrolled."""
    if new_start is None:
        raise DomainError("dates_required", _l("Enter the new first day."), field="starts_on")
    check_year(new_start, "starts_on")
    check_year(new_start + (event.ends_on - event.starts_on), "starts_on")
    if not event.program.active:
        raise DomainError("program_inactive", _l("This programme is no longer offered."))
    days = (new_start - event.starts_on).days
    copy = Event(
        status=EventStatus.draft, created_by_id=actor.id,
        program_id=event.program_id, kind=event.kind, format=event.format,
        title_ru=event.title_ru, title_kk=event.title_kk, title_en=event.title_en,
        organizer_union_id=event.organizer_union_id,
        organizer_branch_id=event.organizer_branch_id,
        region_id=event.region_id, city_ru=event.city_ru, city_kk=event.city_kk,
        venue_ru=event.venue_ru, venue_kk=event.venue_kk, venue_en=event.venue_en,
        online_link=event.online_link,
        starts_on=new_start, ends_on=event.ends_on + timedelta(days=days),
        capacity=event.capacity, approval_mode=event.approval_mode,
        enrol_opens_at=_shift(event.enrol_opens_at, days),
        enrol_closes_at=_shift(event.enrol_closes_at, days),
    )
    copy.sessions = [
        EventSession(starts_at=_shift(s.starts_at, days), ends_at=_shift(s.ends_at, days),
                     topic_ru=s.topic_ru, topic_kk=s.topic_kk, topic_en=s.topic_en,
                     academic_hours=s.academic_hours)
        for s in event.sessions
    ]
    check_schedule(copy.starts_on, copy.ends_on, copy.enrol_closes_at, slots(copy.sessions))
    copy.instructors = list(event.instructors)
    copy.quotas = [EventQuota(branch_id=q.branch_id, seats=q.seats) for q in event.quotas]
    db.session.add(copy)
    db.session.flush()
    record(actor, "event.clone", copy, source_id=event.id)
    return copy


def set_quota(event: Event, branch_id: int | None, seats: int | None, actor: User) -> None:
    """At most `seats` confirmed participants from one branch; no seats removes the quota.

    A coordinator sets quotas for their own branches only, and never below the seats the
    branch already holds."""
    event = lock_event(event.id)
    check_editable(event)
    if branch_id is None or db.session.get(Branch, branch_id) is None:
        raise DomainError("branch_required", _l("Choose the branch."), field="branch_id")
    if not can_see_branch(actor, branch_id):
        raise DomainError("branch_required", _l("Choose the branch."), field="branch_id")
    quota = next((q for q in event.quotas if q.branch_id == branch_id), None)
    if seats is None:
        if quota is not None:
            event.quotas.remove(quota)
    else:
        if seats < 0:
            raise DomainError("quota_seats", _l("Seats cannot be negative."), field="seats")
        if seats > event.capacity:
            raise DomainError("quota_exceeds_capacity",
                              _l("A branch quota cannot exceed the event's capacity."),
                              field="seats")
        held = hooks.branch_taken(event.id, branch_id)
        if seats < held:
            raise DomainError("quota_below_held",
                              _l("This branch already holds %(n)d seats: the quota cannot be "
                                 "lower.", n=held), field="seats")
        if quota is None:
            event.quotas.append(EventQuota(branch_id=branch_id, seats=seats))
        else:
            quota.seats = seats
    db.session.flush()
    record(actor, "event.quota", event, branch_id=branch_id, seats=seats)
    _offer_free_seats(event)


def instructor_candidates() -> list[User]:
    return list(db.session.scalars(
        select(User)
        .where(User.active.is_(True),
               User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == Role.instructor)))
        .order_by(User.full_name)
    ))


def set_instructors(event: Event, user_ids: Iterable[int], actor: User) -> None:
    check_editable(event)
    ids = sorted(set(user_ids))
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    if len(users) != len(ids) or not all(u.has_role(Role.instructor) for u in users):
        raise DomainError("not_instructor", _l("Only people with the instructor role can teach."),
                          field="instructor_ids")
    event.instructors = users
    db.session.flush()
    record(actor, "event.instructors", event, instructors=ids)
