"""Issue 13, item 4: what the certificate, the two letters and the sign-in sheet say, read
back from the PDFs in Kazakh and Russian: the Russian verb in the holder's gender (from the
IIN; both forms without one), the pay clause, the venue and position in the document's
language, hours never «16.00», the format and the documents' names as the interface says
them; a revoked certificate downloads stamped; no programme goes out without a signatory.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from flask_babel import force_locale

from school.catalog import services as catalog
from school.catalog.models import EVENT_FORMAT_LABELS, EventFormat, EventStatus
from school.catalog.programmes import ProgramData, SignatoryData
from school.certificates import documents, services, wording
from school.certificates.revoked import STAMP_KK, STAMP_RU
from school.errors import DomainError
from school.extensions import db
from tests.certificates.conftest import pdf_text

MALE_IIN = "850425300126"  # 7th digit 3: a man born in the 20th century
FEMALE_IIN = "900103400560"  # 7th digit 4: a woman
VENUE_RU = "Дом профсоюзов, большой зал"
VENUE_KK = "Кәсіподақтар үйі, үлкен зал"
POSITION_RU = "Председатель ППО"
POSITION_KK = "Бастауыш кәсіподақ ұйымының төрағасы"


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def held(finished_event, completed, make_user):
    """A finished in-person seminar with a Russian and a Kazakh venue; a man, a woman and
    a person without IIN completed it."""
    event = finished_event()
    event.venue_ru, event.venue_kk = VENUE_RU, VENUE_KK
    db.session.commit()
    people = {}
    for key, iin in (("m", MALE_IIN), ("f", FEMALE_IIN), (None, None)):
        user = make_user(iin=iin, position=POSITION_RU, position_kk=POSITION_KK)
        people[key] = completed(event, user)
    return event, people


def test_the_certificate_says_passed_in_the_holders_gender(held, tmp_path):
    _event, people = held
    expected = {"m": "прошёл обучение", "f": "прошла обучение", None: "прошёл(ла) обучение"}
    for key, enrollment in people.items():
        certificate = services.issue_certificate(enrollment)
        db.session.commit()
        text = flat(pdf_text(certificate.pdf, tmp_path))
        assert expected[key] in text
        others = set(expected.values()) - {expected[key]}
        assert not any(other in text for other in others)
        assert "(-ла)" not in text
        assert "оқудан өтті" in text  # the Kazakh verb has no gender
        assert "очный" in text and "бетпе-бет" in text  # as the interface says "In person"
        assert "24 академических часа" in text and "24 академиялық сағат" in text
        assert not re.search(r"\d\.00\b", text)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_letters_use_the_documents_language_and_the_holders_gender(held, lang, tmp_path):
    _event, people = held
    release = services.letter_document("release", lang, people["f"])
    participation = services.letter_document("participation", lang, people["f"])
    neutral = services.letter_document("participation", lang, people[None])
    db.session.commit()
    release_text = flat(pdf_text(release.pdf, tmp_path))
    participation_text = flat(pdf_text(participation.pdf, tmp_path))
    neutral_text = flat(pdf_text(neutral.pdf, tmp_path))
    for text in (release_text, participation_text):
        assert not re.search(r"\d\.00\b", text)
    if lang == "ru":
        assert "с сохранением средней заработной платы" in release_text
        assert "Вашей организации" in release_text and "для участия в нём" not in release_text
        assert "приняла участие в обучении" in participation_text
        assert "принял(а) участие в обучении" in neutral_text
        assert "(-а)" not in participation_text + neutral_text
        for text in (release_text, participation_text):
            assert VENUE_RU in text and VENUE_KK not in text
            assert POSITION_RU in text and POSITION_KK not in text
            assert "очный" in text
    else:
        assert "орташа жалақысы сақтала отырып" in release_text
        for text in (release_text, participation_text):
            assert VENUE_KK in text and VENUE_RU not in text
            assert POSITION_KK in text and POSITION_RU not in text
            assert "бетпе-бет" in text and "күндізгі" not in text
    assert wording.DOCUMENT_NAMES["release"][lang] in release_text
    assert wording.DOCUMENT_NAMES["participation"][lang] in participation_text


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_sign_in_sheet_shows_the_venue_in_its_language(
    held, lang, client, login, make_user, tmp_path
):
    event, _people = held
    event.status = EventStatus.published
    db.session.commit()
    login(make_user("admin"))
    client.get(f"/lang/{lang}")
    response = client.get(f"/events/{event.id}/attendance/sign-in.pdf")
    assert response.status_code == 200
    text = flat(pdf_text(response.data, tmp_path))
    assert (VENUE_KK if lang == "kk" else VENUE_RU) in text
    assert (VENUE_RU if lang == "kk" else VENUE_KK) not in text


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_interface_names_formats_and_documents_as_the_pdfs_do(app, lang):
    with app.test_request_context(), force_locale(lang):
        for fmt in EventFormat:
            assert str(EVENT_FORMAT_LABELS[fmt]).lower() == documents.FORMAT[fmt][lang]
        for kind, label in wording.DOCUMENT_LABELS.items():
            assert str(label) == wording.DOCUMENT_NAMES[kind][lang]


def test_a_revoked_certificate_downloads_stamped_and_the_original_stays(
    held, client, login, tmp_path
):
    _event, people = held
    enrollment = people["f"]
    certificate = services.issue_certificate(enrollment)
    db.session.commit()
    login(enrollment.user)
    url = f"/certificates/{certificate.number}.pdf"
    valid = client.get(url)
    assert valid.status_code == 200 and valid.data == certificate.pdf
    assert STAMP_RU not in pdf_text(valid.data, tmp_path)

    original, digest = certificate.pdf, certificate.sha256
    services.revoke(certificate, by=None, reason="Ошибка в фамилии")
    db.session.commit()
    stamped = client.get(url)
    assert stamped.status_code == 200 and stamped.mimetype == "application/pdf"
    text = flat(pdf_text(stamped.data, tmp_path))
    assert STAMP_RU in text and STAMP_KK in text
    assert "прошла обучение" in text  # the certificate itself is all there under the stamp
    assert stamped.data != original
    db.session.refresh(certificate)
    assert certificate.pdf == original and certificate.sha256 == digest
    assert hashlib.sha256(certificate.pdf).hexdigest() == digest


def _unsigned_program_data(**overrides) -> ProgramData:
    fields = {"code": "NOSIGN", "title_ru": "Программа", "title_kk": "Бағдарлама",
              "academic_hours": 8, "completion_threshold": 80, "active": True,
              "signatories": [SignatoryData()]}
    fields.update(overrides)
    return ProgramData(**fields)


def test_nothing_is_offered_without_a_signatory(app, make_event, make_program, make_user,
                                               monkeypatch, tmp_path):
    admin = make_user("admin")
    with pytest.raises(DomainError) as refused:
        catalog.save_program(None, _unsigned_program_data(), admin)
    assert refused.value.code == "no_signatory"
    db.session.rollback()
    catalog.save_program(None, _unsigned_program_data(active=False), admin)  # a draft may
    db.session.rollback()

    event = make_event(make_program(), status=EventStatus.draft)
    with pytest.raises(DomainError) as refused:
        catalog.publish_event(event, admin)
    assert refused.value.code == "no_signatory"
    db.session.rollback()
    assert db.session.get(type(event), event.id).status is EventStatus.draft

    # A default signatory in the settings signs for programmes that name none.
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNATORY_NAME", "Сейтқали А. М.")
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNATORY_TITLE_RU", "Директор Учебного центра")
    monkeypatch.setitem(app.config, "CERTIFICATE_SIGNATORY_TITLE_KK", "Оқу орталығының директоры")
    catalog.publish_event(event, admin)
    db.session.commit()
    assert event.status is EventStatus.published
    snapshot = documents.certificate_snapshot(event)
    assert snapshot["signatories"] == [{"title_ru": "Директор Учебного центра",
                                        "title_kk": "Оқу орталығының директоры",
                                        "name": "Сейтқали А. М."}]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_an_online_event_says_online_once_and_letters_close_as_official_letters(
        app, held, lang, tmp_path):
    """Review, documents 6: «онлайн» printed as the form and again as the place; no «М.П.»
    and no «Исполнитель» line on the letters."""
    event, people = held
    event.format = EventFormat.online
    db.session.commit()
    app.config["LETTER_EXECUTOR"] = "Сейтқалиева А. Б., +7 7172 00 00 00"
    try:
        letter = services.letter_document("release", lang, people["m"])
        db.session.commit()
    finally:
        app.config.pop("LETTER_EXECUTOR")
    text = flat(pdf_text(letter.pdf, tmp_path))
    assert text.count("онлайн") == 1, text
    assert ("М.О." if lang == "kk" else "М.П.") in text
    assert ("Орынд.:" if lang == "kk" else "Исп.:") + " Сейтқалиева А. Б." in text
    certificate = services.issue_certificate(people["f"])
    db.session.commit()
    assert flat(pdf_text(certificate.pdf, tmp_path)).count("онлайн") == 2  # kk and ru forms
