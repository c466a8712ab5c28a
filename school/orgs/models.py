"""Regions, sectoral unions, their branches and primary organisations."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.dbtypes import LabelledEnum, str_enum
from school.extensions import db
from school.i18n_fields import LocalizedName, localized


class RegionType(enum.StrEnum):
    city = "city"
    region = "region"


class BranchKind(LabelledEnum):
    oblast = "oblast", _l("Regional (oblast) branch")
    city = "city", _l("City branch")
    local = "local", _l("Local union")


class Region(LocalizedName, db.Model):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # ISO 3166-2:KZ, e.g. KZ-79
    type: Mapped[RegionType] = mapped_column(str_enum(RegionType, "region_type"))
    name_ru: Mapped[str] = mapped_column(String(120))
    name_kk: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(default=0)

    branches: Mapped[list[Branch]] = relationship(back_populates="region")


class SectoralUnion(LocalizedName, db.Model):
    __tablename__ = "sectoral_union"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ru: Mapped[str] = mapped_column(String(300))
    name_kk: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    # What people call the union in lists and selects («Қызмет», «Профсоюз связи»).
    short_name_ru: Mapped[str | None] = mapped_column(String(100))
    short_name_kk: Mapped[str | None] = mapped_column(String(100))
    short_name_en: Mapped[str | None] = mapped_column(String(100))

    branches: Mapped[list[Branch]] = relationship(back_populates="union")

    @property
    def short_name(self) -> str:
        """The short name in the current language, else the full one."""
        return localized(self, "short_name") or self.name


class Branch(LocalizedName, db.Model):
    __tablename__ = "branch"
    __table_args__ = (UniqueConstraint("union_id", "name_ru"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int] = mapped_column(ForeignKey("sectoral_union.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    kind: Mapped[BranchKind] = mapped_column(str_enum(BranchKind, "branch_kind"))
    name_ru: Mapped[str] = mapped_column(String(300))
    name_kk: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    # A local union / district committee sits under an oblast or city branch of its union;
    # top-level branches have none. One level deep: a local union has no children.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)

    union: Mapped[SectoralUnion] = relationship(back_populates="branches")
    region: Mapped[Region] = relationship(back_populates="branches")
    parent: Mapped[Branch | None] = relationship(remote_side=[id])
    organizations: Mapped[list[PrimaryOrganization]] = relationship(back_populates="branch")


class PrimaryOrganization(LocalizedName, db.Model):
    __tablename__ = "primary_organization"
    __table_args__ = (
        UniqueConstraint("branch_id", "name_ru"),
        Index("ix_primary_organization_name_ru", "name_ru"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    name_ru: Mapped[str] = mapped_column(String(300))
    name_kk: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    # Business identification number of the employer, when known (12 digits).
    bin: Mapped[str | None] = mapped_column(String(12))
    # The employer whose workers it unites (school.releases.models.Employer).
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employer.id"), index=True)

    branch: Mapped[Branch] = relationship(back_populates="organizations")
