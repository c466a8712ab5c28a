"""The register of outgoing letters: numbers, stored bytes, verification, rendering limit,
and what the release letter says."""

from __future__ import annotations

import re
import threading

from school.accounts.models import Category
from school.enrollment.models import Enrollment
from school.extensions import db, write_transaction
from school.releases import letters
from school.releases.models import OutgoingLetter
from tests.certificates.conftest import pdf_text

NUMBER = re.compile(r"^FPRK-L-\d{4}-\d{6}$")


def test_a_release_letter_downloads_byte_identical_and_verifies(
    client, login, setup, make_event, make_enrollment
):
    event = make_event(sessions=2)
    enrollment = make_enrollment(event, setup["trainee"])
    login(setup["trainee"])
    url = f"/enrollments/{enrollment.id}/letters/release.pdf?lang=ru"
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    letter = db.session.scalar(db.select(OutgoingLetter))
    assert NUMBER.match(letter.number)
    assert db.session.scalar(db.select(db.func.count(OutgoingLetter.id))) == 1

    page = client.post("/verify", data={"number": letter.number.lower(), "surname": "серикова"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-status="valid"' in text
    assert "АО «Казахтелеком»" in text and "Серикова Айгерим Болатовна" in text
    assert setup["trainee"].email not in text

    letters.withdraw_all(enrollment.id)
    db.session.commit()
    page = client.post("/verify", data={"number": letter.number, "surname": "Серикова"})
    assert 'data-status="withdrawn"' in page.get_data(as_text=True)
    # A wrong surname finds nothing, the same answer as an unknown number.
    page = client.post("/verify", data={"number": letter.number, "surname": "Иванов"})
    assert "data-status" not in page.get_data(as_text=True)


def test_numbers_are_sequential_per_year(setup, make_event, make_enrollment, make_user):
    event = make_event(sessions=1)
    numbers = []
    for _ in range(3):
        person = make_user(branch=setup["a"])
        enrollment = make_enrollment(event, person)
        numbers.append(letters.issue("release", "ru", enrollment).number)
    tails = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert tails == [tails[0], tails[0] + 1, tails[0] + 2]


def test_rendering_is_limited_per_person(make_app, setup, make_event, make_enrollment):
    app = make_app(LETTER_RENDER_LIMIT="2/3600")
    with app.app_context():
        client = app.test_client()
        client.post("/login", data={"email": setup["trainee"].email,
                                    "password": "correct-horse-7"})
        enrollment = make_enrollment(make_event(sessions=1), setup["trainee"])
        base = f"/enrollments/{enrollment.id}/letters/release.pdf"
        assert client.get(base + "?lang=ru").status_code == 200
        assert client.get(base + "?lang=kk").status_code == 200
        # Stored letters are served without rendering, so they never count.
        assert client.get(base + "?lang=ru").status_code == 200
        other = make_enrollment(make_event(sessions=1), setup["trainee"])
        assert client.get(f"/enrollments/{other.id}/letters/release.pdf?lang=ru"
                          ).status_code == 429


def test_two_downloads_at_once_issue_one_letter(app, setup, make_event, make_enrollment):
    enrollment_id = make_enrollment(make_event(sessions=1), setup["trainee"]).id
    numbers, errors = [], []
    barrier = threading.Barrier(2)
    db.session.commit()
    db.session.close()

    def fetch():
        with app.app_context():
            barrier.wait()
            try:
                with write_transaction():
                    e = db.session.get(Enrollment, enrollment_id)
                    numbers.append(letters.issue("release", "ru", e).number)
            except Exception as exc:  # reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert numbers[0] == numbers[1]
    assert db.session.scalar(db.select(db.func.count(OutgoingLetter.id))) == 1


def test_release_letter_keeps_pay_and_cites_the_agreement(
    setup, make_event, make_enrollment, tmp_path
):
    enrollment = make_enrollment(make_event(sessions=2), setup["trainee"])
    ru = " ".join(pdf_text(letters.issue("release", "ru", enrollment).pdf, tmp_path).split())
    kk = " ".join(pdf_text(letters.issue("release", "kk", enrollment).pdf, tmp_path).split())
    assert "с сохранением средней заработной платы" in ru
    assert "Отраслевое соглашение, п. 7.3" in ru
    assert "орташа жалақысы сақтала отырып" in kk
    assert "Салалық келісім, 7.3-тармақ" in kk
    assert "159" not in ru
    assert "АО «Казахтелеком»" in ru


def test_conciliation_programme_cites_article_159_and_general_basis_without_agreement(
    setup, make_program, make_event, make_user, make_enrollment, tmp_path
):
    program = make_program(audience=[Category.conciliation_commission.value])
    person = make_user(branch=setup["b"], category=Category.conciliation_commission)
    enrollment = make_enrollment(make_event(program, sessions=1), person)
    ru = " ".join(pdf_text(letters.issue("release", "ru", enrollment).pdf, tmp_path).split())
    assert "статья 159 Трудового кодекса" in ru
    assert "коллективный договор" in ru  # union V has no agreement: the general wording
