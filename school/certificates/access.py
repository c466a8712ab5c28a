"""Which enrolments' certificates a member of staff reaches, as a query.

The rule for one enrolment is school.permissions.issues_certificate ("issue_certificate");
`scope_enrollments` is the query twin of permissions.manages_enrollment.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_

from school.enrollment.models import Enrollment
from school.permissions import coordinator_scope, visible_branch_ids


def scope_enrollments(query, user):
    """Filter a select() of Enrollment to the enrolments `user` may see as staff (the query
    twin of permissions.manages_enrollment)."""
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
