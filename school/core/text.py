"""Text typed or uploaded by people, made safe to store and show on one line."""

from __future__ import annotations


def one_line(value, limit: int | None = None) -> str:
    """`value` as one printable line.

    Every run of white space (line breaks and tabs included) becomes one space; other
    characters that do not print (NUL, control characters, format marks such as bidi
    controls) are dropped; the ends are trimmed, then the text is cut at `limit`. None gives
    "", any other value is read as str() (spreadsheet cells). Callers that store NULL for
    nothing write `one_line(x, 200) or None`.
    """
    if value is None:
        return ""
    kept = "".join(c for c in str(value) if c.isprintable() or c.isspace())
    text = " ".join(kept.split())
    return text if limit is None else text[:limit]
