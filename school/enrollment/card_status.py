"""What each catalogue card tells the signed-in person about themselves (issue 12, item 7):
enrolled, waiting, awaiting approval, or why they cannot enrol (not their category, not open
yet, closed). One query for the whole page: their enrolments among the cards' events and
each event's first session, side by side. The catalogue asks through school/catalog/hooks.py
(it may not import enrolment)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from school.catalog.models import Event, EventSession
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.timeutil import local_datetime

SHOWN = (EnrollmentStatus.confirmed, EnrollmentStatus.waitlisted, EnrollmentStatus.pending)
STYLE = {"confirmed": "success", "waitlisted": "warning", "pending": "info",
         "not_eligible": "secondary", "not_open": "secondary", "closed": "secondary"}


@dataclass(frozen=True)
class CardStatus:
    code: str  # confirmed, waitlisted, pending, not_eligible, not_open or closed
    label: str
    reason: str | None = None

    @property
    def style(self) -> str:
        return STYLE[self.code]


def card_statuses(user, events: Sequence[Event], now: datetime | None = None,
                  ) -> dict[int, CardStatus]:
    """The person's status for each event shown (events they could simply enrol in are left
    out). The events come with their programmes and audiences loaded (catalogue_query)."""
    if not getattr(user, "is_authenticated", False) or not events:
        return {}
    now = now or utcnow()
    mine = (select(Enrollment.status)
            .where(Enrollment.event_id == Event.id, Enrollment.user_id == user.id,
                   Enrollment.status.in_(SHOWN))
            .limit(1).correlate(Event).scalar_subquery())
    first = (select(func.min(EventSession.starts_at))
             .where(EventSession.event_id == Event.id).correlate(Event).scalar_subquery())
    rows = db.session.execute(
        select(Event.id, mine, first).where(Event.id.in_([e.id for e in events])))
    found = {event_id: (status, starts) for event_id, status, starts in rows}
    statuses = {}
    for event in events:
        status, starts = found.get(event.id, (None, None))
        card = _card(event, user, status, starts, now)
        if card is not None:
            statuses[event.id] = card
    return statuses


def _card(event: Event, user, status, starts: datetime | None, now: datetime,
          ) -> CardStatus | None:
    if status is not None:
        status = EnrollmentStatus(status)
        return CardStatus(status.value, status.label)
    if not event.program.is_for(user.category):
        return CardStatus("not_eligible", str(_l("Not for you")),
                          str(_l("This programme is meant for other participant categories.")))
    if event.enrol_opens_at is not None and now < event.enrol_opens_at:
        return CardStatus("not_open", str(_l("Not open yet")),
                          str(_l("Enrolment for this event has not opened yet.")))
    starts = starts or local_datetime(event.starts_on, time(0, 0))
    if (event.enrol_closes_at is not None and now >= event.enrol_closes_at) or now >= starts:
        return CardStatus("closed", str(_l("Enrolment closed")),
                          str(_l("Enrolment for this event is closed.")))
    return None
