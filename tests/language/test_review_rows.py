"""Issue 13, item 1: the language review's corrections (../shared/reviews/language.md),
row by row, as the catalogues hold them now. Rows 1–4, 12 and 21 have tests of their own
(test_glossary, test_plurals, test_formatting, test_mails, test_collation_lists)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "school" / "translations"
_CACHE: dict = {}


def tr(lang: str, msgid: str, context: str | None = None) -> str:
    if lang not in _CACHE:
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            _CACHE[lang] = read_po(fh, locale=lang)
    message = _CACHE[lang].get(msgid, context=context)
    assert message is not None, msgid
    return message.string


ROWS = [
    # 2: «из 201 изменений»
    ("ru", "Showing the first %(shown)d of %(count)d changes.", None, "всего изменений: %(count)d"),
    # 5: enrolling is «оқуға жазу», not the account word
    ("kk", "Enrol the chosen", None, "оқуға жазу"),
    ("kk", "existing account, will be enrolled", None, "тіркелгі бар, оқуға жазылады"),
    ("kk", "already enrolled", None, "бұрыннан жазылған"),
    ("kk", "Your coordinator has enrolled you in «%(title)s». Your seat is confirmed.", None,
     "оқуға жазды"),
    # 6
    ("kk", "You are checked in for «%(event)s», marked late.", None, "кешігіп белгілендіңіз"),
    # 7, 8
    ("kk", "Check in", None, "Қатысуымды белгілеу"),
    ("kk", "Open check-in", None, "Өзін-өзі белгілеуді ашу"),
    ("kk", "Close check-in", None, "Өзін-өзі белгілеуді жабу"),
    ("kk", "self check-in", None, "өзі белгіледі"),
    # 9
    ("kk", "Event cancelled: %(title)s", None, "Іс-шара өткізілмейді"),
    ("kk", "The enrolment has been cancelled.", None, "Жазылудың күші жойылды"),
    ("kk", "Past and cancelled", None, "өткізілмейтін"),
    # 10: no case ending glued to a name
    ("kk", "Cancel the enrolment of %(name)s? Their seat will be released; if they enrol again, "
     "they may have to wait for a free seat or for approval again.", None,
     "%(name)s: жазылудың күшін жою керек пе?"),
    # 11
    ("ru", "Export CSV (for machines)", None, "для других систем"),
    # 13
    ("kk", "Something went wrong on our side. The error has been logged.", None,
     "Жүйеде қате орын алды"),
    # 14
    ("ru", "Certificates for this event are being issued.", None, "Идёт выдача"),
    ("ru", "Join the waiting list", None, "Записаться в лист ожидания"),
    # 15
    ("kk", "Feed address", None, "Күнтізбе сілтемесі"),
    # 16
    ("kk", "Consent to personal-data processing withdrawn.", None, "кері қайтарып алынды"),
    # 17
    ("kk", "A certificate has already been issued.", None, "берілген болатын"),
    ("kk", "This event is already completed.", None, "аяқталып қойған"),
    ("kk", "You are already enrolled in this event.", None, "жазылып қойғансыз"),
    ("kk", "This certificate has already been revoked.", None, "жойылып қойған"),
    # 18
    ("kk", "Absent", None, "Себепсіз келмеді"),
    ("kk", "Excused", None, "Дәлелді себеппен келмеді"),
    # 19
    ("ru", "Request approved: %(title)s", None, "утверждена"),
    # 20
    ("kk", "Federation of Trade Unions of the Republic of Kazakhstan", None,
     "Қазақстан Республикасы Кәсіподақтар федерациясы"),
]


@pytest.mark.parametrize(("lang", "msgid", "context", "wanted"), ROWS)
def test_review_row(lang, msgid, context, wanted):
    assert wanted in tr(lang, msgid, context)


@pytest.mark.parametrize(("lang", "msgid", "unwanted"), [
    ("ru", "Showing the first %(shown)d of %(count)d changes.", "изменений."),
    ("kk", "Enrol everyone on the list", "тіркеу"),
    ("kk", "Check-in is closed.", "Белгілену"),
    ("kk", "This certificate has already been revoked.", "бұрын"),
    ("ru", "Absent", "без уважительной"),
])
def test_review_row_old_wording_gone(lang, msgid, unwanted):
    assert unwanted not in tr(lang, msgid)


def test_no_colloquial_or_calque_left_in_kazakh():
    with (TRANSLATIONS / "kk" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="kk")
    text = "\n".join(m.string if isinstance(m.string, str) else " ".join(m.string)
                     for m in catalog if m.id)
    for phrase in ("Біз тарапта", "бірдеңе", "өтілген оқыту", "Болдырылмады", "болдырылмаған",
                   "Жазылым", "Белгілену"):
        assert phrase not in text, phrase


@pytest.mark.parametrize(("lang", "msgid", "wanted"), [
    # Mail subjects in the glossary's words: a person withdraws («бас тарту»), staff cancel
    # («күшін жою»); a request is received («получена / түсті»), not yet accepted.
    ("kk", "You have cancelled your enrolment: %(title)s", "жазылудан бас тарттыңыз"),
    ("kk", "Enrolment cancelled: %(title)s", "Жазылудың күші жойылды"),
    ("kk", "You are enrolled: %(title)s", "оқуға жазылдыңыз"),
    ("ru", "Request received: %(title)s", "Заявка получена"),
    ("kk", "Request received: %(title)s", "Өтінім түсті"),
])
def test_mail_subjects_in_glossary_words(lang, msgid, wanted):
    assert wanted in tr(lang, msgid)
