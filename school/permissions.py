"""Who may reach what: every route declares a rule, and lists are scoped here.

A view is decorated with `@allow(rule)`. `enforce()` runs before every request and
denies any endpoint that did not declare a rule, so a forgotten decorator fails closed
(and `tests/test_permissions.py` fails too). Object-level checks (this coordinator, that
branch) use the scope helpers below so that the same answer is given everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import abort, current_app, has_request_context, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import false, or_, select

if TYPE_CHECKING:
    from school.accounts.models import User


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


# --- scoping -----------------------------------------------------------------------


def visible_branch_ids(user: User) -> set[int] | None:
    """Branches whose people and records `user` may see: None means all (admins)."""
    if user.has_role("admin"):
        return None
    from school.extensions import db
    from school.orgs.models import Branch

    # Asked many times a page (every row's buttons, the menu, the loaders): answered once a
    # request, kept in the request itself so that it can never outlive it.
    cache = request.environ.setdefault("school.visible_branch_ids", {}) \
        if has_request_context() else None
    key = (user.id, tuple(sorted((g.union_id or 0, g.branch_id or 0) for g in user.grants
                                 if g.role == "coordinator")))
    if cache is not None and key in cache:
        return set(cache[key])
    ids: set[int] = set()
    union_ids = [g.union_id for g in user.grants if g.role == "coordinator" and g.union_id]
    ids.update(g.branch_id for g in user.grants if g.role == "coordinator" and g.branch_id)
    if union_ids or ids:
        # A branch's coordinator also sees the local unions under it (one level deep); a
        # local union's coordinator sees only their own.
        ids.update(
            db.session.scalars(
                db.select(Branch.id).where(
                    db.or_(Branch.union_id.in_(union_ids), Branch.parent_id.in_(list(ids)))
                )
            )
        )
    if cache is not None:
        cache[key] = frozenset(ids)
    return ids


def visible_branch_clause(user: User, column):
    """`visible_branch_ids` as one SQL condition on `column` (a branch id), with no query
    of its own: None for admins (everything)."""
    if user.has_role("admin"):
        return None
    from school.orgs.models import Branch

    unions, branches = coordinator_scope(user)
    if not unions and not branches:
        return false()
    below = select(Branch.id).where(
        or_(Branch.union_id.in_(sorted(unions)), Branch.parent_id.in_(sorted(branches))))
    return or_(column.in_(sorted(branches)), column.in_(below))


def chaired_org_id(user: User) -> int | None:
    """The primary organisation whose chair (or deputy) `user` is, if any."""
    return next((g.primary_org_id for g in getattr(user, "grants", ())
                 if g.role == "chair" and g.primary_org_id), None)


def can_see_branch(user: User, branch_id: int | None) -> bool:
    ids = visible_branch_ids(user)
    return ids is None or (branch_id is not None and branch_id in ids)


def scope_to_branches(query, column, user: User):
    """Filter a select() to rows whose `column` (a branch id) the user may see."""
    ids = visible_branch_ids(user)
    if ids is None:
        return query
    return query.where(column.in_(ids)) if ids else query.where(false())


# --- events ---------------------------------------------------------------------------


def coordinator_scope(user: User) -> tuple[set[int], set[int]]:
    """(union ids, branch ids) named in the person's coordinator grants."""
    unions = {g.union_id for g in user.grants if g.role == "coordinator" and g.union_id}
    branches = {g.branch_id for g in user.grants if g.role == "coordinator" and g.branch_id}
    return unions, branches


def manages_event(user, event) -> bool:
    """Admins manage every event; a coordinator the events organised by their union or
    branch (a union's coordinator also those of the union's branches). Training-centre
    events (no organiser union or branch) are the admins' alone."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_role("admin"):
        return True
    unions, branches = coordinator_scope(user)
    if not unions and not branches:
        return False
    if event.organizer_union_id is not None and event.organizer_union_id in unions:
        return True
    if event.organizer_branch_id is not None:
        if event.organizer_branch_id in branches:
            return True
        if unions and event.organizer_branch.union_id in unions:
            return True
    return False


def sees_all_participants(user, event) -> bool:
    """Everyone enrolled in the event, whatever their branch: admins and the coordinators who
    organise it. One rule for the roster, its exports and the attendance sheet; any other
    coordinator sees only the people of their own branches."""
    return manages_event(user, event)


def teaches(user, event) -> bool:
    """The person is one of the event's instructors."""
    if not getattr(user, "is_authenticated", False):
        return False
    from sqlalchemy import inspect

    from school.catalog.models import event_instructor
    from school.extensions import db

    if "instructors" not in inspect(event).unloaded:  # loaded with the event: no query
        return any(i.id == user.id for i in event.instructors)
    return db.session.scalar(
        select(event_instructor.c.user_id).where(
            event_instructor.c.event_id == event.id, event_instructor.c.user_id == user.id
        )
    ) is not None
