"""Fixtures for the certificates tests: a finished event with completed participants."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from school.catalog.models import ProgramSignatory
from school.extensions import db

REALISTIC_KAZAKH_NAME = "Өмірбекова Гауһар-Әсемгүл Ұңғарқызы"
ALL_NINE = "ӘҒҚҢӨҰҮҺІ"


@pytest.fixture
def finished_event(make_program, make_event, make_branch):
    """A three-day seminar that ended in March 2026, with a signatory and an organiser."""

    def make(**kw):
        program = make_program(
            title_ru="Основы деятельности председателя ППО",
            title_kk="БКҰ төрағасы қызметінің негіздері",
            certificate_title_ru="о повышении квалификации",
            certificate_title_kk="біліктілікті арттыру туралы",
            academic_hours=24,
        )
        program.signatories.append(ProgramSignatory(
            position=0, name_ru="Сейтқали А. М.", name_kk="Сейтқали А. М.",
            title_ru="Директор Учебного центра ФПРК", title_kk="ҚРКФ Оқу орталығының директоры",
        ))
        db.session.commit()
        kw.setdefault("starts_on", date(2026, 3, 12))
        kw.setdefault("status", "completed")
        return make_event(program, **kw)

    return make


@pytest.fixture
def completed(make_user, make_enrollment, make_branch):
    """A person with a completed enrolment in `event` (24 hours, 3 sessions)."""

    def make(event, user=None, **kw):
        user = user or make_user(branch=kw.pop("branch", None) or make_branch(), **kw)
        return make_enrollment(event, user, status="completed", attended_hours=24,
                               attended_sessions=3)

    return make


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")


@pytest.fixture
def outbox(app):
    """Mail sent by the app. Flask-Mailman's locmem backend appends to the app's mail state
    (app.extensions["mailman"]), not to the extension object tests/conftest.py empties."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


@pytest.fixture
def limited_app(database_url):
    """A second app on the test database with rate limiting on (the shared Limiter's
    switch and storage are put back afterwards)."""
    from school import create_app
    from school.extensions import limiter
    from tests.conftest import IsolatedClient

    was_enabled = limiter.enabled
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://", "MAIL_BACKEND": "locmem",
        "BASE_URL": "http://school.test", "CERTIFICATE_VERIFY_RATE_LIMIT": "3 per minute",
    })
    app.test_client_class = IsolatedClient
    try:
        yield app
    finally:
        limiter.reset()
        limiter.enabled = was_enabled
        with app.app_context():
            db.engine.dispose()
