"""The navigation menu, by role. Features add their entries here as they arrive."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, url_for
from flask_babel import get_locale
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


# (language, script root, the endpoints a person may open) -> the menu without its counts.
# The labels and URLs depend on nothing else; the counts are the person's own and are
# added per request. Bounded: there are only so many role combinations.
_MENU: dict[tuple, tuple[list[NavItem], list[NavGroup]]] = {}
_MENU_LIMIT = 256


def _menu() -> tuple[list[NavItem], list[NavGroup]]:
    """The person's menu, once a request (g): 25 permission rules, URLs and labels were
    worked out by each of nav_items, nav_groups and all_nav_items on every page."""
    cached = g.get("_nav_menu")
    if cached is not None and cached[0] is current_user._get_current_object():
        return cached[1]
    allowed = frozenset(
        endpoint for endpoint, _label in [*MENU, *(e for _g, es in GROUPS for e in es)]
        if (rule := rule_for(endpoint)) is not None and rule.allows(current_user)
    )
    key = (str(get_locale()), request.script_root, allowed)
    plain = _MENU.get(key)
    if plain is None:
        def items(entries):
            return [NavItem(endpoint, str(label), url_for(endpoint))
                    for endpoint, label in entries if endpoint in allowed]

        groups = [NavGroup(str(label), items(entries)) for label, entries in GROUPS]
        plain = (items(MENU), [group for group in groups if group.items])
        if len(_MENU) >= _MENU_LIMIT:
            _MENU.clear()
        _MENU[key] = plain
    menu = (_with_badges(plain[0]),
            [NavGroup(group.label, _with_badges(group.items)) for group in plain[1]])
    g._nav_menu = (current_user._get_current_object(), menu)
    return menu


def _with_badges(items: list[NavItem]) -> list[NavItem]:
    if not any(item.endpoint in BADGES for item in items):
        return items
    return [NavItem(item.endpoint, item.label, item.url, BADGES[item.endpoint](current_user))
            if item.endpoint in BADGES else item for item in items]


def nav_items() -> list[NavItem]:
    """Top-level menu entries the current person may open."""
    return _menu()[0]


def nav_groups() -> list[NavGroup]:
    return _menu()[1]


def all_nav_items() -> list[NavItem]:
    """Everything the person may open, for the home page's tiles."""
    return nav_items() + [item for group in nav_groups() for item in group.items]


def count_badges() -> None:
    """Work out the menu and its counts now, in the view, so that the menu runs no query
    while the page renders (issue 15); the menu is kept for the request (g)."""
    _menu()
