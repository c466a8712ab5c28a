"""Demo attendance: fills the history of past events, deterministically and once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from school.attendance import demo
from school.attendance.models import AttendanceChange, AttendanceMark
from school.catalog.models import EventStatus
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db


def _statuses():
    return db.session.execute(
        select(AttendanceMark.enrollment_id, AttendanceMark.session_id, AttendanceMark.status)
        .order_by(AttendanceMark.enrollment_id, AttendanceMark.session_id)).all()


def test_nothing_to_do_without_past_events(app, make_event, make_user, make_enrollment):
    make_enrollment(make_event(), make_user())  # upcoming only
    assert demo.seed(random.Random(1)) == []
    assert db.session.scalar(select(func.count()).select_from(AttendanceMark)) == 0


def test_past_events_get_marks_and_completion_once(app, past_event):
    ctx = past_event(participants=6)
    upcoming_status = ctx["event"].status
    assert upcoming_status is EventStatus.published
    lines = demo.seed(random.Random(1))
    db.session.commit()
    assert lines and "18 marks" in lines[0]
    db.session.refresh(ctx["event"])
    assert ctx["event"].status is EventStatus.completed
    # Completed as of just after the last session, not "now": the history looks real.
    last_end = max(s.ends_at for s in ctx["sessions"])
    assert last_end < ctx["event"].completed_at < datetime.now(UTC) - timedelta(hours=12)
    settled = db.session.scalars(select(Enrollment.status).where(
        Enrollment.event_id == ctx["event"].id,
        Enrollment.status.in_((EnrollmentStatus.completed, EnrollmentStatus.not_completed))
    )).all()
    assert len(settled) == 6
    first = _statuses()
    # Idempotent.
    assert demo.seed(random.Random(1)) == []
    assert db.session.scalar(select(func.count()).select_from(AttendanceChange)) == 18
    # Deterministic: the same rng gives the same marks.
    db.session.execute(delete(AttendanceChange))
    db.session.execute(delete(AttendanceMark))
    ctx["event"].status = EventStatus.published
    for e in ctx["enrollments"]:
        db.session.refresh(e)
        e.status = EnrollmentStatus.confirmed
    db.session.commit()
    demo.seed(random.Random(1))
    db.session.commit()
    assert _statuses() == first
