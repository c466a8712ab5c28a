"""Elected bodies (conciliation and audit commissions, committees, youth councils), their
members with terms, and the training each body and role requires.

A member's training status is never stored: it is derived from completed enrolments and
certificates every time (school/commissions/status.py). The only thing kept about status
is which reminders were already mailed, so a reminder goes once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Table, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.dbtypes import LabelledEnum, UTCDateTime, str_enum, utcnow
from school.extensions import db

if TYPE_CHECKING:
    from school.accounts.models import User
    from school.catalog.models import Program
    from school.orgs.models import Branch, PrimaryOrganization


class BodyKind(LabelledEnum):
    # individual disputes, LC art. 159
    conciliation_commission = "conciliation_commission", _l("Conciliation commission")
    audit_commission = "audit_commission", _l("Audit commission")
    union_committee = "union_committee", _l("Trade-union committee")
    youth_council = "youth_council", _l("Youth council")


class MemberRole(LabelledEnum):
    chair = "chair", _l("Chair of the body")
    deputy_chair = "deputy_chair", _l("Deputy chair of the body")
    secretary = "secretary", _l("Secretary of the body")
    member = "member", _l("Member of the body")


class Side(LabelledEnum):
    """Conciliation commissions are parity bodies: each member sits for one side."""

    union = "union", _l("From the union side")
    employer = "employer", _l("From the employer's side")


class Body(db.Model):
    """One elected body of a primary organisation, or of a branch when `primary_org_id` is
    empty. `branch_id` is always set (the organisation's branch): coordinators are scoped
    by it."""

    __tablename__ = "commission_body"
    __table_args__ = (
        Index("uq_commission_body_org_kind", "primary_org_id", "kind", unique=True,
              sqlite_where=sql_text("primary_org_id IS NOT NULL"),
              postgresql_where=sql_text("primary_org_id IS NOT NULL")),
        Index("uq_commission_body_branch_kind", "branch_id", "kind", unique=True,
              sqlite_where=sql_text("primary_org_id IS NULL"),
              postgresql_where=sql_text("primary_org_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind, "body_kind"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    primary_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("primary_organization.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch] = relationship()
    primary_org: Mapped[PrimaryOrganization | None] = relationship()
    members: Mapped[list[Member]] = relationship(
        back_populates="body", cascade="all, delete-orphan",
        order_by="Member.term_start.desc()",
    )

    @property
    def holder_name(self) -> str:
        """The organisation (or branch) the body belongs to, in the current language."""
        return (self.primary_org or self.branch).name


class Member(db.Model):
    """One term of one person in one body. A finished term stays as history."""

    __tablename__ = "commission_member"
    __table_args__ = (
        CheckConstraint("term_end IS NULL OR term_end >= term_start", name="term_ordered"),
        Index("ix_commission_member_body_end", "body_id", "term_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("commission_body.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole, "member_role"))
    side: Mapped[Side | None] = mapped_column(str_enum(Side, "member_side"))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)  # None: open-ended
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    body: Mapped[Body] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_current(self, today: date) -> bool:
        return self.term_start <= today and (self.term_end is None or self.term_end >= today)


requirement_program = Table(
    "commission_requirement_program",
    db.metadata,
    Column("requirement_id", ForeignKey("commission_requirement.id", ondelete="CASCADE"),
           primary_key=True),
    Column("program_id", ForeignKey("program.id"), primary_key=True, index=True),
)


class Requirement(db.Model):
    """What members of one kind of body (in one role, or any role) must have completed.

    `validity_months` empty: one completion counts for good. `new_member_months`: how long
    a newly elected member has for the first training."""

    __tablename__ = "commission_requirement"
    __table_args__ = (
        CheckConstraint("validity_months IS NULL OR validity_months >= 1",
                        name="validity_positive"),
        CheckConstraint("new_member_months >= 0", name="grace_not_negative"),
        Index("uq_commission_requirement_kind_role", "body_kind", "role", unique=True,
              sqlite_where=sql_text("role IS NOT NULL"),
              postgresql_where=sql_text("role IS NOT NULL")),
        Index("uq_commission_requirement_kind_any", "body_kind", unique=True,
              sqlite_where=sql_text("role IS NULL"),
              postgresql_where=sql_text("role IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind, "body_kind"))
    role: Mapped[MemberRole | None] = mapped_column(str_enum(MemberRole, "member_role"))
    validity_months: Mapped[int | None]
    new_member_months: Mapped[int] = mapped_column(default=6)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programs: Mapped[list[Program]] = relationship(
        secondary=requirement_program, lazy="selectin", order_by="Program.code"
    )

    def applies_to(self, kind: BodyKind, role: MemberRole) -> bool:
        return self.body_kind == kind and (self.role is None or self.role == role)


class Reminder(db.Model):
    """A member × requirement × deadline already mailed to the branch coordinators, so the
    monthly reminder lists only who became due since."""

    __tablename__ = "commission_reminder"
    __table_args__ = (UniqueConstraint("member_id", "requirement_id", "due_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("commission_member.id", ondelete="CASCADE"))
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("commission_requirement.id", ondelete="CASCADE"))
    due_by: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
