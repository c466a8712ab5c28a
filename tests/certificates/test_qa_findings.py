"""The QA findings on certificates and letters (issue 6), one block each."""

from __future__ import annotations

import importlib
import random
import re
import sys
from datetime import date

import pytest
from sqlalchemy import select

from school.certificates import batches, demo, documents, jobs, services
from school.certificates.models import BatchStatus, Certificate, CertificateBatch
from school.errors import DomainError
from school.extensions import db
from school.timeutil import local_today, to_local
from tests.certificates.conftest import pdf_text

DAY = date(2026, 3, 14)


def _render(app, user, template, **ctx) -> str:
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(user)
        return render_template(template, **ctx)


# --- 1. a confirmation of participation only for a completed training ------------------


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


# --- 2. letters go to the employer, and the release letter is not in the past tense ----


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


# --- 3. the event's own academic hours ------------------------------------------------


def _one_hour_event(finished_event):
    """One session of one academic hour, of a 12-hour programme."""
    event = finished_event(sessions=1)
    event.program.academic_hours = 12
    event.sessions[0].academic_hours = 1
    db.session.commit()
    return event


def test_certificate_states_the_events_own_hours(
    client, finished_event, completed, tmp_path
):
    enrollment = completed(_one_hour_event(finished_event))
    certificate = services.issue_certificate(enrollment, today=DAY)
    db.session.commit()
    text = " ".join(pdf_text(certificate.pdf, tmp_path).split())
    assert "1 академический час" in text and "1 академиялық сағат" in text
    assert "12 академических" not in text and "12 академиялық" not in text
    assert services.verification(certificate)["hours"] == 1
    page = client.get(f"/verify/{certificate.verification_code}").get_data(as_text=True)
    assert re.search(r"<dd[^>]*>\s*1\s*</dd>", page)


def test_event_hours_fall_back_to_the_programme(finished_event):
    event = finished_event(sessions=2)
    assert documents.event_hours(event) == 16  # 2 sessions × 8 hours, not the 24 planned
    for session in event.sessions:
        session.academic_hours = 0
    db.session.commit()
    assert documents.event_hours(event) == 24


def test_letters_state_the_events_own_hours(finished_event, completed, tmp_path):
    enrollment = completed(_one_hour_event(finished_event))
    enrollment.attended_hours = 1
    db.session.commit()
    text = " ".join(pdf_text(services.letter_pdf("participation", "ru", enrollment, today=DAY),
                             tmp_path).split())
    assert "Посещено академических часов 1 из 1" in text
    text = " ".join(pdf_text(services.letter_pdf("release", "ru", enrollment, today=DAY),
                             tmp_path).split())
    assert "Объём 1 академический час" in text


# --- 4. revoking: asked first, and the reason stays with staff ------------------------


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


# --- 5. no empty box on the event page ------------------------------------------------


@pytest.mark.parametrize("status", ["waitlisted", "pending"])
def test_no_certificates_box_for_a_waitlisted_or_pending_person(
    app, finished_event, make_user, make_enrollment, status
):
    event = finished_event()
    user = make_user()
    make_enrollment(event, user, status=status)
    assert _render(app, user, "certificates/_event_panel.html", event=event).strip() == ""


def test_a_confirmed_person_still_gets_the_release_letter_box(
    app, finished_event, make_user, make_enrollment
):
    event = finished_event()
    user = make_user()
    make_enrollment(event, user, status="confirmed")
    html = _render(app, user, "certificates/_event_panel.html", event=event)
    assert "letters/release.pdf" in html


# --- 6. demo: every completed enrolment of an ended event --------------------------------


def test_demo_issues_for_every_year_without_a_cap(
    app, monkeypatch, finished_event, completed
):
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    # The old seed stopped at LIMIT certificates; whatever such a cap is set to, every
    # completed enrolment of an ended event gets one.
    monkeypatch.setattr(demo, "LIMIT", 1, raising=False)
    events = [finished_event(starts_on=date(year, 3, 1)) for year in (2024, 2025, 2026)]
    for event in events:
        completed(event)
        completed(event)
    lines = demo.seed(random.Random(1))
    assert lines[0].startswith("Certificates: 6 issued now (")
    numbers = sorted(db.session.scalars(select(Certificate.number)))
    assert numbers == [f"FPRK-{year}-{n:06d}" for year in (2024, 2025, 2026) for n in (1, 2)]
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 0 issued now")


