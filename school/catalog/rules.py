"""Checks and cleaners the catalogue's services share: text on one line, dates within the
calendar's years, an event that can still change, a refusal collected by Problems."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from school.catalog.models import Event
from school.core.text import one_line
from school.errors import DomainError


def clean(value: str | None, limit: int = 300) -> str | None:
    """Printable text on one line, trimmed; None when empty."""
    return one_line(value, limit) or None


def clean_text(value: str | None, limit: int = 20_000) -> str | None:
    text = "\n".join(line.rstrip() for line in (value or "").replace("\r", "").split("\n"))
    return text.strip()[:limit] or None


def enum_choice(cls, value, field_name: str):
    try:
        return cls(value)
    except ValueError:
        raise DomainError("invalid_choice", _l("Choose from the list."),
                          field=field_name) from None


# Dates outside these years are typing mistakes, and at the calendar's edges they would
# overflow when turned into instants.
FIRST_YEAR, LAST_YEAR = 2000, 2199


def check_year(day: date | None, field: str) -> None:
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DomainError("date_out_of_range",
                          _l("Enter a date between %(first)d and %(last)d.",
                             first=FIRST_YEAR, last=LAST_YEAR), field=field)


def check_editable(event: Event) -> None:
    if not event.is_editable:
        raise DomainError("event_locked",
                          _l("A completed or cancelled event can no longer be changed."))


def raise_error(error: DomainError) -> None:
    raise error


def no_sessions() -> DomainError:
    return DomainError("publish_without_sessions",
                       _l("An event cannot be published without sessions."))
