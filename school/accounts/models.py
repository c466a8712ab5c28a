"""People, their role grants and their personal-data consents."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from school.dbtypes import LabelledEnum, UTCDateTime, str_enum, utcnow
from school.extensions import db
from school.i18n_fields import bilingual

if TYPE_CHECKING:
    from school.orgs.models import Branch, PrimaryOrganization, Region, SectoralUnion


class Category(LabelledEnum):
    chair = "chair", _l("Chair of primary union organisation")
    deputy_chair = "deputy_chair", _l("Deputy chair")
    committee_member = "committee_member", _l("Union committee member")
    treasurer = "treasurer", _l("Treasurer")
    audit_commission = "audit_commission", _l("Audit commission member")
    conciliation_commission = "conciliation_commission", _l("Conciliation commission member")
    youth_council = "youth_council", _l("Youth council member")
    activist = "activist", _l("Union activist")
    staff = "staff", _l("Union staff")


class Role(LabelledEnum):
    admin = "admin", _l("Training-centre administrator")
    coordinator = "coordinator", _l("Branch coordinator")
    instructor = "instructor", _l("Instructor")
    trainee = "trainee", _l("Trainee")
    # chair or deputy chair of one primary organisation (planning)
    chair = "chair", _l("Chair of a primary organisation")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    # 12 digits; unique when given (NULLs do not collide on SQLite or PostgreSQL).
    iin: Mapped[str | None] = mapped_column(String(12), unique=True)
    category: Mapped[Category | None] = mapped_column(str_enum(Category, "category"))
    # Russian in the columns' old names; `position` and `workplace` read them in the reader's
    # language (school/i18n_fields.py bilingual).
    position_ru: Mapped[str | None] = mapped_column("position", String(200))
    position_kk: Mapped[str | None] = mapped_column(String(200))
    workplace_ru: Mapped[str | None] = mapped_column("workplace", String(300))
    workplace_kk: Mapped[str | None] = mapped_column(String(300))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    union_id: Mapped[int | None] = mapped_column(ForeignKey("sectoral_union.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    primary_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("primary_organization.id"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every reset token: changing the password invalidates tokens already sent.
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The consent is asked at the next sign-in, before any other page, and until then mail
    # is limited to the invitation: people a coordinator entered, and those who withdrew
    # (school/accounts/consent.py).
    consent_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Consent withdrawn (kept on the person for one-glance checks: rosters, exports,
    # nomination); cleared when they consent again.
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by `flask anonymise-expired` (school/accounts/privacy.py): name, contacts, IIN gone.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region | None] = relationship()
    union: Mapped[SectoralUnion | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    primary_org: Mapped[PrimaryOrganization | None] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )
    consents: Mapped[list[ConsentRecord]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ConsentRecord.id"
    )
    position = bilingual("position")
    workplace = bilingual("workplace")

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        # The session carries a stamp of the password (changing or resetting it signs out
        # every other session and "remember me" cookie) and the key of its server-side
        # session row (school/accounts/sessions.py), set when signing in or loading.
        return f"{self.id}:{self.session_stamp}:{getattr(self, 'session_key', '')}"

    @property
    def session_stamp(self) -> str:
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def has_role(self, role: str) -> bool:
        return any(g.role == role for g in self.grants)

    @property
    def roles(self) -> set[str]:
        return {g.role.value for g in self.grants}

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.admin)

    @property
    def masked_iin(self) -> str:
        return mask_iin(self.iin)

    @property
    def current_consent(self) -> ConsentRecord | None:
        for record in reversed(self.consents):
            if record.withdrawn_at is None:
                return record
        return None


def mask_iin(iin: str | None) -> str:
    """Keep the last four digits: enough for a person to recognise their own number."""
    if not iin:
        return ""
    return "•" * (len(iin) - 4) + iin[-4:]


def _unique_per_user(name: str, column: str, where: str) -> Index:
    """A partial unique index on (user_id, `column`), WHERE `where` (both databases)."""
    return Index(name, "user_id", column, unique=True, sqlite_where=text(where),
                 postgresql_where=text(where))


class RoleGrant(db.Model):
    """A role held by a person; a coordinator's grant names one union or one branch, a
    chair's grant one primary organisation."""

    __tablename__ = "role_grant"
    __table_args__ = (
        CheckConstraint(
            "(role = 'coordinator' AND ((union_id IS NULL) <> (branch_id IS NULL))"
            " AND primary_org_id IS NULL)"
            " OR (role = 'chair' AND primary_org_id IS NOT NULL AND union_id IS NULL"
            " AND branch_id IS NULL)"
            " OR (role NOT IN ('coordinator', 'chair') AND union_id IS NULL"
            " AND branch_id IS NULL AND primary_org_id IS NULL)",
            name="scope_matches_role",
        ),
        # Loading a person's grants (every signed-in request) filters by user only: the
        # partial unique indexes below cannot serve that, so it would scan every grant.
        Index("ix_role_grant_user_id", "user_id"),
        _unique_per_user("uq_role_grant_unscoped", "role", "role <> 'coordinator'"),
        _unique_per_user("uq_role_grant_union", "union_id", "union_id IS NOT NULL"),
        _unique_per_user("uq_role_grant_branch", "branch_id", "branch_id IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    union_id: Mapped[int | None] = mapped_column(ForeignKey("sectoral_union.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    primary_org_id: Mapped[int | None] = mapped_column(ForeignKey("primary_organization.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    union: Mapped[SectoralUnion | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    primary_org: Mapped[PrimaryOrganization | None] = relationship()


class ConsentRecord(db.Model):
    """Consent to personal-data processing: which text version, when, and its withdrawal."""

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    text_version: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(5))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(back_populates="consents")
