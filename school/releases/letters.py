"""The register of outgoing letters: numbers, stored PDFs, verification.

Numbers are `<LETTER_PREFIX>-<YYYY>-<NNNNNN>`, one sequence per calendar year, taken from a
locked RegistryCounter row (the certificates' scheme, under the name "letter") in the
transaction that stores the letter: no gaps, no duplicates. A letter is rendered once for
an enrolment, kind and language and then served from its stored bytes, so it downloads
byte-identical and a flood of downloads costs no rendering. Rendering is also limited per
person (LETTER_RENDER_LIMIT), counted on the rows themselves so that every worker agrees.

A letter is withdrawn (never deleted) when the enrolment is cancelled or when what it says
no longer holds (another employer); a new one is then issued under a new number.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from school import pdf
from school.accounts.models import Category
from school.attendance.models import AttendanceMark
from school.catalog.models import EventSession
from school.certificates import documents
from school.certificates.queries import event_for_printing
from school.certificates.services import locked_counter
from school.core.names import canonical_number, holder_matches
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.extensions import db
from school.releases.models import Agreement, Employer, OutgoingLetter
from school.timeutil import local_today, to_local

REGISTRY = "letter"
DEFAULT_PREFIX = "FPRK-L"
PAY_CLAUSE = {
    "ru": "с сохранением средней заработной платы",
    "kk": "орташа жалақысы сақтала отырып",
}
ART_159 = {
    "ru": "статья 159 Трудового кодекса Республики Казахстан (обучение членов "
    "согласительной комиссии)",
    "kk": "Қазақстан Республикасы Еңбек кодексінің 159-бабы (келісу комиссиясы мүшелерін "
    "оқыту)",
}


def prefix() -> str:
    return str(documents.setting("LETTER_PREFIX", DEFAULT_PREFIX))


def current(enrollment_id: int, kind: str, lang: str) -> OutgoingLetter | None:
    return db.session.scalar(
        select(OutgoingLetter).where(
            OutgoingLetter.enrollment_id == enrollment_id,
            OutgoingLetter.kind == kind,
            OutgoingLetter.lang == lang,
            OutgoingLetter.withdrawn_at.is_(None),
        )
    )


def _render_limit() -> tuple[int, int]:
    """(letters, seconds) from LETTER_RENDER_LIMIT, "N per M seconds"-free: `20/3600`."""
    raw = str(documents.setting("LETTER_RENDER_LIMIT", "20/3600"))
    count, _, seconds = raw.partition("/")
    return int(count), int(seconds or 3600)


def check_render_limit(user_id: int) -> None:
    count, seconds = _render_limit()
    since = utcnow() - timedelta(seconds=seconds)
    made = db.session.scalar(
        select(func.count(OutgoingLetter.id)).where(
            OutgoingLetter.user_id == user_id, OutgoingLetter.created_at >= since
        )
    )
    if made >= count:
        raise DomainError(
            "letter_rate_limited",
            _l("Too many letters were prepared for this person just now. Try again later."),
            status=429,
        )


# --- what a release letter says -----------------------------------------------------------


def employer_of(user) -> Employer | None:
    """The person's own employer if they set one, else their organisation's."""
    from school.orgs.models import PrimaryOrganization
    from school.releases.models import EmployerOverride

    override = db.session.get(EmployerOverride, user.id)
    if override is not None:
        return override.employer
    if user.primary_org_id is None:
        return None
    employer_id = db.session.scalar(
        select(PrimaryOrganization.employer_id).where(
            PrimaryOrganization.id == user.primary_org_id
        )
    )
    return db.session.get(Employer, employer_id) if employer_id else None


def letter_employer(enrollment: Enrollment) -> Employer | None:
    """Who a release letter is addressed to: the release request's employer, else the
    person's employer now."""
    from school.releases.models import ReleaseRequest

    employer_id = db.session.scalar(
        select(ReleaseRequest.employer_id).where(ReleaseRequest.enrollment_id == enrollment.id)
    )
    if employer_id is not None:
        return db.session.get(Employer, employer_id)
    return employer_of(enrollment.user)


def agreement_for(union_id: int | None, employer: Employer | None) -> Agreement | None:
    """The union's agreement with this employer, else the union's general one."""
    if union_id is None:
        return None
    rows = db.session.scalars(
        select(Agreement).where(Agreement.union_id == union_id, Agreement.active.is_(True))
        .order_by(Agreement.id)
    ).all()
    if employer is not None:
        for agreement in rows:
            if agreement.employer_id == employer.id:
                return agreement
    return next((a for a in rows if a.employer_id is None), None)


def is_conciliation(enrollment: Enrollment) -> bool:
    """Art. 159 is cited for the training of conciliation-commission members: a programme
    only for them, or one open to them taken by one of them."""
    audience = enrollment.event.program.audience
    if Category.conciliation_commission not in audience:
        return False
    return audience == {Category.conciliation_commission} or (
        enrollment.category is Category.conciliation_commission
    )


