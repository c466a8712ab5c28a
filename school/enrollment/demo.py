"""Demo enrolments: demo people (and trainee@demo.kz) in the demo events that exist.

Upcoming events are filled through the real rules (seats, queue, approvals), so the demo
shows confirmed, waitlisted and pending people; events already under way or past get
confirmed rows directly (the enrolment window is closed), for attendance to complete.
Idempotent: an event that has any enrolment is left alone. No mail is sent.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from school.accounts.models import User
from school.catalog.demo import open_seminar_for_chairs
from school.catalog.models import ApprovalMode, Event, EventStatus
from school.dbtypes import utcnow
from school.enrollment import services
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.mail import mail_suppressed

TRAINEE = "trainee@demo.kz"
MAX_EVENTS = 400  # a big history seeded by other means is not ours to fill


def seed(rng) -> list[str]:
    events = list(db.session.scalars(
        select(Event)
        .where(Event.status.in_([EventStatus.published, EventStatus.completed]))
        .where(~select(Enrollment.id).where(Enrollment.event_id == Event.id).exists())
        .order_by(Event.starts_on, Event.id)
        .limit(MAX_EVENTS)
    ))
    people = list(db.session.scalars(
        select(User).where(User.email.like("person%@demo.kz")).order_by(User.id)
    ))
    trainee = db.session.scalar(select(User).where(User.email == TRAINEE))
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.kz"))
    if not events or not people:
        return []
    now = utcnow()
    # The seminar a newcomer enrols in at once keeps half its seats free.
    open_seminar = open_seminar_for_chairs(now, with_seats=False)
    made = 0
    trainee_upcoming = trainee_past = 0
    with mail_suppressed():
        for event in events:
            fits = [p for p in people if event.program.is_for(p.category)]
            started = now >= event.first_start
            want = event.capacity + (rng.randint(1, 4) if not started and rng.random() < 0.3
                                     else 0)
            chosen = rng.sample(fits, min(len(fits), max(1, int(want * rng.uniform(0.6, 1.0)))))
            newcomers_seminar = open_seminar is not None and event.id == open_seminar.id
            if newcomers_seminar:
                # trainee@demo.kz is left out too: they can try enrolling themselves.
                chosen = chosen[: event.capacity // 2]
            elif trainee is not None and event.program.is_for(trainee.category) and (
                (started and trainee_past < 2) or (not started and trainee_upcoming < 2)
            ):
                chosen.insert(0, trainee)
                if started:
                    trainee_past += 1
                else:
                    trainee_upcoming += 1
            if started or event.status is EventStatus.completed:
                made += _confirm_directly(event, chosen[: event.capacity])
            else:
                made += _enrol(event, chosen, admin, rng)
            db.session.flush()
    from school.enrollment import seat_demo

    return [f"Enrolments: {made} in {len(events)} events", *seat_demo.seed(rng)]


def _enrol(event: Event, people: list[User], admin: User | None, rng) -> int:
    made = 0
    for person in people:
        try:
            enrollment = services.enroll(event, person)
        except DomainError:
            continue  # enrolment not open yet, and the like: the demo skips them
        made += 1
        if (enrollment.status is EnrollmentStatus.pending and admin is not None
                and event.approval_mode is not ApprovalMode.open and rng.random() < 0.6):
            services.approve(enrollment, admin)
    return made


def _confirm_directly(event: Event, people: list[User]) -> int:
    start = event.first_start
    for n, person in enumerate(people):
        at = start - timedelta(days=14, minutes=-n)
        db.session.add(Enrollment(
            event_id=event.id, user_id=person.id, status=EnrollmentStatus.confirmed,
            created_at=at, confirmed_at=at,
            region_id=person.region_id, union_id=person.union_id, branch_id=person.branch_id,
            primary_org_id=person.primary_org_id, category=person.category,
        ))
    return len(people)
