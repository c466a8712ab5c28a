"""Self check-in: the instructor shows a short code (and its QR code) for a session; a
signed-in confirmed participant enters it while the session runs.

A code is 7 characters from an alphabet without look-alikes (no 0/O, 1/I/L), drawn with
`secrets`: 31^7 ≈ 2.75·10^10 codes, and attempts are rate-limited per person, so
guessing one is hopeless. It works from 15 minutes before the session to 30 minutes after
it (ATTENDANCE_CHECKIN_BEFORE_MINUTES / _AFTER_MINUTES) and then expires; after
ATTENDANCE_LATE_AFTER_MINUTES from the start a check-in counts as late.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from school.accounts.models import User
from school.attendance.models import AttendanceChange, AttendanceStatus
from school.attendance.services import record_checkin
from school.attendance.timing import Timing
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import EventSession, EventStatus
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.timeutil import to_local

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 7


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str | None) -> str | None:
    """What people type: any case, spaces or dashes between groups. None if it cannot be
    a code at all (no database query for obvious junk)."""
    code = "".join(ch for ch in (raw or "").upper() if ch not in " -\t")
    if not 6 <= len(code) <= 8 or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display_code(code: str) -> str:
    """`ABC1234` → `ABC 1234`: easier to read aloud and to copy from a projector."""
    return f"{code[:3]} {code[3:]}"


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code (no external request, nothing for the CSP to refuse)."""
    svg = segno.make(url, error="m").svg_inline(scale=8, border=2, svgclass="checkin-qr",
                                                 omitsize=True)
    return Markup(svg)  # noqa: S704 — segno's own markup, built from our URL only


def open_checkin(
    session: EventSession, actor: User, *, now: datetime | None = None,
    timing: Timing | None = None,
) -> str:
    """Give the session a fresh code (replacing any earlier one) valid until the window
    closes. Raises `event_not_running`, `checkin_closed` (the window is over)."""
    now = now or utcnow()
    timing = timing or Timing.from_config()
    event = lock_event(session.event_id)
    if event.status is not EventStatus.published:
        raise DomainError(
            "event_not_running", _l("Check-in cannot be opened for this event."), status=409
        )
    closes = timing.closes_at(session)
    if now > closes:
        raise DomainError("checkin_closed", _l("This session is over: check-in is closed."))
    for attempt in range(5):
        code = new_code()
        if db.session.scalar(select(EventSession.id).where(EventSession.checkin_code == code)):
            continue
        try:
            with db.session.begin_nested():
                session.checkin_code = code
                session.checkin_code_expires_at = closes
                db.session.flush()
        except IntegrityError:  # another session took the same code this very moment
            if attempt == 4:
                raise
            continue
        record(actor, "checkin.opened", session)
        return code
    raise DomainError("code_unavailable", _l("No free code was found. Try again."))


def close_checkin(session: EventSession, actor: User) -> None:
    """End check-in early: the code stops working at once."""
    lock_event(session.event_id)
    if session.checkin_code is not None:
        session.checkin_code = None
        session.checkin_code_expires_at = None
        record(actor, "checkin.closed", session)
    db.session.flush()


@dataclass(frozen=True)
class CheckinResult:
    session: EventSession
    status: AttendanceStatus  # what the participant's mark is now
    change: AttendanceChange | None  # None: the mark already said as much (or more)
    by_instructor: bool = False  # the instructor had marked the session: left alone


def check_in(
    user: User, raw_code: str | None, *, now: datetime | None = None,
    timing: Timing | None = None,
) -> CheckinResult:
    """Mark `user` present (or late) for the session whose code this is, unless the
    instructor has already marked them for it (then `by_instructor` and nothing changes).

    Raises `checkin_code_invalid`, `checkin_not_open` (too early), `checkin_closed`
    (after the window, or the code expired), `not_enrolled` (not a confirmed participant).
    """
    now = now or utcnow()
    timing = timing or Timing.from_config()
    code = normalize_code(raw_code)
    session = None
    if code is not None:
        session = db.session.scalar(select(EventSession).where(EventSession.checkin_code == code))
    if session is None:
        raise DomainError(
            "checkin_code_invalid",
            _l("This code is not valid. Check it against the screen and try again."),
            field="code",
        )
    event = session.event
    if event.status is not EventStatus.published:
        raise DomainError("checkin_closed", _l("Check-in for this session is closed."),
                          field="code")
    opens = timing.opens_at(session)
    if now < opens:
        raise DomainError(
            "checkin_not_open",
            _l("Check-in for this session opens at %(time)s.",
               time=to_local(opens).strftime("%d.%m.%Y %H:%M")),
            field="code",
        )
    closes = timing.code_closes_at(session)
    if now > closes:
        raise DomainError(
            "checkin_closed",
            _l("Check-in for this session closed at %(time)s. Ask the instructor to mark "
               "you on the sheet.", time=to_local(closes).strftime("%d.%m.%Y %H:%M")),
            field="code",
        )
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.event_id == event.id,
            Enrollment.user_id == user.id,
            Enrollment.status == EnrollmentStatus.confirmed,
        )
    )
    if enrollment is None:
        raise DomainError(
            "not_enrolled",
            _l("You are not a confirmed participant of this event, so you cannot check in."),
            field="code",
        )
    late = now > session.starts_at + timing.late_after
    wanted = AttendanceStatus.late if late else AttendanceStatus.present
    change = record_checkin(event, enrollment, session, wanted, now=now)
    if change is not None:
        return CheckinResult(session, AttendanceStatus(change.after), change)
    status, source = _current_mark(enrollment, session)
    return CheckinResult(session, status, None, by_instructor=source != "checkin")


def _current_mark(enrollment: Enrollment, session: EventSession) -> tuple[AttendanceStatus, str]:
    from school.attendance.models import AttendanceMark

    row = db.session.execute(
        select(AttendanceMark.status, AttendanceMark.source).where(
            AttendanceMark.enrollment_id == enrollment.id,
            AttendanceMark.session_id == session.id,
        )
    ).one()
    return row.status, row.source
