"""Shared records for the notice tests: an event with confirmed, waiting and pending people."""

from __future__ import annotations

import pytest


@pytest.fixture
def crowd(org_tree, make_user, make_event, make_enrollment):
    """A published 3-day event in branch A's region: 3 confirmed (ru, kk, no choice),
    1 waitlisted, 1 pending, 1 cancelled; an admin who manages it."""
    event = make_event(sessions=3, capacity=3)
    people = {
        "confirmed": [make_user(branch=org_tree["a"], locale=loc) for loc in ("ru", "kk", None)],
        "waitlisted": make_user(branch=org_tree["a"]),
        "pending": make_user(branch=org_tree["a"]),
        "cancelled": make_user(branch=org_tree["a"]),
    }
    for user in people["confirmed"]:
        make_enrollment(event, user, "confirmed")
    make_enrollment(event, people["waitlisted"], "waitlisted")
    make_enrollment(event, people["pending"], "pending")
    make_enrollment(event, people["cancelled"], "cancelled")
    return {"event": event, "admin": make_user("admin"), **people, **org_tree}


def to_of(outbox) -> list[str]:
    return sorted(m.to[0] for m in outbox)
