"""The Kazakh individual identification number (ИИН / ЖСН).

12 digits: YYMMDD, a century-and-sex digit (1–6), a 4-digit serial and a check digit.
Since 2013 an IIN need not match the birth date, so only the length, the digits and the
check digit make a number invalid.
"""

from __future__ import annotations

_FIRST = tuple(range(1, 12))
_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first11: str) -> int | None:
    """The check digit for 11 digits, or None when no valid IIN can start with them."""
    digits = [int(c) for c in first11]
    value = sum(w * d for w, d in zip(_FIRST, digits, strict=True)) % 11
    if value == 10:
        value = sum(w * d for w, d in zip(_SECOND, digits, strict=True)) % 11
        if value == 10:
            return None
    return value


def normalize(raw: str | None) -> str:
    """Drop the spaces and dashes people type between digit groups."""
    return "".join(ch for ch in (raw or "") if ch not in " -\u00a0\t")


def is_valid(iin: str) -> bool:
    if len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        return False
    expected = check_digit(iin[:11])
    return expected is not None and expected == int(iin[11])
