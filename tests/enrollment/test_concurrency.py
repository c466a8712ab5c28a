"""Many threads at a real database (SQLite file or PostgreSQL from TEST_DATABASE_URL):
seats are never oversold, the queue stays whole and in order, quotas hold, nobody is lost.

Each thread works in its own app context (its own session and connection) and its own
write transaction, as a request would.
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from school.accounts.models import User
from school.catalog.models import Event
from school.enrollment import services
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db, write_transaction
from tests.factories import PASSWORD

S = EnrollmentStatus


def _hammer(app, work, items) -> tuple[list, list]:
    """Run work(item) for every item in its own thread, all released at once.
    Returns (results, unexpected exceptions); DomainErrors are results (their codes)."""
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(len(items))
    results, errors = [], []
    lock = threading.Lock()

    def run(item):
        with app.app_context():
            barrier.wait()
            try:
                with write_transaction():
                    value = work(item)
            except DomainError as e:
                value = e.code
            except Exception as e:  # anything else is a failure the test reports
                with lock:
                    errors.append(repr(e))
                return
            finally:
                db.session.remove()
            with lock:
                results.append(value)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results, errors


def _enrol(ids):
    event_id, user_id = ids
    enrollment = services.enroll(db.session.get(Event, event_id), db.session.get(User, user_id))
    return enrollment.status.value


def _rows(event_id) -> list[Enrollment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Enrollment).where(Enrollment.event_id == event_id)))


def _check_queue(event_id, expected_waiting: int) -> None:
    waiting = [e for e in _rows(event_id) if e.status is S.waitlisted]
    positions = services.waitlist_positions(e.id for e in waiting)
    assert sorted(positions.values()) == list(range(1, expected_waiting + 1))
    # Positions follow (waitlisted_at, id): first come, first served.
    order = sorted(waiting, key=lambda e: (e.waitlisted_at, e.id))
    assert [positions[e.id] for e in order] == list(range(1, expected_waiting + 1))


def test_fifty_concurrent_enrolments_for_ten_seats(app, make_event, people, outbox):
    event = make_event(capacity=10)
    users = people["trainees"](50)
    event_id = event.id
    results, errors = _hammer(app, _enrol, [(event_id, u.id) for u in users])
    assert errors == []
    assert Counter(results) == {"confirmed": 10, "waitlisted": 40}
    rows = _rows(event_id)
    assert len(rows) == 50 and len({e.user_id for e in rows}) == 50
    assert Counter(e.status for e in rows) == {S.confirmed: 10, S.waitlisted: 40}
    _check_queue(event_id, 40)
    assert len(outbox) == 50


def test_the_same_person_clicking_many_times_gets_one_enrolment(app, make_event, people):
    event = make_event(capacity=10)
    (person,) = people["trainees"](1)
    event_id = event.id
    results, errors = _hammer(app, _enrol, [(event_id, person.id)] * 12)
    assert errors == []
    assert Counter(results) == {"confirmed": 1, "already_enrolled": 11}
    assert len(_rows(event_id)) == 1


def test_concurrent_cancellations_promote_without_losing_anyone(app, make_event, people, tx):
    event = make_event(capacity=10)
    users = people["trainees"](30)
    with tx():
        for u in users:
            services.enroll(event, u)
    event_id = event.id
    rows = sorted(_rows(event_id), key=lambda e: e.id)
    confirmed = [e for e in rows if e.status is S.confirmed]
    queue = [e.id for e in sorted((e for e in rows if e.status is S.waitlisted),
                                  key=lambda e: (e.waitlisted_at, e.id))]
    # Ten people cancel at once while five more enrol.
    newcomers = people["trainees"](5)
    work = [("cancel", e.id, e.user_id) for e in confirmed] + [
        ("enrol", event_id, u.id) for u in newcomers]

    def act(item):
        kind, a, b = item
        if kind == "cancel":
            services.cancel(db.session.get(Enrollment, a), db.session.get(User, b))
            return "cancelled"
        return _enrol((a, b))

    results, errors = _hammer(app, act, work)
    assert errors == []
    assert Counter(results) == {"cancelled": 10, "waitlisted": 5}
    rows = _rows(event_id)
    by_status = Counter(e.status for e in rows)
    assert by_status == {S.cancelled: 10, S.confirmed: 10, S.waitlisted: 15}
    # Exactly the first ten of the old queue hold the seats now.
    now_confirmed = {e.id for e in rows if e.status is S.confirmed}
    assert now_confirmed == set(queue[:10])
    _check_queue(event_id, 15)


def test_quotas_hold_under_concurrency(app, make_event, people, tree):
    event = make_event(capacity=20, quotas={tree["a"]: 5})
    from_a = people["trainees"](15, branch=tree["a"])
    from_b = people["trainees"](10, branch=tree["b"])
    event_id, a_id, b_id = event.id, tree["a"].id, tree["b"].id
    results, errors = _hammer(app, _enrol, [(event_id, u.id) for u in from_a + from_b])
    assert errors == []
    rows = _rows(event_id)
    confirmed = Counter(e.branch_id for e in rows if e.status is S.confirmed)
    assert confirmed == {a_id: 5, b_id: 10}
    assert Counter(results) == {"confirmed": 15, "waitlisted": 10}


def test_concurrent_requests_through_http(app, make_event, people):
    """The same race through the enrol endpoint: POST requests take the write lock."""
    event_id = make_event(capacity=5).id
    users = people["trainees"](15)
    clients = []
    for u in users:
        client = app.test_client()
        assert client.post("/login", data={"email": u.email, "password": PASSWORD}
                           ).status_code == 302
        clients.append(client)
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(len(clients))
    codes, lock = [], threading.Lock()

    def post(client):
        with app.app_context():
            barrier.wait()
            response = client.post(f"/events/{event_id}/enroll")
            with lock:
                codes.append(response.status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert codes == [302] * 15
    rows = _rows(event_id)
    assert Counter(e.status for e in rows) == {S.confirmed: 5, S.waitlisted: 10}
    _check_queue(event_id, 10)
