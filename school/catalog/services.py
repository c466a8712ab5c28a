"""Programmes and events: the planning rules, who manages what, and the catalogue's queries.

Every service takes models and plain values, checks everything before it writes, flushes
and never commits; a broken rule raises DomainError with a stable code, so the caller's
rollback leaves the database as it was.
"""

from __future__ import annotations

import calendar as pycalendar
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from school import signals
from school.accounts.models import Category, Role, RoleGrant, User
from school.attendance.models import AttendanceMark
from school.audit.services import record
from school.catalog.models import (
    ApprovalMode,
    CalendarToken,
    Event,
    EventFormat,
    EventKind,
    EventQuota,
    EventSession,
    EventStatus,
    Program,
    ProgramAudience,
    ProgramSignatory,
    event_instructor,
)
from school.certificates import wording
from school.core.formatting import sort_by_name
from school.core.utils import contains_pattern
from school.enrollment.models import (
    PARTICIPANT_STATUSES,
    SEAT_STATUSES,
    Enrollment,
)
from school.errors import DomainError, Problems
from school.extensions import db
from school.orgs.models import Branch, Region, SectoralUnion
from school.permissions import (
    can_mark,
    can_see_branch,
    manages_event,
    sees_event,
    visible_branch_ids,
)
from school.permissions import (  # the rules' old names, for tests/catalog/test_services.py
    sees_backstage as can_see_backstage,  # noqa: F401
)
from school.permissions import sees_link as can_see_link  # noqa: F401
from school.timeutil import local_datetime, local_today, now, to_local

# Statuses the public may see (drafts only their managers).
PUBLIC_STATUSES = (EventStatus.published, EventStatus.completed, EventStatus.cancelled)
MAX_SESSIONS_AT_ONCE = 366


# --- seats ---------------------------------------------------------------------------


def confirmed_counts(event_ids: Iterable[int]) -> dict[int, int]:
    """Seats taken per event, counted from enrolment rows in one grouped query.

    Events without any seat-holding enrolment are absent from the answer (read it with
    `.get(event_id, 0)`).
    """
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Enrollment.event_id, func.count())
        .where(Enrollment.event_id.in_(ids), Enrollment.status.in_(SEAT_STATUSES))
        .group_by(Enrollment.event_id)
    )
    return {event_id: count for event_id, count in rows}


def seats_left(event: Event, counts: Mapping[int, int]) -> int:
    return max(0, event.capacity - counts.get(event.id, 0))


def _with_program():
    """Load an event's programme with it; the certificate signatories only if asked for."""
    return joinedload(Event.program).lazyload(Program.signatories)


# --- who manages what ----------------------------------------------------------------








@dataclass(frozen=True)
class EventActions:
    """The steps the event's management page links to, each shown only to the people the
    step's own page lets in: the roster and nominations are staff pages (a coordinator
    sees their branches' people there), the sheet is for whoever marks attendance, and
    completion and certificates belong to the event's managers."""

    roster: bool = False
    sheet: bool = False
    complete: bool = False
    can_complete_now: bool = False  # the last session has ended
    certificates: bool = False
    nominate: bool = False
    sessions_editable: bool = False

    @property
    def any(self) -> bool:
        return self.roster or self.sheet or self.complete or self.certificates or self.nominate


def event_actions(user, event: Event, *, can_manage: bool | None = None) -> EventActions:
    if can_manage is None:
        can_manage = manages_event(user, event)
    staff = user.is_admin or user.has_role(Role.coordinator)
    status = event.status
    running = status is EventStatus.published
    return EventActions(
        roster=staff and status is not EventStatus.draft,
        sheet=status in (EventStatus.published, EventStatus.completed)
        and bool(event.sessions) and (can_manage or can_mark(user, event)),
        complete=can_manage and running,
        can_complete_now=event.has_ended(now()),
        certificates=can_manage and status is EventStatus.completed,
        nominate=staff and running,
        sessions_editable=can_manage and event.is_editable,
    )


def _coordinated(user: User) -> tuple[set[int], set[int]]:
    """(union ids, branch ids) whose events a coordinator manages; a union includes its
    branches."""
    unions = {g.union_id for g in user.grants if g.role == Role.coordinator and g.union_id}
    branches = visible_branch_ids(user) or set()
    return unions, branches


