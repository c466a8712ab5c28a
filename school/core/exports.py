"""Spreadsheet exports that are safe to open in Excel: CSV (UTF-8 with BOM) and XLSX.

Every feature that exports text people typed (rosters, attendance, reports) passes each
cell through `neutralise`: a cell starting with = + - @ (or a tab or line break, which
spreadsheets skip) would run as a formula, so it gets a leading apostrophe; control
characters that the XLSX format refuses are dropped.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence

from flask import Response

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # refused inside XLSX
_WIDTH_SAMPLE = 200  # rows looked at to size the columns


def neutralise(value):
    """The value, with text that a spreadsheet would run as a formula made inert.

    Phone numbers too (+7 701 …): a spreadsheet reads "+7 701 123" as arithmetic, and a
    rule with exceptions is a rule an attacker can aim at.
    """
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def sheet_title(text: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "", str(text)).strip()
    return (cleaned or "Sheet")[:31]


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM (so Excel shows Cyrillic and Kazakh), every cell neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence, rows: Iterable[Sequence], *, title: str = "Sheet",
               freeze: str = "A2") -> bytes:
    """One sheet with a bold, frozen header row, streamed: memory stays flat however many
    rows (openpyxl's write-only mode), columns sized from the first rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = iter(rows)
    sample = [[neutralise(v) for v in row] for row in itertools.islice(rows, _WIDTH_SAMPLE)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    widths = [len(str(h)) for h in header]
    for row in sample:
        for i, v in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], min(60, len(str(v if v is not None else ""))))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width + 2
    sheet.freeze_panes = freeze
    bold = Font(bold=True)
    head = []
    for h in header:
        cell = WriteOnlyCell(sheet, value=neutralise(h))
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in sample:
        sheet.append(row)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(data: bytes, filename: str, kind: str) -> Response:
    # Flask adds "; charset=utf-8" to text types itself.
    mimetype = "text/csv" if kind == "csv" else XLSX_MIMETYPE
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
