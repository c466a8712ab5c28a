"""Plans and budgets per unit of the union's tree, their revisions, deadlines and actuals.

A unit is the sectoral union itself, a top-level branch (oblast or city), a local union
(a branch with a parent) or a primary organisation. Each unit has at most one plan a year;
money is kept as integer tiyn (1 tenge = 100 tiyn), never as floats.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.accounts.models import Category
from school.catalog.models import EventKind
from school.dbtypes import LabelledEnum, UTCDateTime, str_enum, utcnow
from school.extensions import db

if TYPE_CHECKING:
    from school.accounts.models import User
    from school.catalog.models import Event, Program
    from school.orgs.models import Branch, PrimaryOrganization, SectoralUnion


class PlanLevel(LabelledEnum):
    union = "union", _l("Sectoral union")
    branch = "branch", _l("Branch")
    local = "local", _l("Local union")
    organisation = "organisation", _l("Primary organisation")


class PlanState(LabelledEnum):
    draft = "draft", _l("Draft")
    submitted = "submitted", _l("Submitted")
    approved = "approved", _l("Approved")
    returned = "returned", _l("Returned for changes")

    @property
    def editable(self) -> bool:
        return self in (PlanState.draft, PlanState.returned)


class BudgetLine(LabelledEnum):
    venue = "venue", _l("Venue")
    trainers = "trainers", _l("Trainers")
    travel = "travel", _l("Travel")
    materials = "materials", _l("Materials")
    accommodation = "accommodation", _l("Accommodation")
    other = "other", _l("Other costs")


class FundingSource(LabelledEnum):
    union_budget = "union_budget", _l("Union budget")
    employer = "employer", _l("Employer's targeted funds")
    federation = "federation", _l("Federation")


class Plan(db.Model):
    """One unit's plan for one year. The unit is named by exactly one of union (level
    union), branch (levels branch and local) or organisation; `union_id` is always set so a
    union's tree is one indexed filter."""

    __tablename__ = "plan"
    __table_args__ = (
        CheckConstraint(
            "(level = 'union' AND branch_id IS NULL AND organization_id IS NULL)"
            " OR (level IN ('branch', 'local') AND branch_id IS NOT NULL"
            " AND organization_id IS NULL)"
            " OR (level = 'organisation' AND organization_id IS NOT NULL AND branch_id IS NULL)",
            name="unit_matches_level",
        ),
        Index("uq_plan_union_year", "union_id", "year", unique=True,
              sqlite_where=text("level = 'union'"), postgresql_where=text("level = 'union'")),
        Index("uq_plan_branch_year", "branch_id", "year", unique=True,
              sqlite_where=text("branch_id IS NOT NULL"),
              postgresql_where=text("branch_id IS NOT NULL")),
        Index("uq_plan_organization_year", "organization_id", "year", unique=True,
              sqlite_where=text("organization_id IS NOT NULL"),
              postgresql_where=text("organization_id IS NOT NULL")),
        Index("ix_plan_year_union", "year", "union_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    level: Mapped[PlanLevel] = mapped_column(str_enum(PlanLevel, "plan_level"))
    union_id: Mapped[int] = mapped_column(ForeignKey("sectoral_union.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("primary_organization.id"))
    state: Mapped[PlanState] = mapped_column(
        str_enum(PlanState, "plan_state"), default=PlanState.draft
    )
    revision: Mapped[int] = mapped_column(default=1)
    return_comment: Mapped[str | None] = mapped_column(String(1000))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    union: Mapped[SectoralUnion] = relationship()
    branch: Mapped[Branch | None] = relationship()
    organization: Mapped[PrimaryOrganization | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    headcounts: Mapped[list[PlanHeadcount]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanHeadcount.id"
    )
    budget: Mapped[list[PlanBudget]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanBudget.id"
    )
    events: Mapped[list[PlanEvent]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanEvent.month"
    )
    revisions: Mapped[list[PlanRevision]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanRevision.revision"
    )

    @property
    def unit(self):
        return self.organization or self.branch or self.union

    @property
    def total_people(self) -> int:
        return sum(h.people for h in self.headcounts)

    @property
    def total_tiyn(self) -> int:
        return sum(b.amount_tiyn for b in self.budget)


class PlanHeadcount(db.Model):
    """People of one category to train, optionally in one programme."""

    __tablename__ = "plan_headcount"
    __table_args__ = (CheckConstraint("people >= 0", name="people_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"))
    people: Mapped[int]

    plan: Mapped[Plan] = relationship(back_populates="headcounts")
    program: Mapped[Program | None] = relationship()


class PlanBudget(db.Model):
    """A budget line in tiyn, with its funding source and optionally its programme."""

    __tablename__ = "plan_budget"
    __table_args__ = (CheckConstraint("amount_tiyn >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    line: Mapped[BudgetLine] = mapped_column(str_enum(BudgetLine, "budget_line"))
    source: Mapped[FundingSource] = mapped_column(str_enum(FundingSource, "funding_source"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"))
    amount_tiyn: Mapped[int] = mapped_column(BigInteger)

    plan: Mapped[Plan] = relationship(back_populates="budget")
    program: Mapped[Program | None] = relationship()


class PlanEvent(db.Model):
    """An event the unit itself means to run: kind, programme, month, participants."""

    __tablename__ = "plan_event"
    __table_args__ = (
        CheckConstraint("month BETWEEN 1 AND 12", name="month_in_year"),
        CheckConstraint("participants >= 0", name="participants_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id"))
    month: Mapped[int]
    participants: Mapped[int]

    plan: Mapped[Plan] = relationship(back_populates="events")
    program: Mapped[Program | None] = relationship()


class PlanRevision(db.Model):
    """The lines of a plan as they were approved, kept when a change reopens it."""

    __tablename__ = "plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    revision: Mapped[int]
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict] = mapped_column(JSON)

    plan: Mapped[Plan] = relationship(back_populates="revisions")


class PlanDeadline(db.Model):
    """The planning calendar: by when a level submits its plans for a year."""

    __tablename__ = "plan_deadline"
    __table_args__ = (UniqueConstraint("year", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    level: Mapped[PlanLevel] = mapped_column(str_enum(PlanLevel, "plan_level"))
    due_on: Mapped[date] = mapped_column(Date)


class PlanReminder(db.Model):
    """A reminder mail sent once per deadline and person (the CLI may run every hour)."""

    __tablename__ = "plan_reminder"
    __table_args__ = (UniqueConstraint("deadline_id", "user_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("plan_deadline.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    unit_key: Mapped[str] = mapped_column(String(40))  # e.g. "branch:12"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EventCost(db.Model):
    """What an event actually cost on one budget line, entered by staff."""

    __tablename__ = "event_cost"
    __table_args__ = (
        UniqueConstraint("event_id", "line"),
        CheckConstraint("amount_tiyn >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    line: Mapped[BudgetLine] = mapped_column(str_enum(BudgetLine, "budget_line"))
    amount_tiyn: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    event: Mapped[Event] = relationship()
