"""The first sheet of an uploaded XLSX, read within `Limits` (school/core/sheets.py).

An XLSX is a zip of XML: 125 KB can unpack to millions of shared strings, one cell of a
gigabyte, or a sheet that claims 16,384 columns, and a general-purpose reader (openpyxl)
builds all of it in memory before the first row comes out. So the zip's directory is
checked first (members, unpacked sizes, compression ratio: nothing is unpacked yet), then
the XML is read with expat in small chunks, counting as it goes, and the first limit passed
refuses the file before the work grows.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from datetime import datetime, timedelta
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from school.core.upload_limits import (
    Limits,
    cell_too_long,
    not_a_table,
    refuse,
    too_many_columns,
    too_many_rows,
)

CHUNK = 64 * 1024
_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")
_DIMENSION = re.compile(r"([A-Z]{1,3})?(\d{1,7})?(?::([A-Z]{1,3})(\d{1,7}))?")


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


# What a damaged or hostile zip raises while its directory or a member is read: a corrupt
# deflate stream (zlib.error), an unknown method or version (NotImplementedError), an
# encrypted member (RuntimeError), a truncated header (struct.error), and the usual ones.
BROKEN_ZIP = (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error,
              NotImplementedError, RuntimeError, struct.error)


class Workbook:
    def __init__(self, data: bytes, limits: Limits):
        self.limits = limits
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            members = self.zip.infolist()
        except BROKEN_ZIP as e:
            raise not_a_table() from e
        self._check_directory(members)
        self.names = {m.filename for m in members}
        self.text = 0  # characters read so far, strings and cells together

    def count_text(self, n: int) -> None:
        self.text += n
        if self.text > self.limits.text:
            raise refuse("too_much_text",
                          _l("The workbook holds more text than a list of this size."))

    def _check_directory(self, members: list[zipfile.ZipInfo]) -> None:
        """Refuse a bomb from the zip's directory alone, before unpacking anything.

        The sizes it declares are enforced again while reading (zipfile stops a member at
        its declared size and checks its CRC), so a lying directory gains nothing."""
        limits = self.limits
        too_big = refuse("too_big", _l("The workbook unpacks to more than the upload limit."))
        if len(members) > limits.members:
            raise too_big
        if sum(m.file_size for m in members) > limits.unpacked:
            raise too_big
        for m in members:
            if m.file_size > 1024 * 1024 and m.file_size > limits.ratio * max(m.compress_size, 1):
                raise too_big

    def _stream(self, name: str, parser) -> None:
        """Feed one member to `parser` a chunk at a time; a DTD (entity tricks) is refused."""
        def no_doctype(*_args):
            raise not_a_table()

        parser.StartDoctypeDeclHandler = no_doctype
        parser.EntityDeclHandler = no_doctype
        try:
            with self.zip.open(name) as member:
                while chunk := member.read(CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except (expat.ExpatError, *BROKEN_ZIP) as e:
            raise not_a_table() from e

    def _first_sheet(self) -> str:
        """The path of the workbook's first sheet, through workbook.xml and its rels."""
        first: dict[str, str] = {}
        targets: dict[str, str] = {}

        def sheet_start(name, attrs):
            if name.endswith(" sheet") and not first:
                rid = next((v for k, v in attrs.items() if k.endswith(" id")), "")
                first["rid"] = rid

        def rel_start(name, attrs):
            if name.endswith(" Relationship"):
                targets[attrs.get("Id", "")] = attrs.get("Target", "")

        for member, handler in (("xl/workbook.xml", sheet_start),
                                ("xl/_rels/workbook.xml.rels", rel_start)):
            if member in self.names:
                parser = expat.ParserCreate(namespace_separator=" ")
                parser.StartElementHandler = handler
                self._stream(member, parser)
        target = targets.get(first.get("rid", ""), "")
        if target:
            path = (target.lstrip("/") if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target)))
            if path in self.names:
                return path
        if "xl/worksheets/sheet1.xml" in self.names:
            return "xl/worksheets/sheet1.xml"
        raise not_a_table()

    def _date_styles(self) -> tuple[set[int], bool]:
        """(indices of cell styles that show a date, whether the 1904 date system is used)."""
        custom: dict[int, str] = {}
        formats: list[int] = []
        flags = {"in_xfs": False, "1904": False}

        def styles_start(name, attrs):
            local = name.rsplit(" ", 1)[-1]
            if local == "numFmt":
                key = attrs.get("numFmtId", "")
                if key.isdigit():
                    custom[int(key)] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                flags["in_xfs"] = True
            elif local == "xf" and flags["in_xfs"]:
                if len(formats) > 10_000:
                    raise not_a_table()
                try:
                    formats.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    formats.append(0)

        def styles_end(name):
            if name.rsplit(" ", 1)[-1] == "cellXfs":
                flags["in_xfs"] = False

        def book_start(name, attrs):
            if name.endswith(" workbookPr"):
                flags["1904"] = attrs.get("date1904", "") in ("1", "true")

        for member, start, end in (("xl/styles.xml", styles_start, styles_end),
                                   ("xl/workbook.xml", book_start, None)):
            if member in self.names:
                parser = expat.ParserCreate(namespace_separator=" ")
                parser.StartElementHandler = start
                if end is not None:
                    parser.EndElementHandler = end
                self._stream(member, parser)
        dates = {n for n, fmt in enumerate(formats)
                 if 14 <= fmt <= 22 or 45 <= fmt <= 47
                 or (fmt in custom and _DATE_CODE.search(_QUOTED.sub("", custom[fmt])))}
        return dates, flags["1904"]

    def _shared_strings(self) -> list[str]:
        limits = self.limits
        strings: list[str] = []
        state = {"depth": 0, "in_t": False, "phonetic": 0}
        parts: list[str] = []
        size = [0]

        def start(name, _attrs):
            local = name.rsplit(" ", 1)[-1]
            if local == "si":
                parts.clear()
                size[0] = 0
            elif local in ("rPh", "phoneticPr"):
                state["phonetic"] += 1
            elif local == "t" and not state["phonetic"]:
                state["in_t"] = True

        def end(name):
            local = name.rsplit(" ", 1)[-1]
            if local == "si":
                strings.append("".join(parts))
                if len(strings) > limits.shared_strings:
                    raise refuse("too_much_text",
                                  _l("The workbook holds more text than a list of this size."))
            elif local in ("rPh", "phoneticPr"):
                state["phonetic"] -= 1
            elif local == "t":
                state["in_t"] = False

        def text(data):
            if state["in_t"]:
                self.count_text(len(data))
                size[0] += len(data)
                if size[0] > limits.cell:
                    raise cell_too_long(limits)
                parts.append(data)

        if "xl/sharedStrings.xml" not in self.names:
            return strings
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = text
        self._stream("xl/sharedStrings.xml", parser)
        return strings

    def rows(self) -> list[tuple[int, list]]:
        sheet = self._first_sheet()  # before the strings: a file without one costs nothing
        reader = _SheetReader(self, self._shared_strings())
        reader.date_styles, reader.date1904 = self._date_styles()
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = reader.start
        parser.EndElementHandler = reader.end
        parser.CharacterDataHandler = reader.text
        self._stream(sheet, parser)
        return reader.rows