def managed_events_query(user: User, *, status: str = "", search: str = ""):
    """Events on `user`'s management list: all for admins, their organisations' for
    coordinators, the ones they teach for instructors."""
    q = select(Event).options(
        _with_program(), joinedload(Event.region),
        joinedload(Event.organizer_union), joinedload(Event.organizer_branch),
    )
    if not user.is_admin:
        taught = select(event_instructor.c.event_id).where(event_instructor.c.user_id == user.id)
        conditions = [Event.id.in_(taught)]
        if user.has_role(Role.coordinator):
            unions, branches = _coordinated(user)
            if branches:
                conditions.append(Event.organizer_branch_id.in_(branches))
            if unions:
                conditions.append(Event.organizer_union_id.in_(unions))
        q = q.where(or_(*conditions))
    if status in EventStatus.__members__:
        q = q.where(Event.status == EventStatus(status))
    if search:
        q = q.join(Program, Event.program_id == Program.id).where(_text_matches(search))
    return q.order_by(Event.starts_on.desc(), Event.id.desc())


# --- organisers ----------------------------------------------------------------------

CENTRE = "centre"


def organizer_choices(user: User) -> list[tuple[str, str]]:
    """Organisers `user` may name: the training centre (admins), unions, branches."""
    unions_q = select(SectoralUnion).order_by(SectoralUnion.code)
    branches_q = (
        select(Branch).options(joinedload(Branch.union)).order_by(Branch.union_id, Branch.name_ru)
    )
    choices: list[tuple[str, str]] = []
    if user.is_admin:
        choices.append((CENTRE, str(_l("Training centre of the Federation"))))
    else:
        union_ids, branch_ids = _coordinated(user)
        unions_q = unions_q.where(SectoralUnion.id.in_(union_ids))
        branches_q = branches_q.where(Branch.id.in_(branch_ids))
    choices += [(f"union:{u.id}", u.name) for u in db.session.scalars(unions_q)]
    choices += [(f"branch:{b.id}", f"{b.name} ({b.union.short_name})")
                for b in sort_by_name(db.session.scalars(branches_q), lambda b: b.name)]
    return choices


def organizer_value(event: Event | None) -> str:
    if event is None or (event.organizer_union_id is None and event.organizer_branch_id is None):
        return CENTRE
    if event.organizer_branch_id:
        return f"branch:{event.organizer_branch_id}"
    return f"union:{event.organizer_union_id}"


def parse_organizer(value: str | None) -> tuple[int | None, int | None]:
    """'centre' | 'union:ID' | 'branch:ID' → (union id, branch id)."""
    match = re.fullmatch(r"(union|branch):(\d{1,9})", value or "")
    if value == CENTRE:
        return None, None
    if not match:
        raise DomainError("organizer_required", _l("Choose the organiser."), field="organizer")
    ident = int(match.group(2))
    return (ident, None) if match.group(1) == "union" else (None, ident)


def _check_organizer(actor: User, union_id: int | None, branch_id: int | None) -> None:
    if union_id is not None and db.session.get(SectoralUnion, union_id) is None:
        raise DomainError("organizer_required", _l("Choose the organiser."), field="organizer")
    if branch_id is not None and db.session.get(Branch, branch_id) is None:
        raise DomainError("organizer_required", _l("Choose the organiser."), field="organizer")
    if actor.is_admin:
        return
    unions, branches = _coordinated(actor)
    if not ((union_id is not None and union_id in unions)
            or (branch_id is not None and branch_id in branches)):
        raise DomainError(
            "organizer_forbidden",
            _l("You can organise events only for your own union or branch."),
            field="organizer",
        )


# --- programmes ----------------------------------------------------------------------


@dataclass
class SignatoryData:
    name_ru: str = ""
    name_kk: str = ""
    title_ru: str = ""
    title_kk: str = ""

    def is_blank(self) -> bool:
        return not any(_clean(v) for v in (self.name_ru, self.name_kk, self.title_ru,
                                           self.title_kk))


@dataclass
class ProgramData:
    code: str = ""
    title_ru: str = ""
    title_kk: str = ""
    title_en: str | None = None
    description_ru: str | None = None
    description_kk: str | None = None
    description_en: str | None = None
    academic_hours: int | None = None
    audience: list[str] = field(default_factory=list)
    completion_threshold: int | None = 80
    certificate_title_ru: str | None = None
    certificate_title_kk: str | None = None
    signatories: list[SignatoryData] = field(default_factory=list)
    active: bool = True


