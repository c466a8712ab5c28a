"""The walk-in page's rules, lent by the attendance feature.

Walk-ins are attendance's (school/attendance/walkins.py): a person is added from the
attendance sheet by whoever marks it. Their page keeps its address and endpoint on the
enrolment blueprint (`enrollment.walk_in`, seat_views.py), and enrolment may not import
attendance (ARCHITECTURE's direction of imports); so attendance lends the rules here when
its blueprint is imported (school/attendance/receivers.py), before any request, command or
test runs, and the page calls them through the functions below. Who may add a walk-in is
who marks the sheet: school.permissions.can_mark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from school.catalog.hooks import Lent

_rule = Lent("the attendance feature")


def lend(rule: Callable) -> Callable:
    """Register one of attendance's walk-in rules under its own name."""
    return _rule.lend(rule.__name__, rule)


def searches_by_name(viewer) -> bool:
    return _rule("searches_by_name")(viewer)


def search_people(text: str, viewer) -> list:
    """Up to ten people the viewer may look up for the sheet."""
    return _rule("search_people")(text, viewer)


def new_person(**fields: Any):
    """A minimal account for someone who turned up; mailed an invitation."""
    return _rule("new_person")(**fields)


def add_walk_in(event, person, actor, **options: Any):
    """Seat `person` in `event` now; over capacity only with a reason."""
    return _rule("add_walk_in")(event, person, actor, **options)
