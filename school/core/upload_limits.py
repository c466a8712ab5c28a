"""The limits an uploaded table is read within, and the refusal when one is passed
(`UploadRefused`, a DomainError with a stable code): school/core/sheets.py reads CSV,
school/core/xlsx_reader.py the workbooks."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from school.errors import DomainError


@dataclass(frozen=True)
class Limits:
    rows: int = 2000  # data rows, the header not counted
    columns: int = 40
    cell: int = 1000  # characters in one cell
    unpacked: int = 64 * 1024 * 1024  # bytes, all members of the zip together
    ratio: int = 100  # unpacked / packed, for members over a megabyte
    members: int = 500
    text: int = 8_000_000  # characters of text in the whole file

    @property
    def shared_strings(self) -> int:
        return (self.rows + 1) * self.columns


class UploadRefused(DomainError):
    pass


def refuse(code: str, message) -> UploadRefused:
    return UploadRefused(f"upload.{code}", message)


def not_a_table() -> UploadRefused:
    return refuse("unreadable", _l("The file is neither a CSV text nor an Excel workbook."))


def too_many_rows(limits: Limits) -> UploadRefused:
    return refuse("too_many_rows", _l("The file has more than %(n)d rows.", n=limits.rows))


def too_many_columns(limits: Limits) -> UploadRefused:
    return refuse("too_many_columns",
                   _l("The file has more than %(n)d columns.", n=limits.columns))


def cell_too_long(limits: Limits) -> UploadRefused:
    return refuse("cell_too_long",
                   _l("A cell of the file holds more than %(n)d characters.", n=limits.cell))
