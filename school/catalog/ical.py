"""iCalendar files: one per event, and each person's feed of their sessions.

Times are written as Asia/Almaty wall-clock times with the zone's VTIMEZONE (built from the
tzdata package, so UTC+5 since 1 March 2024 and UTC+6 before), which every calendar reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar
from flask import current_app, url_for
from flask_babel import gettext as _

from school.catalog.models import Event, EventSession, EventStatus
from school.timeutil import now, to_local

PRODID = "-//FPRK//School of the Trade Union Leader//RU"


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Almaty")
    return cal


def _event_url(event: Event) -> str:
    return current_app.config["BASE_URL"] + url_for("catalog.event", event_id=event.id)


def _location(event: Event) -> str:
    parts = [p for p in (event.city, event.venue) if p]
    if event.is_online:
        return _("Online")
    return ", ".join(parts)


def _vevent(session: EventSession, event: Event, number: int, total: int,
            with_link: bool) -> icalendar.Event:
    item = icalendar.Event()
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "school"
    item.add("uid", f"session-{session.id}@{host}")
    item.add("dtstamp", now())
    item.add("dtstart", to_local(session.starts_at))
    item.add("dtend", to_local(session.ends_at))
    title = event.title
    if total > 1:
        title = _("%(title)s (session %(n)d of %(total)d)", title=title, n=number, total=total)
    item.add("summary", title)
    lines = [session.topic] if session.topic else []
    if with_link and event.online_link:
        lines.append(_("Online link: %(link)s", link=event.online_link))
    lines.append(_event_url(event))
    item.add("description", "\n".join(lines))
    location = _location(event)
    if location:
        item.add("location", location)
    item.add("url", _event_url(event))
    item.add("status", "CANCELLED" if event.status is EventStatus.cancelled else "CONFIRMED")
    return item


def event_ics(event: Event, *, with_link: bool = False) -> bytes:
    """One VEVENT per session of the event."""
    cal = _calendar(event.title)
    sessions = sorted(event.sessions, key=lambda s: s.starts_at)
    for number, session in enumerate(sessions, start=1):
        cal.add_component(_vevent(session, event, number, len(sessions), with_link))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_ics(sessions: Iterable[EventSession], name: str) -> bytes:
    """A person's confirmed sessions; they are participants, so online links are in."""
    cal = _calendar(name)
    sessions = list(sessions)
    per_event: dict[int, list[EventSession]] = {}
    for session in sessions:
        per_event.setdefault(session.event_id, []).append(session)
    for session in sessions:
        siblings = per_event[session.event_id]
        cal.add_component(_vevent(session, session.event, siblings.index(session) + 1,
                                  len(siblings), with_link=True))
    cal.add_missing_timezones()
    return cal.to_ical()
