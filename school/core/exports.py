"""Spreadsheet exports that are safe to open in Excel: CSV (UTF-8 with BOM) and XLSX.

CSV: every text field is quoted, and passed through `neutralise`. A spreadsheet splits a
line on `,` — or on `;` with Russian and Kazakh regional settings, or on tabs — and may
ignore the quotes while doing it, so any piece that would start with = + - @ after such a
split runs as a formula: the field's start and every piece after a separator get an
apostrophe in front of the trigger.

XLSX: cells are typed, and a text cell is inert whatever it starts with, so text is written
as it is (an apostrophe would show to the reader): `xlsx_cell` only drops the control
characters the format refuses and keeps text that starts with = a text cell (openpyxl
would otherwise store it as a formula). Numbers (int, float, Decimal) are number cells;
a `date` is a date cell shown dd.mm.yyyy, an aware `datetime` a date-time cell in Almaty
time shown dd.mm.yyyy hh:mm, a `Percent` a number formatted as a percentage. IINs and
phone numbers are passed as str, so they stay text (a leading 0 kept). In CSV the same
values come out as ISO dates (Almaty time) and plain numbers, which a spreadsheet reads
as dates and numbers too.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import Response

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A trigger after a separator (or a line break), with spaces or quotes between: the piece a
# spreadsheet would make of it after splitting starts a formula.
_SPLIT_TRIGGER = re.compile(r"([,;\t\r\n][ \"]*)(?=[=+\-@])")
_LEADING_TRIGGER = re.compile(r"^[ \"]*[=+\-@\t\r\n]")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # refused inside XLSX
_WIDTH_SAMPLE = 200  # rows looked at to size the columns
DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"


@dataclass(frozen=True, slots=True)
class Percent:
    """A share in percent points (87.5 means 87.5 %): the CSV keeps the number as it is,
    an XLSX cell holds the fraction (0.875) formatted as a percentage."""

    points: int | float | Decimal
    digits: int = 0

    def __str__(self) -> str:
        return f"{self.points}%"


def percent(points, digits: int = 0) -> Percent | None:
    """`points` as a Percent, None (an empty cell) when there is no figure."""
    return None if points is None else Percent(points, digits)


class _Bare:
    """Text the CSV writer leaves unquoted, as it does numbers (it quotes whatever is not a
    number, and takes anything with __float__ for one). Dates go out bare so that a reader
    who imports quoted fields as text (the way to keep an IIN's leading 0) still gets dates."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __float__(self) -> float:
        raise TypeError("not a number")


def plain(value):
    """A value as the CSV writes it: dates ISO and unquoted (instants in Almaty time),
    percentages as their points; anything else unchanged."""
    from school.timeutil import to_local

    if isinstance(value, Percent):
        return value.points
    if isinstance(value, datetime):
        local = to_local(value) if value.tzinfo is not None else value
        return _Bare(local.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return _Bare(value.isoformat())
    return value


def neutralise(value):
    """A CSV field, with text that a spreadsheet would run as a formula made inert.

    Phone numbers too (+7 701 …): a spreadsheet reads "+7 701 123" as arithmetic, and a
    rule with exceptions is a rule an attacker can aim at. Numbers stay numbers.
    """
    if not isinstance(value, str):
        return value
    value = _SPLIT_TRIGGER.sub(r"\1'", _ILLEGAL.sub("", value))
    return "'" + value if _LEADING_TRIGGER.match(value) else value


def xlsx_cell(sheet, value):
    """A typed XLSX cell for `sheet` (either openpyxl mode): text stays text as written,
    numbers are numbers, dates and percentages carry their display format."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        value = _ILLEGAL.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value=None)
            cell._value, cell.data_type = value, "s"  # a string, never a formula
            return cell
        return WriteOnlyCell(sheet, value=value or None)  # "" leaves the cell empty
    if isinstance(value, Percent):
        cell = WriteOnlyCell(sheet, value=float(value.points) / 100)
        cell.number_format = "0." + "0" * value.digits + "%" if value.digits else "0%"
        return cell
    if isinstance(value, datetime):
        from school.timeutil import to_local

        # Excel has no time zones: the wall-clock time in Almaty, as the pages show it.
        local = to_local(value).replace(tzinfo=None) if value.tzinfo else value
        cell = WriteOnlyCell(sheet, value=local)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return WriteOnlyCell(sheet, value=value)


def xlsx_row(sheet, values: Iterable) -> list:
    return [xlsx_cell(sheet, v) for v in values]


def _width(value) -> int:
    if isinstance(value, datetime):
        return len("00.00.0000 00:00")
    if isinstance(value, date):
        return len("00.00.0000")
    return len(str(value if value is not None else ""))


def sheet_title(text: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "", str(text)).strip()
    return (cleaned or "Sheet")[:31]


def csv_bytes(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM (so Excel shows Cyrillic and Kazakh), every text field quoted and
    neutralised, numbers and dates bare."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(plain(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence, rows: Iterable[Sequence], *, title: str = "Sheet",
               freeze: str = "A2") -> bytes:
    """One sheet with a bold, frozen header row, streamed: memory stays flat however many
    rows (openpyxl's write-only mode), columns sized from the first rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = iter(rows)
    sample = [list(row) for row in itertools.islice(rows, _WIDTH_SAMPLE)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    widths = [len(str(h)) for h in header]
    for row in sample:
        for i, v in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], min(60, _width(v)))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width + 2
    sheet.freeze_panes = freeze
    bold = Font(bold=True)
    head = []
    for h in header:
        cell = xlsx_cell(sheet, h)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in itertools.chain(sample, rows):
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(data: bytes, filename: str, kind: str) -> Response:
    # Flask adds "; charset=utf-8" to text types itself.
    mimetype = "text/csv" if kind == "csv" else XLSX_MIMETYPE
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
