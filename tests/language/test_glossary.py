"""Issue 13, item 1: GLOSSARY.md's terms hold across the catalogues (UI and mails):
enrol = «оқуға жазу / жазылу», account = «тіркелгі»; check-in, cancelled, revoke."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "school" / "translations"


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _entries(lang: str):
    for message in _catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield message.context, " ".join(ids), " ".join(s or "" for s in strings)


def test_enrolling_is_never_the_account_word_in_kazakh():
    wrong = [(msgid, text) for _ctx, msgid, text in _entries("kk")
             if re.search(r"\benrol", msgid, re.I)
             and not re.search(r"account|regist|sign", msgid, re.I)
             and "тірке" in text.lower()]
    assert wrong == []


def test_an_account_is_a_tirkelgi_in_kazakh():
    wrong = [(msgid, text) for _ctx, msgid, text in _entries("kk")
             if re.search(r"\baccounts?\b", msgid, re.I) and "тіркелгі" not in text.lower()
             and not re.search(r"(?i)into account|account(ing)? for", msgid)]
    assert wrong == []


@pytest.mark.parametrize(("lang", "context", "msgid", "expected"), [
    ("kk", "certificate", "Revoke", "Күшін жою"),
    ("ru", "certificate", "Revoke", "Отозвать"),
    ("ru", "role", "Revoke", "Снять роль"),
    ("kk", "event status", "Cancelled", "Өткізілмейді"),
    ("kk", "enrolment status", "Cancelled", "Күші жойылды"),
    ("ru", "enrolment status", "Cancelled", "Отменена"),
    ("ru", "event status", "Cancelled", "Отменено"),
    ("kk", "enrolment", "Cancel", "Жазылудың күшін жою"),
    ("kk", None, "Check in", "Қатысуымды белгілеу"),
    ("kk", None, "Check-in code", "Белгілеу коды"),
    ("ru", None, "Join the waiting list", "Записаться в лист ожидания"),
    ("kk", None, "Export CSV (for machines)", "CSV-ге экспорттау (басқа жүйелер үшін)"),
])
def test_glossary_terms(lang, context, msgid, expected):
    message = _catalog(lang).get(msgid, context=context)
    assert message is not None and message.string == expected


def test_no_reused_status_label_for_events_and_enrolments(app):
    from flask_babel import force_locale

    from school.catalog.models import EventStatus
    from school.enrollment.models import EnrollmentStatus

    with app.test_request_context(), force_locale("kk"):
        assert EventStatus.cancelled.label == "Өткізілмейді"
        assert EnrollmentStatus.cancelled.label == "Күші жойылды"
