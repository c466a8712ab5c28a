"""Catalogue changes that move people: cancelling an event, adding seats."""

from __future__ import annotations

from school.catalog import services
from school.catalog.models import EventStatus
from school.enrollment.models import EnrollmentStatus
from school.extensions import db


def test_cancelling_an_event_releases_and_tells_everyone(make_event, make_user, make_enrollment,
                                                         outbox):
    admin = make_user("admin")
    event = make_event(capacity=1)
    confirmed = make_enrollment(event, make_user(), "confirmed")
    waiting = make_enrollment(event, make_user(), "waitlisted")
    services.cancel_event(event, "Зал недоступен", admin)
    db.session.commit()
    db.session.refresh(confirmed)
    db.session.refresh(waiting)
    assert event.status is EventStatus.cancelled
    assert confirmed.status is EnrollmentStatus.cancelled
    assert waiting.status is EnrollmentStatus.cancelled
    assert {m.to[0] for m in outbox} == {confirmed.user.email, waiting.user.email}


def test_a_larger_quota_promotes_the_waiting_list(make_event, make_user, make_branch,
                                                  make_enrollment):
    admin = make_user("admin")
    branch = make_branch()
    event = make_event(capacity=5, quotas={branch: 1})
    make_enrollment(event, make_user(branch=branch), "confirmed")
    waiting = make_enrollment(event, make_user(branch=branch), "waitlisted")
    services.set_quota(event, branch.id, 2, admin)
    db.session.commit()
    db.session.refresh(waiting)
    assert waiting.status is EnrollmentStatus.confirmed
