"""Who may issue, revoke and reissue certificates, and for whom.

One rule: the staff of the event's organiser (permissions.manages_event), and only for a
participant whose certificate they may see (enrollment.services.can_manage: admins, the
coordinators of the participant's branch or union). Organising an event does not reach
people outside one's branch or union, whatever event they sit in.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_

from school.enrollment.models import Enrollment
from school.permissions import coordinator_scope, manages_event, visible_branch_ids


def can_act_on(user, enrollment: Enrollment) -> bool:
    from school.enrollment.services import can_manage

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return manages_event(user, enrollment.event) and can_manage(user, enrollment)


def scope_enrollments(query, user):
    """Filter a select() of Enrollment to the enrolments `user` may see as staff (the query
    twin of can_manage)."""
    if user.has_role("admin"):
        return query
    if not user.has_role("coordinator"):
        return query.where(false())
    branches = visible_branch_ids(user) or set()
    unions = coordinator_scope(user)[0]
    return query.where(or_(
        Enrollment.branch_id.in_(branches),
        and_(Enrollment.branch_id.is_(None), Enrollment.union_id.in_(unions)),
    ))
