"""Shared records for the enrolment tests."""

from __future__ import annotations

import pytest

from school.extensions import db, write_transaction


@pytest.fixture
def people(make_user, tree):
    """Coordinators of A, of B and of union U; an admin; a function making trainees."""

    def trainees(n: int, branch=None, **kw):
        return [make_user("trainee", branch=branch or tree["a"], **kw) for _ in range(n)]

    return {
        "coord_a": make_user("coordinator", branch=tree["a"]),
        "coord_b": make_user("coordinator", branch=tree["b"]),
        "coord_u": make_user("coordinator", branch=tree["a2"], coordinator_of=tree["u"]),
        "admin": make_user("admin"),
        "trainees": trainees,
    }


@pytest.fixture
def tx(app):
    """Run a service as one committed unit of work holding the write lock, as a request
    does: `with tx(): services.enroll(...)`."""
    return write_transaction


def statuses(event) -> list[str]:
    from sqlalchemy import select

    from school.enrollment.models import Enrollment

    db.session.expire_all()
    rows = db.session.scalars(
        select(Enrollment).where(Enrollment.event_id == event.id).order_by(Enrollment.id)
    )
    return [r.status.value for r in rows]




@pytest.fixture
def tree(org_tree):
    return org_tree
