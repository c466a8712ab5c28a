"""Where an event and an enrolment stand, asked of the models (issue 14 item 4): the same
answer for the services, the views and the templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from school.catalog.models import EventStatus
from school.enrollment.models import EnrollmentStatus
from tests.factories import local_dt


def test_an_event_in_time(make_event):
    event = make_event(sessions=2)
    first = local_dt(event.starts_on, "09:00")
    last_end = local_dt(event.starts_on + timedelta(days=1), "17:00")
    assert event.first_start == first
    assert not event.has_started(first - timedelta(seconds=1))
    assert event.has_started(first)
    assert not event.has_ended(last_end - timedelta(seconds=1))
    assert event.has_ended(last_end)
    assert event.is_current(event.ends_on) and not event.is_current(
        event.ends_on + timedelta(days=1))


def test_an_event_without_sessions_starts_at_midnight_and_never_ends(make_event):
    event = make_event(sessions=0)
    assert event.first_start == local_dt(event.starts_on, "00:00")
    assert not event.has_ended(datetime.now(UTC) + timedelta(days=3650))


def test_only_drafts_and_published_events_are_editable(make_event):
    editable = {status: make_event(status=status).is_editable for status in EventStatus}
    assert editable == {EventStatus.draft: True, EventStatus.published: True,
                        EventStatus.completed: False, EventStatus.cancelled: False}


def test_who_may_cancel_an_enrolment(make_event, make_user, make_enrollment, org_tree):
    event = make_event()
    person = make_user(branch=org_tree["a"])
    row = make_enrollment(event, person, "confirmed")
    before, after = event.first_start - timedelta(minutes=1), event.first_start
    assert row.can_be_cancelled_by(person, before)
    assert not row.can_be_cancelled_by(person, after)  # "ask the organisers"
    assert row.can_be_cancelled_by(make_user("coordinator", branch=org_tree["a"]), after)
    assert not row.can_be_cancelled_by(make_user("coordinator", branch=org_tree["b"]), before)
    assert not row.can_be_cancelled_by(make_user(), before)
    for status in EnrollmentStatus:
        row.status = status
        assert row.can_be_cancelled_by(person, before) == (
            status in (EnrollmentStatus.pending, EnrollmentStatus.confirmed,
                       EnrollmentStatus.waitlisted))


def test_a_checkin_code_lives_until_it_expires(make_event):
    session = make_event(sessions=1).sessions[0]
    now = datetime.now(UTC)
    assert not session.checkin_code_is_live(now)
    session.checkin_code = "ABC123"
    assert session.checkin_code_is_live(now)
    session.checkin_code_expires_at = now
    assert session.checkin_code_is_live(now)
    assert not session.checkin_code_is_live(now + timedelta(seconds=1))
