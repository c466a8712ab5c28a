"""Matching what people type against names and registry numbers on documents.

An HR officer checking a certificate types the holder's surname on whatever keyboard is at
hand: in any case, with Kazakh letters replaced by their Russian look-alikes (Ә→А, Қ→К, …)
or in Latin transliteration, and the number in lower case or without dashes. Both sides are
reduced to one Latin skeleton so that all of these meet; the number is still required, so a
looser match of the surname does not make guessing easier.
"""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "j", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k", "л": "l", "м": "m",
    "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ұ": "u", "ү": "u", "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}
# Latin spellings of one sound, folded the way the Cyrillic table writes it.
_LATIN = [("shch", "sh"), ("zh", "j"), ("kh", "h"), ("q", "k"), ("x", "h"), ("w", "u"),
          ("y", "i"), ("c", "ts"), ("ı", "i")]
_REPEATS = re.compile(r"(.)\1+")
_NUMBER = re.compile(r"^([A-Z]+)-?(\d{4})-?(\d{1,9})$")


def name_key(text: str) -> str:
    """A Latin skeleton of a name: case, diacritics, keyboard and transliteration folded."""
    text = (text or "").casefold()
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    for latin, folded in _LATIN:
        text = text.replace(latin, folded)
    text = re.sub(r"[^a-z ]+", "", text)
    return " ".join(_REPEATS.sub(r"\1", word) for word in text.split())


def holder_matches(given: str, holder_name: str) -> bool:
    """The typed surname (or the whole name) is the holder's, however it was typed."""
    typed, name = name_key(given), name_key(holder_name)
    return bool(typed) and typed in (name, name.split(" ")[0])


def canonical_number(text: str) -> str:
    """`fprk 2025 000123`, `FPRK2025000123` or `fprk–2025–000123` as `FPRK-2025-000123`."""
    compact = re.sub(r"[\s\u2010-\u2015_./]+", "-", (text or "").strip()).upper().strip("-")
    compact = re.sub(r"-+", "-", compact)
    match = _NUMBER.match(compact)
    if match:
        prefix, year, serial = match.groups()
        return f"{prefix}-{year}-{serial.zfill(6)}"
    return compact