def _clean(value: str | None, limit: int = 300) -> str | None:
    """Printable text on one line, trimmed; None when empty."""
    text = " ".join("".join(c for c in (value or "") if c.isprintable()).split())
    return text[:limit] or None


def _clean_text(value: str | None, limit: int = 20_000) -> str | None:
    text = "\n".join(line.rstrip() for line in (value or "").replace("\r", "").split("\n"))
    return text.strip()[:limit] or None


def programs(*, active_only: bool = False) -> list[Program]:
    q = select(Program).order_by(Program.active.desc(), Program.code)
    if active_only:
        q = q.where(Program.active.is_(True))
    return list(db.session.scalars(q))


def _program_code(program: Program | None, value: str | None) -> str:
    code = (value or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_.-]{0,31}", code):
        raise DomainError("code_invalid",
                          _l("The code must be 1–32 Latin letters, digits, dots or dashes."),
                          field="code")
    clash = db.session.scalar(select(Program.id).where(Program.code == code))
    if clash is not None and (program is None or clash != program.id):
        raise DomainError("code_taken", _l("This code is already used."), field="code")
    return code


def _program_audience(values: list[str]) -> set[Category]:
    try:
        return {Category(c) for c in values if c}
    except ValueError:
        raise DomainError("invalid_choice", _l("Choose from the list."),
                          field="audience") from None


def _program_signatories(rows: list[SignatoryData]) -> list[ProgramSignatory]:
    signatories = []
    for row in rows:
        if row.is_blank():
            continue
        name_ru, title_ru = _clean(row.name_ru, 200), _clean(row.title_ru)
        if not name_ru or not title_ru:
            raise DomainError("signatory_incomplete",
                              _l("Each signatory needs a name and a position."),
                              field="signatories")
        signatories.append(ProgramSignatory(
            position=len(signatories), name_ru=name_ru,
            name_kk=_clean(row.name_kk, 200) or name_ru,
            title_ru=title_ru, title_kk=_clean(row.title_kk) or title_ru,
        ))
    return signatories


def save_program(program: Program | None, data: ProgramData, actor: User) -> Program:
    """Create or edit a programme with its audience and certificate signatories. Every
    refusal is reported at once (DomainErrors), as the event form does."""
    problems = Problems()
    code = problems.value(_program_code, program, data.code)
    title_ru, title_kk = _clean(data.title_ru), _clean(data.title_kk)
    if not title_ru or not title_kk:
        problems.ok(_raise, DomainError(
            "title_required", _l("Enter the title in Russian and in Kazakh."),
            field="title_ru" if not title_ru else "title_kk"))
    if data.academic_hours is None or not 1 <= data.academic_hours <= 2000:
        problems.ok(_raise, DomainError(
            "hours_positive", _l("Academic hours must be a whole number from 1 to 2000."),
            field="academic_hours"))
    threshold = data.completion_threshold
    if threshold is None or not 1 <= threshold <= 100:
        problems.ok(_raise, DomainError(
            "threshold_range",
            _l("The completion threshold is a share of sessions from 1 to 100%."),
            field="completion_threshold"))
    audience = problems.value(_program_audience, data.audience)
    signatories = problems.value(_program_signatories, data.signatories)
    problems.raise_any()
    if data.active:
        wording.check_signed(signatories)
    is_new = program is None
    if program is None:
        program = Program()
        db.session.add(program)
    program.code = code
    program.title_ru, program.title_kk, program.title_en = title_ru, title_kk, _clean(
        data.title_en)
    program.description_ru = _clean_text(data.description_ru)
    program.description_kk = _clean_text(data.description_kk)
    program.description_en = _clean_text(data.description_en)
    program.academic_hours = data.academic_hours
    program.completion_threshold = threshold
    program.certificate_title_ru = _clean(data.certificate_title_ru)
    program.certificate_title_kk = _clean(data.certificate_title_kk)
    program.active = bool(data.active)
    # Keep rows that stay (their primary key is the category), add and drop the rest.
    program.audience_rows = [r for r in program.audience_rows if r.category in audience] + [
        ProgramAudience(category=c)
        for c in sorted(audience - {r.category for r in program.audience_rows})
    ]
    program.signatories = signatories
    db.session.flush()
    record(actor, "program.create" if is_new else "program.edit", program, code=code)
    return program


# --- events --------------------------------------------------------------------------


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
class _Slot:
    starts_at: datetime
    ends_at: datetime


