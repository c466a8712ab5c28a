"""The evaluation's part in a merge of duplicate people (school/accounts): answers and
feedback invitations move. Imported by receivers.py, so it connects whenever the app
exists."""

from __future__ import annotations

from sqlalchemy import select

from school import signals
from school.accounts.duplicates import move_rows
from school.accounts.models import User
from school.evaluation.models import Invitation, Response
from school.extensions import db


@signals.person_merged.connect
def _move_on_merge(_sender=None, *, keep: User, other: User, **_kw) -> dict[str, int]:
    moved = move_rows(Response.user_id, keep, other)
    # Feedback invitations are one per person and event: keep ours where both exist.
    have = set(db.session.scalars(select(Invitation.event_id).where(
        Invitation.user_id == keep.id)))
    return {**moved, **move_rows(Invitation.user_id, keep, other,
                                 Invitation.event_id.not_in(have or {0}))}
