"""Attendance in a person's copy of their data (school/accounts/privacy.py): each enrolment
lists its marks. Imported by views.py, so the loader is registered whenever the app exists."""

from __future__ import annotations

from sqlalchemy import select

from school.attendance.models import AttendanceMark
from school.enrollment.people import DETAILS
from school.extensions import db


def _marks(enrollment_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for m in db.session.scalars(select(AttendanceMark).where(
            AttendanceMark.enrollment_id.in_(enrollment_ids)).order_by(AttendanceMark.id)):
        out.setdefault(m.enrollment_id, []).append(
            {"session_id": m.session_id, "status": m.status.value, "marked_at": m.marked_at})
    return out


DETAILS["attendance"] = _marks
