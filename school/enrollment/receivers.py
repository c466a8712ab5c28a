"""What the enrolment feature does for the catalogue, which may not import it: the answers
it lends the catalogue's pages and rules (school/catalog/hooks.py) and the catalogue's
signals it acts on. Imported by the enrolment blueprint (views.py), hence active wherever
the app is: pages, commands, workers and tests.
"""

from __future__ import annotations

from school import signals
from school.catalog import hooks
from school.catalog.models import Event
from school.enrollment import card_status, panels, queries, seats, services

hooks.provides("confirmed_counts")(seats.confirmed_counts)
hooks.provides("seats_left")(seats.seats_left)
hooks.provides("participates")(queries.participates)
hooks.provides("card_statuses")(card_status.card_statuses)
hooks.provides("event_panels")(panels.event_panels)


@hooks.provides("branch_taken")
def _branch_taken(event_id: int, branch_id: int) -> int:
    # A quota is checked against the people who hold a seat, as it always was.
    return seats.branch_taken(event_id, branch_id, held_requests=False)


@signals.event_cancelling.connect
def _cancel_enrolments(_sender=None, *, event: Event, **_kw) -> None:
    """Everyone enrolled is released and told, in the catalogue's transaction."""
    services.notify_event_cancelled(event)


@signals.seats_freed.connect
def _move_the_queue_up(_sender=None, *, event: Event, **_kw) -> None:
    seats.fill_free_seats(event)
