"""The whole loop through HTTP: enrol → one mail to HR with a link → answer without an
account → recorded with time and address → the trainee and the coordinator are told."""

from __future__ import annotations

import re

from school.extensions import db
from school.releases.models import OutgoingLetter, ReleaseRequest, ReleaseState

LINK = re.compile(r"http://school\.test(/releases/answer/\d+/\S+)")


def _hr_mail(outbox):
    return [m for m in outbox if m.to == ["hr@telecom.kz"]]


def test_enrolling_mails_hr_once_and_the_release_answer_is_recorded(
    app, client, login, setup, make_event, outbox
):
    event = make_event(sessions=3)
    login(setup["trainee"])
    response = client.post(f"/events/{event.id}/enroll")
    assert response.status_code == 302

    request = db.session.scalar(db.select(ReleaseRequest))
    assert request.state is ReleaseState.sent
    assert (request.days, request.employer_id) == (3, setup["employer"].id)
    hr = _hr_mail(outbox)
    assert len(hr) == 1
    body = hr[0].body
    link = LINK.search(body).group(1)
    # The letter goes with the mail, and it is the registered one.
    letter = db.session.get(OutgoingLetter, request.letter_id)
    assert [a[0] for a in hr[0].attachments] == [f"{letter.number}.pdf"]

    anonymous = app.test_client()
    page = anonymous.get(link)
    assert page.status_code == 200
    assert "Серикова Айгерим Болатовна" in page.get_data(as_text=True)
    outbox.clear()
    response = anonymous.post(link, data={"choice": "release"},
                              environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 302

    db.session.refresh(request)
    assert request.state is ReleaseState.released
    assert request.answered_at is not None
    assert request.answer_address == "203.0.113.7"
    to = sorted(m.to[0] for m in outbox)
    assert to == sorted([setup["trainee"].email, "coord@example.kz"])


def test_refusal_needs_a_reason_and_does_not_cancel_the_enrolment(
    app, setup, make_event, confirmed, outbox
):
    from school.releases.requests import make_token

    event = make_event(sessions=2)
    enrollment, request = confirmed(event, setup["trainee"])
    link = f"/releases/answer/{request.id}/{make_token(request)}"
    client = app.test_client()
    page = client.post(link, data={"choice": "refuse", "reason": ""})
    assert page.status_code == 200  # the form again, with the error
    db.session.refresh(request)
    assert request.state is ReleaseState.sent
    client.post(link, data={"choice": "refuse", "reason": "Годовой отчёт"})
    db.session.refresh(request)
    db.session.refresh(enrollment)
    assert request.state is ReleaseState.refused
    assert enrollment.status.value == "confirmed"
    # Changed before the deadline: allowed.
    client.post(link, data={"choice": "substitute", "proposed_name": "Ахметов Ерлан"})
    db.session.refresh(request)
    assert (request.state, request.proposed_name) == (ReleaseState.refused, "Ахметов Ерлан")


def test_online_event_needs_no_release(setup, make_event, confirmed, outbox):
    event = make_event(sessions=1, format="online")
    _enrollment, request = confirmed(event, setup["trainee"])
    assert request.state is ReleaseState.not_needed
    assert _hr_mail(outbox) == []


def test_cancelling_withdraws_the_request_and_its_letter(
    client, login, setup, make_event, confirmed
):
    event = make_event(sessions=2)
    enrollment, request = confirmed(event, setup["trainee"])
    login(setup["trainee"])
    assert client.post(f"/enrollments/{enrollment.id}/cancel").status_code == 302
    db.session.refresh(request)
    assert request.withdrawn_at is not None
    letter = db.session.get(OutgoingLetter, request.letter_id)
    assert letter.status == "withdrawn"


def test_cancelling_a_sent_request_tells_hr(client, login, setup, make_event, confirmed, outbox):
    event = make_event(sessions=2)
    enrollment, _request = confirmed(event, setup["trainee"])
    outbox.clear()
    login(setup["trainee"])
    client.post(f"/enrollments/{enrollment.id}/cancel")
    hr = _hr_mail(outbox)
    assert len(hr) == 1 and hr[0].attachments == []


def test_new_days_withdraw_the_letter_and_ask_again(setup, make_event, confirmed, outbox):
    from datetime import timedelta

    from school.catalog.models import EventSession
    from school.releases import requests

    event = make_event(sessions=2)
    _enrollment, request = confirmed(event, setup["trainee"])
    first_letter = request.letter_id
    request.state = ReleaseState.released
    db.session.commit()
    outbox.clear()
    session = db.session.scalars(db.select(EventSession).where(
        EventSession.event_id == event.id).order_by(EventSession.starts_at.desc())).first()
    moved = session.starts_at + timedelta(days=1)
    session.starts_at, session.ends_at = moved, moved + timedelta(hours=8)
    event.ends_on = event.ends_on + timedelta(days=1)
    db.session.flush()
    from school import signals

    signals.event_changed.send(event=event, what="sessions")
    db.session.commit()
    requests.dispatch_queued()
    db.session.commit()
    db.session.refresh(request)
    assert request.state is ReleaseState.sent and request.answer is None
    assert request.letter_id != first_letter
    assert db.session.get(OutgoingLetter, first_letter).status == "withdrawn"
    assert len(_hr_mail(outbox)) == 1


def test_the_trainee_sees_the_answer_on_my_page(client, login, setup, make_event, confirmed):
    event = make_event(sessions=2)
    _enrollment, request = confirmed(event, setup["trainee"])
    request.state = ReleaseState.released
    db.session.commit()
    login(setup["trainee"])
    page = client.get("/my").get_data(as_text=True)
    assert 'id="my-releases"' in page
    assert "release-released" in page
    assert "/releases/my-employer" in page
