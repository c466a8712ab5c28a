"""Bulk import of branches and organisations: all rows or none, with line numbers."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from school.extensions import db
from school.orgs import importer
from school.orgs.models import Branch, PrimaryOrganization

HEADER = ("union_code,region_code,branch_kind,branch_name_ru,branch_name_kk,"
          "org_name_ru,org_name_kk,org_bin")
GOOD_ROWS = [
    "u,KZ-11,oblast,Акмолинский филиал,Ақмола филиалы,ППО школы № 1,№ 1 мектеп БКҰ,123456789012",
    "u,KZ-11,oblast,Акмолинский филиал,Ақмола филиалы,ППО больницы,Аурухана БКҰ,",
    'u,KZ-79,city,Филиал А,,"ППО ""Алатау""",,',
]


def _csv(rows, *, sep=",", bom=False) -> bytes:
    text = "\n".join([HEADER, *rows]).replace(",", sep) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _counts() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Branch)),
            db.session.scalar(select(func.count()).select_from(PrimaryOrganization)))


@pytest.fixture
def csv_file(tmp_path):
    def write(data: bytes):
        path = tmp_path / "orgs.csv"
        path.write_bytes(data)
        return str(path)

    return write


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["import-orgs", *args])


# --- the plan, service-first -------------------------------------------------------------


def test_plan_counts_new_branches_and_organisations(tree):
    report = importer.plan_import(_csv([*GOOD_ROWS, "u,KZ-79,city,Филиал А,,ППО А,,"]))
    assert report.ok, report.bad_rows
    assert [r.line for r in report.rows] == [2, 3, 4, 5]
    # «Филиал А» and «ППО А» exist already; the Akmola branch and three organisations are new.
    assert (report.new_branches, report.new_organizations) == (1, 3)
    assert [r.outcome for r in report.rows] == ["new_org", "new_org", "new_org", "exists"]


def test_existing_branch_in_another_region_is_an_error(tree):
    bad = importer.plan_import(_csv(["u,KZ-75,city,Филиал А,,ППО Новое,,"]))
    assert [r.line for r in bad.bad_rows] == [2]


@pytest.mark.parametrize(
    "row",
    [
        "nope,KZ-11,oblast,Ф,,ППО,,",  # unknown union
        "u,KZ-99,oblast,Ф,,ППО,,",  # unknown region
        "u,KZ-11,federal,Ф,,ППО,,",  # bad kind
        "u,KZ-11,oblast,Ф,,ППО,,12345",  # bad BIN
        "u,KZ-11,oblast,Ф,,ППО,,１２３４５６７８９０１２",  # BIN in full-width digits
        "u,,oblast,Ф,,ППО,,",  # empty required column
        "u,KZ-11,oblast,Акмолинский филиал,,ППО школы № 1,,",  # repeats line 2
        "u,KZ-15,oblast,Акмолинский филиал,,ППО другое,,",  # same branch, other region
    ],
)
def test_plan_reports_the_bad_line(tree, row):
    report = importer.plan_import(_csv([GOOD_ROWS[0], GOOD_ROWS[1], row]))
    assert not report.ok
    assert [r.line for r in report.bad_rows] == [4]


def test_line_numbers_count_blank_lines_and_multiline_cells(tree):
    rows = [GOOD_ROWS[0], "", 'u,KZ-11,oblast,Акмолинский филиал,,"ППО\nдвухстрочное",,',
            "u,KZ-99,oblast,Ф,,ППО,,"]
    report = importer.plan_import(_csv(rows))
    # Header 1, good row 2, blank 3, the two-line cell 4–5, the bad row 6 in any editor.
    assert [r.line for r in report.bad_rows] == [6]


def test_rows_of_bare_separators_are_skipped(tree):
    report = importer.plan_import(_csv([GOOD_ROWS[0], ";;;;;;;", ";;;;;;;"], sep=";"))
    assert report.ok, report.bad_rows
    assert len(report.rows) == 1


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", HEADER.encode(), b'union_code,region_code,branch_kind,branch_name_ru\n"'
     + b"x" * 200_000 + b'"\n', b"union_code,branch_name_ru\nu,X\n", b"\x00\x01\x02binary"],
)
def test_file_level_problems(tree, data):
    report = importer.plan_import(data)
    assert not report.ok and report.errors


def test_windows_1251_is_read(tree):
    # Kazakh letters are not in Windows-1251; a Russian-only file is.
    text = "\n".join([HEADER, "u,KZ-11,oblast,Акмолинский филиал,,ППО больницы,,"])
    data = text.encode("cp1251")
    report = importer.plan_import(data)
    assert report.ok
    assert report.rows[0].branch == "Акмолинский филиал"


# --- flask import-orgs ----------------------------------------------------------------------


