"""What people type in the tables they upload, in Russian, Kazakh and English.

ONE way for every importer (nominations, organisations, commission members): the column
headers (`Column`) and the enumerated values (`Vocabulary`: participant categories, branch
kinds, ...) each accept the label shown in any of the three interface languages, the code
itself, and the abbreviations people actually write («Председатель ППО», «ППО төрағасы»,
«Зам. председателя»), compared without case, extra spaces or punctuation. The same
definitions give the downloadable templates their headers and drop-downs
(school/core/xlsx_template.py), so a template always reads back.

Here: the machinery and the columns several uploads share. A feature's own words live in
the feature: participant categories in school/accounts/vocabulary.py, branch kinds and the
organisation columns in school/orgs/vocabulary.py, the commissions register's in
school/commissions/vocabulary.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

LANGS = ("ru", "kk", "en")
_QUOTES = re.compile(r"[«»\"'“”„`()\[\]№]")
_SEPARATORS = re.compile(r"[\s_\-.,:;/\\]+")


def norm(text) -> str:
    """The comparable form of a header or a value: case, ё, quotes and punctuation dropped."""
    text = str(text if text is not None else "").casefold().replace("ё", "е")
    return _SEPARATORS.sub(" ", _QUOTES.sub(" ", text)).strip()


class Vocabulary:
    """The values of one enumeration as people write them.

    `labels` maps each member to its translated label (lazy); `extra` adds abbreviations
    and other spellings, in any language. `unknown` is the message for a value not found,
    with %(text)s and %(allowed)s (the labels in the reader's language)."""

    def __init__(self, labels: dict, extra: dict[object, Iterable[str]] | None = None, *,
                 unknown=None):
        self.labels = labels
        self.extra = {m: tuple(v) for m, v in (extra or {}).items()}
        self.unknown_message = unknown or _l("Unknown value %(text)s. Allowed values: "
                                             "%(allowed)s.")
        self._table: dict[str, object] | None = None

    def table(self) -> dict[str, object]:
        """Normalised spelling → member (built once; labels of all three languages)."""
        if self._table is None:
            table: dict[str, object] = {}
            for member, words in self.extra.items():
                for word in words:
                    table[norm(word)] = member
            for lang in LANGS:
                with force_locale(lang):
                    for member, label in self.labels.items():
                        table[norm(str(label))] = member
            for member in self.labels:
                table[norm(getattr(member, "value", member))] = member
            self._table = table
        return self._table

    def lookup(self, text):
        """The member `text` names, or None."""
        return self.table().get(norm(text)) if norm(text) else None

    def allowed(self) -> list[str]:
        """The labels in the current language, in their declared order."""
        return [str(label) for label in self.labels.values()]

    def unknown(self, text: str) -> str:
        return str(self.unknown_message % {"text": text, "allowed": "; ".join(self.allowed())})


@dataclass(frozen=True)
class Column:
    """One column of an upload: its code, its header in the reader's language, the other
    headers accepted, and (for enumerations) the vocabulary behind its drop-down."""

    key: str
    label: object  # lazy string
    aliases: tuple[str, ...] = ()
    required: bool = False
    vocabulary: Vocabulary | None = None
    hint: object | None = None  # lazy string: what to write, for the template's guidance


@dataclass
class Header:
    """The columns of one upload; maps a file's header row to column codes."""

    columns: tuple[Column, ...]
    _table: dict[str, str] = field(default_factory=dict)

    def table(self) -> dict[str, str]:
        if not self._table:
            table: dict[str, str] = {}
            for column in self.columns:
                for word in (*column.aliases, column.key):
                    table[norm(word)] = column.key
                for lang in LANGS:
                    with force_locale(lang):
                        table[norm(str(column.label))] = column.key
            self._table.update(table)
        return self._table

    def key(self, text) -> str | None:
        return self.table().get(norm(text)) if norm(text) else None

    def keys(self, row: Iterable) -> list[str | None]:
        """Column codes for a header row; a column named twice counts once (the first)."""
        seen: set[str] = set()
        keys: list[str | None] = []
        for text in row:
            key = self.key(text)
            keys.append(key if key and key not in seen else None)
            if key:
                seen.add(key)
        return keys

    def labels(self, keys: Iterable[str]) -> str:
        """Headers in the reader's language, for a message about missing columns."""
        by_key = {c.key: c for c in self.columns}
        return ", ".join(str(by_key[k].label) if k in by_key else k for k in keys)

    def people_rows(self, raw: list, required: Iterable[str], clean: Callable[[object], str],
                    max_rows: int) -> tuple[list[tuple[int, dict]], list[str]]:
        """A people upload's rows (line, {column: cleaned text}) under its header row, or
        the reasons it is refused: a required column missing, neither IIN nor e-mail (one
        of them finds the person), no row at all, more than `max_rows`."""
        if not raw:
            return [], [str(_l("The file has no rows."))]
        keys = self.keys(raw[0][1])
        missing = [self.labels([c]) for c in required if c not in keys]
        if "iin" not in keys and "email" not in keys:
            missing.append(" / ".join((self.labels(["iin"]), self.labels(["email"]))))
        if missing:
            return [], [str(_l("Missing columns: %(cols)s", cols=", ".join(missing)))]
        rows = []
        for line, values in raw[1:]:
            cells: dict[str, str] = {}
            for key, value in zip(keys, values, strict=False):
                if key and key not in cells:
                    cells[key] = clean(value)
            if any(cells.values()):
                rows.append((line, cells))
            if len(rows) > max_rows:
                return [], [str(_l("The file has more than %(n)d rows.", n=max_rows))]
        if not rows:
            return [], [str(_l("The file has no rows."))]
        return rows, []


# --- the shared tables ---------------------------------------------------------------------

# Columns several uploads share: the same headers everywhere.
FULL_NAME = Column("full_name", _l("Full name"),
                   ("fullname", "name", "фио", "ф.и.о.", "таә", "аты-жөні",
                    "тегі, аты, әкесінің аты", "Фамилия, имя, отчество", "Аты жөні"),
                   hint=_l("Surname, name and patronymic."))
EMAIL = Column("email", _l("E-mail"),
               ("e-mail", "mail", "почта", "электронная почта", "эл. почта", "эл почта",
                "электрондық пошта", "эл. пошта", "пошта", "email address"),
               hint=_l("Needed for a new account: the invitation goes there."))
IIN = Column("iin", _l("IIN"), ("иин", "жсн", "ИИН (12 цифр)", "ЖСН (12 сан)"),
             hint=_l("12 digits; an IIN or an e-mail is required."))
PHONE = Column("phone", _l("Phone"), ("телефон", "тел.", "тел", "моб. телефон",
                                      "мобильный телефон", "ұялы телефон", "mobile"),
               hint=_l("For example +7 701 123 45 67."))
PRIMARY_ORG = Column("primary_org", _l("Primary organisation"),
                     ("primary organisation", "primary organization", "organisation",
                      "organization", "ппо", "бкұ", "организация", "первичная организация",
                      "первичная профсоюзная организация", "ұйым", "бастауыш ұйым",
                      "бастауыш кәсіподақ ұйымы"),
                     hint=_l("Its exact name, as in the list of primary organisations."))