def test_demo_leaves_events_that_have_not_ended(app, monkeypatch, finished_event, completed):
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    future = finished_event(starts_on=date.fromordinal(local_today().toordinal() + 5))
    completed(future)
    assert demo.seed(random.Random(1)) == []
    assert db.session.query(Certificate).count() == 0


def test_demo_leaves_out_the_generated_history(app, monkeypatch, finished_event, completed):
    """`seed-demo --scale` people (school/bigdata.py) get no PDFs: hours and gigabytes."""
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    event = finished_event()
    completed(event, email="scale2026-7-1@demo.kz")
    person = completed(event, email="person0001@demo.kz")
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 1 issued now")
    assert db.session.scalar(select(Certificate.enrollment_id)) == person.id


def test_demo_limit_caps_the_certificates_held(app, monkeypatch, finished_event, completed):
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    monkeypatch.setitem(app.config, "CERTIFICATE_DEMO_LIMIT", 3)
    for year in (2024, 2025):
        event = finished_event(starts_on=date(year, 3, 1))
        completed(event)
        completed(event)
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 3 issued now")
    assert demo.seed(random.Random(1))[0].startswith("Certificates: 0 issued now")
    assert db.session.query(Certificate).count() == 3


# --- 7. a batch after a code update says the worker needs a restart -------------------


def _failed_batch(event, people_admin, monkeypatch, error: Exception):
    class Broken:
        def __init__(self, processes=None):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def render(self, items, meanwhile=None):
            raise error

    monkeypatch.setattr(jobs, "Pool", Broken)
    batch = batches.start_batch(event, by=people_admin)
    db.session.commit()
    assert jobs.run_batch(batch.id) == 0
    db.session.rollback()
    return db.session.get(CertificateBatch, batch.id)


def test_an_import_error_says_the_worker_needs_a_restart(
    client, login, finished_event, completed, make_user, monkeypatch
):
    event = finished_event()
    completed(event)
    admin = make_user("admin")
    error = ModuleNotFoundError("No module named 'school.certificates.pdf'")
    batch = _failed_batch(event, admin, monkeypatch, error)
    assert batch.status is BatchStatus.failed and batch.needs_restart
    assert "ModuleNotFoundError: No module named 'school.certificates.pdf'" in batch.error
    login(admin)
    page = client.get(f"/events/{event.id}/certificates",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Restart the worker" in page


def test_other_errors_do_not_ask_for_a_restart(
    client, login, finished_event, completed, make_user, monkeypatch
):
    event = finished_event()
    completed(event)
    admin = make_user("admin")
    batch = _failed_batch(event, admin, monkeypatch, ValueError("bad value"))
    assert batch.status is BatchStatus.failed and not batch.needs_restart
    assert batch.error == "ValueError: bad value"
    login(admin)
    page = client.get(f"/events/{event.id}/certificates",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Restart the worker" not in page and "Start it again" in page


def test_an_import_error_wrapped_by_another_counts_too():
    try:
        try:
            raise ImportError("cannot import name 'render_many' from 'school.pdf'")
        except ImportError as inner:
            raise RuntimeError("render failed") from inner
    except RuntimeError as outer:
        assert jobs.failure_message(outer).startswith(jobs.RESTART_NEEDED)


def test_a_spawned_worker_that_cannot_import_its_code(
    app, finished_event, completed, make_user, tmp_path, monkeypatch
):
    """The real thing: the render module the pool was told to use is gone from disk (as
    after an update), so its spawned workers die on import and the pool breaks."""
    from school.certificates import render

    module = tmp_path / "cert_renderer_gone.py"
    module.write_text(
        "from school import pdf\n"
        "def warm_up():\n    pdf.warm_up()\n"
        "def render_many(items):\n    return pdf.render_many(items)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        # Loaded here, as by a web process started before the update; then gone from disk.
        gone = importlib.import_module("cert_renderer_gone")
        module.unlink()
        monkeypatch.setattr(render, "pdf", gone)
        event = finished_event()
        completed(event)
        completed(event)
        batch = batches.start_batch(event, by=make_user("admin"))
        db.session.commit()
        assert jobs.run_batch(batch.id, processes=2) == 0
    finally:
        sys.modules.pop("cert_renderer_gone", None)
    db.session.rollback()
    batch = db.session.get(CertificateBatch, batch.id)
    assert batch.status is BatchStatus.failed and batch.needs_restart, batch.error
    assert "BrokenProcessPool" in batch.error
    assert db.session.query(Certificate).count() == 0
