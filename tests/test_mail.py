"""Mail as a client reads it: RFC 2047 subjects, Message-ID domain, text and HTML parts."""

from __future__ import annotations

import email
from email import policy
from types import SimpleNamespace

from school.mail import build_message
from tests.mailcheck import ENCODED_WORD, mail_problems

PERSON = SimpleNamespace(full_name="Әбілқайырова Гауһар Ұлықбекқызы")
LONG_SUBJECT = (
    "Подтверждение записи на обучение: семинар для председателей первичных профсоюзных "
    "организаций «Қызмет» — Әбілқайырова Гауһар Ұлықбекқызы"
)


def _message(app, subject: str, body: str):
    from school.mail import SchoolMessage

    with app.test_request_context():
        msg = SchoolMessage(subject=subject, body=body, from_email="school@fprk.kz", to=["a@b.kz"])
        raw = msg.message().as_bytes(linesep="\r\n")
    return msg, raw


def test_long_cyrillic_subject_is_folded_into_short_encoded_words(app):
    _msg, raw = _message(app, LONG_SUBJECT, "Текст")
    words = ENCODED_WORD.findall(raw.split(b"\r\n\r\n", 1)[0])
    assert len(words) > 2
    assert max(len(w) for w in words) <= 75
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert str(parsed["subject"]) == LONG_SUBJECT  # no lost or leading space


def test_message_id_names_the_configured_domain(make_app):
    other = make_app(BASE_URL="https://school.fprk.kz")
    with other.test_request_context():
        message = build_message("a@b.kz", "password_reset", locale="kk",
                                link="https://school.fprk.kz/reset/x", user=PERSON)
        raw = message.message().as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert str(parsed["message-id"]).endswith("@school.fprk.kz>")


def test_every_letter_has_a_text_and_an_escaped_html_part(app):
    with app.test_request_context():
        message = build_message("a@b.kz", "password_reset", locale="ru",
                                link="https://x.kz/reset/a?b=1&c=<2>", user=PERSON)
        assert mail_problems(message) == []
        html = message.alternatives[0][0]
    assert '<html lang="ru">' in html
    assert "&lt;2&gt;" in html and "<2>" not in html
    assert '<a href="https://x.kz/reset/a?b=1&amp;c=' in html
