"""Enrolling through the API obeys capacity under concurrency exactly as the web does: the
burst test of tests/enrollment, through POST /api/v1/enrolments with threads against the
real database."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from school.enrollment import services
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db

S = EnrollmentStatus


def _burst(app, token, event_id, person_ids):
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(len(person_ids))
    results, lock = [], threading.Lock()

    def post(person_id):
        client = app.test_client()
        with app.app_context():
            barrier.wait()
            response = client.post("/api/v1/enrolments",
                                   json={"event_id": event_id, "person_id": person_id},
                                   headers={"Authorization": f"Bearer {token}"})
            body = response.get_json()
            with lock:
                code = response.status_code
                results.append((code, body["code"] if code >= 400 else body["status"]))

    threads = [threading.Thread(target=post, args=(pid,)) for pid in person_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def _rows(event_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Enrollment).where(Enrollment.event_id == event_id)))


def test_thirty_concurrent_api_enrolments_for_eight_seats(app, make_event, make_user,
                                                           make_token):
    event_id = make_event(capacity=8).id
    token = make_token(make_user("admin"), scopes=("enrolments:write",))
    people = [make_user().id for _ in range(30)]
    results = _burst(app, token, event_id, people)
    assert Counter(results) == {(201, "confirmed"): 8, (201, "waitlisted"): 22}
    rows = _rows(event_id)
    assert len(rows) == 30 and len({e.user_id for e in rows}) == 30
    assert Counter(e.status for e in rows) == {S.confirmed: 8, S.waitlisted: 22}
    waiting = [e for e in rows if e.status is S.waitlisted]
    positions = services.waitlist_positions(e.id for e in waiting)
    assert sorted(positions.values()) == list(range(1, 23))


def test_the_same_person_many_times_through_the_api_gets_one_enrolment(
        app, make_event, make_user, make_token):
    event_id = make_event(capacity=8).id
    token = make_token(make_user("admin"), scopes=("enrolments:write",))
    person = make_user().id
    results = _burst(app, token, event_id, [person] * 10)
    assert Counter(results) == {(201, "confirmed"): 1, (400, "already_enrolled"): 9}
    assert len(_rows(event_id)) == 1