def basis(lang: str, agreement: Agreement | None, enrollment: Enrollment) -> str:
    if agreement is not None:
        name = getattr(agreement, f"name_{lang}") or agreement.name_ru
        clause = getattr(agreement, f"clause_{lang}") or agreement.clause_ru
        text = f"{name}, {clause}" if clause else name
    else:
        text = documents.by_lang("CERTIFICATE_LETTER_BASIS", documents.LETTER_BASIS)[lang]
    if is_conciliation(enrollment):
        text = f"{text}; {ART_159[lang]}"
    return text


# --- issuing ------------------------------------------------------------------------------


def document(kind: str, lang: str, enrollment: Enrollment, *, today: date | None = None,
             create: bool = True) -> OutgoingLetter | None:
    """The letter the certificates feature serves (registered with
    certificates.services.provide_letters; it has checked the kind, language and that the
    enrolment has such a letter): the stored one when it still holds, else — when `create`
    — numbered, rendered and stored now. None when there is none and not `create`."""
    employer = letter_employer(enrollment) if kind == "release" else None
    stored = current(enrollment.id, kind, lang)
    if stored is not None and (employer is None or stored.employer_id == employer.id):
        return stored
    if not create:
        return None
    event_for_printing(enrollment.event_id)  # loads the programme, signatories, sessions
    attended_days = None
    if kind == "participation":
        starts = db.session.scalars(
            select(EventSession.starts_at)
            .join(AttendanceMark, AttendanceMark.session_id == EventSession.id)
            .where(
                AttendanceMark.enrollment_id == enrollment.id,
                AttendanceMark.status.in_(["present", "late"]),
            )
            .order_by(EventSession.starts_at)
        )
        attended_days = sorted({to_local(s).date() for s in starts})
    return issue(kind, lang, enrollment, employer=employer, attended_days=attended_days,
                 today=today)


def issue(kind: str, lang: str, enrollment: Enrollment, *, employer: Employer | None = None,
          agreement: Agreement | None = None, attended_days: list[date] | None = None,
          today: date | None = None, limit: bool = True) -> OutgoingLetter:
    """The current letter of this kind and language for the enrolment, issued (numbered,
    rendered, stored) if there is none or the one there names another employer.

    Takes the register's lock first, so that two requests for the same letter issue it
    once. Flushes; the caller commits."""
    if kind == "release" and employer is None:
        employer = letter_employer(enrollment)
    year = (today or local_today()).year
    counter = locked_counter(year, REGISTRY)  # serialises issuers before the look-up
    existing = current(enrollment.id, kind, lang)
    employer_id = employer.id if employer is not None else None
    if existing is not None:
        if kind != "release" or existing.employer_id == employer_id:
            return existing
        existing.withdrawn_at = utcnow()
        db.session.flush()
    if limit:
        check_render_limit(enrollment.user_id)
    counter.last_value += 1
    number = f"{prefix()}-{year:04d}-{counter.last_value:06d}"
    overrides: dict = {"pay": PAY_CLAUSE[lang]}
    employer_name = None
    if kind == "release":
        union_id = enrollment.union_id or enrollment.user.union_id
        if agreement is None:
            agreement = agreement_for(union_id, employer)
        overrides["basis"] = basis(lang, agreement, enrollment)
        if employer is not None:
            employer_name = getattr(employer, f"name_{lang}") or employer.name_ru
            overrides["workplace"] = employer_name
    html = documents.letter_html(
        kind, lang, enrollment, attended_days=attended_days, today=today or local_today(),
        number=number, overrides=overrides,
    )
    data = pdf.render_pdf(html, "letter")
    event = enrollment.event
    letter = OutgoingLetter(
        number=number, kind=kind, lang=lang, enrollment_id=enrollment.id,
        user_id=enrollment.user_id, employer_id=employer_id,
        holder_name=enrollment.user.full_name[:200], employer_name=employer_name,
        dates=documents.fmt_dates(event.starts_on, event.ends_on),
        pdf=data, sha256=hashlib.sha256(data).hexdigest(),
    )
    db.session.add(letter)
    db.session.flush()
    return letter


def withdraw_all(enrollment_id: int) -> int:
    return withdraw_kind(enrollment_id, None)


def withdraw_kind(enrollment_id: int, kind: str | None) -> int:
    """Withdraw the enrolment's current letters (of one kind, or all)."""
    query = select(OutgoingLetter).where(
        OutgoingLetter.enrollment_id == enrollment_id, OutgoingLetter.withdrawn_at.is_(None)
    )
    if kind is not None:
        query = query.where(OutgoingLetter.kind == kind)
    letters = db.session.scalars(query).all()
    now = utcnow()
    for letter in letters:
        letter.withdrawn_at = now
    db.session.flush()
    return len(letters)


# --- verification ---------------------------------------------------------------------------


def find_for_check(number: str, surname: str) -> OutgoingLetter | None:
    """The release letter with this number whose holder's surname (or full name) matches;
    None otherwise, whichever part was wrong."""
    number = canonical_number(number)
    if not number or len(number) > 40 or not (surname or "").strip():
        return None
    letter = db.session.scalar(
        select(OutgoingLetter).where(
            OutgoingLetter.number == number, OutgoingLetter.kind == "release"
        )
    )
    if letter is None:
        return None
    return letter if holder_matches(surname, letter.holder_name) else None
