"""Revoking a certificate: asked first, and the reason stays with staff."""

from __future__ import annotations

import re
from datetime import date

import pytest

from school.certificates import services
from school.extensions import db
from school.timeutil import to_local

DAY = date(2026, 3, 14)


# --- revoking: asked first, and the reason stays with staff ------------------------


@pytest.fixture
def revoked(finished_event, completed, make_user):
    certificate = services.issue_certificate(completed(finished_event()), today=DAY)
    db.session.commit()
    services.revoke(certificate, by=make_user("admin"), reason="Исключён из профсоюза")
    db.session.commit()
    return certificate


def test_verification_does_not_show_the_reason(client, revoked):
    assert "revoke_reason" not in services.verification(revoked)
    page = client.get(f"/verify/{revoked.verification_code}").get_data(as_text=True)
    assert "Исключён из профсоюза" not in page
    local = to_local(revoked.revoked_at).strftime("%d.%m.%Y")
    assert local in page


def test_verification_of_a_replaced_one_names_the_new_number_only(
    client, finished_event, completed, make_user
):
    certificate = services.issue_certificate(completed(finished_event()), today=DAY)
    certificate.enrollment.user.full_name += " Серікқызы"  # corrected in the profile
    db.session.commit()
    new = services.reissue(certificate, by=make_user("admin"), reason="Опечатка в имени",
                           today=DAY)
    db.session.commit()
    page = client.get(f"/verify/{certificate.verification_code}").get_data(as_text=True)
    assert new.number in page and "Опечатка в имени" not in page


def test_staff_see_the_reason_and_are_asked_before_revoking(
    client, login, finished_event, completed, make_user, revoked
):
    admin = make_user("admin")
    login(admin)
    page = client.get(f"/certificates/{revoked.number}").get_data(as_text=True)
    assert "Исключён из профсоюза" in page
    valid = services.issue_certificate(completed(finished_event()), today=DAY)
    db.session.commit()
    page = client.get(f"/certificates/{valid.number}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    revoke_form = html[html.index(f'action="/certificates/{valid.number}/revoke"'):]
    revoke_form = revoke_form[: revoke_form.index("</form>")]
    assert re.search(r'<button[^>]*type="submit"[^>]*data-confirm="[^"]+"', revoke_form)
    assert "not" in revoke_form.lower() or "only" in revoke_form.lower()
    assert "verification page" in revoke_form
