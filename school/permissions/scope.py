"""Whose records a person sees: branches and unions from their coordinator grants.

Lists are filtered with `scope_to_branches` / `visible_branch_clause`; one row is asked
with `can_see_branch`, so that the same answer is given everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import has_request_context, request
from sqlalchemy import false, or_, select

if TYPE_CHECKING:
    from school.accounts.models import User



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



def coordinator_scope(user: User) -> tuple[set[int], set[int]]:
    """(union ids, branch ids) named in the person's coordinator grants."""
    unions = {g.union_id for g in user.grants if g.role == "coordinator" and g.union_id}
    branches = {g.branch_id for g in user.grants if g.role == "coordinator" and g.branch_id}
    return unions, branches
