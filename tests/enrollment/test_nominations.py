"""Nomination lists: preview with line numbers, nothing applied while a row is bad,
matching by IIN then e-mail, new accounts invited, scope of the coordinator."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from school.accounts.models import User
from school.core import iin as iin_rules
from school.enrollment import nominations
from school.enrollment.models import Enrollment
from school.extensions import db
from tests.enrollment.conftest import statuses

HEADER = "full_name,email,iin,phone,primary_org,category"


def make_iin(serial: int) -> str:
    """A valid IIN (born 1 Jan 1990, a man) with the given serial."""
    for bump in range(50):
        first = "900101" + "3" + f"{serial + bump * 1000:04d}"
        digit = iin_rules.check_digit(first)
        if digit is not None:
            return first + str(digit)
    raise AssertionError("no IIN")


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def xlsx_file(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ФИО", "E-mail", "ИИН", "Телефон", "ППО", "Категория"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# --- planning ----------------------------------------------------------------------------------


def test_a_bad_row_is_reported_with_its_line_and_nothing_is_applied(make_event, people):
    event = make_event()
    data = csv_file(
        f"Алиев Али,ali@example.kz,{make_iin(1)},+7 701 111 22 33,ППО А,chair",
        "Беков Бек,bek@example.kz,850425300127,,ППО А,chair",  # bad check digit: line 3
        "Ж,,,,,",  # no name to speak of, no IIN or e-mail: line 4
        f"Гусев Гусь,gus@example.kz,{make_iin(2)},,ППО А,astronaut",  # line 5
    )
    users_before = _users()
    report = nominations.plan(event, data, people["coord_a"])
    assert not report.ok
    assert [r.line for r in report.bad_rows] == [3, 4, 5]
    assert "850425300127" in report.bad_rows[0].errors[0]
    assert "astronaut" in " ".join(report.bad_rows[2].errors)
    report = nominations.apply(event, data, people["coord_a"])
    assert not report.ok
    db.session.commit()
    assert _users() == users_before
    assert statuses(event) == []


def test_xlsx_with_russian_headers_and_an_iin_excel_made_a_number(make_event, people, tree):
    event = make_event()
    # Excel keeps 020731500813 as the number 20731500813.
    data = xlsx_file([["Нурланова Айгерим", "aigerim@example.kz", 20731500813,
                       "+7 702 000 00 00", "ППО А", "Chair of primary union organisation"]])
    report = nominations.plan(event, data, people["coord_a"])
    assert report.ok, [r.errors for r in report.rows]
    (row,) = report.rows
    assert row.line == 2 and row.iin == "020731500813" and row.outcome == "new"
    assert row.branch_id == tree["a"].id and row.org.id == tree["org_a"].id


def test_semicolons_and_windows_1251_are_read(make_event, people):
    event = make_event()
    data = ("full_name;email;iin;phone;primary_org;category\n"
            "Сергеев Сергей;sergey@example.kz;;;;chair\n").encode("cp1251")
    report = nominations.plan(event, data, people["coord_a"])
    assert report.ok, report.errors + [r.errors for r in report.rows]
    assert report.rows[0].full_name == "Сергеев Сергей"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "no rows"),
        (b"name,phone\nx,y\n", "Missing columns"),
        (b"PK\x03\x04garbage", "neither"),
        (HEADER.encode() + b"\n", "no rows"),
    ],
)
def test_broken_files_are_refused_whole(make_event, people, data, fragment):
    event = make_event()
    with force_locale("en"):
        report = nominations.plan(event, data, people["coord_a"])
        assert not report.ok and fragment in " ".join(report.errors)


def test_people_are_matched_by_iin_then_email(make_event, people, tree, make_user):
    event = make_event()
    by_iin = make_user(branch=tree["a"], iin=make_iin(3), email="old@example.kz")
    by_email = make_user(branch=tree["a"], email="known@example.kz")
    data = csv_file(
        f"Someone,new-address@example.kz,{make_iin(3)},,,",  # found by IIN
        "Someone Else,KNOWN@example.kz,,,,",  # found by e-mail, any case
    )
    report = nominations.plan(event, data, people["coord_a"])
    assert report.ok
    assert [r.user.id for r in report.rows] == [by_iin.id, by_email.id]
    assert all(r.outcome == "existing" for r in report.rows)
    assert report.rows[0].notes  # the account's own e-mail is kept


def test_iin_and_email_of_two_different_accounts_is_an_error(make_event, people, tree,
                                                               make_user):
    event = make_event()
    make_user(branch=tree["a"], iin=make_iin(4))
    make_user(branch=tree["a"], email="second@example.kz")
    with force_locale("en"):  # the preview's messages are written in the reader's language
        report = nominations.plan(event, csv_file(f"X Y Z,second@example.kz,{make_iin(4)},,,"),
                                  people["coord_a"])
    assert not report.ok and "two different accounts" in report.rows[0].errors[0]


def test_coordinator_cannot_nominate_people_of_another_branch(make_event, people, tree,
                                                               make_user):
    event = make_event()
    outsider = make_user(branch=tree["b"], email="outsider@example.kz")
    data = csv_file(
        "Outsider,outsider@example.kz,,,,",
        # An organisation of branch B is not one of A's: the new account stays in A.
        "Новенький Б,newb@example.kz,,,ППО Б,chair",
    )
    with force_locale("en"):
        report = nominations.plan(event, data, people["coord_a"])
        assert [r.line for r in report.bad_rows] == [2]
        assert "cannot be nominated by you" in report.rows[0].errors[0]
        assert report.rows[1].branch_id == tree["a"].id and report.rows[1].org is None
        assert "not found" in report.rows[1].notes[0]
    assert nominations.apply(event, data, people["coord_a"]).ok is False
    db.session.commit()
    assert statuses(event) == []
    assert db.session.get(User, outsider.id).branch_id == tree["b"].id


def test_duplicates_within_the_file_and_already_enrolled(make_event, people, tree, make_user,
                                                          make_enrollment):
    event = make_event()
    enrolled = make_user(branch=tree["a"], email="there@example.kz")
    make_enrollment(event, enrolled)
    data = csv_file(
        "There Already,there@example.kz,,,,",
        "Twice Person,twice@example.kz,,,,",
        "Twice Person,twice@example.kz,,,,",
    )
    with force_locale("en"):
        report = nominations.plan(event, data, people["coord_a"])
    assert report.rows[0].outcome == "already" and not report.rows[0].errors
    assert [r.line for r in report.bad_rows] == [4]
    assert "line 3" in report.bad_rows[0].errors[0]


def test_union_coordinator_needs_an_organisation_to_place_new_people(make_event, people, tree):
    event = make_event()
    data = csv_file("Без Организации,noorg@example.kz,,,,chair",
                    "С Организацией,withorg@example.kz,,,ППО А,chair")
    report = nominations.plan(event, data, people["coord_u"])
    assert [r.line for r in report.bad_rows] == [2]
    assert report.rows[1].branch_id == tree["a"].id


def test_audience_is_checked_per_row(make_event, make_program, people):
    event = make_event(make_program(audience=["treasurer"]))
    data = csv_file("Казначей Один,t1@example.kz,,,,treasurer",
                    "Председатель Два,c2@example.kz,,,,chair")
    report = nominations.plan(event, data, people["coord_a"])
    assert [r.line for r in report.bad_rows] == [3]


# --- applying ----------------------------------------------------------------------------------


def test_apply_creates_accounts_invites_and_enrols(app, make_event, people, tree, outbox):
    event = make_event(capacity=1)
    data = csv_file(f"Алиев Али,ali@example.kz,{make_iin(5)},+7 701 111 22 33,ППО А,chair",
                    "Беков Бек,bek@example.kz,,,,deputy_chair")
    report = nominations.apply(event, data, people["coord_a"], locale="kk")
    assert report.ok and report.created == 2
    db.session.commit()
    assert statuses(event) == ["confirmed", "waitlisted"]
    ali = db.session.scalar(select(User).where(User.email == "ali@example.kz"))
    assert (ali.branch_id, ali.primary_org_id, ali.locale) == (
        tree["a"].id, tree["org_a"].id, "kk")
    assert ali.password_hash is None and ali.has_role("trainee")
    rows = db.session.scalars(select(Enrollment).order_by(Enrollment.id)).all()
    assert all(e.nominated_by_id == people["coord_a"].id for e in rows)
    invites = [m for m in outbox if "/password/reset/" in m.body]
    assert sorted(m.to[0] for m in invites) == ["ali@example.kz", "bek@example.kz"]
    link = re.search(r"http://school\.test(/password/reset/\S+)", invites[0].body).group(1)
    assert "invite=1" in link
    # The invitation lets the person set a password.
    client = app.test_client()
    response = client.post(link, data={"password": "Qazaqstan-2026",
                                       "password2": "Qazaqstan-2026"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(
        select(func.count()).select_from(User).where(User.password_hash.is_not(None),
                                                     User.email.in_(["ali@example.kz",
                                                                     "bek@example.kz"]))
    ) == 1


# --- through the pages -------------------------------------------------------------------------


def test_upload_preview_confirm_through_http(client, login, make_event, people, tmp_path):
    event = make_event()
    login(people["coord_a"])
    bad = csv_file("Алиев Али,ali@example.kz,850425300127,,,chair")
    response = client.post(f"/events/{event.id}/nominate/upload",
                           data={"file": (io.BytesIO(bad), "list.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<td>2</td>" in page
    assert "nominate/confirm" not in page
    # A stale or missing preview applies nothing.
    client.post(f"/events/{event.id}/nominate/confirm")
    assert statuses(event) == []

    good = csv_file("Алиев Али,ali@example.kz,,,,chair")
    response = client.post(f"/events/{event.id}/nominate/upload",
                           data={"file": (io.BytesIO(good), "list.csv")},
                           content_type="multipart/form-data")
    assert "nominate/confirm" in response.get_data(as_text=True)
    assert statuses(event) == []
    response = client.post(f"/events/{event.id}/nominate/confirm")
    assert response.status_code == 302
    assert statuses(event) == ["confirmed"]
    # The kept file is used once.
    client.post(f"/events/{event.id}/nominate/confirm")
    assert statuses(event) == ["confirmed"]
