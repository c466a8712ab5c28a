"""Enrolments: one person in one event, with the person's organisation as it was then."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, Numeric, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.accounts.models import Category
from school.dbtypes import LabelledEnum, UTCDateTime, str_enum, utcnow
from school.extensions import db

if TYPE_CHECKING:
    from school.accounts.models import User
    from school.catalog.models import Event
    from school.orgs.models import Branch, PrimaryOrganization, Region, SectoralUnion


class EnrollmentStatus(LabelledEnum):
    pending = "pending", _l("Awaiting approval")  # waits for approval
    confirmed = "confirmed", _l("Confirmed")  # holds a seat
    waitlisted = "waitlisted", _l("On the waiting list")  # in the queue for a seat
    cancelled = "cancelled", lazy_pgettext("enrolment status", "Cancelled")  # «Отменена»
    rejected = "rejected", _l("Rejected")
    completed = "completed", _l("Completed")  # attended enough: gets a certificate
    # attended, but below the programme's threshold
    not_completed = "not_completed", _l("Not completed")

    @property
    def is_active(self) -> bool:
        return self in ACTIVE_STATUSES

    @property
    def holds_seat(self) -> bool:
        return self in SEAT_STATUSES

    @property
    def is_participant(self) -> bool:
        return self in PARTICIPANT_STATUSES

    @property
    def is_cancellable(self) -> bool:
        return self in CANCELLABLE_STATUSES

    @property
    def is_transferable(self) -> bool:
        return self in TRANSFERABLE_STATUSES


# Statuses that still count as "enrolled": at most one such row per person and event.
ACTIVE_STATUSES = frozenset(
    {
        EnrollmentStatus.pending,
        EnrollmentStatus.confirmed,
        EnrollmentStatus.waitlisted,
        EnrollmentStatus.completed,
        EnrollmentStatus.not_completed,
    }
)
# The status groups, defined here once (issue 14) and used by seats, the catalogue's "seats
# left", the attendance sheet and the feeds:
# - rows that hold a seat, and so are on the attendance sheet: confirmed ones, and those of
#   finished events they came from;
SEAT_STATUSES = (
    EnrollmentStatus.confirmed,
    EnrollmentStatus.completed,
    EnrollmentStatus.not_completed,
)
# - participants: see the online link and get the personal feed.
PARTICIPANT_STATUSES = (EnrollmentStatus.confirmed, EnrollmentStatus.completed)
# - still ahead of the person, so they (or staff) may cancel: a request, a seat, a queue place.
CANCELLABLE_STATUSES = (
    EnrollmentStatus.pending,
    EnrollmentStatus.confirmed,
    EnrollmentStatus.waitlisted,
)
# - rows an organiser may move to another date of the programme (school/enrollment/transfers.py).
TRANSFERABLE_STATUSES = (EnrollmentStatus.confirmed, EnrollmentStatus.waitlisted)
_ACTIVE_SQL = "status IN ('pending', 'confirmed', 'waitlisted', 'completed', 'not_completed')"


class Enrollment(db.Model):
    __tablename__ = "enrollment"
    __table_args__ = (
        Index(
            "uq_enrollment_active",
            "event_id",
            "user_id",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_enrollment_event_status", "event_id", "status"),
        Index("ix_enrollment_user_status", "user_id", "status"),
        # Yearly reports group completed enrolments by their snapshot.
        Index("ix_enrollment_status_region", "status", "region_id", "category"),
        # A person's completed enrolments without reading the table: the commissions' due
        # list looks up the last completion of twenty thousand members at once.
        Index("ix_enrollment_user_completed", "user_id", "event_id",
              postgresql_include=["id"], sqlite_where=text("status = 'completed'"),
              postgresql_where=text("status = 'completed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[EnrollmentStatus] = mapped_column(
        str_enum(EnrollmentStatus, "enrollment_status")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Queue order: first come, first served (ties broken by id).
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(String(500))  # rejection or cancellation
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_sessions: Mapped[int | None]
    attended_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Issue 22: two-step approval (1 = awaits the branch, 2 = awaits the training centre;
    # seat_held: a pending row that already holds a seat), walk-ins, substitutions, transfers.
    approval_step: Mapped[int | None]
    seat_held: Mapped[bool] = mapped_column(default=False, server_default=false())
    walk_in: Mapped[bool] = mapped_column(default=False, server_default=false())
    over_capacity_reason: Mapped[str | None] = mapped_column(String(500))
    substituted_for_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id"))
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment.id"))

    # The person's organisation and category when they enrolled: reports count these,
    # so a person who moves keeps last year's numbers where they were.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    union_id: Mapped[int | None] = mapped_column(ForeignKey("sectoral_union.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    primary_org_id: Mapped[int | None] = mapped_column(ForeignKey("primary_organization.id"))
    category: Mapped[Category | None] = mapped_column(str_enum(Category, "category"))

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    region: Mapped[Region | None] = relationship()
    union: Mapped[SectoralUnion | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    primary_org: Mapped[PrimaryOrganization | None] = relationship()

    def is_current(self, today: date) -> bool:
        """Listed as current on the person's "My trainings": an open request, seat or queue
        place in a published event not yet past its last day (the rest is history)."""
        return self.status.is_cancellable and self.event.is_current(today)

    def can_be_cancelled_by(self, user, now: datetime | None = None) -> bool:
        """The person cancels their own until the event's first session starts (an admin
        even later); the staff who manage the enrolment cancel it at any time. Only a
        request, a seat or a queue place can be cancelled."""
        if not self.status.is_cancellable or not getattr(user, "is_authenticated", False):
            return False
        if user.id == self.user_id:
            return not self.event.has_started(now) or user.has_role("admin")
        from school.permissions import manages_enrollment

        return manages_enrollment(user, self)