def _enum(cls, value, field_name: str):
    try:
        return cls(value)
    except ValueError:
        raise DomainError("invalid_choice", _l("Choose from the list."),
                          field=field_name) from None


def _link(value: str | None) -> str | None:
    link = _clean(value, 500)
    if link and not re.fullmatch(r"https?://[^\s<>\"']+\.[^\s<>\"']+", link):
        raise DomainError("online_link_invalid",
                          _l("The online link must be a web address starting with https://."),
                          field="online_link")
    return link


def _check_schedule(starts_on: date, ends_on: date, enrol_closes_at: datetime | None,
                    slots: list[_Slot]) -> None:
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


def _slots(sessions: Iterable[EventSession], skip: EventSession | None = None) -> list[_Slot]:
    return [_Slot(s.starts_at, s.ends_at) for s in sessions if s is not skip]


def _check_editable(event: Event) -> None:
    if not event.is_editable:
        raise DomainError("event_locked",
                          _l("A completed or cancelled event can no longer be changed."))


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


# Dates outside these years are typing mistakes, and at the calendar's edges they would
# overflow when turned into instants.
FIRST_YEAR, LAST_YEAR = 2000, 2199


def _check_year(day: date | None, field: str) -> None:
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DomainError("date_out_of_range",
                          _l("Enter a date between %(first)d and %(last)d.",
                             first=FIRST_YEAR, last=LAST_YEAR), field=field)


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is None or ends_on is None:
        raise DomainError("dates_required", _l("Enter the first and the last day."),
                          field="starts_on")
    _check_year(starts_on, "starts_on")
    _check_year(ends_on, "ends_on")
    if ends_on < starts_on:
        raise DomainError("dates_order",
                          _l("The last day cannot be before the first day."), field="ends_on")


def _check_capacity(capacity: int | None) -> None:
    if capacity is None or not 1 <= capacity <= 100_000:
        raise DomainError("capacity", _l("Capacity must be at least 1."), field="capacity")


def _check_window(opens: datetime | None, closes: datetime | None) -> None:
    _check_year(opens.date() if opens else None, "enrol_opens_at")
    _check_year(closes.date() if closes else None, "enrol_closes_at")
    if opens is not None and closes is not None and opens >= closes:
        raise DomainError("enrolment_window_order",
                          _l("Enrolment must open before it closes."), field="enrol_closes_at")


def _check_region(region_id: int | None) -> None:
    if region_id is not None and db.session.get(Region, region_id) is None:
        raise DomainError("invalid_choice", _l("Choose from the list."), field="region_id")


def _organizer_of(actor: User, value: str | None, event: Event | None) -> tuple[int | None,
                                                                                int | None]:
    union_id, branch_id = parse_organizer(value)
    if event is None or (union_id, branch_id) != (event.organizer_union_id,
                                                  event.organizer_branch_id):
        _check_organizer(actor, union_id, branch_id)
    return union_id, branch_id


def _check_capacity_for(event: Event, capacity: int) -> None:
    taken = confirmed_counts([event.id]).get(event.id, 0)
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
        _check_editable(event)
    problems = Problems()
    program = problems.value(_program_for, data.program_id, event)
    kind = problems.value(_enum, EventKind, data.kind, "kind")
    fmt = problems.value(_enum, EventFormat, data.format, "format")
    approval = problems.value(_enum, ApprovalMode, data.approval_mode, "approval_mode")
    dates_ok = problems.ok(_check_dates, data.starts_on, data.ends_on)
    capacity_ok = problems.ok(_check_capacity, data.capacity)
    link_ok = problems.ok(_link, data.online_link)
    link = _link(data.online_link) if link_ok else None
    if link_ok and fmt is not None:
        problems.ok(_check_link_for_format, fmt, link)
    opens, closes = data.enrol_opens_at, data.enrol_closes_at
    problems.ok(_check_window, opens, closes)
    problems.ok(_check_region, data.region_id)
    organizer = problems.value(_organizer_of, actor, data.organizer, event)

    slots = _slots(event.sessions) if event is not None else []
    new_sessions: list[EventSession] = []
    if dates_ok:
        if daily:
            new_sessions = problems.value(
                _daily_sessions, daily, data.starts_on, data.ends_on) or []
        problems.ok(_check_schedule, data.starts_on, data.ends_on, closes,
                    slots + [_Slot(s.starts_at, s.ends_at) for s in new_sessions])
    if event is not None:
        if event.status is EventStatus.published and not (slots or new_sessions):
            problems.ok(_raise, _no_sessions())
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
        _clean(data.title_ru), _clean(data.title_kk), _clean(data.title_en))
    event.organizer_union_id, event.organizer_branch_id = union_id, branch_id
    event.region_id = data.region_id
    event.city_ru, event.city_kk = _clean(data.city_ru, 120), _clean(data.city_kk, 120)
    event.venue_ru, event.venue_kk, event.venue_en = (
        _clean(data.venue, 500), _clean(data.venue_kk, 500), _clean(data.venue_en, 500))
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
        from school.enrollment.services import fill_free_seats

        fill_free_seats(event)


