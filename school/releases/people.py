"""The releases feature's part in what happens to a person (school/accounts): a merge of
duplicates moves their requests, letters and employer; the person's copy of their data lists
the requests. Imported by receivers.py, so it connects whenever the app exists."""

from __future__ import annotations

from sqlalchemy import select, update

from school import signals
from school.accounts.duplicates import move_rows
from school.accounts.models import User
from school.accounts.privacy import held
from school.extensions import db
from school.releases.models import EmployerOverride, OutgoingLetter, ReleaseRequest


@signals.person_merged.connect
def _move_on_merge(_sender=None, *, keep: User, other: User, **_kw) -> dict[str, int]:
    moved = {**move_rows(ReleaseRequest.user_id, keep, other),
             **move_rows(OutgoingLetter.user_id, keep, other)}
    if db.session.get(EmployerOverride, keep.id) is None:  # one per person: keep ours
        db.session.execute(update(EmployerOverride).where(EmployerOverride.user_id == other.id)
                           .values(user_id=keep.id))
    return moved


@held("release_requests")
def _requests(user: User) -> list[dict]:
    return [{"event_id": r.event_id, "first_day": r.first_day, "last_day": r.last_day,
             "state": r.state.value}
            for r in db.session.scalars(select(ReleaseRequest).where(
                ReleaseRequest.user_id == user.id))]
