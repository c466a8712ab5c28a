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
    badge: int | None = None  # e.g. requests waiting for the person (BADGES)


# endpoint → function of the current user giving a count to show beside the entry (or
# None); features register theirs (enrollment.approvals: school/enrollment/approvals.py).
BADGES: dict = {}


# Top-level entries, then groups shown as drop-down menus. Endpoints a person may not
# reach are left out, and a group with nothing left disappears.
MENU = [
    ("catalog.events", _l("Events")),
    ("catalog.calendar", _l("Calendar")),
    ("enrollment.my", _l("My trainings")),
]
GROUPS = [
    (_l("Training work"), [
        ("catalog.manage_events", _l("Manage events")),
        ("catalog.programs", _l("Programmes")),
        ("enrollment.approvals", _l("Approvals")),
        ("releases.index", _l("Release from work")),
        ("attendance.my_sessions", _l("Attendance")),
        ("reports.yearly", _l("Reports")),
        ("planning.index", _l("Plans and budgets")),
        ("planning.organisation", _l("My organisation")),
        ("commissions.index", _l("Commissions")),
        ("evaluation.report", _l("Feedback and tests")),
        ("evaluation.questionnaires", _l("Questionnaires")),
    ]),
    (_l("Reference data"), [
        ("accounts.people", _l("People")),
        ("orgs.branches", _l("Branches")),
        ("orgs.organizations", _l("Primary organisations")),
        ("orgs.unions", _l("Sectoral unions")),
        ("orgs.regions", _l("Regions")),
        ("orgs.import_orgs", _l("Import organisations")),
        ("api_pages.index", _l("API tokens")),
    ]),
]


@dataclass(frozen=True)
class NavGroup:
    label: str
    items: list[NavItem]


def _allowed(entries) -> list[NavItem]:
    items = []
    for endpoint, label in entries:
        rule = rule_for(endpoint)
        if rule is not None and rule.allows(current_user):
            badge = BADGES[endpoint](current_user) if endpoint in BADGES else None
            items.append(NavItem(endpoint, str(label), url_for(endpoint), badge))
    return items


def nav_items() -> list[NavItem]:
    """Top-level menu entries the current person may open."""
    return _allowed(MENU)


def nav_groups() -> list[NavGroup]:
    groups = [NavGroup(str(label), _allowed(entries)) for label, entries in GROUPS]
    return [g for g in groups if g.items]


def all_nav_items() -> list[NavItem]:
    """Everything the person may open, for the home page's tiles."""
    return nav_items() + [item for group in nav_groups() for item in group.items]


def count_badges() -> None:
    """Run the menu's badge counts now, in the view, so that the menu runs no query while
    the page renders (issue 15); each badge function keeps its count for the request (g)."""
    for endpoint, badge in BADGES.items():
        rule = rule_for(endpoint)
        if rule is not None and rule.allows(current_user):
            badge(current_user)
