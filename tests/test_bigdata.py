"""The scale generator writes consistent rows the models read back."""

from __future__ import annotations

from sqlalchemy import func, select

from school.accounts.models import User
from school.attendance.models import AttendanceMark
from school.bigdata import generate
from school.catalog.models import Event, EventStatus
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db


def test_scale_generator_builds_a_consistent_history(make_org, make_program):
    make_org()
    make_org()
    program = make_program()
    lines = list(generate(0.002, seed=7))
    assert "200 user_account" in lines[0]

    events = db.session.scalars(select(Event)).all()
    assert len(events) == 40
    assert {e.status for e in events} == {EventStatus.completed}
    assert {e.program_id for e in events} == {program.id}

    enrolments = db.session.scalars(select(Enrollment)).all()
    assert enrolments
    for e in enrolments[:50]:
        assert e.status in (EnrollmentStatus.completed, EnrollmentStatus.not_completed)
        assert e.branch_id is not None and e.category is not None
        marks = db.session.scalar(select(func.count()).where(AttendanceMark.enrollment_id == e.id))
        assert marks == len(e.event.sessions)
        assert e.attended_sessions <= marks
    # No person is enrolled twice in one event (the partial unique index would refuse it).
    pairs = db.session.execute(select(Enrollment.event_id, Enrollment.user_id)).all()
    assert len(pairs) == len(set(pairs))

    # Sequences follow the ids written, so ordinary inserts still work afterwards.
    db.session.add(User(email="after@example.kz", full_name="После Генерации"))
    db.session.commit()
