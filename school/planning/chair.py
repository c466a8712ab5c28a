"""The chair of a primary organisation: their people, their training, their proposals."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from school.accounts.models import User
from school.catalog.models import Event, EventStatus
from school.certificates.models import Certificate
from school.dbtypes import utcnow
from school.enrollment import services as enrollment
from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.extensions import db
from school.permissions import chaired_org_id


def members_query(org_id: int):
    return (select(User).where(User.primary_org_id == org_id, User.active.is_(True))
            .order_by(User.full_name, User.id))


def training_of(people: list[User]) -> tuple[dict[int, list[Enrollment]], dict[int, int]]:
    """Enrolments (newest first) and certificate counts of the people on a page: two
    queries whatever the page size."""
    ids = [p.id for p in people] or [0]
    enrolments: dict[int, list[Enrollment]] = {p.id: [] for p in people}
    for e in db.session.scalars(
        select(Enrollment).where(Enrollment.user_id.in_(ids))
        .options(joinedload(Enrollment.event).joinedload(Event.program))
        .order_by(Enrollment.created_at.desc())
    ):
        enrolments[e.user_id].append(e)
    certificates = dict(db.session.execute(
        select(Enrollment.user_id, func.count(Certificate.id))
        .join(Certificate, Certificate.enrollment_id == Enrollment.id)
        .where(Enrollment.user_id.in_(ids), Certificate.revoked_at.is_(None))
        .group_by(Enrollment.user_id)
    ).all())
    return enrolments, certificates


def commissions_of(people: list[User], today) -> dict[int, list]:
    """Current commission memberships (audit, conciliation, …) of the people on a page:
    one query."""
    from school.commissions.models import Body, Member

    ids = [p.id for p in people] or [0]
    out: dict[int, list] = {p.id: [] for p in people}
    for member in db.session.scalars(
        select(Member).join(Body, Body.id == Member.body_id)
        .where(Member.user_id.in_(ids), Member.term_start <= today,
               (Member.term_end.is_(None)) | (Member.term_end >= today))
        .options(joinedload(Member.body))
    ):
        out[member.user_id].append(member)
    return out


def open_events(now: datetime | None = None) -> list[Event]:
    """Published events whose enrolment is open now, soonest first."""
    now = now or utcnow()
    events = db.session.scalars(
        select(Event).where(Event.status == EventStatus.published,
                            Event.starts_on >= now.date())
        .options(joinedload(Event.program), selectinload(Event.sessions))  # has_started
        .order_by(Event.starts_on, Event.id).limit(200))
    return [e for e in events if enrollment.enrolment_closed_reason(e, now) is None]


def propose(event: Event, user_ids: list[int], chair: User, *,
            now: datetime | None = None) -> tuple[list[Enrollment], list[tuple[User, str, str]]]:
    """Propose people of the chair's organisation for `event`. Each proposal is an
    enrolment made by the chair as nominator: where the event asks for approval it waits
    as a request in the approvals of the person's branch coordinator (or the training
    centre), exactly as when a person asks themselves."""
    org_id = chaired_org_id(chair)
    if org_id is None:
        raise DomainError("forbidden", _l("You are not the chair of an organisation."),
                          status=403)
    ids = sorted(set(user_ids))
    if not ids:
        raise DomainError("nobody_chosen", _l("Choose at least one person."))
    people = list(db.session.scalars(members_query(org_id).where(User.id.in_(ids))))
    if len(people) != len(ids):
        raise DomainError("not_a_member", _l("You can only propose people of your organisation."),
                          status=403)
    made, skipped = [], []
    for person in people:
        try:
            made.append(enrollment.enroll(event, person, actor=chair, now=now))
        except DomainError as e:
            skipped.append((person, e.code, str(e.message)))
    return made, skipped


def commission_status(org_id: int) -> dict[int, object]:
    """{membership id: its training line (trained until, due by, overdue, never)} for the
    organisation's commissions, derived as on the coordinators' due list."""
    from school.commissions import status

    lines = status.compute(None, filters=status.Filters(organisation_id=org_id))
    return {line.member_id: line for line in lines}
