"""Reading uploaded tables (CSV, or the first sheet of an XLSX) within fixed limits.

Every upload (nominations, organisations, and those to come) reads through `read_table`,
within its `Limits`; the first limit passed refuses the file (`UploadRefused`, a DomainError
with a stable code: school/core/upload_limits.py). Workbooks are read by
school/core/xlsx_reader.py, which never builds more than the limits allow.
"""

from __future__ import annotations

import csv

from flask_babel import lazy_gettext as _l

from school.core import upload_limits as refusals
from school.core.imports import csv_reader
from school.core.upload_limits import Limits
from school.core.xlsx_reader import Workbook


def read_table(data: bytes, limits: Limits) -> list[tuple[int, list]]:
    """(line number, values) for every row that holds something, header included.

    CSV values are text; XLSX values are text, int, float, bool or datetime (a number in a
    date format), None for an empty cell.
    Raises UploadRefused when the file is unreadable or passes a limit.
    """
    if data[:4] == b"PK\x03\x04":
        return Workbook(data, limits).rows()
    return _csv_rows(data, limits)


def _csv_rows(data: bytes, limits: Limits) -> list[tuple[int, list]]:
    reader = csv_reader(data)
    if reader is None:
        raise refusals.not_a_table()
    rows: list[tuple[int, list]] = []
    try:
        while True:
            start = reader.line_num + 1
            values = next(reader, None)
            if values is None:
                return rows
            if not any(v.strip() for v in values):
                continue  # blank lines, and Excel's rows of bare separators
            if len(values) > limits.columns and any(v.strip() for v in
                                                    values[limits.columns:]):
                raise refusals.too_many_columns(limits)
            if any(len(v) > limits.cell for v in values):
                raise refusals.cell_too_long(limits)
            rows.append((start, values[: limits.columns]))
            if len(rows) > limits.rows + 1:
                raise refusals.too_many_rows(limits)
    except csv.Error as e:  # includes the csv module's own field size limit
        raise refusals.refuse("broken_csv", _l("The CSV file is broken near line %(n)d.",
                                                n=reader.line_num)) from e
