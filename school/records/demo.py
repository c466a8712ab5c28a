"""Demo record: a seminar of the Shymkent branch of «Қызмет», held a month ago and entered
afterwards (published as a record, its participants added, attendance marked, completed;
the certificates demo then issues its certificates). Idempotent."""

from __future__ import annotations

from datetime import time, timedelta

from flask import current_app
from sqlalchemy import select

from school.accounts.models import Role, RoleGrant, User
from school.attendance import completion
from school.attendance import services as attendance
from school.attendance.models import AttendanceStatus
from school.catalog import services as catalog
from school.catalog.models import Event, EventFormat, EventKind, EventSession, EventStatus, Program
from school.extensions import db
from school.orgs.models import Branch
from school.records import services
from school.timeutil import local_datetime, local_today

COORDINATOR = "coordinator@demo.kz"


def _one(query):
    return db.session.scalar(query.limit(1))


def seed(rng) -> list[str]:
    if _one(select(Event.id).where(Event.recorded_after.is_(True))) is not None:
        return []
    admin = _one(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                 .where(RoleGrant.role == Role.admin).order_by(User.id))
    coordinator = _one(select(User).where(User.email == COORDINATOR))
    grant = next((g for g in coordinator.grants if g.branch_id), None) if coordinator else None
    program = _one(select(Program).where(Program.active.is_(True), Program.signatories.any())
                   .order_by(Program.id))
    if admin is None or grant is None or program is None:
        return []
    branch = db.session.get(Branch, grant.branch_id)
    first = local_today() - timedelta(days=33)
    event = Event(
        program_id=program.id, kind=EventKind.seminar, format=EventFormat.in_person,
        region_id=branch.region_id, organizer_branch_id=branch.id, starts_on=first,
        ends_on=first + timedelta(days=1), capacity=30, status=EventStatus.draft,
        city_ru="Шымкент", city_kk="Шымкент", created_by_id=coordinator.id,
        title_ru="Выездной семинар для председателей ППО (внесён после проведения)",
        title_kk="БКҰ төрағаларына арналған көшпелі семинар (өткізілгеннен кейін енгізілді)",
    )
    for day in (first, first + timedelta(days=1)):
        event.sessions.append(EventSession(
            starts_at=local_datetime(day, time(10)), ends_at=local_datetime(day, time(17)),
            academic_hours=program.academic_hours // 2 or 1))
    db.session.add(event)
    db.session.flush()
    catalog.publish_event(event, coordinator, as_record=True)
    people = list(db.session.scalars(
        select(User).where(User.branch_id == branch.id, User.email.like("person%@demo.kz"))
        .order_by(User.id).limit(6)))
    added = services.add_participants(event, people, actor=coordinator)
    marks = []
    for enrollment in added:
        here = rng.random() < 0.85
        for session in event.sessions:
            status = AttendanceStatus.present if here else AttendanceStatus.absent
            marks.append(attendance.MarkInput(enrollment.id, session.id, status))
    attendance.save_marks(event, coordinator, marks)
    completion.complete_event(event, coordinator)
    db.session.flush()
    base = current_app.config["BASE_URL"]
    return [f"Records: one seminar entered after it was held, {len(added)} participants: "
            f"{base}/manage/events/{event.id}/record; its attendance from a meeting report: "
            f"{base}/events/{event.id}/attendance/online"]
