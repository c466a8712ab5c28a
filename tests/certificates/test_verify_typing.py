"""/verify as people type: any case, Kazakh letters as their Russian look-alikes or in Latin,
the number in lower case, with or without dashes; an unknown code says so in words."""

from __future__ import annotations

import pytest

from school.certificates import services
from school.core.names import canonical_number, holder_matches, name_key
from school.extensions import db
from tests.certificates.test_views import DAY

HOLDER = "Әбілқайырова Гауһар Ұлықбекқызы"


@pytest.fixture
def certificate(finished_event, completed, make_user):
    person = make_user("trainee", full_name=HOLDER)
    issued = services.issue_certificate(completed(finished_event(), user=person), today=DAY)
    db.session.commit()
    return issued


@pytest.mark.parametrize("typed", [
    "абилкайырова", "АБИЛКАЙЫРОВА", "Әбілқайырова", "abilkaiyrova", "Abilqaiyrova",
    "Äbilqaiyrova", "  әбілқайырова  ", "Әбілқайырова Гауһар Ұлықбекқызы",
])
def test_the_surname_matches_however_it_is_typed(typed):
    assert holder_matches(typed, HOLDER)


@pytest.mark.parametrize("typed", ["", "Абилкаирова-Смит", "Гауһар", "Иванова"])
def test_another_name_does_not_match(typed):
    assert not holder_matches(typed, HOLDER)


def test_the_key_folds_keyboards_and_transliterations():
    assert name_key("Жұмабеков") == name_key("Жумабеков") == name_key("Zhumabekov") == \
        name_key("Jumabekov")


@pytest.mark.parametrize("typed", ["fprk-2025-000123", "FPRK2025000123", " fprk 2025 000123 ",
                                   "fprk–2025–123", "FPRK-2025-000123"])
def test_the_number_in_any_form(typed):
    assert canonical_number(typed) == "FPRK-2025-000123"


def test_verify_finds_the_certificate_from_what_an_hr_officer_types(client, certificate):
    typed_number = certificate.number.lower().replace("-", "")
    response = client.post("/verify", data={"number": typed_number, "surname": "абилкайырова"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{certificate.verification_code}")
    wrong = client.post("/verify", data={"number": typed_number, "surname": "Иванова"})
    assert wrong.status_code == 200  # the form again, with the same answer for any mistake


@pytest.mark.parametrize(("lang", "words"), [("ru", "Сертификат с таким кодом не найден"),
                                              ("kk", "Бұл кодпен сертификат табылмады")])
def test_an_unknown_code_says_so_in_the_persons_language(client, lang, words):
    response = client.get("/verify/NOSUCHCODE", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert words in response.get_data(as_text=True)