@pytest.mark.parametrize(("sep", "bom"), [(",", False), (",", True), (";", True), (";", False)])
def test_cli_imports_a_good_file(app, tree, csv_file, sep, bom):
    before = _counts()
    result = _run(app, csv_file(_csv(GOOD_ROWS, sep=sep, bom=bom)))
    assert result.exit_code == 0, result.output
    assert "imported" in result.stdout
    assert _counts() == (before[0] + 1, before[1] + 3)
    names = set(db.session.scalars(select(PrimaryOrganization.name_ru)))
    assert {"ППО школы № 1", "ППО больницы", 'ППО "Алатау"'} <= names
    branch = db.session.scalar(select(Branch).where(Branch.name_ru == "Акмолинский филиал"))
    assert (branch.name_kk, branch.kind.value) == ("Ақмола филиалы", "oblast")


def test_cli_reports_the_bad_line_and_imports_nothing(app, tree, csv_file):
    before = _counts()
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], "u,KZ-11,oblast,Другой филиал,,ППО,,99", GOOD_ROWS[0]]
    result = _run(app, csv_file(_csv(rows)))
    assert result.exit_code == 1
    assert "line 4" in result.stderr
    assert "line 5" in result.stderr  # the repeated organisation
    assert "line 2:" not in result.stderr and "line 3:" not in result.stderr
    assert _counts() == before


def test_cli_dry_run_writes_nothing(app, tree, csv_file):
    before = _counts()
    result = _run(app, csv_file(_csv(GOOD_ROWS[:2])), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import: 1 branches, 2 organisations" in result.stdout
    assert _counts() == before


def test_cli_import_twice_adds_nothing_the_second_time(app, tree, csv_file):
    path = csv_file(_csv(GOOD_ROWS[:2]))
    assert _run(app, path).exit_code == 0
    counts = _counts()
    again = _run(app, path)
    assert again.exit_code == 0
    assert "imported: 0 branches, 0 organisations" in again.stdout
    assert _counts() == counts


# --- the web flow ----------------------------------------------------------------------------


def _upload(client, data: bytes):
    return client.post("/orgs/import", data={"file": (io.BytesIO(data), "orgs.csv")},
                       content_type="multipart/form-data")


def test_web_import_preview_then_confirm(client, login, make_user, tree):
    login(make_user("admin"))
    before = _counts()
    preview = _upload(client, _csv(GOOD_ROWS[:2], sep=";", bom=True))
    assert preview.status_code == 200
    assert 'action="/orgs/import/confirm"' in preview.get_data(as_text=True)
    assert _counts() == before  # a preview writes nothing

    confirm = client.post("/orgs/import/confirm")
    assert confirm.status_code == 302
    assert _counts() == (before[0] + 1, before[1] + 2)

    # The confirmation is used up.
    again = client.post("/orgs/import/confirm")
    assert again.status_code == 302
    assert _counts() == (before[0] + 1, before[1] + 2)


def test_web_import_with_a_bad_row_offers_no_confirmation(client, login, make_user, tree):
    login(make_user("admin"))
    before = _counts()
    preview = _upload(client, _csv([GOOD_ROWS[0], "u,KZ-99,oblast,Ф,,ППО,,"]))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "/orgs/import/confirm" not in html
    assert "<td>3</td>" in html
    assert client.post("/orgs/import/confirm").status_code == 302
    assert _counts() == before


# --- headers and values in three languages, the template (issue 12, item 4) --------------


def test_russian_headers_region_names_and_branch_kinds(tree):
    data = ("Код профсоюза;Код региона;Вид филиала;Название филиала (на русском);"
            "Название организации (на русском)\n"
            "u;Акмолинская область;Областной;Акмолинский филиал;ППО школы № 7\n"
            "U;kz-79;Қалалық;Филиал А;ППО завода\n").encode()
    report = importer.plan_import(data)
    assert report.ok, report.errors + [r.errors for r in report.bad_rows]
    assert (report.new_branches, report.new_organizations) == (1, 2)


def test_unknown_branch_kind_lists_the_allowed_kinds(tree, app):
    from flask_babel import force_locale

    with force_locale("ru"):
        report = importer.plan_import(_csv(["u,KZ-11,district,Филиал,,,,"]))
    message = " ".join(report.bad_rows[0].errors)
    assert "district" in message and "Городской филиал" in message


def test_import_template_opens_with_a_drop_down(client, login, make_user, tree):
    from openpyxl import load_workbook

    login(make_user("admin"))
    assert "/orgs/import/template.xlsx" in client.get("/orgs/import").get_data(as_text=True)
    response = client.get("/orgs/import/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    (validation,) = book.worksheets[0].data_validations.dataValidation
    assert validation.type == "list" and str(validation.sqref).startswith("C2:")
