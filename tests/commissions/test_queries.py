"""The due list (and the register's front page) render in a constant number of queries,
whatever the number of members: counted with a before_cursor_execute listener at two sizes
(10,000 members made with bulk inserts)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, insert, select

from school.accounts.models import User
from school.commissions.models import Body, BodyKind, Member
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.timeutil import local_today


@contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _populate(size: int, orgs, completed_events, tag: str) -> None:
    """`size` people, each a member of their organisation's conciliation commission; a
    third completed a counting event recently, a third long ago, a third never."""
    now = datetime.now(UTC)
    org_ids = [o.id for o in orgs]
    branch_of = {o.id: o.branch_id for o in orgs}
    db.session.execute(insert(User), [
        {"email": f"{tag}{i}@bulk.kz", "full_name": f"Член {tag} {i}", "active": True,
         "created_at": now, "branch_id": branch_of[org_ids[i % len(org_ids)]]}
        for i in range(size)])
    people = list(db.session.scalars(
        select(User.id).where(User.email.like(f"{tag}%@bulk.kz")).order_by(User.id)))
    bodies = {}
    for org in orgs:
        body = db.session.scalar(select(Body).where(Body.primary_org_id == org.id))
        if body is None:
            body = Body(kind=BodyKind.conciliation_commission, branch_id=org.branch_id,
                        primary_org_id=org.id)
            db.session.add(body)
            db.session.flush()
        bodies[org.id] = body.id
    db.session.execute(insert(Member), [
        {"body_id": bodies[org_ids[i % len(org_ids)]], "user_id": pid, "role": "member",
         "term_start": date(2024, 1, 1), "created_at": now}
        for i, pid in enumerate(people)])
    db.session.execute(insert(Enrollment), [
        {"event_id": completed_events[i % 3].id, "user_id": pid,
         "status": EnrollmentStatus.completed, "created_at": now,
         "branch_id": branch_of[org_ids[i % len(org_ids)]]}
        for i, pid in enumerate(people) if i % 3 != 2])
    db.session.commit()


def test_due_list_and_front_page_in_constant_queries(client, login, org_tree, make_user,
                                                     make_requirement, make_program,
                                                     make_event):
    program = make_program(code="SK-159")
    make_requirement(programs=[program], validity_months=12)
    today = local_today()
    recent = make_event(program, starts_on=today - timedelta(days=30), sessions=1,
                        status="completed")
    old = make_event(program, starts_on=today - timedelta(days=500), sessions=1,
                     status="completed")
    make_event(program)  # an upcoming one to nominate into
    orgs = [org_tree["org_a"], org_tree["org_a2"], org_tree["org_b"]]
    admin = make_user("admin")
    login(admin)

    def measure():
        result = {}
        for path in ("/commissions/due", "/commissions/", "/commissions/due?format=csv"):
            with counted() as statements:
                started = time.perf_counter()
                response = client.get(path)
                print(path, len(statements), f"{time.perf_counter() - started:.3f}s")
            assert response.status_code == 200
            result[path] = len(statements)
        return result

    _populate(30, orgs, [recent, old, old], "s")
    small = measure()
    _populate(10_000 - 30, orgs, [recent, old, old], "l")
    assert db.session.scalar(select(db.func.count(Member.id))) == 10_000
    large = measure()
    assert large == small, (small, large)
    assert small["/commissions/due"] <= 20
    csv_lines = client.get("/commissions/due?format=csv").data.count(b"\r\n")
    assert csv_lines == 1 + 10_000  # header + every member × requirement
