"""The navigation menu, by role. Features add their entries here as they arrive."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from school.permissions import rule_for


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    url: str


# Endpoints that do not exist yet are skipped, so features can land one at a time.
MENU = [
    ("catalog.events", _l("Events")),
    ("catalog.calendar", _l("Calendar")),
    ("enrollment.my", _l("My trainings")),
    ("catalog.manage_events", _l("Manage events")),
    ("catalog.programs", _l("Programmes")),
    ("enrollment.approvals", _l("Approvals")),
    ("attendance.my_sessions", _l("Attendance")),
    ("reports.yearly", _l("Reports")),
    ("accounts.people", _l("People")),
    ("orgs.branches", _l("Branches")),
    ("orgs.organizations", _l("Primary organisations")),
    ("orgs.unions", _l("Sectoral unions")),
    ("orgs.regions", _l("Regions")),
    ("orgs.import_orgs", _l("Import organisations")),
]


def nav_items() -> list[NavItem]:
    """Menu entries whose declared rule lets the current person in."""
    items = []
    for endpoint, label in MENU:
        rule = rule_for(endpoint)
        if rule is not None and rule.allows(current_user):
            items.append(NavItem(endpoint, str(label), url_for(endpoint)))
    return items
