"""Issue 15, item 5: the event's lock is held only while a seat is decided.

A crowd enrolling in one event takes the lock in turn, so the checks that need no seat
count run before it, a refused enrolment never takes it, and the letter is rendered after
COMMIT (from the committed rows, with the queue position counted then). Every hold is
timed (`LOCK_HOLD_LOG`, `LOCK_HOLD_WARN_MS`), which is what bench/ reports."""

from __future__ import annotations

import logging

import pytest

from school.extensions import db
from school.mail import Later, queue_mail
from tests.enrollment.conftest import statuses


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def holds(app, tmp_path):
    path = tmp_path / "holds.txt"
    app.config["LOCK_HOLD_LOG"] = str(path)
    yield lambda: [float(x) for x in path.read_text().split()] if path.exists() else []
    app.config["LOCK_HOLD_LOG"] = ""


def test_each_enrolment_holds_the_lock_once_and_the_hold_is_logged(
        client, login, make_event, people, holds, outbox):
    event = make_event(capacity=1)
    first, second = people["trainees"](2, locale="en")
    for person in (first, second):
        client.post("/logout")
        login(person)
        assert client.post(f"/events/{event.id}/enroll").status_code == 302
    assert statuses(event) == ["confirmed", "waitlisted"]
    logged = holds()
    assert len(logged) == 2 and all(0 < ms < 60_000 for ms in logged)
    # The letters were rendered after COMMIT: the second one names the position counted then.
    waitlisted = [m for m in outbox if m.to == [second.email]]
    assert len(waitlisted) == 1
    assert "waiting list at position 1." in waitlisted[0].body


def test_a_refused_enrolment_never_takes_the_lock(client, login, make_event, make_program,
                                                  people, holds):
    event = make_event(make_program(audience=["treasurer"]))
    login(people["trainees"](1)[0])
    assert client.post(f"/events/{event.id}/enroll").status_code == 302
    assert statuses(event) == []
    assert holds() == []


def test_a_second_enrolment_of_the_same_person_is_refused_before_the_lock(
        client, login, make_event, people, holds):
    event = make_event()
    login(people["trainees"](1)[0])
    client.post(f"/events/{event.id}/enroll")
    client.post(f"/events/{event.id}/enroll")
    assert statuses(event) == ["confirmed"]
    assert len(holds()) == 1


def test_an_event_cancelled_before_the_lock_is_refused_under_it(app, make_event, people):
    """The checks ran on the event as first read; the lock re-reads it and refuses a
    cancelled one (the cancellation committed in between)."""
    from school.catalog.models import Event, EventStatus
    from school.enrollment import services
    from school.errors import DomainError

    event = make_event()
    (person,) = people["trainees"](1)
    stale = db.session.get(Event, event.id)
    db.session.execute(db.update(Event).where(Event.id == event.id)
                       .values(status=EventStatus.cancelled))
    with pytest.raises(DomainError) as refused:
        services.enroll(stale, person)
    assert refused.value.code == "event_not_open"
    db.session.rollback()
    assert statuses(event) == []


def test_a_long_hold_is_logged(app, client, login, make_event, people, caplog):
    app.config["LOCK_HOLD_WARN_MS"] = 0
    try:
        event = make_event()
        login(people["trainees"](1)[0])
        with caplog.at_level(logging.WARNING):
            client.post(f"/events/{event.id}/enroll")
    finally:
        app.config["LOCK_HOLD_WARN_MS"] = 250
    assert any(f"event {event.id} was locked for" in r.getMessage() for r in caplog.records)


def test_a_letter_rendered_after_commit_is_dropped_on_rollback(app, outbox):
    computed = []
    with app.test_request_context():
        queue_mail("a@example.kz", "password_reset", locale="ru", after_commit=True,
                   user=type("U", (), {"full_name": "Тестов Тест"})(),
                   link=Later(lambda: computed.append(1) or "http://x"))
        db.session.rollback()
        response = app.response_class()
        app.process_response(response)
    assert outbox == [] and computed == []
