"""Finding events: the public catalogue (its filters and query), an event's public page, the
month view, and the management list of the events a person runs or teaches."""

from __future__ import annotations

import calendar as pycalendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from school.accounts.models import Category, Role, User
from school.catalog.models import (
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Program,
    ProgramAudience,
    event_instructor,
)
from school.catalog.organisers import coordinated
from school.core.utils import contains_pattern
from school.extensions import db
from school.orgs.models import Region
from school.permissions import sees_event
from school.timeutil import local_today, to_local


def with_program():
    """Load an event's programme with it; the certificate signatories only if asked for."""
    return joinedload(Event.program).lazyload(Program.signatories)


def managed_events_query(user: User, *, status: str = "", search: str = ""):
    """Events on `user`'s management list: all for admins, their organisations' for
    coordinators, the ones they teach for instructors."""
    q = select(Event).options(
        with_program(), joinedload(Event.region),
        joinedload(Event.organizer_union), joinedload(Event.organizer_branch),
    )
    if not user.is_admin:
        taught = select(event_instructor.c.event_id).where(event_instructor.c.user_id == user.id)
        conditions = [Event.id.in_(taught)]
        if user.has_role(Role.coordinator):
            unions, branches = coordinated(user)
            if branches:
                conditions.append(Event.organizer_branch_id.in_(branches))
            if unions:
                conditions.append(Event.organizer_union_id.in_(unions))
        q = q.where(or_(*conditions))
    if status in EventStatus.__members__:
        q = q.where(Event.status == EventStatus(status))
    if search:
        q = q.join(Program, Event.program_id == Program.id).where(text_matches(search))
    return q.order_by(Event.starts_on.desc(), Event.id.desc())


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


def text_matches(text: str):
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
        .options(with_program(), joinedload(Event.region))
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
        q = q.where(text_matches(filters.q))
    return q


def event_page_options() -> tuple:
    """What the event's public page shows, loaded with the event."""
    return (
        with_program(), joinedload(Event.region),
        joinedload(Event.organizer_union), joinedload(Event.organizer_branch),
        selectinload(Event.sessions),
        # The instructors' names only: not their role grants (User.grants is selectin).
        selectinload(Event.instructors).lazyload(User.grants),
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
        .options(with_program(), joinedload(Event.region), selectinload(Event.sessions))
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
