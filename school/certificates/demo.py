"""Demo certificates: issued for the completed demo enrolments, if attendance made any.

Idempotent: only completed enrolments without a valid certificate are issued, in the most
recent finished events (trainee@demo.kz's first) up to LIMIT certificates in all, so a
large generated history does not keep `seed-demo` busy rendering; the rest can be issued
from each event's page. Prints one verification link to try.
"""

from __future__ import annotations

from datetime import time

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.catalog.models import Event
from school.certificates import documents, services
from school.certificates.models import Certificate
from school.certificates.render import Pool
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.timeutil import local_datetime

TRAINEE = "trainee@demo.kz"
LIMIT = 300
CHUNK = 50


def _events() -> list[int]:
    """Finished events with completions, the demo trainee's first, then the most recent,
    as long as their completions fit in LIMIT (the same choice on every run)."""
    trainee_id = db.session.scalar(select(User.id).where(User.email == TRAINEE))
    rows = db.session.execute(
        select(
            Enrollment.event_id,
            func.count(Enrollment.id),
            func.max(case((Enrollment.user_id == trainee_id, 1), else_=0)),
            Event.ends_on,
        )
        .join(Event, Event.id == Enrollment.event_id)
        .where(Enrollment.status == EnrollmentStatus.completed)
        .group_by(Enrollment.event_id, Event.ends_on)
    ).all()
    rows.sort(key=lambda r: (not r[2], -r[3].toordinal(), r[0]))
    chosen, total = [], 0
    for event_id, count, _mine, _ends in rows:
        if total + count > LIMIT:
            continue
        chosen.append(event_id)
        total += count
    return chosen


def seed(rng) -> list[str]:
    event_ids = _events()
    if not event_ids:
        return []
    issued = 0
    with Pool() as pool:
        for event_id in event_ids:
            event = services.event_for_printing(event_id)
            while True:
                enrollments = list(db.session.scalars(
                    services.pending_query(event_id)
                    .options(selectinload(Enrollment.user))
                    .limit(CHUNK)
                ))
                if not enrollments:
                    break
                # Issued in the past: dated the day the event ended, numbered in its year.
                issued += len(services.issue_many(
                    event, enrollments, render=pool.render, today=event.ends_on,
                    issued_at=local_datetime(event.ends_on, time(18, 0)),
                ))
                db.session.commit()
    example = db.session.scalar(
        select(Certificate)
        .join(Enrollment, Enrollment.id == Certificate.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .where(Certificate.revoked_at.is_(None))
        .order_by((User.email == TRAINEE).desc(), Certificate.id)
        .limit(1)
    )
    lines = [f"Certificates: {issued} issued now"]
    if example is not None:
        lines.append(
            f"  verify one: {documents.verify_url(example.verification_code)} "
            f"({example.number}, {example.holder_name})"
        )
    return lines
