"""Letters of participation and release: only for a completed training, addressed to
the workplace, the release letter not in the past tense."""

from __future__ import annotations

from datetime import date

import pytest

from school.certificates import services
from school.errors import DomainError
from tests.certificates.conftest import pdf_text

DAY = date(2026, 3, 14)


def _render(app, user, template, **ctx) -> str:
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(user)
        return render_template(template, **ctx)


# --- a confirmation of participation only for a completed training ------------------


def test_no_participation_letter_for_a_training_not_completed(
    app, finished_event, make_user, make_enrollment, tmp_path
):
    event = finished_event()
    user = make_user()
    failed = make_enrollment(event, user, status="not_completed", attended_hours=0,
                             attended_sessions=0)
    assert not services.letter_available("participation", failed)
    with pytest.raises(DomainError) as e:
        services.letter_pdf("participation", "ru", failed, today=DAY)
    assert e.value.code == "letter_not_available"
    # Not offered on /my, nor on the event page.
    assert "letters/participation.pdf" not in _render(app, user, "certificates/_my_panel.html")
    assert _render(app, user, "certificates/_event_panel.html", event=event).strip() == ""


def test_participation_letter_view_refuses_a_training_not_completed(
    client, login, finished_event, make_user, make_enrollment, completed
):
    event = finished_event()
    user = make_user()
    failed = make_enrollment(event, user, status="not_completed", attended_hours=0,
                             attended_sessions=0)
    login(user)
    assert client.get(f"/enrollments/{failed.id}/letters/participation.pdf").status_code == 404
    client.post("/logout")
    done = completed(event)
    login(done.user)
    response = client.get(f"/enrollments/{done.id}/letters/participation.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


# --- letters go to the employer, and the release letter is not in the past tense ----


@pytest.mark.parametrize("kind", ["release", "participation"])
def test_letters_without_a_workplace_go_to_no_union_organisation(
    finished_event, make_user, make_org, make_enrollment, kind, tmp_path
):
    org = make_org(name_ru="ППО АО «Казпочта»", name_kk="«Қазпошта» АҚ БКҰ")
    user = make_user(primary_org_id=org.id)
    status = "confirmed" if kind == "release" else "completed"
    enrollment = make_enrollment(finished_event(), user, status=status, attended_hours=24)
    ru = " ".join(pdf_text(services.letter_pdf(kind, "ru", enrollment, today=DAY),
                           tmp_path).split())
    kk = " ".join(pdf_text(services.letter_pdf(kind, "kk", enrollment, today=DAY),
                           tmp_path).split())
    assert "Руководителю организации" in ru and "Ұйым басшысына" in kk
    assert "Казпочта" not in ru and "Қазпошта" not in kk


@pytest.mark.parametrize("kind", ["release", "participation"])
def test_letters_are_addressed_to_the_workplace(
    finished_event, make_user, make_org, make_enrollment, kind, tmp_path
):
    org = make_org(name_ru="ППО АО «Народный банк»", name_kk="«Халық банкі» АҚ БКҰ")
    user = make_user(primary_org_id=org.id, workplace="АО «Народный банк Казахстана»")
    status = "confirmed" if kind == "release" else "completed"
    enrollment = make_enrollment(finished_event(), user, status=status, attended_hours=24)
    for lang in ("ru", "kk"):
        text = " ".join(pdf_text(services.letter_pdf(kind, lang, enrollment, today=DAY),
                                 tmp_path).split())
        assert "АО «Народный банк Казахстана»" in text
        assert "ППО АО «Народный банк»" not in text and "«Халық банкі» АҚ БКҰ" not in text


def test_release_letter_is_not_in_the_past_tense(
    finished_event, make_user, make_enrollment, tmp_path
):
    enrollment = make_enrollment(finished_event(starts_on=date(2026, 12, 7)), make_user(),
                                 status="confirmed")
    kk = " ".join(pdf_text(services.letter_pdf("release", "kk", enrollment, today=DAY),
                           tmp_path).split())
    assert "Өткізілген" not in kk
    assert "Өткізу мерзімі 07.12.2026 – 09.12.2026" in kk
    ru = " ".join(pdf_text(services.letter_pdf("release", "ru", enrollment, today=DAY),
                           tmp_path).split())
    assert "Сроки проведения 07.12.2026 – 09.12.2026" in ru
