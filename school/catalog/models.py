"""Programmes, events, their sessions, instructors and per-branch seat quotas.

EVENT_FORMAT_LABELS stays (EventFormat.labels()) because
tests/certificates/test_document_wording.py compares the documents' words with it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.accounts.models import Category
from school.dbtypes import LabelledEnum, UTCDateTime, str_enum, utcnow
from school.extensions import db
from school.i18n_fields import bilingual, localized
from school.timeutil import local_datetime

if TYPE_CHECKING:
    from school.accounts.models import User
    from school.orgs.models import Branch, Region, SectoralUnion


class EventKind(LabelledEnum):
    seminar = "seminar", _l("Seminar")
    online_course = "online_course", _l("Online course")
    training = "training", _l("Training")
    round_table = "round_table", _l("Round table")


class EventFormat(LabelledEnum):
    in_person = "in_person", _l("In person")
    online = "online", _l("Online")
    hybrid = "hybrid", _l("Hybrid")


EVENT_FORMAT_LABELS = EventFormat.labels()  # for a test: see the module's docstring


class EventStatus(LabelledEnum):
    draft = "draft", _l("Draft")
    published = "published", _l("Published")
    completed = "completed", _l("Completed")
    cancelled = "cancelled", lazy_pgettext("event status", "Cancelled")  # «өткізілмейді»


class ApprovalMode(LabelledEnum):
    open = "open", _l("Open enrolment")  # first come, first served
    # the participant's branch coordinator approves
    branch = "branch", _l("Approval by the branch coordinator")
    centre = "centre", _l("Approval by the training centre")  # the training centre approves


event_instructor = Table(
    "event_instructor",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True, index=True),
)


class ProgramAudience(db.Model):
    """One participant category a programme is meant for; none at all means everyone."""

    __tablename__ = "program_audience"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[Category] = mapped_column(str_enum(Category, "category"), primary_key=True)


class Program(db.Model):
    __tablename__ = "program"
    __table_args__ = (
        CheckConstraint("academic_hours >= 1", name="hours_positive"),
        CheckConstraint(
            "completion_threshold >= 1 AND completion_threshold <= 100", name="threshold_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title_ru: Mapped[str] = mapped_column(String(300))
    title_kk: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description_ru: Mapped[str | None] = mapped_column(Text)
    description_kk: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    academic_hours: Mapped[int]
    # Share of sessions attended (present or late) needed to complete, in percent.
    completion_threshold: Mapped[int] = mapped_column(default=80)
    certificate_title_ru: Mapped[str | None] = mapped_column(String(300))
    certificate_title_kk: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Two-step approval (school/enrollment/twostep.py): the branch coordinator, then the
    # training centre; the seat is held from the first approval when asked.
    two_step_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    hold_seat_first_step: Mapped[bool] = mapped_column(default=True, server_default=true())

    audience_rows: Mapped[list[ProgramAudience]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    # Read only for documents (certificates, letters), which load them with the programme:
    # not with every page that names a programme (issue 15).
    signatories: Mapped[list[ProgramSignatory]] = relationship(
        cascade="all, delete-orphan", order_by="ProgramSignatory.position"
    )
    events: Mapped[list[Event]] = relationship(back_populates="program")

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def audience(self) -> set[Category]:
        return {row.category for row in self.audience_rows}

    def is_for(self, category: Category | None) -> bool:
        audience = self.audience
        return not audience or (category is not None and category in audience)


class ProgramSignatory(db.Model):
    """A person who signs the programme's certificates, in print order."""

    __tablename__ = "program_signatory"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_kk: Mapped[str] = mapped_column(String(200))
    title_ru: Mapped[str] = mapped_column(String(300))  # e.g. «Директор Учебного центра ФПРК»
    title_kk: Mapped[str] = mapped_column(String(300))


