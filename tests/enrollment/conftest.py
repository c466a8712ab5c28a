"""Shared records for the enrolment tests."""

from __future__ import annotations

import pytest

from school.extensions import db, write_transaction


@pytest.fixture
def tree(make_union, make_branch, make_org):
    """Union U with branches A and A2, union V with branch B; an organisation in each."""
    u, v = make_union("u"), make_union("v")
    a = make_branch(u, "KZ-79", name_ru="Филиал А")
    a2 = make_branch(u, "KZ-71", name_ru="Филиал А2")
    b = make_branch(v, "KZ-75", name_ru="Филиал Б")
    return {
        "u": u, "v": v, "a": a, "a2": a2, "b": b,
        "org_a": make_org(a, name_ru="ППО А", name_kk="БКҰ А"),
        "org_b": make_org(b, name_ru="ППО Б", name_kk="БКҰ Б"),
    }


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
def outbox(app):
    """Mail sent by the app. Flask-Mailman's locmem backend appends to the app's mail state
    (app.extensions["mailman"]), not to the Mail extension object that tests/conftest.py's
    fixture empties."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox
