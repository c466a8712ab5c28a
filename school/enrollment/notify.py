"""Letters to an enrolment's person and the signals of its new status.

The letters go through the after-commit queue (school.mail.queue_mail): rendered at once in
the recipient's language, sent after COMMIT, dropped on ROLLBACK. `tell` writes to an
enrolment's person; `signal_status` tells the other features.
"""

from __future__ import annotations

from flask import current_app

from school import signals
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.mail import Later, absolute_url, queue_mail


def _mail_context(enrollment: Enrollment, **extra) -> dict:
    event = enrollment.event
    return {
        "user": enrollment.user,
        "event": event,
        "enrollment": enrollment,
        "starts_at": Later(lambda: event.first_start),  # not read under the lock
        "my_link": absolute_url("enrollment.my"),
        "event_link": f"{current_app.config['BASE_URL']}/events/{event.id}",
        **extra,
    }


def tell(enrollment: Enrollment, template: str, **extra) -> None:
    """Queue templates/mail/enrollment_<template> to the enrolment's person. Called under
    the event's lock, so in a request the letter is rendered after COMMIT (school.mail
    `after_commit`); `extra` values may be `Later`."""
    user = enrollment.user
    queue_mail(user.email, f"enrollment_{template}", locale=user.locale, after_commit=True,
               **_mail_context(enrollment, **extra))


def signal_status(enrollment: Enrollment) -> None:
    """Tell receivers (webhooks, other features) the enrolment's new status."""
    S = EnrollmentStatus
    signal = {
        S.confirmed: signals.enrollment_confirmed, S.waitlisted: signals.enrollment_waitlisted,
        S.pending: signals.enrollment_pending, S.cancelled: signals.enrollment_cancelled,
        S.rejected: signals.enrollment_cancelled,
    }.get(enrollment.status)
    if signal is not None:
        signal.send(enrollment=enrollment)
