"""Spreadsheet exports that are safe to open in Excel: CSV (UTF-8 with BOM) and XLSX.

`neutralise` is the reusable guard against formula injection: a cell whose text starts
with = + - @ (or a tab / carriage return, which Excel also skips) is taken by spreadsheet
programs as a formula, so such text gets a leading apostrophe. Any feature that exports
people-entered text (rosters, reports) should pass every cell through it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """The value, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM (so Excel reads Cyrillic), every cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence, rows: Iterable[Sequence], *, title: str = "Sheet") -> bytes:
    """One sheet with a bold header row and a frozen pane, every cell neutralised."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    sheet.append([neutralise(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = [len(str(h)) for h in header]
    for row in rows:
        values = [neutralise(v) for v in row]
        sheet.append(values)
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = max(widths[i], min(60, len(str(v or ""))))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[_column_letter(i)].width = width + 2
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(data: bytes, filename: str, kind: str) -> Response:
    mimetype = "text/csv; charset=utf-8" if kind == "csv" else XLSX_MIMETYPE
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")
    return (cleaned or "Sheet")[:31]


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
