"""The catalogue's part when an account is closed (merged away or anonymised,
school/accounts): its calendar feed stops. Imported by views.py, so the receiver connects
whenever the app exists."""

from __future__ import annotations

from school import signals
from school.catalog.models import CalendarToken
from school.extensions import db


@signals.person_closed.connect
def _revoke_feed(_sender=None, *, user, **_kw) -> None:
    db.session.execute(CalendarToken.__table__.delete().where(CalendarToken.user_id == user.id))
