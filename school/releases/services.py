"""Employers, their BINs, agreements with paid training days, a person's own employer."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.audit.services import record
from school.core.iin import check_digit, normalize
from school.core.text import one_line
from school.errors import DomainError, Problems
from school.extensions import db
from school.releases.models import Agreement, Employer, EmployerOverride

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
MAX_PAID_DAYS = 60


def is_valid_bin(value: str) -> bool:
    """12 digits whose last is the check digit of the first 11: the IIN's algorithm
    (weights 1..11, then 3..11,1,2 when the first pass gives 10)."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return False
    expected = check_digit(value[:11])
    return expected is not None and expected == int(value[11])


def clean_bin(raw: str | None, *, field: str = "bin") -> str:
    value = normalize(raw)
    if not is_valid_bin(value):
        raise DomainError(
            "bin_invalid",
            _l("This BIN is not valid: it must have 12 digits and a correct check digit."),
            field=field,
        )
    return value


def clean_emails(raw: str | None, *, field: str = "hr_emails") -> str | None:
    parts = [p.strip() for p in re.split(r"[,;\s]+", raw or "") if p.strip()]
    for part in parts:
        if not _EMAIL.match(part) or len(part) > 254:
            raise DomainError(
                "email_invalid", _l("%(email)s is not an e-mail address.", email=part),
                field=field,
            )
    text = ", ".join(dict.fromkeys(p.lower() for p in parts))
    if len(text) > 1000:
        raise DomainError("emails_too_long", _l("Too many addresses."), field=field)
    return text or None


def _text(raw: str | None, limit: int) -> str:
    return one_line(raw, limit)


def _require_name(name: str) -> None:
    if not name:
        raise DomainError("name_required", _l("Enter the legal name."), field="name_ru")


def _bin_free(value: str, employer: Employer | None) -> None:
    taken = db.session.scalar(select(Employer.id).where(Employer.bin == value))
    if taken is not None and (employer is None or taken != employer.id):
        raise DomainError("bin_taken", _l("An employer with this BIN already exists."),
                          field="bin")


def save_employer(employer: Employer | None, *, bin: str, name_ru: str, name_kk: str | None,
                  address: str | None, hr_emails: str | None, language: str = "ru",
                  actor=None) -> Employer:
    """Create (`employer` None) or update an employer; every problem reported at once."""
    problems = Problems()
    value = problems.value(clean_bin, bin)
    emails = problems.value(clean_emails, hr_emails)
    name_ru = _text(name_ru, 300)
    problems.ok(_require_name, name_ru)
    if value:
        problems.ok(_bin_free, value, employer)
    problems.raise_any()
    if employer is None:
        employer = Employer(bin=value)
        db.session.add(employer)
    employer.bin = value
    employer.name_ru = name_ru
    employer.name_kk = _text(name_kk, 300) or name_ru
    employer.address = _text(address, 500) or None
    employer.hr_emails = emails
    employer.language = language if language in ("ru", "kk") else "ru"
    db.session.flush()
    record(actor, "releases.employer_saved", employer, object_type="employer", bin=value)
    return employer


def save_agreement(agreement: Agreement | None, *, union_id: int, employer_id: int | None,
                   name_ru: str, name_kk: str | None, clause_ru: str | None,
                   clause_kk: str | None, paid_days: int | None, active: bool = True,
                   actor=None) -> Agreement:
    name_ru = _text(name_ru, 300)
    if not name_ru:
        raise DomainError("name_required", _l("Enter the agreement's name."), field="name_ru")
    days = 5 if paid_days is None else paid_days
    if not 0 <= days <= MAX_PAID_DAYS:
        raise DomainError(
            "paid_days_invalid", _l("Paid days must be between 0 and %(n)d.", n=MAX_PAID_DAYS),
            field="paid_days",
        )
    if agreement is None:
        agreement = Agreement(union_id=union_id)
        db.session.add(agreement)
    agreement.union_id = union_id
    agreement.employer_id = employer_id
    agreement.name_ru = name_ru
    agreement.name_kk = _text(name_kk, 300) or name_ru
    agreement.clause_ru = _text(clause_ru, 300) or None
    agreement.clause_kk = _text(clause_kk, 300) or agreement.clause_ru
    agreement.paid_days = days
    agreement.active = active
    db.session.flush()
    record(actor, "releases.agreement_saved", agreement, object_type="agreement")
    return agreement


def set_own_employer(user, bin: str | None) -> Employer | None:
    """A person who works elsewhere names their employer by BIN (an employer already on
    record: people do not create employers, whose HR addresses receive our letters).
    An empty BIN goes back to the organisation's employer."""
    override = db.session.get(EmployerOverride, user.id)
    if not normalize(bin):
        if override is not None:
            db.session.delete(override)
            db.session.flush()
        record(user, "releases.employer_override_cleared", user)
        return None
    value = clean_bin(bin)
    employer = db.session.scalar(select(Employer).where(Employer.bin == value))
    if employer is None:
        raise DomainError(
            "employer_unknown",
            _l("No employer with this BIN is on record. Ask your coordinator to add it."),
            field="bin",
        )
    if override is None:
        override = EmployerOverride(user_id=user.id, employer_id=employer.id)
        db.session.add(override)
    override.employer_id = employer.id
    db.session.flush()
    record(user, "releases.employer_override", user, employer_id=employer.id)
    return employer
