"""Which certificates and enrolments a page or a batch works on: the event as printed,
the enrolments still waiting for a certificate, a person's certificates, counts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.catalog.models import Event, Program
from school.certificates import access
from school.certificates.models import Certificate
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db


def event_for_printing(event_id: int) -> Event | None:
    """An event with everything its certificates print, loaded in a few queries."""
    return db.session.scalar(
        select(Event)
        .where(Event.id == event_id)
        .options(
            selectinload(Event.program).selectinload(Program.signatories),
            selectinload(Event.region),
            selectinload(Event.organizer_branch),
            selectinload(Event.organizer_union),
            selectinload(Event.sessions),
        )
    )


def pending_query(event_id: int, by: User | None = None):
    """Completed enrolments of the event that have no valid certificate yet (of those `by`
    may issue for, when given)."""
    valid = select(Certificate.id).where(
        Certificate.enrollment_id == Enrollment.id, Certificate.revoked_at.is_(None)
    )
    query = (
        select(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .where(
            Enrollment.event_id == event_id,
            Enrollment.status == EnrollmentStatus.completed,
            ~valid.exists(),
        )
        .order_by(User.full_name, Enrollment.id)
    )
    return query if by is None else access.scope_enrollments(query, by)


def count_pending(event_id: int, by: User | None = None) -> int:
    return db.session.scalar(
        select(func.count()).select_from(pending_query(event_id, by).order_by(None).subquery())
    )


def certificates_of(user: User) -> list[Certificate]:
    """A person's certificates, newest first, with what the list shows loaded."""
    return list(
        db.session.scalars(
            select(Certificate)
            .join(Enrollment, Enrollment.id == Certificate.enrollment_id)
            .where(Enrollment.user_id == user.id)
            .options(
                selectinload(Certificate.enrollment)
                .selectinload(Enrollment.event)
                .selectinload(Event.program),
                selectinload(Certificate.replaced_by),
            )
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def valid_certificates(event_id: int, only_ids: Iterable[int] | None = None):
    query = (
        select(Certificate)
        .join(Enrollment, Enrollment.id == Certificate.enrollment_id)
        .where(Enrollment.event_id == event_id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.number)
    )
    if only_ids is not None:
        query = query.where(Certificate.id.in_(list(only_ids)))
    return query


def event_counts(event_id: int) -> dict[str, int]:
    completed = db.session.scalar(
        select(func.count(Enrollment.id)).where(
            Enrollment.event_id == event_id, Enrollment.status == EnrollmentStatus.completed
        )
    )
    issued = db.session.scalar(
        select(func.count(Certificate.id))
        .join(Enrollment, and_(Enrollment.id == Certificate.enrollment_id))
        .where(Enrollment.event_id == event_id, Certificate.revoked_at.is_(None))
    )
    return {"completed": completed or 0, "issued": issued or 0}
