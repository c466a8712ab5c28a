"""How numbers, dates and names read in Kazakh, Russian and English: one place for all.

- `format_hours`: academic hours as «16» or «1,5» (never «16.00»), the decimal separator of
  the language; used by pages (Jinja filter `hours`), mails, PDFs and exports' visible text.
- `date_span`: a one-day event as one date, a range otherwise. Kazakh uses the full month
  names (Babel's CLDR abbreviations «нау.», «мам.», «мау.», «қаз.» are not what a Kazakh
  reader expects; «қаз.» even reads as «Қазақстан»).
- `collation_key` / `sort_by_name`: Kazakh and Russian alphabetical order (Ә after А,
  Қ after К, Ү after У, І after Ы), not code-point order that puts every Kazakh letter after
  «я». A hand alphabet table: PyICU ships no wheels on PyPI and needs libicu headers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from babel.dates import format_interval
from babel.numbers import format_decimal

T = TypeVar("T")


def _lang(locale) -> str:
    if locale is None:
        from school.i18n_fields import current_lang

        return current_lang()
    return str(locale).split("_")[0]


# --- hours ----------------------------------------------------------------------------


def format_hours(value, locale=None) -> str:
    """16 → «16»; 1.5 → «1,5» (ru, kk) or «1.5» (en); 16.00 → «16»; None → «0»."""
    if value is None or value == "":
        return "0"
    try:
        number = Decimal(str(value)).normalize()
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return str(int(number))
    return format_decimal(number, format="0.##", locale=_lang(locale))


# --- dates ----------------------------------------------------------------------------

# Kazakh month names in the nominative, as written in dates («12 наурыз 2027 ж.»).
KK_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан")


def kk_date(day: date) -> str:
    """«2027 ж. 12 наурыз»: year first, as Kazakh official dates are written."""
    return f"{day.year} ж. {day.day} {KK_MONTHS[day.month - 1]}"


def date_span(first: date, last: date | None = None, locale=None, *,
              numeric: bool = False) -> str:
    """«12 мар. 2027 г.» for one day; «12–14 мар. 2027 г.», «2027 ж. 12–14 наурыз» else.

    `numeric` gives the documents' and letters' form, the same in both languages:
    «12.03.2027», «12.03.2027 – 14.03.2027»."""
    last = last or first
    if numeric:
        one = f"{first:%d.%m.%Y}"
        return one if first == last else f"{one} – {last:%d.%m.%Y}"
    return _date_span(first, last, _lang(locale))


@functools.lru_cache(maxsize=4096)
def _date_span(first: date, last: date, lang: str) -> str:
    # Babel matches interval skeletons on every call (about 0.4 ms); a catalogue page
    # shows the same few spans again and again.
    if lang == "kk":
        if first == last:
            return kk_date(first)
        if first.year != last.year:
            return f"{kk_date(first)} – {kk_date(last)}"
        month = KK_MONTHS[first.month - 1]
        if first.month == last.month:
            return f"{first.year} ж. {first.day}–{last.day} {month}"
        return (f"{first.year} ж. {first.day} {month} – "
                f"{last.day} {KK_MONTHS[last.month - 1]}")
    return format_interval(first, last, "yMMMMd", locale=lang)  # one day: one date


# --- alphabetical order ---------------------------------------------------------------

# The Kazakh Cyrillic alphabet (42 letters); Russian's 33 letters keep their order inside it.
_KK_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_WEIGHTS = {ch: 100 + i for i, ch in enumerate(_KK_ALPHABET)}


def collation_key(text: str | None, locale=None) -> tuple:
    """A sort key giving Kazakh / Russian dictionary order; case and punctuation only break
    ties. Digits first, then Cyrillic, then Latin and the rest. In Russian «ё» sorts as «е»."""
    lang = _lang(locale)
    primary: list[int] = []
    for ch in (text or "").casefold():
        if ch == "ё" and lang != "kk":
            ch = "е"
        if ch in _WEIGHTS:
            primary.append(_WEIGHTS[ch])
        elif ch.isdigit():
            primary.append(10 + int(ch) if ch.isascii() else 10)
        elif ch.isalpha():
            primary.append(1000 + ord(ch))
        elif ch.isspace() and primary and primary[-1] != 1:
            primary.append(1)  # a word boundary: «Ак Су» before «Акбота»
    return tuple(primary), text or ""


def sort_by_name(items: Iterable[T], name: Callable[[T], str] = str, locale=None) -> list[T]:
    """`items` in alphabetical order of `name(item)` in the language (default: current)."""
    lang = _lang(locale)
    return sorted(items, key=lambda item: collation_key(name(item), lang))
