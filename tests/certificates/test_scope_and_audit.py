"""Issue 11, items 2 and 12: issuing, revoking and reissuing obey the rule for seeing the
certificate, a reissue prints only the name corrected in the profile, every step is
audited; /verify shows what the certificate said when issued."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from school.audit.models import AuditEntry
from school.certificates import batches, jobs, services
from school.certificates.models import Certificate
from school.errors import DomainError
from school.extensions import db

DAY = date(2026, 3, 14)


@pytest.fixture
def world(finished_event, completed, make_branch, make_union, make_user):
    """An event organised by branch A, with a participant of A and one of B (another
    union); A's coordinator organises it, an admin sees all."""
    union_a, union_b = make_union(), make_union()
    a, b = make_branch(union_a), make_branch(union_b)
    event = finished_event(organizer_branch_id=a.id)
    ours = completed(event, branch=a, full_name="Свой Участник")
    theirs = completed(event, branch=b, full_name="Чужой Участник")
    return {
        "event": event, "ours": ours, "theirs": theirs,
        "coordinator": make_user("coordinator", branch=a),
        "admin": make_user("admin"),
    }


def _actions() -> list[tuple[str, str]]:
    return [(e.action, e.object_type) for e in
            db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_an_organiser_cannot_issue_outside_his_scope(world):
    with pytest.raises(DomainError) as caught:
        services.issue_certificate(world["theirs"], by=world["coordinator"], today=DAY)
    assert caught.value.code == "not_allowed"
    mine = services.issue_certificate(world["ours"], by=world["coordinator"], today=DAY)
    assert mine.holder_name == "Свой Участник"


def test_nor_revoke_or_reissue_outside_it(world):
    theirs = services.issue_certificate(world["theirs"], by=world["admin"], today=DAY)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.revoke(theirs, by=world["coordinator"], reason="Ошибка")
    assert caught.value.code == "not_allowed"
    world["theirs"].user.full_name = "Подделанное Имя"
    with pytest.raises(DomainError) as caught:
        services.reissue(theirs, by=world["coordinator"], reason="Ошибка")
    assert caught.value.code == "not_allowed"
    db.session.rollback()
    assert db.session.get(Certificate, theirs.id).revoked_at is None


def test_pages_refuse_outside_scope_and_hide_other_branches(client, login, world):
    theirs = services.issue_certificate(world["theirs"], by=world["admin"], today=DAY)
    db.session.commit()
    login(world["coordinator"])
    assert client.post(f"/enrollments/{world['theirs'].id}/certificate").status_code == 404
    assert client.post(f"/certificates/{theirs.number}/revoke",
                       data={"revoke-reason": "x"}).status_code == 404
    assert client.post(f"/certificates/{theirs.number}/reissue",
                       data={"reissue-reason": "x"}).status_code == 404
    page = client.get(f"/events/{world['event'].id}/certificates").get_data(as_text=True)
    assert "Свой Участник" in page and "Чужой Участник" not in page
    # The archive of the event's certificates holds his people's only.
    assert client.get(f"/events/{world['event'].id}/certificates.zip").status_code == 302
    assert client.post(f"/enrollments/{world['ours'].id}/certificate").status_code == 302
    assert db.session.get(Certificate, theirs.id).revoked_at is None


def test_a_batch_issues_for_the_requesters_people_only(world):
    batch = batches.start_batch(world["event"], by=world["coordinator"])
    db.session.commit()
    assert batch.total == 1
    assert jobs.run_batch(batch.id) == 1
    db.session.rollback()
    holders = db.session.scalars(select(Certificate.holder_name)).all()
    assert holders == ["Свой Участник"]


def test_a_reissue_prints_the_profile_name_only(world, client, login):
    certificate = services.issue_certificate(world["ours"], by=world["admin"], today=DAY)
    db.session.commit()
    with pytest.raises(DomainError) as caught:  # nothing to correct
        services.reissue(certificate, by=world["admin"], reason="Опечатка")
    assert caught.value.code == "name_unchanged"
    db.session.rollback()
    login(world["coordinator"])
    world["ours"].user.full_name = "Свой Участник Исправленный"
    db.session.commit()
    # Any name posted with the form is ignored: the profile's is printed.
    response = client.post(f"/certificates/{certificate.number}/reissue",
                           data={"reissue-reason": "Опечатка",
                                 "reissue-holder_name": "Иванов Иван"})
    assert response.status_code == 302
    new = db.session.scalar(select(Certificate).where(Certificate.id != certificate.id))
    assert new.holder_name == "Свой Участник Исправленный"
    page = client.get(f"/verify/{new.verification_code}").get_data(as_text=True)
    assert "Иванов Иван" not in page


def test_issue_revoke_and_reissue_are_audited(world):
    admin = world["admin"]
    certificate = services.issue_certificate(world["ours"], by=admin, today=DAY)
    world["ours"].user.full_name = "Свой Участник Второй"
    new = services.reissue(certificate, by=admin, reason="Опечатка", today=DAY)
    services.revoke(new, by=admin, reason="Выдан ошибочно")
    db.session.commit()
    assert _actions() == [
        ("certificate.issued", "certificate"),
        ("certificate.revoked", "certificate"),
        ("certificate.issued", "certificate"),
        ("certificate.reissued", "certificate"),
        ("certificate.revoked", "certificate"),
    ]
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert all(e.actor_id == admin.id for e in entries)
    assert entries[3].details["replaces"] == certificate.number
    assert entries[3].details["new_name"] == "Свой Участник Второй"
    assert entries[4].details["reason"] == "Выдан ошибочно"


# --- item 12: what /verify shows ------------------------------------------------------------


def test_verify_shows_what_was_printed_after_a_rename(world, client):
    event = world["event"]
    certificate = services.issue_certificate(world["ours"], by=world["admin"], today=DAY)
    db.session.commit()
    event.program.title_ru = "Переименованная программа"
    event.program.title_kk = "Қайта аталған бағдарлама"
    event.program.academic_hours = 72
    db.session.commit()
    page = client.get(f"/verify/{certificate.verification_code}",
                      headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Основы деятельности председателя ППО" in page
    assert "Переименованная программа" not in page
    v = services.verification(certificate)
    assert v["program"] == "Основы деятельности председателя ППО" and v["hours"] == 24


def test_a_reissue_prints_what_the_replaced_one_printed(world, tmp_path):
    from tests.certificates.conftest import pdf_text

    event = world["event"]
    certificate = services.issue_certificate(world["ours"], by=world["admin"], today=DAY)
    event.program.title_ru = "Переименованная программа"
    world["ours"].user.full_name = "Свой Участник Исправленный"
    db.session.commit()
    new = services.reissue(certificate, by=world["admin"], reason="Опечатка", today=DAY)
    db.session.commit()
    text = " ".join(pdf_text(new.pdf, tmp_path).split())
    assert "Основы деятельности председателя ППО" in text
    assert "Переименованная" not in text
    assert new.snapshot == certificate.snapshot
