"""Employers, agreements granting paid training days, release requests, and the register
of outgoing letters (release and participation letters, numbered and stored)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.dbtypes import LabelledEnum, UTCDateTime, partial_index, str_enum, utcnow
from school.extensions import db
from school.i18n_fields import LocalizedName

if TYPE_CHECKING:
    from school.accounts.models import User
    from school.catalog.models import Event
    from school.enrollment.models import Enrollment
    from school.orgs.models import SectoralUnion


class Employer(LocalizedName, db.Model):
    """A legal entity whose workers a primary organisation unites."""

    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(primary_key=True)
    bin: Mapped[str] = mapped_column(String(12), unique=True)  # check digit verified
    name_ru: Mapped[str] = mapped_column(String(300))
    name_kk: Mapped[str] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    # HR addresses, comma-separated: every one of them gets the request.
    hr_emails: Mapped[str | None] = mapped_column(String(1000))
    # The language the employer corresponds in (letters and mail): ru or kk.
    language: Mapped[str] = mapped_column(String(2), default="ru")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def emails(self) -> list[str]:
        return [e.strip() for e in (self.hr_emails or "").split(",") if e.strip()]


class Agreement(db.Model):
    """The agreement of a sectoral union (optionally with one employer) that grants union
    activists paid days of training leave per calendar year."""

    __tablename__ = "release_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int] = mapped_column(ForeignKey("sectoral_union.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    name_ru: Mapped[str] = mapped_column(String(300))
    name_kk: Mapped[str] = mapped_column(String(300))
    clause_ru: Mapped[str | None] = mapped_column(String(300))  # «п. 7.3»
    clause_kk: Mapped[str | None] = mapped_column(String(300))
    paid_days: Mapped[int] = mapped_column(default=5)
    active: Mapped[bool] = mapped_column(default=True)

    union: Mapped[SectoralUnion] = relationship()
    employer: Mapped[Employer | None] = relationship()


class EmployerOverride(db.Model):
    """A person who works elsewhere than the employer of their primary organisation."""

    __tablename__ = "employer_override"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), index=True)

    employer: Mapped[Employer] = relationship()


class ReleaseState(LabelledEnum):
    not_needed = "not_needed", _l("Not needed")  # online, or a format that needs no release
    # held for the coordinator (over the cap, no employer, no e-mail)
    to_send = "to_send", _l("To send")
    sent = "sent", _l("Sent, awaiting answer")
    released = "released", _l("Released")
    refused = "refused", _l("Refused")  # refused, or another person proposed
    no_answer = "no_answer", _l("No answer")  # no answer by the reminder day


class ReleaseAnswer(enum.StrEnum):
    release = "release"
    refuse = "refuse"
    substitute = "substitute"  # the employer proposes another person


class HoldReason(enum.StrEnum):
    over_cap = "over_cap"
    no_employer = "no_employer"
    no_email = "no_email"


class ReleaseRequest(db.Model):
    __tablename__ = "release_request"
    __table_args__ = (Index("ix_release_request_user_year", "user_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("release_agreement.id"))
    state: Mapped[ReleaseState] = mapped_column(str_enum(ReleaseState, "release_state"))
    hold_reason: Mapped[HoldReason | None] = mapped_column(
        str_enum(HoldReason, "release_hold_reason")
    )
    year: Mapped[int]  # calendar year of the first training day: the cap's year
    days: Mapped[int] = mapped_column(default=0)
    hours: Mapped[int] = mapped_column(default=0)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    # Part of the answer link: a new nonce (on re-sending) kills the links sent before.
    nonce: Mapped[str] = mapped_column(String(32))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_letter.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[ReleaseAnswer | None] = mapped_column(
        str_enum(ReleaseAnswer, "release_answer")
    )
    answer_reason: Mapped[str | None] = mapped_column(String(1000))
    proposed_name: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_address: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # enrolment cancelled

    enrollment: Mapped[Enrollment] = relationship()
    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()
    employer: Mapped[Employer | None] = relationship()
    agreement: Mapped[Agreement | None] = relationship()
    letter: Mapped[OutgoingLetter | None] = relationship()


class OutgoingLetter(db.Model):
    """A letter in the register: its number, the stored PDF and its sha256. The same
    letter is served from here, byte-identical, however often it is downloaded."""

    __tablename__ = "outgoing_letter"
    __table_args__ = (
        partial_index("uq_outgoing_letter_current", "enrollment_id", "kind", "lang",
                      where="withdrawn_at IS NULL", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # <PREFIX>-<YYYY>-<NNNNNN>
    kind: Mapped[str] = mapped_column(String(20))  # release | participation
    lang: Mapped[str] = mapped_column(String(2))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"))
    # What /verify may show, as the letter said it.
    holder_name: Mapped[str] = mapped_column(String(200))
    employer_name: Mapped[str | None] = mapped_column(String(300))
    dates: Mapped[str] = mapped_column(String(100))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status(self) -> str:
        return "withdrawn" if self.withdrawn_at is not None else "valid"