def _session_fields(data: SessionData) -> dict:
    if data.day is None or data.starts is None or data.ends is None:
        raise DomainError("session_times_required",
                          _l("Enter the session's date, start and end time."), field="day")
    _check_year(data.day, "day")
    hours = data.academic_hours or 0
    if not 0 <= hours <= 24:
        raise DomainError("session_hours", _l("Academic hours of a session: from 0 to 24."),
                          field="academic_hours")
    return {
        "starts_at": local_datetime(data.day, data.starts),
        "ends_at": local_datetime(data.day, data.ends),
        "topic_ru": _clean(data.topic_ru), "topic_kk": _clean(data.topic_kk),
        "topic_en": _clean(data.topic_en), "academic_hours": hours,
    }


def _daily_sessions(daily: DailySessions, starts_on: date, ends_on: date) -> list[EventSession]:
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
    _check_editable(event)
    sessions = _daily_sessions(daily, event.starts_on, event.ends_on)
    _check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                    _slots(event.sessions) + _slots(sessions))
    event.sessions.extend(sessions)
    db.session.flush()
    record(actor, "event.sessions_added", event, count=len(sessions))
    signals.event_changed.send(event=event, what="sessions")
    return sessions


def add_session(event: Event, data: SessionData, actor: User) -> EventSession:
    _check_editable(event)
    session = EventSession(**_session_fields(data))
    _check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                    _slots(event.sessions) + _slots([session]))
    event.sessions.append(session)
    db.session.flush()
    record(actor, "event.session_added", event, session_id=session.id)
    signals.event_changed.send(event=event, what="sessions")
    return session


def update_session(session: EventSession, data: SessionData, actor: User) -> EventSession:
    event = session.event
    _check_editable(event)
    fields = _session_fields(data)
    _check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                    [*_slots(event.sessions, skip=session),
                     _Slot(fields["starts_at"], fields["ends_at"])])
    for key, value in fields.items():
        setattr(session, key, value)
    db.session.flush()
    record(actor, "event.session_edited", event, session_id=session.id)
    signals.event_changed.send(event=event, what="sessions")
    return session


def remove_session(session: EventSession, actor: User) -> None:
    # A check-in may be marking this session right now: hold the event until commit.
    event = lock_event(session.event_id)
    _check_editable(event)
    if event.status is EventStatus.published and len(event.sessions) <= 1:
        raise _no_sessions()
    marked = db.session.scalar(
        select(exists().where(AttendanceMark.session_id == session.id)))
    if marked:
        raise DomainError("session_has_attendance",
                          _l("Attendance has been marked for this session: it cannot be removed."))
    event.sessions.remove(session)
    db.session.flush()
    record(actor, "event.session_removed", event, session_id=session.id)
    signals.event_changed.send(event=event, what="sessions")


def _raise(error: DomainError) -> None:
    raise error


def _no_sessions() -> DomainError:
    return DomainError("publish_without_sessions",
                       _l("An event cannot be published without sessions."))


