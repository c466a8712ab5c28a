"""Attendance marks, one per enrolment and session, and the history of their changes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.dbtypes import LabelledEnum, UTCDateTime, str_enum, utcnow
from school.extensions import db

if TYPE_CHECKING:
    from school.accounts.models import User
    from school.catalog.models import EventSession
    from school.enrollment.models import Enrollment


class AttendanceStatus(LabelledEnum):
    present = "present", _l("Present")
    late = "late", _l("Late")
    excused = "excused", _l("Excused")
    absent = "absent", _l("Absent")

    @property
    def count_label(self) -> str:
        """The label before a count of people («Присутствовали: 12», «Қатысқандар: 12»)."""
        return str(ATTENDANCE_COUNT_LABELS[self])

    @property
    def attended(self) -> bool:
        # Excused is a reason for absence, not attendance.
        return self in (AttendanceStatus.present, AttendanceStatus.late)


# A status names one person's mark («Присутствовал(а)»); before a count it names a group.
ATTENDANCE_COUNT_LABELS = {
    AttendanceStatus.present: lazy_pgettext("count of people", "Present"),
    AttendanceStatus.late: lazy_pgettext("count of people", "Late"),
    AttendanceStatus.excused: lazy_pgettext("count of people", "Excused"),
    AttendanceStatus.absent: lazy_pgettext("count of people", "Absent"),
}


class AttendanceMark(db.Model):
    __tablename__ = "attendance_mark"
    __table_args__ = (UniqueConstraint("enrollment_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_session.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AttendanceStatus] = mapped_column(
        str_enum(AttendanceStatus, "attendance_status")
    )
    remark: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(16), default="sheet")  # sheet | checkin
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceChange(db.Model):
    """Every change of a mark: who, when, before, after (and why, after completion)."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollment.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int] = mapped_column(ForeignKey("event_session.id", ondelete="CASCADE"))
    before: Mapped[str | None] = mapped_column(String(16))
    after: Mapped[str | None] = mapped_column(String(16))
    remark_before: Mapped[str | None] = mapped_column(String(300))
    remark_after: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    session: Mapped[EventSession] = relationship()
    changed_by: Mapped[User | None] = relationship()
