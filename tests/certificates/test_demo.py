"""The demo seed issues certificates for completed enrolments, once."""

from __future__ import annotations

import random

from school.certificates import demo
from school.certificates.models import Certificate
from school.extensions import db


def test_seed_issues_once_and_prints_a_verification_link(
    app, monkeypatch, finished_event, completed
):
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    assert demo.seed(random.Random(1)) == []
    event = finished_event()
    for _ in range(3):
        completed(event)
    lines = demo.seed(random.Random(1))
    assert lines[0].startswith("Certificates: 3 issued now (")
    assert "http://school.test/verify/" in lines[1]
    numbers = sorted(c.number for c in db.session.query(Certificate))
    assert numbers == [f"FPRK-2026-{n:06d}" for n in range(1, 4)]
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 0 issued now")
    assert db.session.query(Certificate).count() == 3
