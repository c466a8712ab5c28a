"""The catalogue's services in one namespace, for the views and tests that call them as
`services.save_event(...)`, `services.catalogue_query(...)` and so on.

The code lives by topic: programmes.py, events.py (planning, quotas, instructors),
schedule.py (sessions), organisers.py, access.py (the management page's steps),
browsing.py (filters, catalogue query, month view, management list), feeds.py (the
personal calendar feed), locking.py (the event lock), rules.py (shared checks). Seats
and participants are the enrolment feature's, reached through hooks.py. Who may see or do
what is school.permissions' (`can_see_backstage` and `can_see_link` are its
`sees_backstage` and `sees_link`, under the names the tests use).
New code imports from those modules; this one only gathers their names (issue 14: the
tests call them through it, and changing those calls is more than an import change).
"""

from __future__ import annotations

from school import signals  # tests/notices send the catalogue's signals through it
from school.catalog.access import EventActions, event_actions
from school.catalog.browsing import (
    CatalogueFilters,
    Day,
    catalogue_query,
    event_page_options,
    managed_events_query,
    month_bounds,
    month_view,
    parse_month,
    public_event,
    regions,
)
from school.catalog.events import (
    PUBLIC_STATUSES,
    EventData,
    cancel_event,
    clone_event,
    instructor_candidates,
    publish_event,
    save_event,
    set_instructors,
    set_quota,
)
from school.catalog.feeds import feed_sessions, feed_token, regenerate_feed_token, user_for_feed
from school.catalog.hooks import confirmed_counts, seats_left
from school.catalog.organisers import (
    CENTRE,
    organizer_choices,
    organizer_value,
    parse_organizer,
)
from school.catalog.programmes import ProgramData, SignatoryData, programs, save_program
from school.catalog.schedule import (
    DailySessions,
    SessionData,
    add_daily_sessions,
    add_session,
    remove_session,
    update_session,
)
from school.catalog.schedule import check_schedule as _check_schedule
from school.catalog.schedule import slots as _slots
from school.permissions import sees_backstage as can_see_backstage  # the rules' old names,
from school.permissions import sees_link as can_see_link  # for tests/catalog/test_services.py

__all__ = [
    "CENTRE", "PUBLIC_STATUSES", "CatalogueFilters", "DailySessions", "Day", "EventActions",
    "EventData", "ProgramData", "SessionData", "SignatoryData", "_check_schedule", "_slots",
    "add_daily_sessions", "add_session", "can_see_backstage", "can_see_link", "cancel_event",
    "catalogue_query", "clone_event", "confirmed_counts", "event_actions", "event_page_options",
    "feed_sessions",
    "feed_token", "instructor_candidates", "managed_events_query", "month_bounds", "month_view",
    "organizer_choices", "organizer_value", "parse_month", "parse_organizer", "programs",
    "public_event", "publish_event", "regenerate_feed_token", "regions", "remove_session",
    "save_event", "save_program", "seats_left", "set_instructors", "set_quota", "signals",
    "update_session", "user_for_feed",
]
