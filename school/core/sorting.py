"""Sortable list columns (issue 12): `?sort=name` ascending, `?sort=-name` descending, only
keys from the page's whitelist (anything else falls back to its default). The header macro
is templates/core/_sort.html; its links keep the page's other filters and go back to page 1."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import nulls_last


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False

    @classmethod
    def parse(cls, value: str | None, allowed: Iterable[str], default: str) -> Sort:
        value = (value or "").strip()
        if value.removeprefix("-") not in set(allowed):
            value = default
        return cls(value.removeprefix("-"), value.startswith("-"))

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def link(self, key: str) -> str:
        """The `sort` value a click on `key`'s header asks for: the other direction when it
        is the current column, else ascending."""
        return f"-{key}" if key == self.key and not self.descending else key

    def aria(self, key: str) -> str | None:
        """aria-sort for `key`'s header: only the current column says how it is sorted."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def order_by(self, columns: Mapping[str, Sequence[Any]], *tiebreak) -> list:
        """ORDER BY clauses for a query: the key's columns (missing values last), then
        `tiebreak` for a stable order across pages."""
        return [nulls_last(c.desc() if self.descending else c.asc())
                for c in columns[self.key]] + list(tiebreak)

    def sorted(self, rows: Iterable, keys: Mapping[str, Callable[[Any], Any]]) -> list:
        """Rows already loaded, sorted in Python (rows with no value last either way)."""
        key = keys[self.key]
        present = [r for r in rows if key(r) not in (None, "")]
        missing = [r for r in rows if key(r) in (None, "")]
        return sorted(present, key=key, reverse=self.descending) + missing