def publish_event(event: Event, actor: User, *, as_record: bool = False) -> Event:
    """Publish a draft. An event whose sessions are all over is published only `as_record`
    (a seminar held before it was entered: `recorded_after`), else refused with `event_ended`
    so that a past date is not announced by mistake; `event_not_ended` for a record of an
    event still to come."""
    if event.status is not EventStatus.draft:
        raise DomainError("status_transition", _l("Only a draft can be published."))
    if not event.sessions:
        raise _no_sessions()
    ended = max(s.ends_at for s in event.sessions) <= now()
    if ended and not as_record:
        raise DomainError("event_ended", _l(
            "This event has already ended. Publish it only as a record of an event that "
            "was held."), status=409)
    if as_record and not ended:
        raise DomainError("event_not_ended",
                          _l("Only an event that has ended can be recorded as held."))
    wording.check_signed(event.program.signatories)
    _check_link_for_format(event.format, event.online_link)
    _check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                    _slots(event.sessions))
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
    reason = _clean(reason, 500)
    if not reason:
        raise DomainError("cancel_reason_required",
                          _l("Give the reason for the cancellation."), field="reason")
    event.status = EventStatus.cancelled
    event.cancelled_at = now()
    event.cancel_reason = reason
    db.session.flush()
    record(actor, "event.cancel", event, reason=reason)
    # Everyone enrolled is released and told, in the same transaction.
    from school.enrollment.services import notify_event_cancelled

    notify_event_cancelled(event)
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
    _check_year(new_start, "starts_on")
    _check_year(new_start + (event.ends_on - event.starts_on), "starts_on")
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
    _check_schedule(copy.starts_on, copy.ends_on, copy.enrol_closes_at, _slots(copy.sessions))
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
    _check_editable(event)
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
        held = db.session.scalar(select(func.count()).where(
            Enrollment.event_id == event.id, Enrollment.branch_id == branch_id,
            Enrollment.status.in_(SEAT_STATUSES)))
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
    _check_editable(event)
    ids = sorted(set(user_ids))
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    if len(users) != len(ids) or not all(u.has_role(Role.instructor) for u in users):
        raise DomainError("not_instructor", _l("Only people with the instructor role can teach."),
                          field="instructor_ids")
    event.instructors = users
    db.session.flush()
    record(actor, "event.instructors", event, instructors=ids)


# --- the public catalogue ------------------------------------------------------------

NATIONAL = "national"


@dataclass
class CatalogueFilters:
    region: str = ""  # a region id or ISO code, or "national"
    kind: str = ""
    format: str = ""
    category: str = ""
    month: str = ""  # YYYY-MM
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> CatalogueFilters:
        """Keep the values that mean something; unknown ones are dropped, not errors."""
        def pick(name: str, allowed) -> str:
            value = (args.get(name) or "").strip()
            return value if value in allowed else ""

        region = (args.get("region") or "").strip()[:16]
        month = (args.get("month") or "").strip()
        return cls(
            region=region if re.fullmatch(r"\d{1,9}|KZ-\d\d|national", region) else "",
            kind=pick("kind", {k.value for k in EventKind}),
            format=pick("format", {f.value for f in EventFormat}),
            category=pick("category", {c.value for c in Category}),
            month=month if _month_start(month) else "",
            q=(args.get("q") or "").strip()[:100],
        )

    def active(self) -> bool:
        return any((self.region, self.kind, self.format, self.category, self.month, self.q))


def _month_start(value: str | None) -> date | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) < 2200:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_bounds(first: date) -> tuple[date, date]:
    return first, first.replace(day=pycalendar.monthrange(first.year, first.month)[1])


def _text_matches(text: str):
    """Event or programme title, or city, in any of the three languages (Program joined):
    a Kazakh page finds a title typed in Russian and the other way round."""
    pattern = contains_pattern(text)
    columns = [getattr(model, f"{name}_{lang}") for model, name in
               ((Event, "title"), (Program, "title"), (Event, "city"))
               for lang in ("ru", "kk", "en") if hasattr(model, f"{name}_{lang}")]
    columns.append(Program.code)
    return or_(*[func.lower(c).like(pattern, escape="\\") for c in columns])


def _region_condition(value: str):
    if value == NATIONAL:
        return Event.region_id.is_(None)
    if value.isdigit():
        return Event.region_id == int(value)
    return Event.region_id.in_(select(Region.id).where(Region.code == value))


def catalogue_query(filters: CatalogueFilters, today: date | None = None):
    """Published events that have not ended yet, soonest first."""
    today = today or local_today()
    q = (
        select(Event)
        .join(Program, Event.program_id == Program.id)
        .where(Event.status == EventStatus.published, Event.ends_on >= today)
        .options(_with_program(), joinedload(Event.region))
        .order_by(Event.starts_on, Event.id)
    )
    if filters.region:
        q = q.where(_region_condition(filters.region))
    if filters.kind:
        q = q.where(Event.kind == EventKind(filters.kind))
    if filters.format:
        q = q.where(Event.format == EventFormat(filters.format))
    if filters.category:
        audience = ProgramAudience.program_id == Program.id
        q = q.where(or_(
            ~exists().where(audience),
            exists().where(audience, ProgramAudience.category == Category(filters.category)),
        ))
    first = _month_start(filters.month)
    if first:
        start, end = month_bounds(first)
        q = q.where(Event.starts_on <= end, Event.ends_on >= start)
    if filters.q:
        q = q.where(_text_matches(filters.q))
    return q


