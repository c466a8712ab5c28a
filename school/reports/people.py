"""The reports' part in a merge of duplicate people (school/accounts): the closed years'
rows move, so the person counts once. Imported by views.py, so the receiver connects
whenever the app exists."""

from __future__ import annotations

from school import signals
from school.accounts.duplicates import move_rows
from school.accounts.models import User
from school.reports.models import ClosedYearRow


@signals.person_merged.connect
def _move_on_merge(_sender=None, *, keep: User, other: User, **_kw) -> dict[str, int]:
    return move_rows(ClosedYearRow.user_id, keep, other)
