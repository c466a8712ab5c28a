"""Materials of events and sessions: type and size rules, and who may see and download."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from school.audit.models import AuditEntry
from school.errors import DomainError
from school.extensions import db
from school.materials import services
from school.materials.models import EventMaterial

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture
def world(make_event, make_user, make_enrollment):
    instructor = make_user("instructor")
    event = make_event(sessions=2, instructors=[instructor])
    participant, waitlisted, stranger = (make_user("trainee") for _ in range(3))
    make_enrollment(event, participant)
    make_enrollment(event, waitlisted, status="waitlisted")
    material = services.add_file(event, instructor, filename="Слайды день 1.pdf", data=PDF,
                                 session_id=event.sessions[0].id)
    db.session.commit()
    return {"event": event, "instructor": instructor, "participant": participant,
            "waitlisted": waitlisted, "stranger": stranger, "admin": make_user("admin"),
            "material": material}


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize("filename, data, code", [
    ("notes.pdf", b"MZ\x90\x00 an executable", "file_type"),  # renamed: the bytes decide
    ("slides.pptx", _docx(), "file_type"),  # a Word file called a presentation
    ("run.exe", b"MZ\x90\x00", "file_type"),
    ("empty.pdf", b"", "file_empty"),
])
def test_a_file_is_refused_by_what_it_is(world, filename, data, code):
    with pytest.raises(DomainError) as caught:
        services.add_file(world["event"], world["instructor"], filename=filename, data=data)
    assert caught.value.code == code
    assert db.session.scalar(select(func.count()).select_from(EventMaterial)) == 1


def test_a_file_over_the_limit_is_refused(app, world):
    kept = app.config.get("MATERIALS_MAX_BYTES")
    app.config["MATERIALS_MAX_BYTES"] = 100
    try:
        with pytest.raises(DomainError) as caught:
            services.add_file(world["event"], world["instructor"], filename="a.pdf",
                              data=PDF + b" " * 100)
    finally:
        app.config["MATERIALS_MAX_BYTES"] = kept
    assert caught.value.code == "file_too_large"


def test_office_files_and_links_are_taken_and_audited(world):
    event, instructor = world["event"], world["instructor"]
    doc = services.add_file(event, instructor, filename="../../etc/Программа.docx",
                            data=_docx(), title="  Программа\x00 ")
    link = services.add_link(event, instructor, url="https://zoom.us/rec/share/abc",
                             session_id=event.sessions[1].id)
    assert doc.filename == "Программа.docx" and doc.title == "Программа"
    assert link.is_link and link.session_id == event.sessions[1].id
    for bad in ("javascript:alert(1)", "https://[::1"):  # the second: urlsplit raised
        with pytest.raises(DomainError) as caught:
            services.add_link(event, instructor, url=bad)
        assert caught.value.code == "bad_link"
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "event_material")).all()
    assert actions.count("material.added") == 3


def test_a_session_of_another_event_is_refused(world, make_event):
    other = make_event(sessions=1)
    with pytest.raises(DomainError) as caught:
        services.add_link(world["event"], world["instructor"], url="https://a.kz",
                          session_id=other.sessions[0].id)
    assert caught.value.code == "unknown_session"


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [
    ("stranger", 404), ("waitlisted", 404), ("participant", 200), ("instructor", 200),
    ("admin", 200),
])
def test_who_sees_the_materials(client, login, world, who, status):
    login(world[who])
    event, material = world["event"], world["material"]
    assert client.get(f"/events/{event.id}/materials").status_code == status
    assert client.get(f"/materials/{material.id}/download").status_code == status


def test_a_confirmed_participant_downloads_a_session_file(client, login, world):
    login(world["participant"])
    response = client.get(f"/materials/{world['material'].id}/download")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Slaidy_den_1.pdf"') or \
        disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%D0%A1%D0%BB" in disposition
    page = client.get(f"/events/{world['event'].id}/materials").get_data(as_text=True)
    assert "Слайды день 1.pdf" in page
    assert 'action="/events/' not in page  # a participant adds nothing


def test_a_stranger_cannot_add_or_remove(client, login, world):
    login(world["participant"])
    event = world["event"]
    response = client.post(f"/events/{event.id}/materials/link",
                           data={"link-url": "https://a.kz", "link-title": "x"})
    assert response.status_code == 404
    assert client.post(f"/materials/{world['material'].id}/remove").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(EventMaterial)) == 1


def test_the_instructor_uploads_through_the_page(client, login, world):
    login(world["instructor"])
    event = world["event"]
    response = client.post(f"/events/{event.id}/materials/file", data={
        "file-file": (io.BytesIO(_docx()), "plan.docx"), "file-title": "План",
        "file-session_id": str(event.sessions[1].id)}, content_type="multipart/form-data")
    assert response.status_code == 302
    fake = client.post(f"/events/{event.id}/materials/file", data={
        "file-file": (io.BytesIO(b"<html>"), "x.pdf")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "PowerPoint, Excel" in fake.get_data(as_text=True)  # the refusal, in any language
    titles = db.session.scalars(select(EventMaterial.title).order_by(EventMaterial.id)).all()
    assert titles == ["Слайды день 1.pdf", "План"]
    client.post(f"/materials/{world['material'].id}/remove")
    assert db.session.scalar(select(func.count()).select_from(EventMaterial)) == 1


@pytest.mark.parametrize("who, shown", [("participant", True), ("stranger", False)])
def test_the_event_page_links_to_the_materials_for_participants_only(client, login, world,
                                                                       who, shown):
    event = world["event"]
    login(world[who])
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert (f"/events/{event.id}/materials" in page) is shown
