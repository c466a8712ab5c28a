"""The steps of an event's management page each person may take.

Who sees the backstage (drafts, the management page) and the online link are rules of
school.permissions (`sees_backstage`, `sees_link`).
"""

from __future__ import annotations

from dataclasses import dataclass

from school.accounts.models import Role
from school.catalog.models import Event, EventStatus
from school.permissions import can_mark, manages_event
from school.timeutil import now


@dataclass(frozen=True)
class EventActions:
    """The steps the event's management page links to, each shown only to the people the
    step's own page lets in: the roster and nominations are staff pages (a coordinator
    sees their branches' people there), the sheet is for whoever marks attendance, and
    completion and certificates belong to the event's managers."""

    roster: bool = False
    sheet: bool = False
    complete: bool = False
    can_complete_now: bool = False  # the last session has ended
    certificates: bool = False
    nominate: bool = False
    sessions_editable: bool = False

    @property
    def any(self) -> bool:
        return self.roster or self.sheet or self.complete or self.certificates or self.nominate


def event_actions(user, event: Event, *, can_manage: bool | None = None) -> EventActions:
    if can_manage is None:
        can_manage = manages_event(user, event)
    staff = user.is_admin or user.has_role(Role.coordinator)
    status = event.status
    running = status is EventStatus.published
    return EventActions(
        roster=staff and status is not EventStatus.draft,
        sheet=status in (EventStatus.published, EventStatus.completed)
        and bool(event.sessions) and (can_manage or can_mark(user, event)),
        complete=can_manage and running,
        can_complete_now=event.has_ended(now()),
        certificates=can_manage and status is EventStatus.completed,
        nominate=staff and running,
        sessions_editable=can_manage and event.is_editable,
    )

