"""Issue 11, item 3: upload bombs (a small XLSX that unpacks to millions of shared strings,
one huge cell, a 16,384-column sheet, a zip of many or lying members) are refused in under
a second with peak memory under 100 MB, by the one bounded reader every upload uses
(nominations, organisations); good workbooks still read."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest

from school.core.sheets import read_table
from school.core.upload_limits import Limits, UploadRefused
from school.enrollment import nominations
from school.orgs import importer

WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>full_name</t></is></c>'
              '<c r="B1" t="inlineStr"><is><t>email</t></is></c></row>')


def workbook(sheet_body: str, *, shared: bytes | None = None, dimension: str = "",
             extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        z.writestr("xl/worksheets/sheet1.xml",
                   f"<worksheet {NS}>{dim}<sheetData>{sheet_body}</sheetData></worksheet>")
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def shared_strings(count: int) -> bytes:
    return (f"<sst {NS}>".encode() + b"<si><t>a</t></si>" * count + b"</sst>")


def _run(call):
    try:
        return call()
    except Exception as e:  # the refusal is the result
        return e


def measured(call):
    """(result or exception, seconds, peak MB of Python allocations): timed on its own,
    since tracing allocations slows the run down."""
    started = time.perf_counter()
    result = _run(call)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        _run(call)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak / 1e6


def bombs() -> dict[str, bytes]:
    return {
        # ~125 KB that unpacks to 3 million shared strings (51 MB of XML).
        "shared_strings": workbook(HEADER_ROW, shared=shared_strings(3_000_000)),
        # One inline cell of 200 million characters in ~200 KB.
        "huge_cell": workbook(HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>'
                              + "x" * 200_000_000 + "</t></is></c></row>"),
        # A sheet that claims 16,384 columns and a million rows (readers pad every row).
        "dimension": workbook(HEADER_ROW, dimension="A1:XFD1048576"),
        # A cell far to the right, without a dimension to warn.
        "far_column": workbook(HEADER_ROW + '<row r="2"><c r="XFD2"><v>1</v></c></row>'),
        # Thousands of members, and one big member nested deep inside.
        "many_members": workbook(HEADER_ROW, extra={f"d/{i}.xml": b"x" for i in range(3000)}),
        "deep_member": workbook(HEADER_ROW, extra={
            "/".join(["d"] * 100) + "/bomb.bin": b"\0" * 300_000_000}),
    }


@pytest.fixture(scope="module")
def bomb_files():
    return bombs()


@pytest.mark.parametrize("name", ["shared_strings", "huge_cell", "dimension", "far_column",
                                  "many_members", "deep_member"])
def test_bombs_are_refused_fast_and_small(app, bomb_files, name):
    data = bomb_files[name]
    assert len(data) < 1_000_000
    with app.test_request_context():
        result, seconds, peak_mb = measured(lambda: nominations.read_table(data))
    rows, errors = result
    assert rows == [] and errors, name
    assert seconds < 1.0, (name, seconds)
    assert peak_mb < 100, (name, peak_mb)


@pytest.mark.parametrize("name", ["shared_strings", "huge_cell", "dimension"])
def test_organisation_import_refuses_them_too(app, bomb_files, name):
    with app.test_request_context():
        result, seconds, peak_mb = measured(lambda: importer.read_rows(bomb_files[name]))
    assert result[0] == [] and result[1]
    assert seconds < 1.0 and peak_mb < 100


@pytest.mark.parametrize("name", ["shared_strings", "huge_cell", "dimension"])
def test_commission_upload_refuses_them_too(app, bomb_files, name):
    from school.commissions import importer as commissions

    with app.test_request_context():
        result, seconds, peak_mb = measured(lambda: commissions.read_table(bomb_files[name]))
    assert result[0] == [] and result[1]
    assert seconds < 1.0 and peak_mb < 100


def test_dates_in_a_workbook_are_dates():
    from datetime import date, datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Начало", "Часы"])
    ws.append([date(2025, 3, 1), 5])
    ws.append([datetime(2024, 1, 2, 10, 30), 1.5])
    out = io.BytesIO()
    wb.save(out)
    assert read_table(out.getvalue(), Limits(rows=5, columns=5))[1:] == [
        (2, [datetime(2025, 3, 1), 5]), (3, [datetime(2024, 1, 2, 10, 30), 1.5])]


# Without the zip directory's checks (limits lifted), the streaming counters still stop.
OPEN_ZIP = Limits(rows=2000, columns=20, cell=500, unpacked=10**12, ratio=10**9,
                  members=10**6)


@pytest.mark.parametrize(("name", "code"), [
    ("shared_strings", "upload.too_much_text"),
    ("huge_cell", "upload.cell_too_long"),
    ("dimension", "upload.too_many_columns"),
    ("far_column", "upload.too_many_columns"),
])
def test_streaming_limits_stop_each_bomb_by_themselves(bomb_files, name, code):
    result, seconds, peak_mb = measured(lambda: read_table(bomb_files[name], OPEN_ZIP))
    assert isinstance(result, UploadRefused) and result.code == code
    assert seconds < 1.0 and peak_mb < 100


def test_too_many_distinct_strings_and_rows():
    strings = f"<sst {NS}>".encode() + b"".join(
        f"<si><t>{i}</t></si>".encode() for i in range(60_000)) + b"</sst>"
    limits = Limits(rows=2000, columns=20, text=10**9)
    with pytest.raises(UploadRefused) as caught:
        read_table(workbook(HEADER_ROW, shared=strings), limits)
    assert caught.value.code == "upload.too_much_text"
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, 2100))
    with pytest.raises(UploadRefused) as caught:
        read_table(workbook(HEADER_ROW + rows), limits)
    assert caught.value.code == "upload.too_many_rows"


def test_a_lying_zip_directory_gains_nothing():
    """A member that declares a small size but holds more is cut at the declared size and
    refused by its checksum."""
    data = bytearray(workbook(HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>'
                              + "x" * 5_000_000 + "</t></is></c></row>"))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # Patch the unpacked size declared in the central directory to 1,000 bytes.
    start = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02"))
    header = start - 46  # the fixed part of a central directory entry
    assert data[header:header + 4] == b"PK\x01\x02"
    data[header + 24:header + 28] = (1000).to_bytes(4, "little")
    assert info.file_size > 1000
    with pytest.raises(UploadRefused) as caught:
        read_table(bytes(data), Limits(rows=2000, columns=20, cell=10**7, text=10**8))
    assert caught.value.code in ("upload.unreadable", "upload.cell_too_long")


def test_csv_limits():
    limits = Limits(rows=3, columns=4, cell=10)
    with pytest.raises(UploadRefused) as caught:
        read_table(b"a,b\n" + b"x," * 10 + b"y\n", limits)
    assert caught.value.code == "upload.too_many_columns"
    with pytest.raises(UploadRefused) as caught:
        read_table(b"a,b\n" + b"x" * 11 + b",y\n", limits)
    assert caught.value.code == "upload.cell_too_long"
    with pytest.raises(UploadRefused) as caught:
        read_table(b"a,b\n" + b"x,y\n" * 5, limits)
    assert caught.value.code == "upload.too_many_rows"
    assert read_table(b"a,b\n\nx,y\n", limits) == [(1, ["a", "b"]), (3, ["x", "y"])]


def test_a_real_workbook_reads_with_types_and_line_numbers():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ФИО", "ИИН", "Доля", "Да"])
    ws.append([])
    ws.append(["Ким Ольга", 20731500813, 0.5, True])
    ws.cell(row=4, column=3, value="третья")
    out = io.BytesIO()
    wb.save(out)
    assert read_table(out.getvalue(), Limits(rows=10, columns=5)) == [
        (1, ["ФИО", "ИИН", "Доля", "Да"]),
        (3, ["Ким Ольга", 20731500813, 0.5, True]),
        (4, [None, None, "третья"]),
    ]


def test_upload_page_refuses_a_bomb_and_keeps_nothing(client, login, make_event, people, app,
                                                      bomb_files):
    from pathlib import Path

    event = make_event()
    login(people["coord_a"])
    uploads = Path(app.instance_path) / "uploads"
    before = set(uploads.glob("nominations-*")) if uploads.exists() else set()
    started = time.perf_counter()
    response = client.post(f"/events/{event.id}/nominate/upload",
                           data={"file": (io.BytesIO(bomb_files["dimension"]), "l.xlsx")},
                           content_type="multipart/form-data")
    assert time.perf_counter() - started < 2
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "nominate/confirm" not in page
    assert "alert" in page
    assert not uploads.exists() or set(uploads.glob("nominations-*")) == before


def _damaged(data: bytes, member: str, how: str) -> bytes:
    """`data` with one member's bytes or its header corrupted."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    header = info.header_offset
    name_len, extra_len = int.from_bytes(out[header + 26:header + 28], "little"), \
        int.from_bytes(out[header + 28:header + 30], "little")
    body = header + 30 + name_len + extra_len
    if how == "stream":  # a corrupt deflate stream: zlib.error
        for i in range(body, body + min(info.compress_size, 16)):
            out[i] ^= 0xFF
    else:  # an unknown compression method: NotImplementedError
        out[header + 8:header + 10] = (99).to_bytes(2, "little")
        central = bytes(out).find(b"PK\x01\x02")
        while bytes(out[central + 46:central + 46 + len(member)]) != member.encode():
            central = bytes(out).find(b"PK\x01\x02", central + 4)
        out[central + 10:central + 12] = (99).to_bytes(2, "little")
    return bytes(out)


@pytest.mark.parametrize("how", ["stream", "method"])
def test_a_damaged_workbook_is_refused_not_a_500(how):
    """The security review: flipped bytes in an XLSX raised zlib.error (or
    NotImplementedError) past the reader: a 500 on every upload."""
    good = workbook(HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>Асанова'
                    '</t></is></c></row>')
    assert read_table(good, Limits())  # the intact one reads
    with pytest.raises(UploadRefused) as e:
        read_table(_damaged(good, "xl/worksheets/sheet1.xml", how), Limits())
    assert e.value.code == "upload.unreadable"
