"""Who organises an event: the training centre, a sectoral union or one of its branches; the
organisers a person may name, and the form's value for each."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.accounts.models import Role, User
from school.catalog.models import Event
from school.core.formatting import sort_by_name
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import Branch, SectoralUnion
from school.permissions import visible_branch_ids


def coordinated(user: User) -> tuple[set[int], set[int]]:
    """(union ids, branch ids) whose events a coordinator manages; a union includes its
    branches."""
    unions = {g.union_id for g in user.grants if g.role == Role.coordinator and g.union_id}
    branches = visible_branch_ids(user) or set()
    return unions, branches


CENTRE = "centre"


def organizer_choices(user: User) -> list[tuple[str, str]]:
    """Organisers `user` may name: the training centre (admins), unions, branches."""
    unions_q = select(SectoralUnion).order_by(SectoralUnion.code)
    branches_q = (
        select(Branch).options(joinedload(Branch.union)).order_by(Branch.union_id, Branch.name_ru)
    )
    choices: list[tuple[str, str]] = []
    if user.is_admin:
        choices.append((CENTRE, str(_l("Training centre of the Federation"))))
    else:
        union_ids, branch_ids = coordinated(user)
        unions_q = unions_q.where(SectoralUnion.id.in_(union_ids))
        branches_q = branches_q.where(Branch.id.in_(branch_ids))
    choices += [(f"union:{u.id}", u.name) for u in db.session.scalars(unions_q)]
    choices += [(f"branch:{b.id}", f"{b.name} ({b.union.short_name})")
                for b in sort_by_name(db.session.scalars(branches_q), lambda b: b.name)]
    return choices


def organizer_value(event: Event | None) -> str:
    if event is None or (event.organizer_union_id is None and event.organizer_branch_id is None):
        return CENTRE
    if event.organizer_branch_id:
        return f"branch:{event.organizer_branch_id}"
    return f"union:{event.organizer_union_id}"


def parse_organizer(value: str | None) -> tuple[int | None, int | None]:
    """'centre' | 'union:ID' | 'branch:ID' → (union id, branch id)."""
    match = re.fullmatch(r"(union|branch):(\d{1,9})", value or "")
    if value == CENTRE:
        return None, None
    if not match:
        raise DomainError("organizer_required", _l("Choose the organiser."), field="organizer")
    ident = int(match.group(2))
    return (ident, None) if match.group(1) == "union" else (None, ident)


def check_organizer(actor: User, union_id: int | None, branch_id: int | None) -> None:
    if union_id is not None and db.session.get(SectoralUnion, union_id) is None:
        raise DomainError("organizer_required", _l("Choose the organiser."), field="organizer")
    if branch_id is not None and db.session.get(Branch, branch_id) is None:
        raise DomainError("organizer_required", _l("Choose the organiser."), field="organizer")
    if actor.is_admin:
        return
    unions, branches = coordinated(actor)
    if not ((union_id is not None and union_id in unions)
            or (branch_id is not None and branch_id in branches)):
        raise DomainError(
            "organizer_forbidden",
            _l("You can organise events only for your own union or branch."),
            field="organizer",
        )


def organizer_of(actor: User, value: str | None, event: Event | None) -> tuple[int | None,
                                                                                int | None]:
    union_id, branch_id = parse_organizer(value)
    if event is None or (union_id, branch_id) != (event.organizer_union_id,
                                                  event.organizer_branch_id):
        check_organizer(actor, union_id, branch_id)
    return union_id, branch_id
