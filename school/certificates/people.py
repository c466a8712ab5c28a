"""Certificates in a person's copy of their data (school/accounts/privacy.py). Imported by
views.py, so the loader is registered whenever the app exists."""

from __future__ import annotations

from sqlalchemy import select

from school.accounts.models import User
from school.accounts.privacy import held
from school.certificates.models import Certificate
from school.enrollment.models import Enrollment
from school.extensions import db


@held("certificates")
def _certificates(user: User) -> list[dict]:
    return [{"number": c.number, "holder_name": c.holder_name, "issued_at": c.issued_at,
             "revoked_at": c.revoked_at}
            for c in db.session.scalars(
                select(Certificate).join(Enrollment, Enrollment.id == Certificate.enrollment_id)
                .where(Enrollment.user_id == user.id).order_by(Certificate.issued_at))]