def event_page_options() -> tuple:
    """What the event's public page shows, loaded with the event."""
    return (
        _with_program(), joinedload(Event.region),
        joinedload(Event.organizer_union), joinedload(Event.organizer_branch),
        selectinload(Event.sessions), selectinload(Event.instructors),
    )


def public_event(event_id: int, user) -> Event | None:
    """The event for its public page with everything the page shows, or None when the
    person may not see it (unknown, or a draft: permissions.sees_event)."""
    event = db.session.scalar(
        select(Event).where(Event.id == event_id).options(*event_page_options()))
    if event is None or not sees_event(user, event):
        return None
    return event


def regions() -> list[Region]:
    """Cities first, then oblasts in the alphabet of the page's language."""
    from school.orgs.services import region_order

    return region_order(list(db.session.scalars(select(Region))))


# --- the month view ------------------------------------------------------------------


@dataclass
class Day:
    day: date
    in_month: bool
    events: list[Event]


def parse_month(value: str | None, today: date | None = None) -> date:
    return _month_start(value) or (today or local_today()).replace(day=1)


def month_view(first: date, region: str = "") -> list[list[Day]]:
    """Weeks (Monday first) covering the month, each day with the public events meeting
    on it."""
    _, last = month_bounds(first)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    q = (
        select(Event)
        .where(Event.status.in_((EventStatus.published, EventStatus.completed)),
               Event.starts_on <= grid_end, Event.ends_on >= grid_start)
        .options(_with_program(), joinedload(Event.region), selectinload(Event.sessions))
        .order_by(Event.starts_on, Event.id)
    )
    if region:
        q = q.where(_region_condition(region))
    by_day: dict[date, list[Event]] = {}
    for event in db.session.scalars(q).unique():
        # On the days it meets: a two-week online course is not on every weekend.
        for day in sorted({to_local(s.starts_at).date() for s in event.sessions}):
            by_day.setdefault(day, []).append(event)
    weeks, day = [], grid_start
    while day <= grid_end:
        week = []
        for _ in range(7):
            week.append(Day(day, day.month == first.month, by_day.get(day, [])))
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


# --- personal calendar feed -----------------------------------------------------------


def feed_token(user: User, *, create: bool = True) -> CalendarToken | None:
    token = db.session.scalar(select(CalendarToken).where(CalendarToken.user_id == user.id))
    if token is None and create:
        token = CalendarToken(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(token)
        db.session.flush()
    return token


def regenerate_feed_token(user: User) -> CalendarToken:
    """A new secret: the old feed URL stops working at once."""
    token = feed_token(user)
    token.token = secrets.token_urlsafe(32)
    token.created_at = now()
    db.session.flush()
    record(user, "calendar.token_regenerated", token)
    return token


def user_for_feed(token: str) -> User | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        return None
    user = db.session.scalar(
        select(User).join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.token == token)
    )
    return user if user is not None and user.active else None


def feed_sessions(user: User, since: date | None = None) -> list[EventSession]:
    """Sessions of the person's confirmed enrolments, from a year back on."""
    since = since or local_today() - timedelta(days=366)
    return list(db.session.scalars(
        select(EventSession)
        .join(Event, EventSession.event_id == Event.id)
        .where(
            Event.status.in_((EventStatus.published, EventStatus.completed)),
            Event.ends_on >= since,
            exists().where(Enrollment.event_id == Event.id, Enrollment.user_id == user.id,
                           Enrollment.status.in_(PARTICIPANT_STATUSES)),
        )
        .options(joinedload(EventSession.event).options(_with_program()))
        .order_by(EventSession.starts_at)
    ).unique())


def lock_event(event_id: int) -> Event:
    """The event, re-read and locked until commit: SELECT … FOR UPDATE on PostgreSQL (on
    SQLite the write transaction already holds the database's lock). Every rule that counts
    seats or marks for an event and then writes takes this lock first."""
    event = db.session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if event is None:
        raise DomainError("event_missing", _l("This event does not exist."), status=404)
    return event