class _SheetReader:
    """expat handlers for one worksheet: rows of typed values, limits checked per event."""

    def __init__(self, book: Workbook, strings: list[str]):
        self.book = book
        self.limits = book.limits
        self.strings = strings
        self.rows: list[tuple[int, list]] = []
        self.line = 0
        self.values: list = []
        self.cell: dict | None = None
        self.text_parts: list[str] = []
        self.text_size = 0
        self.capture = False
        self.date_styles: set[int] = set()
        self.date1904 = False

    def start(self, name, attrs):
        local = name.rsplit(" ", 1)[-1]
        if local == "dimension":
            self._dimension(attrs.get("ref", ""))
        elif local == "row":
            r = attrs.get("r", "")
            self.line = int(r) if r.isdigit() else self.line + 1
            self.values = []
        elif local == "c":
            match = _REF.fullmatch(attrs.get("r", ""))
            column = _column(match.group(1)) if match else len(self.values) + 1
            style = attrs.get("s", "0")
            self.cell = {"column": column, "type": attrs.get("t", "n"),
                         "style": int(style) if style.isdigit() else 0}
            self.text_parts, self.text_size = [], 0
        elif local in ("v", "t") and self.cell is not None:
            self.capture = True

    def text(self, data):
        if self.capture:
            self.book.count_text(len(data))
            self.text_size += len(data)
            if self.text_size > self.limits.cell:
                raise cell_too_long(self.limits)
            self.text_parts.append(data)

    def end(self, name):
        local = name.rsplit(" ", 1)[-1]
        if local in ("v", "t"):
            self.capture = False
        elif local == "c" and self.cell is not None:
            self._store(self.cell, "".join(self.text_parts))
            self.cell = None
        elif local == "row":
            if any(v not in (None, "") for v in self.values):
                self.rows.append((self.line, self.values))
                if len(self.rows) > self.limits.rows + 1:
                    raise too_many_rows(self.limits)
            self.values = []

    def _dimension(self, ref: str) -> None:
        """A sheet that claims more columns or rows than a list may hold is refused before
        its first row (readers pad every row to the claimed width)."""
        match = _DIMENSION.fullmatch(ref.upper())
        if not match:
            return
        last_col = match.group(3) or match.group(1)
        last_row = match.group(4) or match.group(2)
        if last_col and _column(last_col) > self.limits.columns:
            raise too_many_columns(self.limits)
        # Blank rows are allowed between the data, within reason.
        if last_row and int(last_row) > 10 * (self.limits.rows + 1) + 1000:
            raise too_many_rows(self.limits)

    def _store(self, cell: dict, raw: str) -> None:
        column = cell["column"]
        if column > self.limits.columns:
            if raw.strip():
                raise too_many_columns(self.limits)
            return
        kind = cell["type"]
        value: object
        if kind == "s":
            try:
                value = self.strings[int(raw)]
            except (ValueError, IndexError) as e:
                raise not_a_table() from e
        elif kind in ("inlineStr", "str"):
            value = raw
        elif kind == "b":
            value = raw.strip() == "1"
        elif kind == "e" or not raw.strip():
            value = None
        else:
            value = _number(raw)
            if cell["style"] in self.date_styles and isinstance(value, int | float):
                value = _date(value, self.date1904)
        while len(self.values) < column - 1:
            self.values.append(None)
        if len(self.values) >= column:  # a repeated reference: keep the first
            return
        self.values.append(value)


_DATE_CODE = re.compile(r"[dmyhs]", re.I)
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')  # literal text and [colours] in a format


def _date(serial: float, date1904: bool):
    """Excel's day number as a datetime (the 1900 system counts a 29 February 1900 that
    never was); an absurd one stays a number."""
    if not 0 <= serial < 2_958_466:
        return serial
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    return base + timedelta(days=serial)


def _number(raw: str):
    try:
        number = float(raw)
    except ValueError:
        return raw
    if number.is_integer() and abs(number) < 2**63:
        return int(number)
    return number
