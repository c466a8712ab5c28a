"""Reading the CSV files people upload (lists of organisations, of participants)."""

from __future__ import annotations

import csv
import io


def csv_reader(data: bytes) -> csv.reader | None:
    """A csv.reader over an uploaded file, or None when it is not text.

    UTF-8 (with or without a BOM) or Windows-1251, the two encodings Excel here saves in;
    comma or semicolon, whichever the first non-blank line uses more (Excel in a Russian
    locale saves with semicolons). The reader's line_num counts lines as an editor does.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            return None
    if "\x00" in text:
        return None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
