"""The commissions register's part in what happens to a person (school/accounts): a merge
of duplicates moves their terms; the person's copy of their data lists them. Imported by
views.py, so it connects whenever the app exists."""

from __future__ import annotations

from sqlalchemy import select

from school import signals
from school.accounts.duplicates import move_rows
from school.accounts.models import User
from school.accounts.privacy import held
from school.commissions.models import Member
from school.extensions import db


@signals.person_merged.connect
def _move_on_merge(_sender=None, *, keep: User, other: User, **_kw) -> dict[str, int]:
    return move_rows(Member.user_id, keep, other)


@held("commission_terms")
def _terms(user: User) -> list[dict]:
    return [{"body_id": m.body_id, "role": m.role.value, "term_start": m.term_start,
             "term_end": m.term_end}
            for m in db.session.scalars(select(Member).where(Member.user_id == user.id))]
