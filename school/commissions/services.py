"""Rules for bodies, members, requirements and nominating from the due list.

Services take models and plain values, flush but never commit, and raise DomainError with
a stable code. Coordinators act only within their branches (school.permissions scoping).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from school.accounts.models import User
from school.accounts.services import normalize_email
from school.audit.services import record
from school.catalog.models import Event, EventStatus, Program
from school.commissions.models import Body, BodyKind, Member, MemberRole, Requirement, Side
from school.core import iin as iin_rules
from school.core.queries import where_given
from school.enrollment import services as enrollment
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization
from school.permissions import can_see_branch, scope_to_branches
from school.timeutil import local_today

MAX_MONTHS = 120


# --- bodies ----------------------------------------------------------------------------


def bodies_query(viewer: User, *, kind: BodyKind | None = None, branch_id: int | None = None,
                 organisation_id: int | None = None):
    q = scope_to_branches(select(Body), Body.branch_id, viewer).order_by(
        Body.branch_id, Body.primary_org_id, Body.kind, Body.id)
    return where_given(q, (Body.kind, kind), (Body.branch_id, branch_id),
                       (Body.primary_org_id, organisation_id))


def find_body(kind: BodyKind, *, organisation: PrimaryOrganization | None = None,
              branch: Branch | None = None) -> Body | None:
    q = select(Body).where(Body.kind == kind)
    if organisation is not None:
        q = q.where(Body.primary_org_id == organisation.id)
    else:
        q = q.where(Body.primary_org_id.is_(None), Body.branch_id == branch.id)
    return db.session.scalar(q)


def create_body(actor: User, kind: BodyKind, *, organisation: PrimaryOrganization | None = None,
                branch: Branch | None = None) -> Body:
    """A body of a primary organisation, or of a branch when no organisation is given."""
    if organisation is None and branch is None:
        raise DomainError("holder_required", _l("Choose a primary organisation or a branch."),
                          field="primary_org_id")
    branch_id = organisation.branch_id if organisation is not None else branch.id
    if not can_see_branch(actor, branch_id):
        raise DomainError("forbidden", _l("This organisation is not in your branches."),
                          field="primary_org_id", status=403)
    if find_body(kind, organisation=organisation, branch=branch) is not None:
        raise DomainError("body_exists", _l("This organisation already has such a body."),
                          field="kind")
    body = Body(kind=kind, branch_id=branch_id,
                primary_org_id=organisation.id if organisation is not None else None)
    db.session.add(body)
    db.session.flush()
    record(actor, "commission.body_created", body, kind=kind.value)
    return body


# --- members ---------------------------------------------------------------------------


def find_person(actor: User, text: str) -> User | None:
    """A person the actor may see, by IIN or e-mail (None: no such person in scope)."""
    text = (text or "").strip()
    if not text:
        return None
    digits = iin_rules.normalize(text)
    if digits.isdigit() and len(digits) == 12:
        cond = User.iin == digits
    else:
        cond = User.email == normalize_email(text)
    q = scope_to_branches(select(User).where(cond), User.branch_id, actor)
    return db.session.scalar(q)


def _check_term(start: date | None, end: date | None) -> None:
    if start is None:
        raise DomainError("term_start_required", _l("Enter the start of the term."),
                          field="term_start")
    if end is not None and end < start:
        raise DomainError("term_order", _l("The term cannot end before it starts."),
                          field="term_end")


def _overlaps(body: Body, person_id: int, start: date, end: date | None,
              exclude_id: int | None = None) -> bool:
    q = select(Member.id).where(
        Member.body_id == body.id, Member.user_id == person_id,
        or_(Member.term_end.is_(None), Member.term_end >= start),
    )
    if end is not None:
        q = q.where(Member.term_start <= end)
    if exclude_id is not None:
        q = q.where(Member.id != exclude_id)
    return db.session.scalar(q.limit(1)) is not None


def add_member(body: Body, person: User, actor: User | None, *, role: MemberRole,
               side: Side | None, term_start: date | None, term_end: date | None) -> Member:
    """A new term of `person` in `body`; terms of one person in one body never overlap."""
    _check_term(term_start, term_end)
    if side is not None and body.kind is not BodyKind.conciliation_commission:
        raise DomainError("side_not_applicable",
                          _l("Only conciliation commission members sit for a side."),
                          field="side")
    if actor is not None and not can_see_branch(actor, person.branch_id):
        raise DomainError("person_not_found", _l("No person with this IIN or e-mail."),
                          field="person")
    if _overlaps(body, person.id, term_start, term_end):
        raise DomainError("already_member",
                          _l("This person is already a member of the body for these dates."),
                          field="person")
    member = Member(body_id=body.id, user_id=person.id, role=role, side=side,
                    term_start=term_start, term_end=term_end,
                    created_by_id=actor.id if actor is not None else None)
    db.session.add(member)
    db.session.flush()
    record(actor, "commission.member_added", member, body=body.id, person=person.id,
           role=role.value)
    return member


def end_term(member: Member, actor: User, end: date | None = None) -> Member:
    """Close the term (history is kept: the row stays, with its end date)."""
    end = end or local_today()
    if member.term_end is not None and member.term_end <= end:
        raise DomainError("already_ended", _l("This term has already ended."))
    if end < member.term_start:
        raise DomainError("term_order", _l("The term cannot end before it starts."))
    member.term_end = end
    db.session.flush()
    record(actor, "commission.term_ended", member, term_end=end.isoformat())
    return member


# --- requirements ----------------------------------------------------------------------


def save_requirement(requirement: Requirement | None, actor: User, *, body_kind: BodyKind,
                     role: MemberRole | None, validity_months: int | None,
                     new_member_months: int, program_ids: list[int]) -> Requirement:
    """Create or change what a kind of body (and role) must complete, and for how long."""
    if validity_months is not None and not 1 <= validity_months <= MAX_MONTHS:
        raise DomainError("bad_validity", _l("Validity must be between 1 and 120 months."),
                          field="validity_months")
    if not 0 <= (new_member_months or 0) <= MAX_MONTHS:
        raise DomainError("bad_grace", _l("Enter between 0 and 120 months."),
                          field="new_member_months")
    programs = list(db.session.scalars(select(Program).where(Program.id.in_(program_ids or []))))
    if not programs:
        raise DomainError("no_programs", _l("Choose at least one programme that counts."),
                          field="program_ids")
    same = select(Requirement.id).where(
        Requirement.body_kind == body_kind,
        Requirement.role.is_(None) if role is None else Requirement.role == role,
    )
    if requirement is not None:
        same = same.where(Requirement.id != requirement.id)
    if db.session.scalar(same.limit(1)) is not None:
        raise DomainError("requirement_exists",
                          _l("This body and role already have a requirement."), field="role")
    if requirement is None:
        requirement = Requirement()
        db.session.add(requirement)
    requirement.body_kind, requirement.role = body_kind, role
    requirement.validity_months = validity_months
    requirement.new_member_months = new_member_months or 0
    requirement.programs = programs
    db.session.flush()
    record(actor, "commission.requirement_saved", requirement,
           programs=[p.code for p in programs], validity=validity_months)
    return requirement


def delete_requirement(requirement: Requirement, actor: User) -> None:
    record(actor, "commission.requirement_deleted", requirement)
    db.session.delete(requirement)
    db.session.flush()


# --- nominating from the due list ------------------------------------------------------


def counting_program_ids() -> set[int]:
    return {p.id for req in db.session.scalars(select(Requirement)) for p in req.programs}


def counting_events(program_ids: set[int], today: date | None = None, limit: int = 100):
    """Published events of counting programmes that have not ended, soonest first."""
    if not program_ids:
        return []
    today = today or local_today()
    return list(db.session.scalars(
        select(Event).where(Event.program_id.in_(program_ids),
                            Event.status == EventStatus.published, Event.ends_on >= today)
        .order_by(Event.starts_on, Event.id).limit(limit)
    ))


def nominate(event: Event, lines, actor: User):
    """Enrol the people of the chosen due-list lines in `event`, through the usual
    nomination rules (scope, quotas, approvals, audience). Lines whose requirement the
    event does not count for are left out. Returns (enrolled, skipped with codes)."""
    if event.status is not EventStatus.published:
        raise DomainError("not_counting",
                          _l("This event does not count for the chosen members' training."))
    fitting = [ln for ln in lines if event.program_id in {p.id for p in ln.requirement.programs}]
    if lines and not fitting:
        raise DomainError("not_counting",
                          _l("This event does not count for the chosen members' training."))
    ids = sorted({ln.person_id for ln in fitting})
    if not ids:
        raise DomainError("nobody_chosen", _l("Choose at least one person."))
    people = list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
    enrolled, skipped = enrollment.nominate(event, people, actor)
    left_out = {ln.person_id for ln in lines} - set(ids)
    skipped += [(db.session.get(User, pid), "not_counting") for pid in sorted(left_out)]
    return enrolled, skipped
