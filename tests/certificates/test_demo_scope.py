"""The demo issues certificates for every completed enrolment of an ended event."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from school.certificates import demo
from school.certificates.models import Certificate
from school.extensions import db
from school.timeutil import local_today

# --- demo: every completed enrolment of an ended event --------------------------------


def test_demo_issues_for_every_year_without_a_cap(
    app, monkeypatch, finished_event, completed
):
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    # The old seed stopped at LIMIT certificates; whatever such a cap is set to, every
    # completed enrolment of an ended event gets one.
    monkeypatch.setattr(demo, "LIMIT", 1, raising=False)
    events = [finished_event(starts_on=date(year, 3, 1)) for year in (2024, 2025, 2026)]
    for event in events:
        completed(event)
        completed(event)
    lines = demo.seed(random.Random(1))
    assert lines[0].startswith("Certificates: 6 issued now (")
    numbers = sorted(db.session.scalars(select(Certificate.number)))
    assert numbers == [f"FPRK-{year}-{n:06d}" for year in (2024, 2025, 2026) for n in (1, 2)]
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 0 issued now")


def test_demo_leaves_events_that_have_not_ended(app, monkeypatch, finished_event, completed):
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    future = finished_event(starts_on=date.fromordinal(local_today().toordinal() + 5))
    completed(future)
    assert demo.seed(random.Random(1)) == []
    assert db.session.query(Certificate).count() == 0


def test_demo_leaves_out_the_generated_history(app, monkeypatch, finished_event, completed):
    """`seed-demo --scale` people (school/bigdata.py) get no PDFs: hours and gigabytes."""
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    event = finished_event()
    completed(event, email="scale2026-7-1@demo.kz")
    person = completed(event, email="person0001@demo.kz")
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 1 issued now")
    assert db.session.scalar(select(Certificate.enrollment_id)) == person.id


def test_demo_limit_caps_the_certificates_held(app, monkeypatch, finished_event, completed):
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    monkeypatch.setitem(app.config, "CERTIFICATE_DEMO_LIMIT", 3)
    for year in (2024, 2025):
        event = finished_event(starts_on=date(year, 3, 1))
        completed(event)
        completed(event)
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 3 issued now")
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 0 issued now")
    assert db.session.query(Certificate).count() == 3
