"""The roster's sortable columns (issue 12, item 7): ?sort=name|branch|org|category, minus
for descending. The confirmed list is by name unless asked otherwise; the requests keep
their arrival order unless asked; the waiting list always keeps its queue order (its
positions are the queue)."""

from __future__ import annotations

from dataclasses import replace

from school.core.sorting import Sort
from school.enrollment.queries import Roster

KEYS = {
    "name": lambda e: e.user.full_name.casefold(),
    "branch": lambda e: e.branch.name.casefold() if e.branch else None,
    "org": lambda e: e.primary_org.name.casefold() if e.primary_org else None,
    "category": lambda e: e.category.label.casefold() if e.category else None,
}
DEFAULT = "name"


ARRIVAL = Sort("")  # no column: the order requests came in


def apply(roster: Roster, value: str | None) -> tuple[Roster, Sort, Sort]:
    """The roster sorted as asked, with the sort of the confirmed list and of the requests
    (ARRIVAL unless a column was asked for)."""
    sort = Sort.parse(value, KEYS, DEFAULT)
    roster = replace(roster, confirmed=sort.sorted(roster.confirmed, KEYS))
    if not (value and value.removeprefix("-") in KEYS):
        return roster, sort, ARRIVAL
    return replace(roster, pending=sort.sorted(roster.pending, KEYS)), sort, sort
