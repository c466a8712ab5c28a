"""Reactions to other features: ask attendees when an event is completed, and the
post-test as a completion requirement beside attendance."""

from __future__ import annotations

from school import signals
from school.attendance import completion as attendance
from school.evaluation import people as _people  # noqa: F401  (receivers: people merged, closed)
from school.evaluation import quizzes, services


def _on_event_completed(_sender=None, *, event, **_extra) -> None:
    # Inside the completion's transaction: the invitations commit (and mail leaves) with it.
    services.invite_attendees(event, now=event.completed_at)


signals.event_completed.connect(_on_event_completed, weak=False)
if quizzes.failing_post_test not in attendance.COMPLETION_CHECKS:
    attendance.COMPLETION_CHECKS.append(quizzes.failing_post_test)
