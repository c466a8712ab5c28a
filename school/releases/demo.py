"""Demo data of the releases feature: an employer for every demo organisation (valid BINs),
the unions' agreements, release requests sent, answered (one refusal) and pending, and
trainee@demo.kz near the yearly cap. Idempotent: employers are looked up by BIN, and
requests already sent or answered are left alone. No mail is sent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from school.accounts.models import User
from school.catalog.models import Event, EventFormat
from school.core.iin import check_digit
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.mail import mail_suppressed
from school.orgs.models import Branch, PrimaryOrganization, SectoralUnion
from school.releases import letters, requests
from school.releases.models import (
    Agreement,
    Employer,
    ReleaseAnswer,
    ReleaseRequest,
    ReleaseState,
)

SEND_AT_MOST = 24  # each sent request renders a letter: keep seed-demo quick
HISTORY_ADDRESS = "192.0.2.1"  # marks the demo's made-up history of earlier answers
BANK = ("АО «Народный банк Казахстана»", "«Қазақстан Халық банкі» АҚ")
KAZPOST = ("АО «Казпочта»", "«Қазпошта» АҚ")


def demo_bin(serial: int) -> str:
    """A BIN of a legal entity registered in April 1999 whose check digit is right."""
    for step in range(50):
        first11 = f"990440{(serial * 7 + step) % 100000:05d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
    raise ValueError("no BIN")


def _employer(bin_value: str, name_ru: str, name_kk: str, address: str, language: str,
              email: str) -> Employer:
    employer = db.session.scalar(select(Employer).where(Employer.bin == bin_value))
    if employer is None:
        employer = Employer(bin=bin_value, name_ru=name_ru, name_kk=name_kk, address=address,
                            hr_emails=email, language=language)
        db.session.add(employer)
        db.session.flush()
    return employer


def _names(org: PrimaryOrganization) -> tuple[str, str]:
    ru = org.name_ru.removeprefix("ППО ").strip()
    kk = org.name_kk.removesuffix(" БКҰ").strip()
    return f"ГУ «{ru[:1].upper()}{ru[1:]}»", f"«{kk}» ММ"


def seed_employers(rng) -> int:
    if db.session.scalar(select(Employer.id).where(Employer.bin == demo_bin(2))) is not None:
        return 0  # seeded before; organisations added since (by later demos) keep none
    orgs = db.session.scalars(
        select(PrimaryOrganization).where(PrimaryOrganization.employer_id.is_(None))
        .order_by(PrimaryOrganization.id)
    ).all()
    if not orgs:
        return 0
    union_of = dict(db.session.execute(
        select(Branch.id, SectoralUnion.code).join(SectoralUnion,
                                                   SectoralUnion.id == Branch.union_id)
    ).all())
    bank = _employer(demo_bin(1), *BANK, "г. Алматы, пр. Абая, 109в", "ru", "hr@halykbank.demo.kz")
    kazpost = _employer(demo_bin(2), *KAZPOST, "г. Астана, ул. Ш. Айманова, 1", "kk",
                        "kadry@kazpost.demo.kz")
    for org in orgs:
        if union_of.get(org.branch_id) != "kyzmet":
            org.employer_id = kazpost.id
        elif "банк" in org.name_ru:
            org.employer_id = bank.id
        else:
            name_ru, name_kk = _names(org)
            employer = _employer(demo_bin(100 + org.id), name_ru, name_kk, None,
                                 "kk" if rng.random() < 0.3 else "ru",
                                 f"hr{org.id}@employer.demo.kz")
            org.employer_id = employer.id
    db.session.flush()
    return len(orgs)


def seed_agreements() -> None:
    if db.session.scalar(select(Agreement.id).limit(1)) is not None:
        return
    for union in db.session.scalars(select(SectoralUnion)):
        if union.code == "kyzmet":
            name = ("Отраслевое соглашение в сфере государственного управления на 2025–2027 годы",
                    "Мемлекеттік басқару саласындағы 2025–2027 жылдарға арналған салалық "
                    "келісім")
            clause = ("п. 5.8", "5.8-тармақ")
        else:
            name = ("Отраслевое соглашение в сфере связи на 2025–2027 годы",
                    "Байланыс саласындағы 2025–2027 жылдарға арналған салалық келісім")
            clause = ("п. 6.4", "6.4-тармақ")
        db.session.add(Agreement(union_id=union.id, name_ru=name[0], name_kk=name[1],
                                 clause_ru=clause[0], clause_kk=clause[1], paid_days=5))
    bank = db.session.scalar(select(Employer).where(Employer.bin == demo_bin(1)))
    kyzmet = db.session.scalar(select(SectoralUnion).where(SectoralUnion.code == "kyzmet"))
    if bank is not None and kyzmet is not None:
        db.session.add(Agreement(
            union_id=kyzmet.id, employer_id=bank.id,
            name_ru="Коллективный договор АО «Народный банк Казахстана»",
            name_kk="«Қазақстан Халық банкі» АҚ ұжымдық шарты", clause_ru="п. 8.2",
            clause_kk="8.2-тармақ", paid_days=3,
        ))
    db.session.flush()


def _refresh_unsent() -> None:
    """Requests made while the demo enrolled people, before employers existed."""
    for request in db.session.scalars(
        select(ReleaseRequest).where(ReleaseRequest.employer_id.is_(None))
    ).all():
        if request.state is ReleaseState.to_send:
            requests.refresh(request)
        else:  # not needed (online): the employer is still who the person works for
            request.employer = letters.employer_of(request.user)
            request.agreement = letters.agreement_for(request.enrollment.union_id,
                                                      request.employer)
    db.session.flush()


def seed(rng) -> list[str]:
    seed_employers(rng)
    seed_agreements()
    with mail_suppressed():
        _refresh_unsent()
        queued = db.session.scalars(
            select(ReleaseRequest.id)
            .join(Enrollment, Enrollment.id == ReleaseRequest.enrollment_id)
            .where(ReleaseRequest.state == ReleaseState.to_send,
                   ReleaseRequest.hold_reason.is_(None),
                   Enrollment.status == EnrollmentStatus.confirmed)
            .order_by(ReleaseRequest.first_day, ReleaseRequest.id).limit(SEND_AT_MOST)
        ).all()
        trainee = db.session.scalar(select(User).where(User.email == "trainee@demo.kz"))
        mine = [] if trainee is None else db.session.scalars(
            select(ReleaseRequest.id).where(ReleaseRequest.user_id == trainee.id,
                                            ReleaseRequest.state == ReleaseState.to_send)
        ).all()
        if db.session.scalar(select(ReleaseRequest.id).where(
                ReleaseRequest.letter_id.is_not(None)).limit(1)) is not None:
            queued = mine = []  # sent on an earlier run: the CLI sends the rest
        for request_id in dict.fromkeys([*mine, *queued]):
            request = db.session.get(ReleaseRequest, request_id)
            requests.refresh(request)  # an earlier one may have used up the cap
            requests.forget_queued(request)
            if request.hold_reason is None:
                requests.send(request)
        fresh = db.session.scalars(
            select(ReleaseRequest).where(ReleaseRequest.state == ReleaseState.sent,
                                         ReleaseRequest.answer.is_(None))
            .order_by(ReleaseRequest.id)
        ).all()
        answered = db.session.scalar(
            select(ReleaseRequest.id).where(ReleaseRequest.answer.is_not(None)).limit(1)
        )
        if fresh and answered is None:
            for n, request in enumerate(fresh[: max(2, len(fresh) * 2 // 3)]):
                if n == 1:
                    requests.answer(request, "refuse", reason="Годовой отчёт: работник "
                                    "незаменим в эти дни", address="192.0.2.10")
                else:
                    requests.answer(request, "release", address="192.0.2.10")
        near = _near_cap()
    db.session.flush()
    return _summary(near)


def _near_cap() -> User | None:
    """Someone with an upcoming request whose earlier training this year, released, brings
    them to within a day of the cap (history: those requests predate this system)."""
    existing = db.session.scalar(select(ReleaseRequest.user_id).where(
        ReleaseRequest.answer_address == HISTORY_ADDRESS).limit(1))
    if existing is not None:
        return db.session.get(User, existing)
    upcoming = db.session.scalars(
        select(ReleaseRequest).where(ReleaseRequest.state.in_([ReleaseState.sent,
                                                               ReleaseState.released]),
                                     ReleaseRequest.agreement_id.is_not(None))
        .order_by(ReleaseRequest.id)
    ).all()
    for request in upcoming:
        cap = request.agreement.paid_days
        earlier = db.session.scalars(
            select(Enrollment).join(Event, Event.id == Enrollment.event_id).where(
                Enrollment.user_id == request.user_id,
                Enrollment.status == EnrollmentStatus.completed,
                Event.format != EventFormat.online,
                Event.starts_on >= date(request.year, 1, 1), Event.starts_on < request.first_day,
                ~select(ReleaseRequest.id).where(
                    ReleaseRequest.enrollment_id == Enrollment.id).exists(),
            )
        ).all()
        for enrollment in earlier:
            past = requests.create_for(enrollment)
            requests.forget_queued(past)
            past.state, past.hold_reason = ReleaseState.released, None
            past.answer = ReleaseAnswer.release
            past.answered_at = past.sent_at = past.created_at
            past.answer_address = HISTORY_ADDRESS
            db.session.flush()
            used = requests.days_counted(request.user_id, request.year, request.agreement_id)
            if used >= cap - 1:
                return request.user
    return None


def _summary(person: User | None) -> list[str]:
    counts = dict(db.session.execute(
        select(ReleaseRequest.state, db.func.count()).group_by(ReleaseRequest.state)
    ).all())
    lines = ["Release requests: " + ", ".join(
        f"{state.value} {counts.get(state, 0)}" for state in ReleaseState
    )]
    if person is not None:
        for request in db.session.scalars(
            select(ReleaseRequest).where(ReleaseRequest.user_id == person.id,
                                         ReleaseRequest.agreement_id.is_not(None))
            .order_by(ReleaseRequest.year.desc())
        ):
            used = requests.days_counted(person.id, request.year, request.agreement_id)
            lines.append(f"near the paid-days cap: {person.email}, {used} of "
                         f"{request.agreement.paid_days} days in {request.year}")
            break
    return lines

