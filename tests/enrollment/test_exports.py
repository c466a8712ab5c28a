"""The formula-injection guard and the two file formats."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from school.core.exports import csv_bytes, neutralise, xlsx_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+7 701 123 45 67", "'+7 701 123 45 67"),
        ("-SUM(A1)", "'-SUM(A1)"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t'=x"),  # a tab splits the cell: the piece after it is guarded too
        ("Ахметов", "Ахметов"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (-5, -5),  # numbers are numbers, not formulas
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_has_bom_and_neutralised_cells():
    data = csv_bytes(["name", "=head"], [["=cmd|' /C calc'!A0", None], ["ok", 3]])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ['"name","\'=head"', '"\'=cmd|\' /C calc\'!A0",""', '"ok",3']


def test_xlsx_holds_no_formulas():
    """Typed text cells: inert as they are, so no apostrophe shows to the reader."""
    data = xlsx_bytes(["name"], [["=HYPERLINK(\"http://evil\")"], ["Ким"], ["+7 701"]],
                      title="a/b:c")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "abc"
    assert [c.value for c in sheet["A"]] == ["name", "=HYPERLINK(\"http://evil\")", "Ким",
                                             "+7 701"]
    assert all(c.data_type == "s" for c in sheet["A"])

