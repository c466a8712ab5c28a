"""Pages: verification, downloads and who gets 404, issuing, ZIP, letters, panels."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from school.certificates import batches, jobs, services
from school.certificates.models import BatchStatus, Certificate, CertificateBatch
from school.extensions import db
from tests.certificates.conftest import REALISTIC_KAZAKH_NAME

DAY = date(2026, 3, 14)


@pytest.fixture
def people(make_union, make_branch, make_user):
    """A holder in one branch, and everyone who may or may not see their certificate."""
    union = make_union()
    branch = make_branch(union)
    other_branch = make_branch(make_union())
    return {
        "holder": make_user(branch=branch, full_name=REALISTIC_KAZAKH_NAME,
                            iin="850425300126", phone="+7 701 111 22 33"),
        "trainee": make_user(branch=branch),
        "admin": make_user("admin"),
        "coordinator": make_user("coordinator", branch=branch),
        "union_coordinator": make_user("coordinator", coordinator_of=union),
        "other_coordinator": make_user("coordinator", branch=other_branch),
        "instructor": make_user("instructor"),
        "branch": branch,
    }


@pytest.fixture
def issued(finished_event, completed, people):
    event = finished_event()
    enrollment = completed(event, user=people["holder"])
    certificate = services.issue_certificate(enrollment, today=DAY)
    db.session.commit()
    return certificate


def test_verify_shows_a_valid_certificate_without_contact_details(client, issued, people):
    response = client.get(f"/verify/{issued.verification_code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert REALISTIC_KAZAKH_NAME in page and issued.number in page
    assert "Основы деятельности председателя ППО" in page and "12.03.2026" in page
    holder = people["holder"]
    for secret in (holder.email, "850425300126", "+7 701 111 22 33", "0126"):
        assert secret not in page


def test_verify_accepts_the_code_in_lower_case(client, issued):
    assert client.get(f"/verify/{issued.verification_code.lower()}").status_code == 200


def test_verify_unknown_code_is_404(client, issued):
    assert client.get("/verify/AAAAAAAAAAAA").status_code == 404
    assert client.get("/verify/" + "A" * 200).status_code == 404


def test_revoked_certificate_verifies_as_revoked(client, issued, people):
    services.revoke(issued, by=people["admin"], reason="Выдан ошибочно")
    db.session.commit()
    page = client.get(f"/verify/{issued.verification_code}").get_data(as_text=True)
    assert "revoked" in page.lower() or "отозван" in page.lower()
    assert "Выдан ошибочно" not in page  # the reason is for staff only
    assert "valid." not in page


def test_replaced_certificate_names_its_successor(client, issued, people):
    issued.enrollment.user.full_name = "Өмірбекова Гауһар Сабитқызы"
    new = services.reissue(issued, by=people["admin"], reason="Опечатка", today=DAY)
    db.session.commit()
    page = client.get(f"/verify/{issued.verification_code}").get_data(as_text=True)
    assert new.number in page


def test_verify_form_finds_by_number_and_surname(client, issued):
    response = client.post("/verify", data={"number": issued.number, "surname": "өмірбекова"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{issued.verification_code}")
    wrong = client.post("/verify", data={"number": issued.number, "surname": "Иванова"})
    assert wrong.status_code == 200
    assert issued.verification_code not in wrong.get_data(as_text=True)
    assert client.get("/verify").status_code == 200


def test_two_downloads_are_byte_identical(client, login, issued, people):
    login(people["holder"])
    first = client.get(f"/certificates/{issued.number}.pdf")
    second = client.get(f"/certificates/{issued.number}.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data == second.data == issued.pdf
    assert first.headers["ETag"].strip('"') == issued.sha256


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("holder", 200), ("admin", 200), ("coordinator", 200), ("union_coordinator", 200),
        ("trainee", 404), ("other_coordinator", 404), ("instructor", 404),
    ],
)
def test_download_access(client, login, issued, people, who, status):
    login(people[who])
    assert client.get(f"/certificates/{issued.number}.pdf").status_code == status


def test_download_needs_sign_in_and_unknown_numbers_404(client, login, issued, people):
    assert client.get(f"/certificates/{issued.number}.pdf").status_code == 302
    login(people["holder"])
    assert client.get("/certificates/FPRK-2026-999999.pdf").status_code == 404


def test_staff_routes_access_matrix(client, login, issued, people):
    event_id = issued.enrollment.event_id
    routes = [
        f"/events/{event_id}/certificates",
        f"/events/{event_id}/certificates.zip",
        f"/certificates/{issued.number}",
    ]
    expected = {
        "admin": [200, 200, 200],
        # The event is the training centre's: branch coordinators see their person's
        # certificate but do not manage the event.
        "coordinator": [404, 404, 200],
        "other_coordinator": [404, 404, 404],
        "trainee": [403, 403, 403],
        "holder": [403, 403, 403],
    }
    for who, statuses in expected.items():
        client.post("/logout")
        login(people[who])
        got = [client.get(url).status_code for url in routes]
        assert got == statuses, who


def test_organising_coordinator_manages_the_event(
    client, login, finished_event, completed, people
):
    event = finished_event(organizer_branch_id=people["branch"].id)
    completed(event, user=people["holder"])
    login(people["coordinator"])
    assert client.get(f"/events/{event.id}/certificates").status_code == 200
    client.post("/logout")
    login(people["union_coordinator"])
    assert client.get(f"/events/{event.id}/certificates").status_code == 200
    client.post("/logout")
    login(people["other_coordinator"])
    assert client.get(f"/events/{event.id}/certificates").status_code == 404


def test_issue_one_mails_the_holder(client, login, finished_event, completed, people, outbox):
    event = finished_event()
    enrollment = completed(event, user=people["holder"])
    login(people["admin"])
    response = client.post(f"/enrollments/{enrollment.id}/certificate")
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate.enrollment_id == enrollment.id
    assert len(outbox) == 1 and outbox[0].to == [people["holder"].email]
    assert certificate.number in outbox[0].subject
    assert f"http://school.test/certificates/{certificate.number}.pdf" in outbox[0].body
    again = client.post(f"/enrollments/{enrollment.id}/certificate")
    assert again.status_code == 302
    assert db.session.query(Certificate).count() == 1


def test_issue_all_runs_in_the_background_and_reports_progress(
    app, client, login, finished_event, completed, people, outbox, monkeypatch
):
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 1)
    monkeypatch.setitem(app.config, "CERTIFICATE_BATCH_CHUNK", 2)
    event = finished_event()
    for _ in range(5):
        completed(event)
    login(people["admin"])
    response = client.post(f"/events/{event.id}/certificates/issue")
    assert response.status_code == 302
    jobs.wait_local()
    batch = db.session.scalar(select(CertificateBatch))
    assert (batch.status, batch.done, batch.total) == (BatchStatus.done, 5, 5)
    status = client.get(f"/certificates/batches/{batch.id}").get_json()
    assert status["done"] == 5 and status["percent"] == 100 and not status["active"]
    numbers = sorted(db.session.scalars(select(Certificate.number)))
    year = services.local_today().year
    assert numbers == [f"FPRK-{year}-{n:06d}" for n in range(1, 6)]
    assert len(outbox) == 5
    page = client.get(f"/events/{event.id}/certificates").get_data(as_text=True)
    assert all(n in page for n in numbers)
    # Nothing is left to issue: asking again changes nothing.
    client.post(f"/events/{event.id}/certificates/issue")
    assert db.session.query(CertificateBatch).count() == 1


def test_batch_start_rules(finished_event, completed, people):
    event = finished_event()
    with pytest.raises(services.DomainError) as e:
        batches.start_batch(event, by=people["admin"])
    assert e.value.code == "nothing_to_issue"
    completed(event)
    batches.start_batch(event, by=people["admin"])
    db.session.commit()
    with pytest.raises(services.DomainError) as e:
        batches.start_batch(event, by=people["admin"])
    assert e.value.code == "batch_running"
    # A batch whose worker died long ago does not block the event for ever.
    stale = db.session.scalar(select(CertificateBatch))
    stale.created_at = stale.created_at - timedelta(hours=2)
    db.session.commit()
    fresh = batches.start_batch(event, by=people["admin"])
    db.session.commit()
    assert stale.status is BatchStatus.failed and fresh.status is BatchStatus.queued


def test_batch_renders_in_a_process_pool(app, finished_event, completed, people, tmp_path):
    from tests.certificates.conftest import pdf_text

    event = finished_event()
    names = [f"Қоңырбаева Әлия {i}" for i in range(4)]
    for name in names:
        completed(event, full_name=name)
    batch = batches.start_batch(event, by=people["admin"])
    db.session.commit()
    assert jobs.run_batch(batch.id, processes=2) == 4
    db.session.rollback()
    certificates = db.session.scalars(select(Certificate).order_by(Certificate.number)).all()
    assert [c.holder_name for c in certificates] == sorted(names)
    assert names[0] in pdf_text(certificates[0].pdf, tmp_path)


def test_zip_holds_every_valid_certificate(client, login, finished_event, completed, people):
    event = finished_event()
    enrollments = [completed(event) for _ in range(3)]
    certificates = [services.issue_certificate(e, today=DAY) for e in enrollments]
    db.session.commit()
    services.revoke(certificates[0], by=people["admin"], reason="Ошибка")
    db.session.commit()
    login(people["admin"])
    response = client.get(f"/events/{event.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    # Files named by holder and number (issue 12; tests/certificates/test_zip_names.py).
    assert sorted(archive.namelist()) == sorted(
        f"{c.holder_name}_{c.number}.pdf" for c in certificates[1:])
    assert archive.read(f"{certificates[1].holder_name}_{certificates[1].number}.pdf") == \
        certificates[1].pdf


def test_revoke_and_reissue_views(client, login, issued, people):
    login(people["admin"])
    assert client.post(f"/certificates/{issued.number}/revoke",
                       data={"revoke-reason": ""}).status_code == 302
    assert db.session.get(Certificate, issued.id).revoked_at is None
    issued.enrollment.user.full_name = "Өмірбекова Гауһар"  # corrected in the profile
    db.session.commit()
    response = client.post(
        f"/certificates/{issued.number}/reissue",
        data={"reissue-reason": "Опечатка", "reissue-holder_name": "Anything Else"},
    )
    assert response.status_code == 302
    new = db.session.scalar(select(Certificate).where(Certificate.id != issued.id))
    assert new.holder_name == "Өмірбекова Гауһар"
    assert db.session.get(Certificate, issued.id).replaced_by_id == new.id
    client.post("/logout")
    login(people["coordinator"])  # sees the holder's branch, does not manage the event
    assert client.post(f"/certificates/{new.number}/revoke",
                       data={"revoke-reason": "x"}).status_code == 404


def test_letters_for_the_participant_and_staff(
    client, login, finished_event, make_enrollment, people
):
    event = finished_event()
    enrollment = make_enrollment(event, people["holder"], status="confirmed")
    url = f"/enrollments/{enrollment.id}/letters/release.pdf"
    login(people["holder"])
    response = client.get(url + "?lang=kk")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert client.get(f"/enrollments/{enrollment.id}/letters/participation.pdf").status_code \
        == 404
    assert client.get(f"/enrollments/{enrollment.id}/letters/other.pdf").status_code == 404
    assert client.get(url + "?lang=de").status_code == 404
    client.post("/logout")
    login(people["trainee"])
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(people["coordinator"])
    assert client.get(url).status_code == 200


def test_event_panel_for_staff_and_participant(
    app, finished_event, completed, people, issued
):
    from flask import render_template
    from flask_login import login_user

    event = issued.enrollment.event
    with app.test_request_context("/"):
        login_user(people["admin"])
        html = render_template("certificates/_event_panel.html", event=event)
    assert f"/events/{event.id}/certificates.zip" in html
    with app.test_request_context("/"):
        login_user(people["holder"])
        html = render_template("certificates/_event_panel.html", event=event)
    assert f"/certificates/{issued.number}.pdf" in html
    assert "certificates.zip" not in html
    with app.test_request_context("/"):
        login_user(people["trainee"])
        assert render_template("certificates/_event_panel.html", event=event).strip() == ""


def test_my_panel_lists_my_certificates(app, issued, people):
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/my"):
        login_user(people["holder"])
        html = render_template("certificates/_my_panel.html")
    assert issued.number in html and f"/verify/{issued.verification_code}" in html
    with app.test_request_context("/my"):
        login_user(people["trainee"])
        assert issued.number not in render_template("certificates/_my_panel.html")


def test_pages_include_the_panels(client, login, issued, people):
    login(people["holder"])
    my = client.get("/my")
    assert my.status_code == 200
    assert issued.number in my.get_data(as_text=True)
    page = client.get(f"/events/{issued.enrollment.event_id}")
    assert page.status_code == 200
    assert f"/certificates/{issued.number}.pdf" in page.get_data(as_text=True)


def test_verification_is_rate_limited(limited_app, issued):
    client = limited_app.test_client()
    codes = [client.get(f"/verify/{issued.verification_code}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
