"""Issuing, numbering, revoking and reissuing: the rules, asserted by error code."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from sqlalchemy import select

from school import pdf
from school.certificates import documents, services
from school.certificates.models import Certificate, RegistryCounter
from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.extensions import db, write_transaction
from tests.certificates.conftest import ALL_NINE, REALISTIC_KAZAKH_NAME, pdf_text

DAY = date(2026, 3, 14)


def issue(enrollment, **kw):
    kw.setdefault("today", DAY)
    certificate = services.issue_certificate(enrollment, **kw)
    db.session.commit()
    return certificate


def test_numbers_are_sequential_per_year_with_the_configured_prefix(
    app, monkeypatch, finished_event, completed
):
    event = finished_event()
    first, second = issue(completed(event)), issue(completed(event))
    assert (first.number, second.number) == ("FPRK-2026-000001", "FPRK-2026-000002")
    next_year = issue(completed(event), today=date(2027, 1, 2))
    assert next_year.number == "FPRK-2027-000001"
    monkeypatch.setitem(app.config, "CERTIFICATE_PREFIX", "TEST")
    assert issue(completed(event)).number == "TEST-2026-000003"


def test_verification_code_is_random_and_unambiguous(finished_event, completed):
    event = finished_event()
    codes = {issue(completed(event)).verification_code for _ in range(3)}
    assert len(codes) == 3
    for code in codes:
        assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{12}", code)
    assert not set("01ILO") & set(services.CODE_ALPHABET)


def test_only_completed_enrolments_get_a_certificate(
    finished_event, make_user, make_enrollment
):
    event = finished_event()
    enrollment = make_enrollment(event, make_user(), status="confirmed")
    with pytest.raises(DomainError) as e:
        services.issue_certificate(enrollment, today=DAY)
    assert e.value.code == "not_completed"


def test_one_valid_certificate_per_enrolment(finished_event, completed):
    enrollment = completed(finished_event())
    issue(enrollment)
    with pytest.raises(DomainError) as e:
        services.issue_certificate(enrollment, today=DAY)
    assert e.value.code == "already_issued"


def test_a_failed_issue_leaves_no_gap(finished_event, completed, make_user, make_enrollment):
    event = finished_event()
    issue(completed(event))
    bad = make_enrollment(event, make_user(), status="confirmed")
    good = completed(event)
    with pytest.raises(DomainError):
        services.issue_many(event, [good, bad], today=DAY)
    db.session.rollback()
    assert issue(good).number == "FPRK-2026-000002"


def test_pdf_is_stored_with_its_sha256(finished_event, completed):
    certificate = issue(completed(finished_event()))
    assert certificate.pdf.startswith(b"%PDF-")
    assert certificate.sha256 == hashlib.sha256(certificate.pdf).hexdigest()


@pytest.mark.parametrize(
    "name", [REALISTIC_KAZAKH_NAME, f"Әбілқайырова {ALL_NINE} {ALL_NINE.lower()}"]
)
def test_kazakh_name_comes_back_exactly_from_the_pdf(finished_event, completed, tmp_path, name):
    certificate = issue(completed(finished_event(), full_name=name))
    assert set("әғқңөұүһі") <= set(REALISTIC_KAZAKH_NAME.lower())
    text = pdf_text(certificate.pdf, tmp_path)
    assert name in text.splitlines()
    assert certificate.number in text
    assert "Шымкент қаласы" in text and "г. Шымкент" in text


def test_pdf_holds_everything_the_certificate_states(finished_event, completed, tmp_path):
    certificate = issue(completed(finished_event()))
    text = pdf_text(certificate.pdf, tmp_path)
    for expected in (
        "СЕРТИФИКАТ", "Қазақстан Республикасы Кәсіподақтар федерациясы",
        "Федерация профсоюзов Республики Казахстан", "«Основы деятельности председателя ППО»",
        "«БКҰ төрағасы қызметінің негіздері»", "12.03.2026 – 14.03.2026",
        "24 академических часа", "24 академиялық сағат", "семинар, очный", "14.03.2026",
        "Сейтқали А. М.", "ҚРКФ Оқу орталығының директоры", "о повышении квалификации",
        f"http://school.test/verify/{certificate.verification_code}",
    ):
        assert expected in text, expected


def test_fonts_are_embedded_as_subsets(finished_event, completed, tmp_path):
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "c.pdf"
    path.write_bytes(issue(completed(finished_event())).pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    rows = [line.split() for line in out.stdout.splitlines()[2:]]
    assert rows and all(re.fullmatch(r"[A-Z]{6}\+Cert-Serif(-Bold)?", r[0]) for r in rows)
    # columns: name type encoding emb sub uni object id
    assert all(r[-5:-2] == ["yes", "yes", "yes"] for r in rows), out.stdout


def test_the_font_has_every_character_a_certificate_prints(app, finished_event, completed):
    enrollment = completed(finished_event(), full_name=REALISTIC_KAZAKH_NAME)
    event = services.event_for_printing(enrollment.event_id)
    html = documents.certificate_html(
        event, documents.Issue(enrollment.id, REALISTIC_KAZAKH_NAME, "FPRK-2026-000001",
                               "ABCDEFGHJKMN", DAY)
    )
    text = re.sub(r"<[^>]+>", "", html)
    cmap = TTFont(Path(pdf.STATIC_ROOT, "fonts", "DejaVuSerif.ttf")).getBestCmap()
    printed = text + ALL_NINE + ALL_NINE.lower()
    missing = {ch for ch in printed if ch.strip() and ord(ch) not in cmap}
    assert not missing
    assert "\u2011" not in html


def test_renderer_fetches_only_the_apps_own_assets():
    fetcher = pdf.AssetsOnly.make()
    assert fetcher.fetch(pdf.STATIC_URL + "fonts/DejaVuSerif.ttf").read(4) == b"\x00\x01\x00\x00"
    for url in (
        "file:///etc/passwd",
        pdf.STATIC_URL + "../pdf.py",
        "http://127.0.0.1:9/x.png",
        "https://example.com/font.ttf",
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_remote_and_local_files_in_html_are_not_fetched(monkeypatch):
    fetched = []
    real = pdf.static_path
    monkeypatch.setattr(pdf, "static_path", lambda url: fetched.append(url) or real(url))
    data = pdf.render_pdf(
        '<img src="file:///etc/hostname"><img src="http://127.0.0.1:9/a.png"><p>ok</p>'
    )
    assert data.startswith(b"%PDF-")
    assert "file:///etc/hostname" in fetched


def test_revoke_needs_a_reason_and_happens_once(finished_event, completed, make_user):
    certificate = issue(completed(finished_event()))
    admin = make_user("admin")
    with pytest.raises(DomainError) as e:
        services.revoke(certificate, by=admin, reason="  ")
    assert e.value.code == "reason_required"
    services.revoke(certificate, by=admin, reason="Выдан ошибочно")
    db.session.commit()
    assert certificate.status == "revoked"
    with pytest.raises(DomainError) as e:
        services.revoke(certificate, by=admin, reason="again")
    assert e.value.code == "already_revoked"
    assert services.verification(certificate)["status"] == "revoked"


def test_reissue_gets_a_new_number_and_the_old_one_points_to_it(
    finished_event, completed, make_user, tmp_path
):
    enrollment = completed(finished_event(), full_name="Ахметова Айгерим")
    old = issue(enrollment)
    old_bytes = old.pdf
    enrollment.user.full_name = "Ахметова Әйгерім Серікқызы"  # corrected in the profile
    new = services.reissue(old, by=make_user("admin"), reason="Опечатка в имени", today=DAY)
    db.session.commit()
    assert new.number == "FPRK-2026-000002" and new.verification_code != old.verification_code
    assert old.pdf == old_bytes
    assert services.verification(old)["status"] == "replaced"
    assert services.verification(old)["replaced_by"] == new.number
    assert services.verification(new)["status"] == "valid"
    assert "Ахметова Әйгерім Серікқызы" in pdf_text(new.pdf, tmp_path)


def test_check_by_number_and_surname(finished_event, completed):
    certificate = issue(completed(finished_event(), full_name="Ёлкина Мария Петровна"))
    assert services.find_for_check(certificate.number.lower(), "елкина") == certificate
    assert services.find_for_check(f" {certificate.number} ", "Ёлкина Мария Петровна")
    assert services.find_for_check(certificate.number, "Мария") is None
    assert services.find_for_check("FPRK-2026-999999", "Ёлкина") is None
    assert services.find_for_check(certificate.number, "") is None


def test_verification_never_shows_contact_details(finished_event, completed):
    enrollment = completed(finished_event(), iin="850425300126", phone="+7 701 000 00 00")
    values = repr(services.verification(issue(enrollment)))
    assert "850425300126" not in values and "+7 701" not in values
    assert enrollment.user.email not in values


def test_concurrent_issuing_gives_distinct_numbers_without_gaps(app, finished_event, completed):
    event = finished_event()
    ids = [completed(event).id for _ in range(8)]
    errors = []
    barrier = threading.Barrier(len(ids))

    def worker(enrollment_id):
        try:
            with app.app_context():
                barrier.wait()
                with write_transaction():
                    services.issue_certificate(db.session.get(Enrollment, enrollment_id),
                                               today=DAY)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    db.session.rollback()  # end this thread's read snapshot
    numbers = sorted(db.session.scalars(select(Certificate.number)))
    assert numbers == [f"FPRK-2026-{n:06d}" for n in range(1, 9)]
    counter = db.session.scalar(select(RegistryCounter).where(RegistryCounter.year == 2026))
    assert counter.last_value == 8


def test_concurrent_first_issues_of_a_year_create_one_counter(app, finished_event, completed):
    event = finished_event()
    ids = [completed(event).id for _ in range(4)]
    barrier = threading.Barrier(len(ids))
    errors = []

    def worker(enrollment_id):
        try:
            with app.app_context():
                barrier.wait()
                with write_transaction():
                    services.allocate_numbers(2031, 1)
                db.session.remove()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    db.session.rollback()
    counters = db.session.scalars(select(RegistryCounter).where(RegistryCounter.year == 2031))
    assert [c.last_value for c in counters] == [4]


def test_hours_and_plurals():
    assert documents.hours_text(24, "ru") == "24 академических часа"
    assert documents.hours_text(21, "ru") == "21 академический час"
    assert documents.hours_text(11, "ru") == "11 академических часов"
    assert documents.hours_text(Decimal("22.50"), "ru") == "22,5 академического часа"
    assert documents.hours_text(Decimal("8.00"), "kk") == "8 академиялық сағат"


# --- letters --------------------------------------------------------------------------


def test_release_letter_lists_the_training_days(finished_event, make_user, make_enrollment,
                                                tmp_path):
    event = finished_event()
    user = make_user(full_name=REALISTIC_KAZAKH_NAME, workplace="ТОО «Шымкент Су»",
                     position="Председатель ППО")
    enrollment = make_enrollment(event, user, status="confirmed")
    text = pdf_text(services.letter_pdf("release", "ru", enrollment, today=DAY), tmp_path)
    assert REALISTIC_KAZAKH_NAME in text
    assert "12.03.2026, 13.03.2026, 14.03.2026 (3 дня)" in text
    assert "коллективный договор" in text and "ТОО «Шымкент Су»" in text
    kk = pdf_text(services.letter_pdf("release", "kk", enrollment, today=DAY), tmp_path)
    assert "Ұйым басшысына" in kk and "(3 күн)" in kk and "ұжымдық шарты" in kk


def test_letter_basis_is_configurable(app, monkeypatch, finished_event, make_user,
                                      make_enrollment, tmp_path):
    monkeypatch.setitem(app.config, "CERTIFICATE_LETTER_BASIS",
                        {"ru": "п. 7.3 коллективного договора", "kk": "ұжымдық шарттың 7.3-т."})
    enrollment = make_enrollment(finished_event(), make_user(), status="confirmed")
    text = pdf_text(services.letter_pdf("release", "ru", enrollment, today=DAY), tmp_path)
    assert "Основание: п. 7.3 коллективного договора." in text


def test_participation_letter_needs_counted_attendance(
    finished_event, make_user, make_enrollment, completed, tmp_path
):
    event = finished_event()
    confirmed = make_enrollment(event, make_user(), status="confirmed")
    with pytest.raises(DomainError) as e:
        services.letter_pdf("participation", "ru", confirmed)
    assert e.value.code == "letter_not_available"
    done = completed(event)
    text = pdf_text(services.letter_pdf("participation", "ru", done, today=DAY), tmp_path)
    flat = " ".join(text.split())
    assert "Посещено академических часов 24 из 24" in flat
    with pytest.raises(DomainError) as e:
        services.letter_pdf("other", "ru", done)
    assert e.value.code == "unknown_letter"


def test_the_qr_code_links_to_the_verification_page(finished_event, completed):
    enrollment = completed(finished_event())
    event = services.event_for_printing(enrollment.event_id)
    html = documents.certificate_html(
        event, documents.Issue(enrollment.id, "Ким Елена", "FPRK-2026-000001", "ABCDEFGHJKMN", DAY)
    )
    marker = pdf.QR_MARKER.search(html)
    assert marker and marker.group(1) == "http://school.test/verify/ABCDEFGHJKMN"
    drawn = pdf.QR_MARKER.sub(pdf._qr_svg, html)
    assert "<svg" in drawn and "qr-code" not in drawn
