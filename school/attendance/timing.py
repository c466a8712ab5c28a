"""The check-in window, lateness, and how long a session's check-in code works.

The minutes come from the app's config (ATTENDANCE_CHECKIN_BEFORE_MINUTES, _AFTER_MINUTES,
ATTENDANCE_LATE_AFTER_MINUTES); the sheet, the check-in pages and the panels all ask here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from school.catalog.models import EventSession


@dataclass(frozen=True)
class Timing:
    """The check-in window and lateness, in minutes, from the app's config."""

    before: timedelta = timedelta(minutes=15)
    after: timedelta = timedelta(minutes=30)
    late_after: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls) -> Timing:
        cfg = current_app.config
        return cls(
            before=timedelta(minutes=int(cfg.get("ATTENDANCE_CHECKIN_BEFORE_MINUTES", 15))),
            after=timedelta(minutes=int(cfg.get("ATTENDANCE_CHECKIN_AFTER_MINUTES", 30))),
            late_after=timedelta(minutes=int(cfg.get("ATTENDANCE_LATE_AFTER_MINUTES", 15))),
        )

    def opens_at(self, session: EventSession) -> datetime:
        return session.starts_at - self.before

    def closes_at(self, session: EventSession) -> datetime:
        return session.ends_at + self.after

    def is_open(self, session: EventSession, now: datetime) -> bool:
        return self.opens_at(session) <= now <= self.closes_at(session)

    def code_closes_at(self, session: EventSession) -> datetime:
        """When the session's check-in code stops working: the window's end, or earlier
        when the code was given a shorter life (the instructor's screen and the check-in
        itself both ask here)."""
        closes = self.closes_at(session)
        expires = session.checkin_code_expires_at
        return min(closes, expires) if expires is not None else closes

    def code_works(self, session: EventSession, now: datetime) -> bool:
        """The session has a live code (EventSession.checkin_code_is_live: shown and not
        expired) and the check-in window has not closed yet."""
        return session.checkin_code_is_live(now) and now <= self.closes_at(session)
