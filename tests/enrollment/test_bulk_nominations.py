"""Issue 11, item 9: a nomination list of 2,000 rows applies in one go; enrolments and new
accounts are checked and written in bulk, so the enrolment feature's own queries do not
grow with the list (receivers of other features — release requests, webhooks — still run
per enrolment)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from school.enrollment import nominations
from school.enrollment.models import Enrollment
from school.extensions import db, write_transaction
from tests.enrollment.test_nominations import csv_file

# The tables the nomination list itself reads: a query against them per row is an N+1.
OWN_TABLES = ("enrollment", "user_account", "branch", "primary_organization", "event",
              "event_quota", "program", "role_grant", "audit_entry")


def _list(n: int, start: int = 0) -> bytes:
    return csv_file(*[f"Участник Номер {i},person{i}@example.kz,,,ППО А,chair"
                      for i in range(start, start + n)])


def _own_selects(app, event, data, actor) -> Counter:
    seen: Counter = Counter()

    def count(_conn, _cursor, statement, *_args):
        # The releases feature looks up each person's employer: its receiver, not ours.
        if statement.lstrip().upper().startswith("SELECT") and "employer" not in statement:
            tables = set(re.findall(r"FROM (\w+)", statement))
            for table in tables & set(OWN_TABLES):
                seen[table] += 1

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context(), write_transaction():
            report = nominations.apply(event, data, actor)
            assert report.ok, (report.errors, [r.errors for r in report.bad_rows[:3]])
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    return seen


def test_own_queries_do_not_grow_with_the_list(app, make_event, people, tree):
    small, large = make_event(capacity=500), make_event(capacity=500)
    few = _own_selects(app, small, _list(10), people["coord_a"])
    many = _own_selects(app, large, _list(100, start=1000), people["coord_a"])
    assert many == few


def test_a_list_of_two_thousand_applies(app, make_event, people, tree):
    event = make_event(capacity=2500)
    with app.test_request_context(), write_transaction():
        report = nominations.apply(event, _list(2000), people["coord_a"])
    assert report.ok and report.created == 2000 and len(report.enrolled) == 2000
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.event_id == event.id)) == 2000
