"""Who may reach which page: every route declares a rule.

A view is decorated with `@allow(rule)`. `enforce()` runs before every request and
denies any endpoint that did not declare a rule, so a forgotten decorator fails closed
(and `tests/test_permissions.py` fails too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user


@dataclass(frozen=True)
class Rule:
    name: str
    check: Callable[[object], bool]
    needs_login: bool = True

    def allows(self, user) -> bool:
        return self.check(user)


PUBLIC = Rule("public", lambda u: True, needs_login=False)
SIGNED_IN = Rule("signed_in", lambda u: u.is_authenticated)
ADMIN = Rule("admin", lambda u: u.is_authenticated and u.has_role("admin"))
STAFF = Rule(
    "staff",
    lambda u: u.is_authenticated and (u.has_role("admin") or u.has_role("coordinator")),
)
TEACHING = Rule(
    "teaching",
    lambda u: u.is_authenticated
    and (u.has_role("admin") or u.has_role("coordinator") or u.has_role("instructor")),
)

# The chair (or deputy) of a primary organisation: their organisation's people and plan.
CHAIR = Rule("chair", lambda u: u.is_authenticated and u.has_role("chair"))
# Who draws up, submits or approves plans: admins, coordinators and chairs.
PLANNING = Rule(
    "planning",
    lambda u: u.is_authenticated
    and (u.has_role("admin") or u.has_role("coordinator") or u.has_role("chair")),
)

# Endpoints served by Flask and extensions themselves (static files only).
EXEMPT_ENDPOINTS = {"static", "bootstrap.static"}


def allow(rule: Rule):
    """Declare who may reach the decorated view."""

    def decorate(view):
        view.permission = rule
        return view

    return decorate


def rule_for(endpoint: str | None) -> Rule | None:
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "permission", None)


def enforce():
    """before_request hook: unknown URLs 404 as usual; undeclared endpoints are refused."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in EXEMPT_ENDPOINTS:
        return None
    rule = rule_for(endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no permission rule", endpoint)
        abort(403)
    if rule.allows(current_user):
        return None
    if rule.needs_login and not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    abort(403)
