"""Demo materials: the programme of the open seminar trainee@demo.kz can join, as a PDF,
and a recording link on its first session. Idempotent."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from school.accounts.models import Role, RoleGrant, User
from school.catalog.models import Event, EventStatus
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.materials import services
from school.materials.models import EventMaterial


def _pdf(text: str) -> bytes:
    """A one-page PDF with one line of ASCII text (enough for a demo download)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def seed(rng) -> list[str]:
    if db.session.scalar(select(EventMaterial.id).limit(1)) is not None:
        return []
    admin = db.session.scalar(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.admin).order_by(User.id).limit(1))
    # An event with a confirmed participant, the demo trainee's first.
    event = db.session.scalar(
        select(Event).join(Enrollment, Enrollment.event_id == Event.id)
        .join(User, User.id == Enrollment.user_id)
        .where(Event.status == EventStatus.published,
               Enrollment.status == EnrollmentStatus.confirmed)
        .order_by((User.email == "trainee@demo.kz").desc(), Event.starts_on).limit(1))
    if admin is None or event is None or not event.sessions:
        return []
    pdf = services.add_file(event, admin, filename="Программа семинара.pdf",
                            data=_pdf("Seminar programme"), title="Программа семинара")
    services.add_link(event, admin, url="https://www.youtube.com/@fprk",
                      title="Запись первого занятия", session_id=event.sessions[0].id)
    base = current_app.config["BASE_URL"]
    return [f"Materials: a file and a recording link: {base}/events/{event.id}/materials "
            f"(the file: {base}/materials/{pdf.id}/download)"]
