"""The days cap, the answer link's refusals, reminders."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner

from school.catalog.models import EventSession
from school.errors import DomainError
from school.extensions import db
from school.releases import requests
from school.releases.models import ReleaseRequest, ReleaseState
from school.releases.receivers import send_release_reminders_command

# Both events in one calendar year, whatever today is.
MARCH = date(datetime.now(UTC).year + 1, 3, 2)


def test_a_sixth_paid_day_is_flagged_before_sending(setup, make_event, confirmed, outbox):
    first = make_event(sessions=3, starts_on=MARCH)
    _e1, r1 = confirmed(first, setup["trainee"])
    r1.state = ReleaseState.released
    db.session.commit()
    outbox.clear()

    second = make_event(sessions=3, starts_on=first.starts_on + timedelta(days=7))
    _e2, r2 = confirmed(second, setup["trainee"])
    assert r2.state is ReleaseState.to_send
    assert r2.hold_reason.value == "over_cap"
    assert requests.days_left(r2) == 2
    # Not sent: the coordinator is told instead, with the days left.
    assert [m.to for m in outbox] == [["coord@example.kz"]]
    assert "2" in outbox[0].body

    with pytest.raises(DomainError) as e:
        requests.send(r2)
    assert e.value.code == "over_cap"
    db.session.rollback()
    requests.send(db.session.get(ReleaseRequest, r2.id), force=True)
    db.session.commit()
    assert db.session.get(ReleaseRequest, r2.id).state is ReleaseState.sent


def test_within_the_cap_is_sent(setup, make_event, confirmed):
    first = make_event(sessions=2, starts_on=MARCH)
    confirmed(first, setup["trainee"])
    second = make_event(sessions=3, starts_on=first.starts_on + timedelta(days=7))
    _e, r2 = confirmed(second, setup["trainee"])
    assert r2.state is ReleaseState.sent  # 2 + 3 = 5 days: the cap, not past it


def test_no_employer_is_held(setup, make_event, make_user, confirmed):
    person = make_user(branch=setup["a"])
    _e, request = confirmed(make_event(), person)
    assert (request.state, request.hold_reason.value) == (ReleaseState.to_send, "no_employer")


def _link(request) -> str:
    return f"/releases/answer/{request.id}/{requests.make_token(request)}"


def test_the_link_refuses_another_requests_id(app, setup, make_event, make_user, confirmed):
    other = make_user(branch=setup["a"], primary_org_id=setup["org_a"].id)
    _e1, mine = confirmed(make_event(), setup["trainee"])
    _e2, theirs = confirmed(make_event(), other)
    token = requests.make_token(mine)
    client = app.test_client()
    response = client.post(f"/releases/answer/{theirs.id}/{token}", data={"choice": "release"})
    assert response.status_code == 404
    assert 'data-code="token_invalid"' in response.get_data(as_text=True)
    assert other.full_name not in response.get_data(as_text=True)
    db.session.refresh(theirs)
    assert theirs.state is ReleaseState.sent and theirs.answer is None


def test_the_link_refuses_an_expired_token(app, setup, make_event, confirmed, monkeypatch):
    _e, request = confirmed(make_event(), setup["trainee"])
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 61 * 86400)
    token = requests.make_token(request)
    monkeypatch.setattr(time, "time", real)
    response = app.test_client().post(f"/releases/answer/{request.id}/{token}",
                                      data={"choice": "release"})
    assert response.status_code == 410
    assert 'data-code="token_expired"' in response.get_data(as_text=True)
    db.session.refresh(request)
    assert request.answer is None


def test_a_resent_request_kills_the_old_link(app, setup, make_event, confirmed):
    _e, request = confirmed(make_event(), setup["trainee"])
    old = _link(request)
    requests.send(request)
    db.session.commit()
    assert app.test_client().get(old).status_code == 404


def test_a_second_answer_after_the_deadline_is_refused(app, setup, make_event, confirmed):
    event = make_event(sessions=2)
    _e, request = confirmed(event, setup["trainee"])
    link = _link(request)
    client = app.test_client()
    client.post(link, data={"choice": "release"})
    # The training has started: the first session is now in the past.
    session = db.session.scalars(db.select(EventSession).where(
        EventSession.event_id == event.id).order_by(EventSession.starts_at)).first()
    session.starts_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    response = client.post(link, data={"choice": "refuse", "reason": "передумали"})
    assert response.status_code == 409
    assert 'data-code="answer_closed"' in response.get_data(as_text=True)
    db.session.refresh(request)
    assert request.state is ReleaseState.released and request.answer_reason is None


def test_the_answer_page_shows_days_used_this_year(app, setup, make_event, confirmed):
    first = make_event(sessions=2, starts_on=MARCH)
    _e1, r1 = confirmed(first, setup["trainee"])
    app.test_client().post(_link(r1), data={"choice": "release"})
    _e2, r2 = confirmed(make_event(sessions=1, starts_on=first.starts_on + timedelta(days=7)),
                        setup["trainee"])
    page = app.test_client().get(_link(r2)).get_data(as_text=True)
    assert "2 of 5" in page or "2 из 5" in page or "5 ішінен 2" in page


def test_working_days_before_skips_weekends():
    assert requests.working_days_before(date(2026, 12, 14), 5) == date(2026, 12, 7)  # Mon→Mon
    assert requests.working_days_before(date(2026, 12, 16), 1) == date(2026, 12, 15)


def test_reminder_once_and_no_answer_state(app, setup, make_event, confirmed, outbox):
    start = datetime.now(UTC).date() + timedelta(days=3)
    event = make_event(sessions=2, starts_on=start)
    _e, request = confirmed(event, setup["trainee"])
    outbox.clear()
    runner = CliRunner()
    with app.app_context():
        result = runner.invoke(send_release_reminders_command, catch_exceptions=False)
    assert "reminders: 1" in result.output
    db.session.expire_all()
    request = db.session.get(ReleaseRequest, request.id)
    assert request.state is ReleaseState.no_answer
    assert sorted(m.to[0] for m in outbox) == ["coord@example.kz", "hr@telecom.kz"]
    outbox.clear()
    with app.app_context():
        result = runner.invoke(send_release_reminders_command, catch_exceptions=False)
    assert "reminders: 0" in result.output
    assert outbox == []
    # An answer may still come after the reminder.
    app.test_client().post(_link(request), data={"choice": "release"})
    db.session.refresh(request)
    assert request.state is ReleaseState.released


def test_the_answer_link_is_rate_limited(make_app, setup, make_event, confirmed):
    app = make_app(RATELIMIT_ENABLED=True, RELEASE_ANSWER_RATE_LIMIT="3 per minute")
    with app.app_context():
        _e, request = confirmed(make_event(), setup["trainee"])
        client = app.test_client()
        forged = f"/releases/answer/{request.id}/forged"
        codes = [client.get(forged).status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
        # The real link from the same address is limited too: guessing costs the same.
        assert client.get(_link(request)).status_code == 429


def test_queued_requests_are_checked_again_when_sent(setup, make_event, confirmed):
    first = make_event(sessions=3, starts_on=MARCH)
    second = make_event(sessions=3, starts_on=MARCH + timedelta(days=7))
    _e1, r1 = confirmed(first, setup["trainee"], dispatch=False)
    _e2, r2 = confirmed(second, setup["trainee"], dispatch=False)
    assert r1.hold_reason is None and r2.hold_reason is None  # both queued, nothing sent yet
    db.session.info[requests.DISPATCH_KEY] = {r1.id, r2.id}
    assert requests.dispatch_queued() == 1
    db.session.commit()
    assert (r1.state, r2.state) == (ReleaseState.sent, ReleaseState.to_send)
    assert r2.hold_reason.value == "over_cap"
