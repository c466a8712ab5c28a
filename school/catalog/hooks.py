"""What the catalogue needs from the features above it, which they register when imported.

The catalogue may not import enrolment, attendance or certificates (ARCHITECTURE: catalog <
enrollment < attendance < certificates), yet its pages show the seats taken and each
person's own status, and some of its rules depend on theirs. So those features lend the
answers here, as school/core/panels.py's loaders do (their blueprints are imported by
create_app, hence before any request, command or test runs):

    @hooks.provides("confirmed_counts")          # one answer per name
    def confirmed_counts(event_ids): ...

    @hooks.refuses("remove_session")             # any number of checks per rule
    def _marked(session): ...                    # raises DomainError to refuse

The catalogue calls the functions below (`hooks.confirmed_counts(ids)`,
`hooks.check("remove_session", session)`), never the registered ones directly. What the
catalogue TELLS the other features (an event cancelled, seats added) goes out as signals
(school/signals.py) instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any


class Lent:
    """Functions a feature lends one below it by name (the last one lent wins), looked up
    when called; the borrower calls them through forwarders named like them."""

    def __init__(self, lender: str) -> None:
        self.lender = lender
        self.functions: dict[str, Callable] = {}

    def lend(self, name: str, function: Callable) -> Callable:
        self.functions[name] = function
        return function

    def __call__(self, name: str) -> Callable:
        try:
            return self.functions[name]
        except KeyError:
            raise RuntimeError(f"{name!r} is not lent: is {self.lender} imported?") from None


_PROVIDED = Lent("the enrolment feature")
_REFUSALS: dict[str, list[Callable]] = {}


def provides(name: str):
    """Register the function that answers `name` (one per name; the last one wins)."""
    return lambda function: _PROVIDED.lend(name, function)


def refuses(rule: str):
    """Add a check to the catalogue's `rule`; it raises DomainError to refuse."""
    def register(check):
        checks = _REFUSALS.setdefault(rule, [])
        if check not in checks:
            checks.append(check)
        return check
    return register


def check(rule: str, *args) -> None:
    """Run every check registered for `rule` (`offer_program`: a programme's signatories,
    before it is offered or one of its events published; `remove_session`: the session)."""
    for registered in _REFUSALS.get(rule, ()):
        registered(*args)


# --- what the enrolment feature answers (school/enrollment/receivers.py) -----------------


def confirmed_counts(event_ids: Iterable[int]) -> dict[int, int]:
    """Seats taken per event; events without any are absent."""
    return _PROVIDED("confirmed_counts")(event_ids)


def seats_left(event, counts: Mapping[int, int]) -> int:
    """Free seats of `event`, from `confirmed_counts`' answer."""
    return _PROVIDED("seats_left")(event, counts)


def branch_taken(event_id: int, branch_id: int) -> int:
    """Seats a branch holds in an event (a quota cannot go below them)."""
    return _PROVIDED("branch_taken")(event_id, branch_id)


def participates(user_id: int):
    """SQL condition on Event: the person takes part in the event (their calendar feed)."""
    return _PROVIDED("participates")(user_id)


def card_statuses(user, events: Sequence, now: datetime | None = None) -> dict[int, Any]:
    """The person's own status on each catalogue card (events they could simply enrol in
    are left out)."""
    return _PROVIDED("card_statuses")(user, events, now)


def event_panels(event, user) -> dict:
    """Every feature's panel on the event page, loaded up front (core/panels.py)."""
    return _PROVIDED("event_panels")(event, user)
