"""Demo data: a realistic year of events that obeys the catalogue's own rules."""

from __future__ import annotations

import random
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school import demo
from school.accounts.models import User
from school.catalog import demo as catalog_demo
from school.catalog import services
from school.catalog.models import Event, EventFormat, EventKind, EventStatus, Program
from school.extensions import db
from school.timeutil import local_today, to_local


def _seed():
    demo.seed_orgs(demo.seed_regions())
    demo.seed_accounts()
    lines = catalog_demo.seed(random.Random("demo-catalog"))
    db.session.commit()
    return lines


def test_demo_year_of_events(app):
    lines = _seed()
    assert lines and "events" in lines[0]
    events = list(db.session.scalars(select(Event).options(
        selectinload(Event.sessions), selectinload(Event.instructors))))
    today = local_today()
    past = [e for e in events if e.ends_on < today]
    upcoming = [e for e in events if e.starts_on > today]
    assert len(events) >= 60
    assert len(past) >= 25 and len(upcoming) >= 25
    assert len(past) + len(upcoming) == len(events)  # nothing half-way through today
    assert all(e.status is EventStatus.published for e in past)
    assert {e.kind for e in events} == set(EventKind)
    assert {e.format for e in events} == set(EventFormat)
    assert len({e.region_id for e in events}) >= 12
    assert any(e.region_id is None for e in events)  # national online courses
    assert max(e.starts_on for e in events) - min(e.starts_on for e in events) >= (
        today - today.replace(year=today.year - 1)) * 0.9
    assert {EventStatus.draft, EventStatus.cancelled} <= {e.status for e in events}

    for event in events:
        assert event.sessions, event.id
        services._check_schedule(event.starts_on, event.ends_on, event.enrol_closes_at,
                                 services._slots(event.sessions))
        if event.format is not EventFormat.in_person:
            assert event.online_link
        assert all(to_local(s.starts_at).hour >= 9 for s in event.sessions)

    lead = db.session.scalar(select(User).where(User.email == "instructor@demo.kz"))
    taught = [e for e in events if lead in e.instructors]
    assert len(taught) >= 10
    assert any(e.ends_on < today for e in taught) and any(e.starts_on > today for e in taught)

    # Visitors find upcoming seminars in Shymkent.
    filters = services.CatalogueFilters(region="KZ-79", kind="seminar")
    assert db.session.scalars(services.catalogue_query(filters)).first() is not None
    # The Shymkent coordinator has events of their own to manage.
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.kz"))
    assert db.session.scalars(services.managed_events_query(coordinator)).first() is not None


def test_demo_is_idempotent(app):
    _seed()
    counts = (db.session.scalar(select(func.count(Event.id))),
              db.session.scalar(select(func.count(Program.id))))
    _seed()
    assert (db.session.scalar(select(func.count(Event.id))),
            db.session.scalar(select(func.count(Program.id)))) == counts


def test_demo_never_overlaps_one_programme_in_one_region(app):
    _seed()
    rows = db.session.execute(
        select(Program.code, Event.region_id, Event.starts_on, Event.ends_on, Event.id)
        .join(Program, Event.program_id == Program.id)
        .where(Event.status != EventStatus.cancelled)
        .order_by(Program.code, Event.region_id, Event.starts_on)
    ).all()
    clashes = [
        (a.id, b.id) for a, b in pairwise(rows)
        if (a.code, a.region_id) == (b.code, b.region_id) and b.starts_on <= a.ends_on
    ]
    assert clashes == []


def test_a_newcomer_can_enrol_in_a_demo_seminar_at_once(app, make_user):
    from school import demo as school_demo
    from school.accounts.models import Category
    from school.enrollment import demo as enrollment_demo
    from school.enrollment import services as enrollment_services
    from school.enrollment.models import EnrollmentStatus
    from school.extensions import write_transaction

    _seed()
    school_demo.seed_people()
    enrollment_demo.seed(random.Random("demo-enrollment"))
    db.session.commit()
    event = catalog_demo.open_seminar_for_chairs()
    assert event is not None
    assert event.kind is EventKind.seminar and event.program.is_for(Category.chair)
    assert services.seats_left(event, services.confirmed_counts([event.id])) > 0
    newcomer = make_user(category=Category.chair)
    with write_transaction():
        enrollment = enrollment_services.enroll(event, newcomer)
    assert enrollment.status is EnrollmentStatus.confirmed


def test_an_older_demo_gets_an_open_seminar_on_the_next_run(app):
    _seed()
    event = catalog_demo.open_seminar_for_chairs()
    event.status = EventStatus.cancelled
    db.session.commit()
    assert catalog_demo.open_seminar_for_chairs() is None
    lines = _seed()
    assert any("open seminar" in line for line in lines)
    assert catalog_demo.open_seminar_for_chairs() is not None
