"""The attendance panels of /my and the event page, loaded by their views (issue 15)."""

from __future__ import annotations

from sqlalchemy import func, select

from school.attendance import summaries
from school.attendance.models import AttendanceMark, AttendanceStatus
from school.attendance.sheet import default_session
from school.attendance.timing import Timing
from school.core import panels
from school.dbtypes import utcnow
from school.enrollment.models import SEAT_STATUSES, EnrollmentStatus
from school.extensions import db
from school.permissions import can_mark


@panels.my("attendance")
def my_summaries(enrollments, user) -> list[summaries.Summary]:
    """The person's attendance per enrolment (the newest 100 on the sheet)."""
    if not getattr(user, "is_authenticated", False):
        return []
    on_sheet = sorted((e for e in enrollments if e.status in SEAT_STATUSES),
                      key=lambda e: e.id, reverse=True)[:100]
    return summaries.summarise(on_sheet, utcnow())


@panels.event("attendance")
def event_panel(event, enrollment, user) -> dict | None:
    """What the event page shows about attendance to `user`, or None; `enrollment` is
    their active enrolment of the event (or None)."""
    if not getattr(user, "is_authenticated", False) or event is None:
        return None
    now = utcnow()
    timing = Timing.from_config()
    panel: dict = {}
    if can_mark(user, event):
        sessions = list(event.sessions)
        panel["manage"] = True
        panel["session"] = default_session(sessions, now, timing)
    if enrollment is not None and enrollment.status in SEAT_STATUSES:
        panel["enrollment"] = enrollment
        sessions = list(event.sessions)
        panel["checkin"] = enrollment.status is EnrollmentStatus.confirmed and any(
            s.checkin_code and timing.is_open(s, now) for s in sessions
        )
        panel["attended"] = db.session.scalar(
            select(func.count()).select_from(AttendanceMark).where(
                AttendanceMark.enrollment_id == enrollment.id,
                AttendanceMark.status.in_((AttendanceStatus.present, AttendanceStatus.late)),
            )
        )
        panel["total"] = len(sessions)
    return panel or None
