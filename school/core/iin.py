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


def gender_from_iin(iin: str | None) -> str | None:
    """"f" or "m" from a valid IIN's 7th digit (odd: male, even: female), else None.

    The 7th digit codes century and sex: 1/3/5 male, 2/4/6 female (19th/20th/21st century).
    An invalid or missing number gives None: the caller then uses a neutral form.
    """
    value = normalize(iin)
    if not is_valid(value):
        return None
    digit = int(value[6])
    if digit in (1, 3, 5):
        return "m"
    if digit in (2, 4, 6):
        return "f"
    return None
