"""The demo record and the demo materials: made once, whatever the number of runs."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from school.catalog.models import Event, EventStatus, ProgramSignatory
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.materials import demo as materials_demo
from school.materials.models import EventMaterial
from school.records import demo as records_demo


def test_the_demo_record_is_entered_once(make_user, make_branch, make_program):
    branch = make_branch()
    make_user("admin")
    make_user("coordinator", branch=branch, email="coordinator@demo.kz")
    for i in range(3):
        make_user("trainee", branch=branch, email=f"person{i:04d}@demo.kz")
    program = make_program()
    program.signatories.append(ProgramSignatory(name_ru="А", name_kk="А", title_ru="Д",
                                                title_kk="Д"))
    db.session.commit()
    first = records_demo.seed(random.Random(1))
    second = records_demo.seed(random.Random(1))
    db.session.commit()
    assert first and "/record" in first[0] and second == []
    event = db.session.scalar(select(Event).where(Event.recorded_after.is_(True)))
    assert event.status is EventStatus.completed and event.organizer_branch_id == branch.id
    statuses = db.session.scalars(select(Enrollment.status).where(
        Enrollment.event_id == event.id)).all()
    assert len(statuses) == 3 and set(statuses) <= {EnrollmentStatus.completed,
                                                     EnrollmentStatus.not_completed}


def test_the_demo_materials_are_added_once(make_user, make_event, make_enrollment):
    make_user("admin")
    event = make_event()
    make_enrollment(event, make_user("trainee", email="trainee@demo.kz"))
    db.session.commit()
    assert materials_demo.seed(random.Random(1))
    assert materials_demo.seed(random.Random(1)) == []
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(EventMaterial)) == 2
    pdf = db.session.scalar(select(EventMaterial).where(EventMaterial.url.is_(None)))
    assert pdf.content.startswith(b"%PDF-") and pdf.event_id == event.id
