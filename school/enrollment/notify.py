"""Mail that leaves only when the transaction that caused it commits.

Services decide who is told what while they hold the event lock, but a rolled-back
enrolment must not have mailed anyone ("you are confirmed" for a seat that never was).
So a letter is rendered at once (in the recipient's language, while its records are
loaded) and queued on the session; it is sent after COMMIT and dropped on ROLLBACK.
Rendering mirrors school.mail.send_mail: templates/mail/<name>.subject.txt and .txt.
`tell` writes to an enrolment's person; `signal_status` tells the other features.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context, url_for
from sqlalchemy import event

from school import signals
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.enrollment.rules import first_start
from school.extensions import db
from school.mail import build_message

_QUEUE_KEY = "enrollment_outgoing_mail"
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "enrollment_mail_suppressed", default=False
)


def queue_mail(to: str | None, template: str, *, locale: str | None = None,
               attachments=(), **context) -> None:
    """Render a letter now and send it after the current transaction commits;
    `attachments`: (file name, content, MIME type) triples."""
    if not to or _suppressed.get():
        return
    message = build_message(to, template, locale=locale, **context)
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    db.session().info.setdefault(_QUEUE_KEY, []).append(message)


def pending_mail() -> list:
    return list(db.session().info.get(_QUEUE_KEY, []))


@contextmanager
def mail_suppressed() -> Iterator[None]:
    """Queue nothing inside the block (demo data, bulk maintenance)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def absolute_url(endpoint: str, **values) -> str:
    """BASE_URL + the path of `endpoint`, inside a request or not (CLI, jobs)."""
    if has_request_context():
        path = url_for(endpoint, _external=False, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def _mail_context(enrollment: Enrollment, **extra) -> dict:
    event = enrollment.event
    return {
        "user": enrollment.user,
        "event": event,
        "enrollment": enrollment,
        "starts_at": first_start(event),
        "my_link": absolute_url("enrollment.my"),
        "event_link": f"{current_app.config['BASE_URL']}/events/{event.id}",
        **extra,
    }


def tell(enrollment: Enrollment, template: str, **extra) -> None:
    """Queue templates/mail/enrollment_<template> to the enrolment's person."""
    user = enrollment.user
    queue_mail(user.email, f"enrollment_{template}", locale=user.locale,
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


@event.listens_for(db.session, "after_commit")
def _send_after_commit(session) -> None:
    # SQLAlchemy fires after_commit when a SAVEPOINT is released too (each person of a
    # nomination list is enrolled in one): only the outermost COMMIT may send.
    if session.in_nested_transaction():
        return
    messages = session.info.pop(_QUEUE_KEY, None)
    for message in messages or ():
        try:
            message.send()
        except Exception:  # a mail server hiccup must not undo a committed enrolment
            current_app.logger.exception("could not send mail to %s", message.to)


@event.listens_for(db.session, "after_transaction_end")
def _drop_unsent(session, transaction) -> None:
    # After COMMIT the letters are already gone; after ROLLBACK or close() they must not
    # leak into the next transaction. A savepoint ending leaves the outer one's letters.
    if transaction.parent is None:
        session.info.pop(_QUEUE_KEY, None)
