"""The certificate panels of /my and the event page, loaded by their views (issue 15)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.certificates import batches, queries, services, wording
from school.certificates.forms import EmptyForm
from school.certificates.models import Certificate
from school.core import panels
from school.enrollment.models import EnrollmentStatus
from school.extensions import db
from school.permissions import manages_event

# Whose letters /my lists: a held seat, before or after the training.
LETTERED = (EnrollmentStatus.confirmed, EnrollmentStatus.completed,
            EnrollmentStatus.not_completed)


def letters(enrollment) -> list[dict]:
    titles = {kind: str(label) for kind, label in wording.DOCUMENT_LABELS.items()}
    return [
        {
            "kind": kind,
            "title": titles[kind],
            "urls": [
                (lang_label, url_for("certificates.letter", enrollment_id=enrollment.id,
                                     kind=kind, lang=lang))
                for lang, lang_label in (("kk", "Қаз"), ("ru", "Рус"))
            ],
        }
        for kind in services.LETTER_KINDS
        if services.letter_available(kind, enrollment)
    ]


@panels.my("certificates")
def my_certificates(enrollments, user) -> dict:
    """One's certificates and the letters of one's newest 50 held seats."""
    if not getattr(user, "is_authenticated", False):
        return {"certificates": [], "letters": []}
    held = sorted((e for e in enrollments if e.status in LETTERED),
                  key=lambda e: e.id, reverse=True)[:50]
    found = [(e, letters(e)) for e in held]
    return {
        "certificates": _certificates(enrollments),
        "letters": [(e, mine) for e, mine in found if mine],
    }


def _certificates(enrollments) -> list[Certificate]:
    """queries.certificates_of for the person whose enrolments (with their events and
    programmes) are loaded: one statement, the enrolments taken from the session."""
    if not enrollments:
        return []
    return list(db.session.scalars(
        select(Certificate)
        .where(Certificate.enrollment_id.in_([e.id for e in enrollments]))
        .options(selectinload(Certificate.replaced_by))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ))


@panels.event("certificates")
def event_panel(event, enrollment, user) -> dict | None:
    """What certificates/_event_panel.html shows to `user`, whose active enrolment of the
    event is `enrollment` (or None)."""
    if not getattr(user, "is_authenticated", False):
        return None
    panel: dict = {"manage": manages_event(user, event)}
    if panel["manage"]:
        panel["counts"] = queries.event_counts(event.id)
        panel["batch"] = batches.latest_batch(event.id)
        panel["form"] = EmptyForm()
    panel["enrollment"] = enrollment
    panel["certificate"] = None
    panel["letters"] = []
    if enrollment is not None:
        panel["certificate"] = db.session.scalar(
            select(Certificate).where(
                Certificate.enrollment_id == enrollment.id, Certificate.revoked_at.is_(None)
            )
        )
        panel["letters"] = letters(enrollment)
    if not panel["manage"] and panel["certificate"] is None and not panel["letters"]:
        # Nothing to show (waitlisted, awaiting approval, not completed): no empty box.
        return None
    return panel
