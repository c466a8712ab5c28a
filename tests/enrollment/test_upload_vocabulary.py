"""Uploads people can get right (issue 12, item 4): headers and categories in Russian,
Kazakh and English with their abbreviations, unknown values answered with the allowed
ones, and a template workbook that opens, has the drop-down and reads back."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from school.accounts import vocabulary
from school.accounts.models import Category
from school.enrollment import nominations
from tests.enrollment.test_nominations import make_iin


def xlsx(header: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("text", "member"), [
    ("Председатель ППО", Category.chair),
    ("  председатель   ппо ", Category.chair),
    ("ППО төрағасы", Category.chair),
    ("«ППО төрағасы»", Category.chair),
    ("Бастауыш кәсіподақ ұйымының төрағасы", Category.chair),
    ("Зам. председателя", Category.deputy_chair),
    ("ЗАМ ПРЕДСЕДАТЕЛЯ", Category.deputy_chair),
    ("Төрағаның орынбасары", Category.deputy_chair),
    ("Член профкома", Category.committee_member),
    ("Член молодежного совета", Category.youth_council),
    ("Ревкомиссия", Category.audit_commission),
    ("deputy_chair", Category.deputy_chair),
    ("Youth council member", Category.youth_council),
])
def test_category_spellings(app, text, member):
    assert vocabulary.categories().lookup(text) is member


def test_unknown_value_is_none(app):
    assert vocabulary.categories().lookup("космонавт") is None
    assert vocabulary.categories().lookup("") is None


def test_russian_headers_and_chair_abbreviation_preview_clean(make_event, people, tree):
    event = make_event()
    data = xlsx(["Ф.И.О.", "Электронная почта", "ИИН", "Телефон", "Первичная организация",
                 "Категория"],
                [["Нурланова Айгерим", "aigerim@example.kz", make_iin(31),
                  "+7 702 000 00 00", "ППО А", "Председатель ППО"]])
    report = nominations.plan(event, data, people["coord_a"])
    assert report.ok, report.errors + [r.errors for r in report.rows]
    assert report.rows[0].category is Category.chair


def test_kazakh_headers_and_chair_abbreviation_preview_clean(make_event, people, tree):
    event = make_event()
    data = ("ТАӘ;Электрондық пошта;ЖСН;Телефон;БКҰ;Санат\n"
            f"Сейітов Ерлан;erlan@example.kz;{make_iin(32)};;ППО А;ППО төрағасы\n"
            f"Ахметова Дана;dana@example.kz;{make_iin(33)};;ППО А;Зам. председателя\n"
            ).encode()
    report = nominations.plan(event, data, people["coord_a"])
    assert report.ok, report.errors + [r.errors for r in report.rows]
    assert [r.category for r in report.rows] == [Category.chair, Category.deputy_chair]


def test_unknown_category_lists_the_allowed_values_in_the_readers_language(
        make_event, people, app):
    event = make_event()
    data = ("full_name,email,category\n"
            "Гусев Гусь,gus@example.kz,космонавт\n").encode()
    with force_locale("ru"):
        report = nominations.plan(event, data, people["coord_a"])
        message = " ".join(report.rows[0].errors)
        allowed = vocabulary.categories().allowed()
    assert not report.ok
    assert "космонавт" in message
    assert allowed and all(label in message for label in allowed)
    assert "Казначей" in message  # the Russian labels, not the codes
    with force_locale("kk"):
        report = nominations.plan(event, data, people["coord_a"])
    assert "Қазынашы" in " ".join(report.rows[0].errors)


def test_missing_column_is_named_in_the_readers_language(make_event, people, app):
    event = make_event()
    with force_locale("ru"):
        report = nominations.plan(event, b"phone,category\n1,chair\n", people["coord_a"])
    assert "ФИО" in report.errors[0]


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_template_opens_has_the_drop_down_and_reads_back(
        client, login, make_event, people, tree, lang):
    event = make_event()
    login(people["coord_a"])
    client.get(f"/lang/{lang}")
    page = client.get(f"/events/{event.id}/nominate")
    url = f"/events/{event.id}/nominate/template.xlsx"
    assert url in page.get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    data = book.worksheets[0]
    header = [c.value for c in data[1]]
    assert data.max_row == 1  # no example row: it would be read as data
    with force_locale(lang):
        expected = nominations.column_labels()
        allowed = vocabulary.categories().allowed()
    assert header == expected
    assert all(c.comment is not None for c in data[1])  # what to write, per header
    validations = data.data_validations.dataValidation
    assert len(validations) == 1 and validations[0].type == "list"
    category_letter = "ABCDEF"[header.index(expected[-1])]
    assert str(validations[0].sqref).startswith(f"{category_letter}2:")
    sheet, cells = validations[0].formula1.split("!")
    listed = [c.value for row in book[sheet.strip("'")][cells.replace("$", "")] for c in row]
    assert listed == allowed
    guide = book.worksheets[1]
    assert guide.max_row > len(expected)
    # Filled in and uploaded, the template previews clean.
    data.append(["Серікова Сәуле", "saule@example.kz", make_iin(34), "", "ППО А",
                 allowed[0]])
    out = io.BytesIO()
    book.save(out)
    report = nominations.plan(event, out.getvalue(), people["coord_a"])
    assert report.ok, report.errors + [r.errors for r in report.rows]
    assert report.rows[0].category is Category.chair


def test_template_of_a_hidden_event_is_404(client, login, make_event, people):
    event = make_event(status="draft")
    login(people["coord_b"])
    assert client.get(f"/events/{event.id}/nominate/template.xlsx").status_code == 404
