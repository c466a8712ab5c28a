"""Issue 22 against the real database (SQLite file or TEST_DATABASE_URL): held seats are
released once, in queue order, even when two workers run the job at the same moment; a
substitution under load leaves the seat count and the queue as they were."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from school.accounts.models import User
from school.audit.models import AuditEntry
from school.catalog.models import EventQuota
from school.enrollment import holds, services, substitutions
from school.enrollment.models import Enrollment
from school.extensions import db, write_transaction
from tests.enrollment.conftest import statuses


def _together(app, work, n: int) -> tuple[list, list]:
    db.session.commit()
    db.session.rollback()
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                results.append(work())
            except Exception as e:  # reported by the test
                errors.append(repr(e))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results, errors


def test_two_workers_release_held_seats_once_in_order(app, make_event, people, tree, tx,
                                                      outbox):
    event = make_event(capacity=4, quotas={tree["a"]: 3})
    quota = db.session.scalar(select(EventQuota).where(EventQuota.event_id == event.id))
    quota.mode, quota.release_on = holds.RESERVE, event.starts_on - timedelta(days=7)
    db.session.commit()
    a1 = people["trainees"](1)[0]
    bs = people["trainees"](4, branch=tree["b"])
    with tx():
        services.enroll(event, a1)
    for b in bs:  # one at a time: the queue order is the order of arrival
        with tx():
            services.enroll(event, b)
    assert statuses(event) == ["confirmed", "confirmed", "waitlisted", "waitlisted",
                               "waitlisted"]
    day = datetime.combine(quota.release_on, datetime.min.time(), tzinfo=UTC) + \
        timedelta(hours=6)
    outbox.clear()
    results, errors = _together(app, lambda: holds.release_due(now=day), 2)
    assert errors == []
    assert sorted(r["released"] for r in results) == [0, 1]
    assert sum(r["promoted"] for r in results) == 2
    # The two who came first are promoted, the last one still waits.
    assert statuses(event) == ["confirmed", "confirmed", "confirmed", "confirmed",
                               "waitlisted"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "quota.released")) == 1
    assert [m.to[0] for m in outbox].count(people["coord_a"].email) == 1
    # A later run finds nothing to do.
    assert holds.release_due(now=day + timedelta(hours=1))["released"] == 0


def test_substitution_keeps_the_count_and_queue_on_the_real_db(app, make_event, people,
                                                               tree, tx):
    event = make_event(capacity=3, quotas={tree["a"]: 3})
    seated = people["trainees"](3)
    waiting = people["trainees"](2, branch=tree["b"])
    deputies = people["trainees"](3)
    for p in seated + waiting:
        with tx():
            services.enroll(event, p)
    queue = [e.id for e in db.session.scalars(services._queue(event.id))]
    admin_id = people["admin"].id
    pairs = iter([(services.active_enrollment(event.id, old.id).id, new.id)
                  for old, new in zip(seated, deputies, strict=True)])
    lock = threading.Lock()

    def swap():
        with lock:
            row_id, new_id = next(pairs)
        with write_transaction():
            substitutions.substitute(db.session.get(Enrollment, row_id),
                                     db.session.get(User, new_id),
                                     db.session.get(User, admin_id), "замена")
        return True

    results, errors = _together(app, swap, 3)
    assert errors == [] and results == [True, True, True]
    db.session.expire_all()
    seats = services.Seats.count(event)
    assert seats.taken == 3 and seats.by_branch[tree["a"].id] == 3
    assert [e.id for e in db.session.scalars(services._queue(event.id))] == queue


def test_crossing_transfers_do_not_deadlock(app, make_program, make_event, people, tx):
    """One person moves from E1 to E2 while another moves from E2 to E1: both events are
    locked in the order of their ids, so neither waits for the other forever."""
    program = make_program()
    first = make_event(program, capacity=3)
    second = make_event(program, capacity=3, starts_on=first.starts_on + timedelta(days=7))
    a, b = people["trainees"](2)
    with tx():
        row_a = services.enroll(first, a)
        row_b = services.enroll(second, b)
    moves = iter([(row_a.id, second.id), (row_b.id, first.id)])
    admin_id = people["admin"].id
    lock = threading.Lock()

    def move():
        from school.catalog.models import Event
        from school.enrollment import transfers

        with lock:
            row_id, target_id = next(moves)
        with write_transaction():
            new = transfers.transfer(db.session.get(Enrollment, row_id),
                                     db.session.get(Event, target_id),
                                     db.session.get(User, admin_id), "обмен датами")
            return new.status.value

    results, errors = _together(app, move, 2)
    assert errors == [] and results == ["confirmed", "confirmed"]
    assert statuses(first) == ["cancelled", "confirmed"]
    assert statuses(second) == ["cancelled", "confirmed"]
