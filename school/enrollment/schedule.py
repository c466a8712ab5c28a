"""The daily jobs of the enrolment notices, from the job queue or from cron.

With REDIS_URL: `rq cron school/enrollment/rq_cron.py` (RQ's own cron scheduler, RQ >= 2.4)
puts `reminders_job` on the `notices` queue every hour and `digests_job` every morning, and
`rq worker notices` runs them. Without Redis, cron runs `flask send-reminders` (hourly) and
`flask send-digests` (hourly or daily; a digest goes once a day from DIGEST_HOUR on). Both
jobs are idempotent: a reminder is marked sent with its letter, a digest claims its
(approver, day) row, so overlapping runs, a second scheduler or a retried job send nothing
twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import click
from flask import Flask

from school.extensions import db

T = TypeVar("T")
QUEUE = os.environ.get("NOTICE_QUEUE", "notices")
_worker_app: Flask | None = None


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from school import create_app

        _worker_app = create_app()
    return _worker_app


def in_worker_app(job: Callable[[], T]) -> T:
    """Run `job` in the worker's app, its database session closed after."""
    with _app().app_context():
        try:
            return job()
        finally:
            db.session.remove()


def reminders_job() -> int:
    """RQ entry point: tomorrow's reminders (with the event's calendar file)."""
    from school.enrollment.notices import send_reminders

    return in_worker_app(send_reminders)


def digests_job() -> int:
    """RQ entry point: today's approval digests."""
    from school.enrollment.digests import send_digests

    return in_worker_app(send_digests)


@click.command("send-digests")
def send_digests_command() -> None:
    """Mail approvers the new requests awaiting their decision; once a day each."""
    from school.enrollment.digests import send_digests

    click.echo(f"digests sent: {send_digests()}")
