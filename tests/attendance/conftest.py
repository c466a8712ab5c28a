"""Shared records for the attendance tests: an event whose sessions are over, its
instructor, and confirmed participants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from school.extensions import db


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def past_event(make_event, make_user, make_program, make_enrollment, make_branch):
    """A published three-day event that ended yesterday: threshold 80%, 8 hours a session,
    one instructor and three confirmed participants (plus one waitlisted)."""

    def make(participants: int = 3, sessions: int = 3, threshold: int = 80, **kw):
        instructor = kw.pop("instructor", None) or make_user("instructor")
        start = datetime.now(UTC).date() - timedelta(days=sessions + 1)
        event = make_event(
            make_program(completion_threshold=threshold), sessions=sessions,
            starts_on=start, instructors=[instructor], **kw,
        )
        branch = make_branch()
        people = [make_user("trainee", branch=branch) for _ in range(participants)]
        enrollments = [make_enrollment(event, p) for p in people]
        make_enrollment(event, make_user("trainee"), status="waitlisted")
        return {"event": event, "instructor": instructor, "admin": make_user("admin"),
                "people": people,
                "enrollments": enrollments, "sessions": list(event.sessions)}

    return make


@pytest.fixture
def running_event(make_event, make_user, make_enrollment):
    """An event whose first session started 5 minutes ago and runs two more hours."""

    def make(**kw):
        instructor = kw.pop("instructor", None) or make_user("instructor")
        today = datetime.now(UTC).date()
        event = make_event(sessions=2, starts_on=today, instructors=[instructor], **kw)
        first = event.sessions[0]
        now = datetime.now(UTC)
        first.starts_at = now - timedelta(minutes=5)
        first.ends_at = now + timedelta(hours=2)
        second = event.sessions[1]
        second.starts_at = now + timedelta(days=1)
        second.ends_at = now + timedelta(days=1, hours=8)
        trainee = make_user("trainee")
        enrollment = make_enrollment(event, trainee)
        db.session.commit()
        return {"event": event, "instructor": instructor, "trainee": trainee,
                "enrollment": enrollment, "session": first}

    return make




@pytest.fixture
def limited_app(make_app):
    """Rate limiting on (10 check-ins a minute by default)."""
    return make_app(RATELIMIT_ENABLED=True)
