"""File names inside an event's certificate ZIP: the holder and the registry number
(«Әбілқайырова Айгерім Нұрланқызы_ФПРК-2026-000123.pdf»), safe on every system."""

from __future__ import annotations

import re
import unicodedata

from school.core.text import one_line

MAX_STEM = 120
# Windows refuses these in a name; "/" and "\" would make folders; controls are noise.
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
             *(f"LPT{n}" for n in range(1, 10))}


def safe_part(text: str | None) -> str:
    """Letters of any script kept (NFC, so Kazakh letters stay one character each), unsafe
    characters and runs of spaces folded, no leading dots or trailing dots and spaces."""
    text = unicodedata.normalize("NFC", text or "")
    text = _UNSAFE.sub(" ", text)
    text = one_line(text).strip(" .")
    return "" if text.upper() in _RESERVED else text


def archive_name(holder: str | None, number: str, taken: set[str]) -> str:
    """`holder_number.pdf`, unique among `taken` (which it joins; compared without case)."""
    number_part = safe_part(number) or "certificate"
    holder_part = safe_part(holder)[: max(0, MAX_STEM - len(number_part) - 1)].rstrip(" .")
    stem = f"{holder_part}_{number_part}" if holder_part else number_part
    name, n = f"{stem}.pdf", 1
    while name.casefold() in taken:
        n += 1
        name = f"{stem} ({n}).pdf"
    taken.add(name.casefold())
    return name