class Event(db.Model):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint(
            "organizer_union_id IS NULL OR organizer_branch_id IS NULL", name="one_organizer"
        ),
        Index("ix_event_status_starts_on", "status", "starts_on"),
        Index("ix_event_ends_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    format: Mapped[EventFormat] = mapped_column(str_enum(EventFormat, "event_format"))
    title_ru: Mapped[str | None] = mapped_column(String(300))  # own title; else the programme's
    title_kk: Mapped[str | None] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    # Organiser: the federation's training centre when both are empty.
    organizer_union_id: Mapped[int | None] = mapped_column(
        ForeignKey("sectoral_union.id"), index=True
    )
    organizer_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("region.id"), index=True
    )  # None: national
    city_ru: Mapped[str | None] = mapped_column(String(120))
    city_kk: Mapped[str | None] = mapped_column(String(120))
    # The venue in Russian keeps the column's old name; `venue` reads it in the reader's
    # language (school/i18n_fields.py bilingual).
    venue_ru: Mapped[str | None] = mapped_column("venue", String(500))
    venue_kk: Mapped[str | None] = mapped_column(String(500))
    venue_en: Mapped[str | None] = mapped_column(String(500))
    online_link: Mapped[str | None] = mapped_column(String(500))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    capacity: Mapped[int]
    enrol_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrol_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_mode: Mapped[ApprovalMode] = mapped_column(
        str_enum(ApprovalMode, "approval_mode"), default=ApprovalMode.open
    )
    status: Mapped[EventStatus] = mapped_column(
        str_enum(EventStatus, "event_status"), default=EventStatus.draft
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # Entered after it was held (a record of a past seminar): shown and audited as such.
    recorded_after: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Online attendance from a meeting report; None: the app's config default.
    online_present_percent: Mapped[int | None]
    online_late_minutes: Mapped[int | None]

    program: Mapped[Program] = relationship(back_populates="events")
    region: Mapped[Region | None] = relationship()
    organizer_union: Mapped[SectoralUnion | None] = relationship()
    organizer_branch: Mapped[Branch | None] = relationship()
    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventSession.starts_at"
    )
    instructors: Mapped[list[User]] = relationship(secondary=event_instructor)
    quotas: Mapped[list[EventQuota]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )

    @property
    def title(self) -> str:
        return localized(self, "title") or self.program.title

    @property
    def city(self) -> str:
        return localized(self, "city")

    venue = bilingual("venue")

    @property
    def is_online(self) -> bool:
        return self.format is EventFormat.online

    @property
    def is_published(self) -> bool:
        return self.status is EventStatus.published

    @property
    def is_draft(self) -> bool:
        return self.status is EventStatus.draft

    # --- where the event stands in time (the sessions are read, so load them with it) ---

    @property
    def first_start(self) -> datetime:
        """When the event begins: its first session, else midnight of its first day."""
        starts = [s.starts_at for s in self.sessions]
        return min(starts) if starts else local_datetime(self.starts_on, time(0, 0))

    def has_started(self, now: datetime | None = None) -> bool:
        """Its first session has begun: enrolment closes, people no longer cancel their own
        enrolment, nobody is moved into it."""
        return (now or utcnow()) >= self.first_start

    @property
    def last_end(self) -> datetime | None:
        """When its last session ends (None without sessions)."""
        return max((s.ends_at for s in self.sessions), default=None)

    def has_ended(self, now: datetime | None = None) -> bool:
        """All its sessions are over (an event without sessions has not ended)."""
        last_end = self.last_end
        return last_end is not None and last_end <= (now or utcnow())

    def is_current(self, today: date) -> bool:
        """Published and not past its last day: what a person's "My trainings" lists."""
        return self.status is EventStatus.published and self.ends_on >= today

    @property
    def is_editable(self) -> bool:
        """Its details, sessions, quotas and instructors may still change: a draft or a
        published event (a completed or cancelled one is history)."""
        return self.status in (EventStatus.draft, EventStatus.published)


class EventSession(db.Model):
    """One day or one sitting of an event."""

    __tablename__ = "event_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
        Index("ix_event_session_event_starts", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic_ru: Mapped[str | None] = mapped_column(String(300))
    topic_kk: Mapped[str | None] = mapped_column(String(300))
    topic_en: Mapped[str | None] = mapped_column(String(300))
    academic_hours: Mapped[int] = mapped_column(default=0)
    # Self check-in (online sessions): a short code shown by the instructor.
    checkin_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    checkin_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="sessions")

    @property
    def topic(self) -> str:
        return localized(self, "topic")

    def checkin_code_is_live(self, now: datetime | None = None) -> bool:
        """A self check-in code has been shown and has not expired."""
        expires = self.checkin_code_expires_at
        return bool(self.checkin_code) and (expires is None or expires >= (now or utcnow()))


class EventQuota(db.Model):
    """At most `seats` confirmed participants from one branch."""

    __tablename__ = "event_quota"
    __table_args__ = (
        UniqueConstraint("event_id", "branch_id"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id"), index=True)
    seats: Mapped[int]
    # "ceiling": at most `seats` from the branch (the default); "reserve": `seats` held for
    # the branch until `release_on` (default 7 days before the start), then released to
    # everyone by `flask release-held-seats` (school/enrollment/holds.py).
    mode: Mapped[str] = mapped_column(String(16), default="ceiling", server_default="ceiling")
    release_on: Mapped[date | None] = mapped_column(Date)
    release_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="quotas")
    branch: Mapped[Branch] = relationship()


class CalendarToken(db.Model):
    """The secret in one person's calendar feed URL; regenerating it revokes the old URL."""

    __tablename__ = "calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
