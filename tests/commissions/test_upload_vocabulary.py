"""The members upload takes Kazakh and Russian headers and values, names the allowed values
of an unknown one, and offers a template with drop-downs (issue 12, item 4)."""

from __future__ import annotations

import io

from flask_babel import force_locale
from openpyxl import load_workbook

from school.commissions import importer
from school.commissions.models import BodyKind, MemberRole, Side


def test_kazakh_headers_and_values_preview_clean(org_tree, make_user):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    make_user(branch=org_tree["a"], iin="850425300126")
    data = ("Ұйым;Орган;Рөлі;ЖСН;Электрондық пошта;Басталуы;Аяқталуы;Тарап\n"
            "ППО А;Келісу комиссиясы;Төраға;850425300126;;01.02.2025;;Жұмыс беруші\n"
            ).encode()
    report = importer.plan(data, coordinator)
    assert report.ok, report.errors + [r.errors for r in report.rows]
    (row,) = report.rows
    assert (row.kind, row.role, row.side) == (BodyKind.conciliation_commission,
                                              MemberRole.chair, Side.employer)


def test_unknown_role_lists_the_allowed_ones(org_tree, make_user, app):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    make_user(branch=org_tree["a"], iin="850425300126")
    data = ("Организация,Орган,Роль,ИИН,Начало\n"
            "ППО А,Ревкомиссия,Капитан,850425300126,2025-01-01\n").encode()
    with force_locale("ru"):
        report = importer.plan(data, coordinator)
    message = " ".join(report.rows[0].errors)
    assert "Капитан" in message and "Секретарь" in message


def test_template_has_the_drop_downs(client, login, org_tree, make_user):
    login(make_user("coordinator", branch=org_tree["a"]))
    page = client.get("/commissions/upload").get_data(as_text=True)
    assert "/commissions/upload/template.xlsx" in page
    response = client.get("/commissions/upload/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.max_row == 1
    assert len(sheet.data_validations.dataValidation) == 3  # body, role, side
