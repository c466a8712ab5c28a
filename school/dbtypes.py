"""Column types shared by every feature."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, Index, TypeDecorator, text


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over only the rows that match `where` (SQL), the same on PostgreSQL and
    SQLite: "one valid certificate per enrolment" is a unique one over the unrevoked rows."""
    return Index(name, *columns, unique=unique, sqlite_where=text(where),
                 postgresql_where=text(where))


class LabelledEnum(enum.StrEnum):
    """A value stored as a short string, with the words people see for it.

    Members are declared `confirmed = "confirmed", _l("Confirmed")`: the string is the value
    (stored as before: the column type and its CHECK constraint do not change), the lazy
    label is `lazy_label` (for form fields built at import time) and `label` is it
    translated for the current reader.
    """

    lazy_label: Any

    def __new__(cls, value: str, label: Any = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.lazy_label = value if label is None else label
        return member

    @property
    def label(self) -> str:
        # A plain lazy_gettext label is looked up in the request's catalogue directly: a
        # sheet shows hundreds of labels, and str() of a lazy string takes Flask-Babel's
        # slow path (the catalogue found afresh for each) (issue 15).
        from flask_babel import gettext

        lazy = self.lazy_label
        if getattr(lazy, "_func", None) is gettext and len(lazy._args) == 1 \
                and not lazy._kwargs:
            from school import current_translations

            return current_translations().ugettext(lazy._args[0])
        return str(lazy)

    @classmethod
    def labels(cls) -> dict[LabelledEnum, Any]:
        """Every member with its lazy label, in order (for pages that list them all)."""
        return {member: member.lazy_label for member in cls}

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        """(value, lazy label) of every member in order, for a select field."""
        return [(member.value, member.lazy_label) for member in cls]


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enum stored as a short string with a CHECK constraint, same on SQLite and PG."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class UTCDateTime(TypeDecorator):
    """An instant, always stored and returned as an aware UTC datetime.

    SQLite keeps no offset, so naive values coming back are UTC by construction; naive
    values going in are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
