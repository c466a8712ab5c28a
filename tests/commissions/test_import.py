"""The members upload: previewed, bad rows reported by line, all or nothing."""

from __future__ import annotations

import io

from school.commissions import importer
from school.commissions.models import Body, BodyKind, Member
from school.extensions import db

HEADER = "organisation,body,role,iin,email,term_start,term_end,side\n"


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def test_good_file_writes_every_row_and_creates_missing_bodies(
        org_tree, make_user, make_body):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    make_user(branch=org_tree["a"], iin="850425300126")
    make_user(branch=org_tree["a"], email="aigul@example.kz")
    existing = make_body(org_tree["org_a"], BodyKind.audit_commission)
    data = (HEADER
            + "ППО А,conciliation_commission,chair,850425300126,,2025-01-01,,union\n"
            + f"{org_tree['org_a'].id},Ревизионная комиссия,member,,AIGUL@example.kz,"
              "01.02.2025,31.01.2028,\n").encode()
    report = importer.plan(data, coordinator)
    assert report.ok, [r.errors for r in report.rows]
    assert [r.new_body for r in report.rows] == [True, False]
    assert _count(Member) == 0  # the preview writes nothing
    report = importer.apply(data, coordinator)
    db.session.commit()
    assert report.written == 2
    assert _count(Member) == 2
    assert _count(Body) == 2
    assert db.session.scalar(db.select(db.func.count(Member.id)).where(
        Member.body_id == existing.id)) == 1


def test_bad_rows_are_reported_by_line_and_nothing_is_written(org_tree, make_user):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    make_user(branch=org_tree["a"], email="ok@example.kz")
    make_user(branch=org_tree["b"], email="stranger@example.kz")
    data = (HEADER
            + "ППО А,conciliation_commission,member,,ok@example.kz,2025-01-01,,\n"      # 2 ok
            + "ППО Б,conciliation_commission,member,,ok@example.kz,2025-01-01,,\n"      # 3
            + "ППО А,no_such_body,member,,ok@example.kz,2025-01-01,,\n"                # 4
            + "ППО А,audit_commission,member,,stranger@example.kz,2025-01-01,,\n"      # 5
            + "ППО А,audit_commission,member,850425300127,,2025-01-01,,\n"             # 6
            + "ППО А,audit_commission,member,,ok@example.kz,2025-13-01,,\n"            # 7
            + "ППО А,audit_commission,member,,ok@example.kz,2025-05-01,2025-01-01,\n"  # 8
            + "ППО А,audit_commission,member,,ok@example.kz,2025-05-01,,union\n"       # 9
            + "ППО А,conciliation_commission,chair,,ok@example.kz,2026-01-01,,\n"      # 10
            ).encode()
    report = importer.apply(data, coordinator)
    assert not report.ok
    assert [r.line for r in report.bad_rows] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert report.written == 0
    db.session.commit()
    assert _count(Member) == 0 and _count(Body) == 0


def test_file_level_errors(org_tree, make_user):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    assert importer.plan(b"", coordinator).errors
    assert importer.plan(b"name,email\nx,y\n", coordinator).errors
    assert importer.plan(b"\x00\xff\x00garbage", coordinator).errors
    assert importer.plan(b"PK\x03\x04broken", coordinator).errors


def test_xlsx_and_semicolons(org_tree, make_user):
    from openpyxl import Workbook

    coordinator = make_user("coordinator", branch=org_tree["a"])
    make_user(branch=org_tree["a"], email="x@example.kz")
    book = Workbook()
    sheet = book.active
    sheet.append(["Организация", "Орган", "Роль", "Email", "Начало"])
    sheet.append(["ППО А", "youth_council", "member", "x@example.kz", "2025-03-01"])
    out = io.BytesIO()
    book.save(out)
    assert importer.plan(out.getvalue(), coordinator).ok
    semi = "organisation;body;role;email;term_start\nППО А;youth_council;member;x@example.kz;" \
           "01.03.2025\n"
    assert importer.plan(semi.encode("cp1251"), coordinator).ok


def test_upload_pages_preview_then_confirm(client, login, org_tree, make_user):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    make_user(branch=org_tree["a"], email="x@example.kz")
    login(coordinator)
    good = (HEADER + "ППО А,audit_commission,member,,x@example.kz,2025-03-01,,\n").encode()
    bad = (HEADER + "ППО Б,audit_commission,member,,x@example.kz,2025-03-01,,\n").encode()
    page = client.post("/commissions/upload", data={"file": (io.BytesIO(bad), "m.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "table-danger" in page.get_data(as_text=True)
    assert client.post("/commissions/upload/confirm").status_code == 302
    assert _count(Member) == 0
    page = client.post("/commissions/upload", data={"file": (io.BytesIO(good), "m.csv")},
                       content_type="multipart/form-data")
    assert "/commissions/upload/confirm" in page.get_data(as_text=True)
    assert _count(Member) == 0
    assert client.post("/commissions/upload/confirm").status_code == 302
    assert _count(Member) == 1


def test_a_confirmed_upload_cannot_be_applied_twice(client, login, org_tree, make_user):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    make_user(branch=org_tree["a"], email="x@example.kz")
    login(coordinator)
    good = (HEADER + "ППО А,audit_commission,member,,x@example.kz,2025-03-01,,\n").encode()
    client.post("/commissions/upload", data={"file": (io.BytesIO(good), "m.csv")},
                content_type="multipart/form-data")
    assert client.post("/commissions/upload/confirm").status_code == 302
    assert client.post("/commissions/upload/confirm").status_code == 302
    assert _count(Member) == 1
