"""Certificates and letters state the event's own academic hours."""

from __future__ import annotations

import re
from datetime import date

from school.certificates import documents, services
from school.extensions import db
from tests.certificates.conftest import pdf_text

DAY = date(2026, 3, 14)


# --- the event's own academic hours ------------------------------------------------


def _one_hour_event(finished_event):
    """One session of one academic hour, of a 12-hour programme."""
    event = finished_event(sessions=1)
    event.program.academic_hours = 12
    event.sessions[0].academic_hours = 1
    db.session.commit()
    return event


def test_certificate_states_the_events_own_hours(
    client, finished_event, completed, tmp_path
):
    enrollment = completed(_one_hour_event(finished_event))
    certificate = services.issue_certificate(enrollment, today=DAY)
    db.session.commit()
    text = " ".join(pdf_text(certificate.pdf, tmp_path).split())
    assert "1 академический час" in text and "1 академиялық сағат" in text
    assert "12 академических" not in text and "12 академиялық" not in text
    assert services.verification(certificate)["hours"] == 1
    page = client.get(f"/verify/{certificate.verification_code}").get_data(as_text=True)
    assert re.search(r"<dd[^>]*>\s*1\s*</dd>", page)


def test_event_hours_fall_back_to_the_programme(finished_event):
    event = finished_event(sessions=2)
    assert documents.event_hours(event) == 16  # 2 sessions × 8 hours, not the 24 planned
    for session in event.sessions:
        session.academic_hours = 0
    db.session.commit()
    assert documents.event_hours(event) == 24


def test_letters_state_the_events_own_hours(finished_event, completed, tmp_path):
    enrollment = completed(_one_hour_event(finished_event))
    enrollment.attended_hours = 1
    db.session.commit()
    text = " ".join(pdf_text(services.letter_pdf("participation", "ru", enrollment, today=DAY),
                             tmp_path).split())
    assert "Посещено академических часов 1 из 1" in text
    text = " ".join(pdf_text(services.letter_pdf("release", "ru", enrollment, today=DAY),
                             tmp_path).split())
    assert "Объём 1 академический час" in text
