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
def limited_app(make_app):
    """Verification rate-limited at 3 a minute."""
    return make_app(RATELIMIT_ENABLED=True, CERTIFICATE_VERIFY_RATE_LIMIT="3 per minute")
