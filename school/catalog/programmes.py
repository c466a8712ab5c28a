"""Programmes: what is taught, to whom, for how many hours, and who signs the certificates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.accounts.models import Category, User
from school.audit.services import record
from school.catalog import hooks
from school.catalog.models import Program, ProgramAudience, ProgramSignatory
from school.catalog.rules import clean, clean_text, raise_error
from school.errors import DomainError, Problems
from school.extensions import db


@dataclass
class SignatoryData:
    name_ru: str = ""
    name_kk: str = ""
    title_ru: str = ""
    title_kk: str = ""

    def is_blank(self) -> bool:
        return not any(clean(v) for v in (self.name_ru, self.name_kk, self.title_ru,
                                           self.title_kk))


@dataclass
class ProgramData:
    code: str = ""
    title_ru: str = ""
    title_kk: str = ""
    title_en: str | None = None
    description_ru: str | None = None
    description_kk: str | None = None
    description_en: str | None = None
    academic_hours: int | None = None
    audience: list[str] = field(default_factory=list)
    completion_threshold: int | None = 80
    certificate_title_ru: str | None = None
    certificate_title_kk: str | None = None
    signatories: list[SignatoryData] = field(default_factory=list)
    active: bool = True


def programs(*, active_only: bool = False) -> list[Program]:
    q = select(Program).order_by(Program.active.desc(), Program.code)
    if active_only:
        q = q.where(Program.active.is_(True))
    return list(db.session.scalars(q))


def _program_code(program: Program | None, value: str | None) -> str:
    code = (value or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_.-]{0,31}", code):
        raise DomainError("code_invalid",
                          _l("The code must be 1–32 Latin letters, digits, dots or dashes."),
                          field="code")
    clash = db.session.scalar(select(Program.id).where(Program.code == code))
    if clash is not None and (program is None or clash != program.id):
        raise DomainError("code_taken", _l("This code is already used."), field="code")
    return code


def _program_audience(values: list[str]) -> set[Category]:
    try:
        return {Category(c) for c in values if c}
    except ValueError:
        raise DomainError("invalid_choice", _l("Choose from the list."),
                          field="audience") from None


def _program_signatories(rows: list[SignatoryData]) -> list[ProgramSignatory]:
    signatories = []
    for row in rows:
        if row.is_blank():
            continue
        name_ru, title_ru = clean(row.name_ru, 200), clean(row.title_ru)
        if not name_ru or not title_ru:
            raise DomainError("signatory_incomplete",
                              _l("Each signatory needs a name and a position."),
                              field="signatories")
        signatories.append(ProgramSignatory(
            position=len(signatories), name_ru=name_ru,
            name_kk=clean(row.name_kk, 200) or name_ru,
            title_ru=title_ru, title_kk=clean(row.title_kk) or title_ru,
        ))
    return signatories


def save_program(program: Program | None, data: ProgramData, actor: User) -> Program:
    """Create or edit a programme with its audience and certificate signatories. Every
    refusal is reported at once (DomainErrors), as the event form does."""
    problems = Problems()
    code = problems.value(_program_code, program, data.code)
    title_ru, title_kk = clean(data.title_ru), clean(data.title_kk)
    if not title_ru or not title_kk:
        problems.ok(raise_error, DomainError(
            "title_required", _l("Enter the title in Russian and in Kazakh."),
            field="title_ru" if not title_ru else "title_kk"))
    if data.academic_hours is None or not 1 <= data.academic_hours <= 2000:
        problems.ok(raise_error, DomainError(
            "hours_positive", _l("Academic hours must be a whole number from 1 to 2000."),
            field="academic_hours"))
    threshold = data.completion_threshold
    if threshold is None or not 1 <= threshold <= 100:
        problems.ok(raise_error, DomainError(
            "threshold_range",
            _l("The completion threshold is a share of sessions from 1 to 100%."),
            field="completion_threshold"))
    audience = problems.value(_program_audience, data.audience)
    signatories = problems.value(_program_signatories, data.signatories)
    problems.raise_any()
    if data.active:
        hooks.check("offer_program", signatories)  # certificates: someone must sign
    is_new = program is None
    if program is None:
        program = Program()
        db.session.add(program)
    program.code = code
    program.title_ru, program.title_kk, program.title_en = title_ru, title_kk, clean(
        data.title_en)
    program.description_ru = clean_text(data.description_ru)
    program.description_kk = clean_text(data.description_kk)
    program.description_en = clean_text(data.description_en)
    program.academic_hours = data.academic_hours
    program.completion_threshold = threshold
    program.certificate_title_ru = clean(data.certificate_title_ru)
    program.certificate_title_kk = clean(data.certificate_title_kk)
    program.active = bool(data.active)
    # Keep rows that stay (their primary key is the category), add and drop the rest.
    program.audience_rows = [r for r in program.audience_rows if r.category in audience] + [
        ProgramAudience(category=c)
        for c in sorted(audience - {r.category for r in program.audience_rows})
    ]
    program.signatories = signatories
    db.session.flush()
    record(actor, "program.create" if is_new else "program.edit", program, code=code)
    return program
