"""Participants are told when the schedule, the venue or the online link changes: one
letter per person per change, after the COMMIT, with the old and the new time."""

from __future__ import annotations

from datetime import timedelta

from school.catalog import services as catalog
from school.catalog.models import EventSession
from school.extensions import db, write_transaction
from tests.notices.conftest import to_of


def _session_form(session, day, starts="10:00", ends="18:00") -> dict:
    return {"day": day.isoformat(), "starts": starts, "ends": ends,
            "topic_ru": session.topic_ru or "", "topic_kk": session.topic_kk or "",
            "academic_hours": "8"}


def test_moving_a_session_mails_every_confirmed_participant_once(
    crowd, login, client, outbox
):
    event = crowd["event"]
    first = event.sessions[0]
    day = first.starts_at.date()
    login(crowd["admin"])
    response = client.post(f"/manage/events/{event.id}/sessions/{first.id}/edit",
                           data=_session_form(first, day, "10:00", "18:00"))
    assert response.status_code == 302
    expected = sorted([u.email for u in crowd["confirmed"]] + [crowd["waitlisted"].email])
    assert to_of(outbox) == expected  # once each; not the pending or the cancelled
    ru = next(m for m in outbox if m.to == [crowd["confirmed"][0].email])
    assert ru.subject.startswith("Изменения в мероприятии «")
    when = day.strftime("%d.%m.%Y")
    assert f"{when} 09:00–17:00 → {when} 10:00–18:00" in ru.body
    kk = next(m for m in outbox if m.to == [crowd["confirmed"][1].email])
    assert f"{when} 10:00–18:00" in kk.body and "Сабақ ауыстырылды" in kk.body


def test_several_changes_in_one_request_make_one_letter_each(crowd, outbox):
    event = crowd["event"]
    day = event.sessions[0].starts_at.date()
    with write_transaction():
        event = db.session.get(type(event), event.id)
        catalog.remove_session(event.sessions[2], crowd["admin"])
        catalog.add_session(event, catalog.SessionData(
            day=day + timedelta(days=2), starts=__import__("datetime").time(14),
            ends=__import__("datetime").time(16), academic_hours=2), crowd["admin"])
        event.venue_ru = "пр. Абая, 10"
        catalog.signals.event_changed.send(event=event, what="venue")
    assert len(outbox) == 4
    body = next(m for m in outbox if m.to == [crowd["confirmed"][0].email]).body
    assert "14:00–16:00" in body and "17:00" in body and "пр. Абая, 10" in body
    assert "ул. Тауке хана, 1" in body  # the old venue, too


def test_a_rollback_mails_nobody_and_nothing_to_act_on_mails_nobody(crowd, outbox, app):
    event = crowd["event"]
    with app.test_request_context():
        db.session.execute(db.select(1))
        session = db.session.get(EventSession, event.sessions[0].id)
        session.starts_at -= timedelta(hours=1)
        db.session.flush()
        catalog.signals.event_changed.send(event=session.event, what="sessions")
        db.session.rollback()
    assert outbox == []
    with write_transaction():
        session = db.session.get(EventSession, event.sessions[0].id)
        session.topic_ru = "Новая тема"  # a topic is not news that needs a letter
        db.session.flush()
        catalog.signals.event_changed.send(event=session.event, what="sessions")
    assert outbox == []


def test_a_new_online_link_is_told_to_confirmed_people_only(crowd, outbox):
    event = crowd["event"]
    with write_transaction():
        event = db.session.get(type(event), event.id)
        event.online_link = "https://zoom.us/j/123"
        db.session.flush()
        catalog.signals.event_changed.send(event=event, what="link")
    assert to_of(outbox) == sorted(u.email for u in crowd["confirmed"])
    assert "https://zoom.us/j/123" in outbox[0].body


def test_a_released_savepoint_sends_nothing_the_outer_commit_does(crowd, outbox, app):
    event = crowd["event"]
    with app.test_request_context():
        db.session.execute(db.select(1))
        with db.session.begin_nested():
            session = db.session.get(EventSession, event.sessions[1].id)
            session.ends_at -= timedelta(hours=2)
            db.session.flush()
            catalog.signals.event_changed.send(event=session.event, what="sessions")
        assert outbox == []  # the savepoint is released, the transaction still open
        db.session.commit()
    assert len(outbox) == 4
    assert "09:00–15:00" in outbox[0].body
