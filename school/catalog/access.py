"""Who sees what of an event: the backstage (drafts, the management page), the online link,
and the steps of the management page each person may take."""

from __future__ import annotations

from dataclasses import dataclass

from school.accounts.models import Role
from school.catalog import hooks
from school.catalog.models import Event, EventStatus
from school.permissions import manages_event, teaches
from school.timeutil import now


def can_see_backstage(user, event: Event) -> bool:
    """Managers and the event's instructors: they see drafts, the link and the event's
    management page."""
    return manages_event(user, event) or teaches(user, event)


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
    last_end = max((s.ends_at for s in event.sessions), default=None)
    return EventActions(
        roster=staff and status is not EventStatus.draft,
        sheet=status in (EventStatus.published, EventStatus.completed)
        and bool(event.sessions) and (can_manage or teaches(user, event)),
        complete=can_manage and running,
        can_complete_now=last_end is not None and last_end <= now(),
        certificates=can_manage and status is EventStatus.completed,
        nominate=staff and running,
        sessions_editable=can_manage and status in (EventStatus.draft, EventStatus.published),
    )


def can_see_link(user, event: Event, backstage: bool | None = None) -> bool:
    """The online link: confirmed participants and the event's staff only (`backstage`:
    can_see_backstage when the caller has it already)."""
    if not event.online_link:
        return False
    if backstage is None:
        backstage = can_see_backstage(user, event)
    return backstage or hooks.is_participant(user, event)
