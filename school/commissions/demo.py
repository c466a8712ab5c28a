"""Demo commissions: requirements, bodies of demo organisations and their members, with a
realistic mix — about a third trained and valid, some due, some overdue, a few never.

Members are demo people made for the purpose (commission###@demo.kz, in the category of
their body, so they can be nominated) plus trainee@demo.kz on a trade-union committee.
Their status comes, as always, from completed enrolments: a member meant to be trained or
overdue gets a completed enrolment in a completed event of a counting programme that ended
at the right time (one is added when the history has none). Idempotent: nothing is made
when the requirements already exist.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from school.accounts.models import Category, Role, RoleGrant, User
from school.attendance import services as attendance
from school.attendance.models import AttendanceStatus
from school.catalog.models import Event, EventFormat, EventKind, EventStatus, Program
from school.commissions.models import Body, BodyKind, Member, MemberRole, Requirement, Side
from school.commissions.status import add_months
from school.enrollment.models import ACTIVE_STATUSES, Enrollment, EnrollmentStatus
from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization, Region, SectoralUnion
from school.timeutil import local_today

# body kind → (programme codes, validity months, months for new members)
REQUIREMENTS = {
    BodyKind.conciliation_commission: (("SK-159",), 12, 6),
    BodyKind.audit_commission: (("AUDIT",), 24, 6),
    BodyKind.union_committee: (("KD", "SPL"), None, 12),
    BodyKind.youth_council: (("YOUTH",), None, 12),
}
CATEGORY = {
    BodyKind.conciliation_commission: Category.conciliation_commission,
    BodyKind.audit_commission: Category.audit_commission,
    BodyKind.union_committee: Category.committee_member,
    BodyKind.youth_council: Category.youth_council,
}
SIZES = {BodyKind.conciliation_commission: 4, BodyKind.audit_commission: 3}
SURNAMES = ["Ахметов", "Жумабаев", "Сериков", "Касымов", "Нурланов", "Ибраев", "Омаров",
            "Тулегенов", "Садыков", "Бекмухамбетов", "Исмаилов", "Кенжебаев"]
NAMES = ["Айгерим", "Асель", "Бахыт", "Галия", "Данияр", "Ерлан", "Жанар", "Марат",
         "Нурлан", "Сауле", "Тимур", "Ұлан"]


def seed(rng) -> list[str]:
    if db.session.scalar(select(Requirement.id).limit(1)) is not None:
        return []
    programs = {p.code: p for p in db.session.scalars(select(Program))}
    if "SK-159" not in programs or "AUDIT" not in programs:
        return []
    for kind, (codes, validity, grace) in REQUIREMENTS.items():
        req = Requirement(body_kind=kind, validity_months=validity, new_member_months=grace)
        req.programs = [programs[c] for c in codes if c in programs]
        if req.programs:
            db.session.add(req)
    orgs = _demo_orgs()
    if not orgs:
        return []
    today = local_today()
    template = db.session.scalar(select(User).where(User.email.like("person%@demo.kz")))
    counter = {"n": 0, "members": 0}
    for org in orgs:
        for kind, size in SIZES.items():
            body = Body(kind=kind, branch_id=org.branch_id, primary_org_id=org.id)
            db.session.add(body)
            db.session.flush()
            for seat in range(size):
                person = _person(org, CATEGORY[kind], template, rng, counter)
                role = MemberRole.chair if seat == 0 else MemberRole.member
                side = None
                if kind is BodyKind.conciliation_commission:
                    side = Side.union if seat % 2 == 0 else Side.employer
                _member_with_history(body, person, role, side, programs, kind, today, rng)
                counter["members"] += 1
    _trainee_on_committee(today)
    db.session.flush()
    return [f"Commissions: {counter['members']} members of {2 * len(orgs)} commissions "
            f"in {len(orgs)} organisations"]


def _demo_orgs() -> list[PrimaryOrganization]:
    """Six organisations of the demo coordinator's branch (Shymkent, «Қызмет»), then two of
    each of a few other branches of both demo unions."""
    home = db.session.scalar(
        select(Branch).join(Region).join(SectoralUnion)
        .where(SectoralUnion.code == "kyzmet", Region.code == "KZ-79"))
    orgs: list[PrimaryOrganization] = []
    if home is not None:
        orgs += db.session.scalars(select(PrimaryOrganization).where(
            PrimaryOrganization.branch_id == home.id).order_by(PrimaryOrganization.id).limit(6))
    others = db.session.scalars(
        select(Branch).where(Branch.id != (home.id if home else -1))
        .order_by(Branch.id).limit(8))
    for branch in others:
        orgs += db.session.scalars(select(PrimaryOrganization).where(
            PrimaryOrganization.branch_id == branch.id).order_by(PrimaryOrganization.id).limit(2))
    return orgs


def _person(org, category, template, rng, counter) -> User:
    counter["n"] += 1
    n = counter["n"]
    email = f"commission{n:03d}@demo.kz"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user
    female = rng.random() < 0.55
    surname = rng.choice(SURNAMES) + ("а" if female else "")
    branch = db.session.get(Branch, org.branch_id)
    user = User(email=email, full_name=f"{surname} {rng.choice(NAMES)}", category=category,
                branch_id=branch.id, union_id=branch.union_id, region_id=branch.region_id,
                primary_org_id=org.id, locale="ru",
                password_hash=template.password_hash if template is not None else None)
    user.grants.append(RoleGrant(role=Role.trainee))
    db.session.add(user)
    db.session.flush()
    return user


def _member_with_history(body, person, role, side, programs, kind, today, rng) -> None:
    """A member whose completions put them in one of the four statuses."""
    codes, validity, grace = REQUIREMENTS[kind]
    program = programs[codes[0]]
    roll = rng.random()
    term_start = date(today.year - rng.randint(1, 3), rng.choice([1, 3, 4, 9]), 1)
    if roll < 0.36:  # trained: completed within the validity, not about to expire
        _complete(person, program, today - timedelta(days=rng.randint(20, 250)))
    elif roll < 0.48:  # due: a new member still in the months for new members
        term_start = today - timedelta(days=rng.randint(10, 30 * grace - 20))
    elif roll < 0.58:  # due: the validity ends within the "due soon" window
        ended = add_months(today, -validity) + timedelta(days=rng.randint(5, 50))
        _complete(person, program, ended)
    elif roll < 0.90:  # overdue: completed once, expired
        _complete(person, program, add_months(today, -validity) - timedelta(
            days=rng.randint(20, 300)))
    # else never trained: elected long enough ago, no completion at all
    db.session.add(Member(body_id=body.id, user_id=person.id, role=role, side=side,
                          term_start=term_start))


def _complete(person: User, program: Program, around: date) -> None:
    """A completed enrolment in a completed event of `program` that ended near `around`
    (within two weeks before it), made when the history has none."""
    event = db.session.scalar(
        select(Event).where(Event.program_id == program.id,
                            Event.status == EventStatus.completed,
                            Event.ends_on.between(around - timedelta(days=14), around))
        .order_by(Event.ends_on.desc()))
    if event is None:
        event = Event(program_id=program.id, kind=EventKind.online_course,
                      format=EventFormat.online, starts_on=around - timedelta(days=3),
                      ends_on=around, capacity=200, status=EventStatus.completed,
                      online_link="https://meet.example.kz/demo")
        db.session.add(event)
        db.session.flush()
    taken = db.session.scalar(select(Enrollment.id).where(
        Enrollment.event_id == event.id, Enrollment.user_id == person.id,
        Enrollment.status.in_(ACTIVE_STATUSES)))
    if taken is None:
        enrollment = Enrollment(
            event_id=event.id, user_id=person.id, status=EnrollmentStatus.completed,
            region_id=person.region_id, union_id=person.union_id, branch_id=person.branch_id,
            primary_org_id=person.primary_org_id, category=person.category)
        db.session.add(enrollment)
        db.session.flush()
        _attended(event, enrollment)


def _attended(event: Event, enrollment: Enrollment) -> None:
    """A completed participant was there: marks for every session, so the attendance demo
    has nothing left to fill on the next run (seed-demo stays idempotent)."""
    sessions = list(event.sessions)
    admin = db.session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                              .where(RoleGrant.role == Role.admin).order_by(User.id).limit(1))
    if not sessions or admin is None:
        return
    inputs = [attendance.MarkInput(enrollment.id, s.id, AttendanceStatus.present)
              for s in sessions]
    attendance.save_marks(event, admin, inputs, reason="Demo data", mode=attendance.Mode.fill,
                          now=max(s.ends_at for s in sessions) + timedelta(hours=1))


def _trainee_on_committee(today: date) -> None:
    """trainee@demo.kz sits on their organisation's trade-union committee, so /my shows the
    panel."""
    trainee = db.session.scalar(select(User).where(User.email == "trainee@demo.kz"))
    if trainee is None or trainee.primary_org_id is None:
        return
    org = db.session.get(PrimaryOrganization, trainee.primary_org_id)
    body = db.session.scalar(select(Body).where(
        Body.primary_org_id == org.id, Body.kind == BodyKind.union_committee))
    if body is None:
        body = Body(kind=BodyKind.union_committee, branch_id=org.branch_id,
                    primary_org_id=org.id)
        db.session.add(body)
        db.session.flush()
    db.session.add(Member(body_id=body.id, user_id=trainee.id, role=MemberRole.member,
                          term_start=add_months(today, -4)))
