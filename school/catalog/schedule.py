"""An event's sessions: adding them one by one or one a day, moving and removing them, and
the rule they all follow (within the event's days, no overlap, after enrolment closes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from flask_babel import lazy_gettext as _l

from school import signals
from school.accounts.models import User
from school.audit.services import record
from school.catalog import hooks
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventSession, EventStatus
from school.catalog.rules import check_editable, check_year, clean, no_sessions
from school.errors import DomainError
from school.extensions import db
from school.timeutil import local_datetime, to_local

MAX_SESSIONS_AT_ONCE = 366


@dataclass
class SessionData:
    day: date | None = None
    starts: time | None = None
    ends: time | None = None
    topic_ru: str | None = None
    topic_kk: str | None = None
    topic_en: str | None = None
    academic_hours: int | None = 0


@dataclass
class DailySessions:
    """One session a day, every day from `first_day` to `last_day` (the event's days when
    left empty), at the same hours."""

    starts: time | None = None
    ends: time | None = None
    first_day: date | None = None
    last_day: date | None = None
    academic_hours: int | None = 0
    topic_ru: str | None = None
    topic_kk: str | None = None


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


def check_schedule(starts_on: date, ends_on: date, enrol_closes_at: datetime | None,
                    slots: list[Slot]) -> None:
    """Sessions lie within the event's days (Kazakhstan time), do not overlap, and begin
    after enrolment closes."""
    for slot in slots:
        if slot.ends_at <= slot.starts_at:
            raise DomainError("session_times_order",
                              _l("A session must end after it starts."), field="ends")
        first, last = to_local(slot.starts_at).date(), to_local(slot.ends_at).date()
        if first < starts_on or last > ends_on:
            raise DomainError(
                "session_outside_event",
                _l("Every session must fall within the event's first and last day."),
                field="day",
            )
    ordered = sorted(slots, key=lambda s: s.starts_at)
    for before, after in pairwise(ordered):
        if after.starts_at < before.ends_at:
            raise DomainError("sessions_overlap",
                              _l("Sessions must not overlap in time."), field="starts")
    if ordered and enrol_closes_at is not None and enrol_closes_at > ordered[0].starts_at:
        raise DomainError(
            "enrolment_closes_before_first_session",
            _l("Enrolment must close before the first session starts."),
            field="enrol_closes_at",
        )


def slots(sessions: Iterable[EventSession], skip: EventSession | None = None) -> list[Slot]:
    return [Slot(s.starts_at, s.ends_at) for s in sessions if s is not skip]


def _session_fields(data: SessionData) -> dict:
    if data.day is None or data.starts is None or data.ends is None:
        raise DomainError("session_times_required",
                          _l("Enter the session's date, start and end time."), field="day")
    check_year(data.day, "day")
    hours = data.academic_hours or 0
    if not 0 <= hours <= 24:
        raise DomainError("session_hours", _l("Academic hours of a session: from 0 to 24."),
                          field="academic_hours")
    return {
        "starts_at": local_datetime(data.day, data.starts),
        "ends_at": local_datetime(data.day, data.ends),
        "topic_ru": clean(data.topic_ru), "topic_kk": clean(data.topic_kk),
        "topic_en": clean(data.topic_en), "academic_hours": hours,
    }


def daily_sessions(daily: DailySessions, starts_on: date, ends_on: date) -> list[EventSession]:
    first, last = daily.first_day or starts_on, daily.last_day or ends_on
    if last < first:
        raise DomainError("dates_order",
                          _l("The last day cannot be before the first day."), field="last_day")
    if (last - first).days >= MAX_SESSIONS_AT_ONCE:
        raise DomainError("too_many_sessions",
                          _l("At most %(n)d sessions can be added at once.",
                             n=MAX_SESSIONS_AT_ONCE), field="last_day")
    sessions = []
    for offset in range((last - first).days + 1):
        fields = _session_fields(SessionData(
            day=first + timedelta(days=offset), starts=daily.starts, ends=daily.ends,
            topic_ru=daily.topic_ru, topic_kk=daily.topic_kk,
            academic_hours=daily.academic_hours,
        ))
        sessions.append(EventSession(**fields))
    return sessions


def add_daily_sessions(event: Event, daily: DailySessions, actor: User) -> list[EventSession]:
    """"One session per day from … to …" on an existing event."""
    check_editable(event)
    sessions = daily_sessions(daily, event.starts_on, event.ends_on)
    check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                    slots(event.sessions) + slots(sessions))
    event.sessions.extend(sessions)
    db.session.flush()
    record(actor, "event.sessions_added", event, count=len(sessions))
    signals.event_changed.send(event=event, what="sessions")
    return sessions


def add_session(event: Event, data: SessionData, actor: User) -> EventSession:
    check_editable(event)
    session = EventSession(**_session_fields(data))
    check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                    slots(event.sessions) + slots([session]))
    event.sessions.append(session)
    db.session.flush()
    record(actor, "event.session_added", event, session_id=session.id)
    signals.event_changed.send(event=event, what="sessions")
    return session


def update_session(session: EventSession, data: SessionData, actor: User) -> EventSession:
    event = session.event
    check_editable(event)
    fields = _session_fields(data)
    check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                    [*slots(event.sessions, skip=session),
                     Slot(fields["starts_at"], fields["ends_at"])])
    for key, value in fields.items():
        setattr(session, key, value)
    db.session.flush()
    record(actor, "event.session_edited", event, session_id=session.id)
    signals.event_changed.send(event=event, what="sessions")
    return session


def remove_session(session: EventSession, actor: User) -> None:
    # A check-in may be marking this session right now: hold the event until commit.
    event = lock_event(session.event_id)
    check_editable(event)
    if event.status is EventStatus.published and len(event.sessions) <= 1:
        raise no_sessions()
    hooks.check("remove_session", session)  # attendance refuses a session with marks
    event.sessions.remove(session)
    db.session.flush()
    record(actor, "event.session_removed", event, session_id=session.id)
    signals.event_changed.send(event=event, what="sessions")
