"""Yearly plans per branch, closed years with their frozen rows, and the report's indexes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.accounts.models import Category
from school.catalog.models import EventFormat, EventKind
from school.certificates.models import Certificate
from school.dbtypes import UTCDateTime, str_enum, utcnow
from school.enrollment.models import Enrollment
from school.extensions import db

if TYPE_CHECKING:
    from school.accounts.models import User
    from school.orgs.models import Branch


class TrainingPlan(db.Model):
    """How many people of one category a branch plans to train in one year."""

    __tablename__ = "training_plan"
    __table_args__ = (
        UniqueConstraint("branch_id", "year", "category"),
        CheckConstraint("planned >= 0", name="planned_not_negative"),
        Index("ix_training_plan_year_branch", "year", "branch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"))
    year: Mapped[int]
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"))
    planned: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    branch: Mapped[Branch] = relationship()


class ClosedYear(db.Model):
    """A year whose figures were frozen by an administrator.

    The rows that counted at closing are copied to ClosedYearRow, so every figure of the
    report (any filter, distinct people included) is recomputed from them, not from live data.
    """

    __tablename__ = "closed_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    participations: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)

    closed_by: Mapped[User | None] = relationship()
    rows: Mapped[list[ClosedYearRow]] = relationship(
        back_populates="closed_year", cascade="all, delete-orphan", passive_deletes=True
    )


class ClosedYearRow(db.Model):
    """One participation that counted when its year was closed, with its dimensions then."""

    __tablename__ = "closed_year_row"
    __table_args__ = (
        UniqueConstraint("closed_year_id", "enrollment_id"),
        Index("ix_closed_year_row_year_region", "year", "region_id", "category"),
        Index("ix_closed_year_row_year_branch", "year", "branch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    closed_year_id: Mapped[int] = mapped_column(
        ForeignKey("closed_year.id", ondelete="CASCADE")
    )
    year: Mapped[int]
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    format: Mapped[EventFormat] = mapped_column(str_enum(EventFormat, "event_format"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    union_id: Mapped[int | None] = mapped_column(ForeignKey("sectoral_union.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    category: Mapped[Category | None] = mapped_column(str_enum(Category, "category"))

    closed_year: Mapped[ClosedYear] = relationship(back_populates="rows")


# --- indexes the yearly aggregate needs, on tables owned by other features ----------------
#
# Declared here so the reports feature owns its access paths (one migration, one owner).

# A year's enrolments reached from its event ids, with everything the GROUP BY and the
# scope filters read, so the table itself is not touched (index-only on PostgreSQL,
# "COVERING INDEX" on SQLite). Not partial: SQLite only uses a partial index when the
# query repeats its WHERE term verbatim, which the report cannot (see services._likely).
Index(
    "ix_enrollment_report",
    Enrollment.__table__.c.event_id,
    Enrollment.__table__.c.status,
    Enrollment.__table__.c.region_id,
    Enrollment.__table__.c.category,
    Enrollment.__table__.c.user_id,
    Enrollment.__table__.c.branch_id,
    Enrollment.__table__.c.union_id,
    Enrollment.__table__.c.id,  # PostgreSQL does not carry the key in an index by itself
)

# Revoked certificates are few: "trained" looks them up by enrolment through this.
Index(
    "ix_certificate_revoked_enrollment",
    Certificate.__table__.c.enrollment_id,
    sqlite_where=text("revoked_at IS NOT NULL"),
    postgresql_where=text("revoked_at IS NOT NULL"),
)
