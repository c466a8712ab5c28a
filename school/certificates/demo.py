"""Demo certificates: issued for every completed demo enrolment of an event that has ended.

That is the history of the previous years and this year's events so far, so reports,
/my and the verification page all have real certificates to show. Idempotent: only
completed enrolments without a valid certificate are issued. Each certificate is dated the
day its event ended and numbered in that year, as if issued then. The generated history of
`seed-demo --scale` (school/bigdata.py: people scale…@demo.kz) is left out: a PDF for each
of its enrolments would take hours and gigabytes.

Rendering is nearly all of the cost (about 1,250 certificates on a fresh demo): the PDFs
are rendered in the process pool (school.certificates.render: one process per CPU unless
CERTIFICATE_RENDER_PROCESSES says otherwise), started once for the whole seed and only
when something is left to issue. CERTIFICATE_DEMO_LIMIT, when set, caps how many
certificates the demo database holds (e.g. for a test that runs the whole seed). Prints
how many were issued, in how many seconds, and one verification link to try.
"""

from __future__ import annotations

import time as timer
from datetime import time

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.catalog.models import Event
from school.certificates import documents, queries, services
from school.certificates.models import Certificate
from school.certificates.render import Pool
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.timeutil import local_datetime, local_today

TRAINEE = "trainee@demo.kz"
CHUNK = 50  # certificates per render call and per transaction
GENERATED_PEOPLE = "scale%@demo.kz"  # school/bigdata.py


def _events() -> list[int]:
    """Ended events with completed enrolments of demo people, oldest first: registry
    numbers then follow the dates of issue within each year."""
    return list(db.session.scalars(
        select(Enrollment.event_id)
        .join(Event, Event.id == Enrollment.event_id)
        .join(User, User.id == Enrollment.user_id)
        .where(
            Enrollment.status == EnrollmentStatus.completed,
            Event.ends_on <= local_today(),
            ~User.email.like(GENERATED_PEOPLE),
        )
        .group_by(Enrollment.event_id, Event.ends_on)
        .order_by(Event.ends_on, Enrollment.event_id)
    ))


def _room() -> int | None:
    """How many more certificates CERTIFICATE_DEMO_LIMIT allows (None: no limit)."""
    limit = int(documents.setting("CERTIFICATE_DEMO_LIMIT", 0) or 0)
    if limit <= 0:
        return None
    held = db.session.scalar(select(func.count(Certificate.id))) or 0
    return max(0, limit - held)


def seed(rng) -> list[str]:
    event_ids = _events()
    if not event_ids:
        return []
    started = timer.perf_counter()
    issued = 0
    room = _room()
    pool = None
    try:
        for event_id in event_ids:
            event = queries.event_for_printing(event_id)
            while room is None or issued < room:
                size = CHUNK if room is None else min(CHUNK, room - issued)
                enrollments = list(db.session.scalars(
                    queries.pending_query(event_id)
                    .where(~User.email.like(GENERATED_PEOPLE))
                    .options(selectinload(Enrollment.user))
                    .limit(size)
                ))
                if not enrollments:
                    break
                # Started on the first certificate to issue: a second run starts nothing.
                pool = pool or Pool()
                # Issued in the past: dated the day the event ended, numbered in its year.
                issued += len(services.issue_many(
                    event, enrollments, render=pool.render, today=event.ends_on,
                    issued_at=local_datetime(event.ends_on, time(18, 0)),
                ))
                db.session.commit()
    finally:
        if pool is not None:
            pool.close()
    seconds = timer.perf_counter() - started
    example = db.session.scalar(
        select(Certificate)
        .join(Enrollment, Enrollment.id == Certificate.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .where(Certificate.revoked_at.is_(None))
        .order_by((User.email == TRAINEE).desc(), Certificate.id)
        .limit(1)
    )
    lines = [f"Certificates: {issued} issued now ({seconds:.1f} s)"]
    if example is not None:
        lines.append(
            f"  verify one: {documents.verify_url(example.verification_code)} "
            f"({example.number}, {example.holder_name})"
        )
    return lines
