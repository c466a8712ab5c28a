"""Demo data: a realistic year of events that obeys the catalogue's own rules."""

from __future__ import annotations

import random

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
