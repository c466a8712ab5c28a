"""Issue 16, item 3: every CSV and XLSX export of the demo, downloaded as the admin and
opened by LibreOffice (headless), holds what a reader expects: Cyrillic and Kazakh letters
intact, numbers as numbers, dates as date cells (dd.mm.yyyy, dd.mm.yyyy hh:mm in XLSX),
percentages as numbers in a percent format, IINs and phone numbers as text with a leading 0
kept and no apostrophe shown (XLSX; the CSV keeps its formula guard, issue 11).

The demo database of the validators' run is reused (one seeding per run); the XLSX files
are re-saved by LibreOffice and the CSV files imported by it (UTF-8, comma, quoted fields
as text — the setting that keeps an IIN's leading 0), all in two soffice calls.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from school.extensions import db
from tests.libreoffice import CSV_COMMA_TEXT_QUOTED, convert, needs_libreoffice
from tests.validators.conftest import demo_app  # noqa: F401  (the fixture)

# On the validators' worker: their demo database is seeded once for both.
pytestmark = [needs_libreoffice, pytest.mark.xdist_group("validators")]

IIN = "020304500017"  # starts with 0: a person born in 2002
PHONE = "+7 701 234 56 78"
KAZAKH = re.compile(r"[ӘәҒғҚқҢңӨөҰұҮүҺһІі]")
MOJIBAKE = re.compile(r"[ÐÑÒÓ][\x80-\xbf]|Ã|â€")
NUMBER_TEXT = re.compile(r"-?\d+([.,]\d+)?%?")
DATE_TEXT = re.compile(r"\d{4}-\d\d-\d\d( \d\d:\d\d(:\d\d)?)?|\d\d\.\d\d\.\d{4}( \d\d:\d\d)?")
# Columns whose digits are codes, kept as text on purpose (a leading 0 matters).
CODE_COLUMNS = {"region_code", "employer_bin"}
CODE_INDEXES = {"roster": {5, 6}, "people": {2, 9}}  # phone, IIN; region code, certificate


def _prepare(app) -> dict:
    """Ids and years the exports are asked for; one participant of a completed event gets
    an IIN that starts with 0 and a +7 phone."""
    from school.catalog.models import Event, EventStatus
    from school.enrollment.models import Enrollment, EnrollmentStatus

    with app.app_context():
        event_id, user_id = db.session.execute(
            select(Enrollment.event_id, Enrollment.user_id)
            .join(Event, Event.id == Enrollment.event_id)
            .where(Event.status == EventStatus.completed,
                   Enrollment.status == EnrollmentStatus.completed)
            .order_by(Event.ends_on.desc(), Enrollment.id).limit(1)).one()
        from school.accounts.models import User

        user = db.session.get(User, user_id)
        other = db.session.scalar(select(User).where(User.iin == IIN))
        if other is not None and other.id != user.id:
            other.iin = None
            db.session.flush()
        user.iin, user.phone = IIN, PHONE
        db.session.commit()
        year = db.session.scalar(select(func.max(Event.ends_on)).where(
            Event.status == EventStatus.completed)).year
        db.session.remove()
    return {"event_id": event_id, "user_id": user_id, "year": year}


def _exports(ids: dict) -> dict[str, str]:
    e, y = ids["event_id"], ids["year"]
    urls = {
        "roster.csv": f"/events/{e}/roster.csv",
        "roster.xlsx": f"/events/{e}/roster.xlsx",
        "attendance.xlsx": f"/events/{e}/attendance.xlsx",
        "yearly.csv": f"/reports/yearly?year={y}&format=csv",
        "yearly.xlsx": f"/reports/yearly?year={y}&format=xlsx",
        "people.csv": f"/reports/yearly/people?year={y}&format=csv",
        "people.xlsx": f"/reports/yearly/people?year={y}&format=xlsx",
        "plans.csv": f"/plans/consolidated?year={y + 1}&format=csv",
        "plans.xlsx": f"/plans/consolidated?year={y + 1}&format=xlsx",
        "actuals.csv": f"/plans/actuals?year={y}&format=csv",
        "actuals.xlsx": f"/plans/actuals?year={y}&format=xlsx",
        "due.csv": "/commissions/due?status=&format=csv",
        "due.xlsx": "/commissions/due?format=xlsx",
        "releases.csv": "/releases?format=csv",
        "evaluation.csv": f"/reports/evaluation?year={y}&format=csv",
        "evaluation.xlsx": f"/reports/evaluation?year={y}&format=xlsx",
        "instructors.csv": "/reports/evaluation/instructors?format=csv",
        "instructors.xlsx": "/reports/evaluation/instructors?format=xlsx",
    }
    return urls


@pytest.fixture(scope="module")
def opened(demo_app, tmp_path_factory):  # noqa: F811
    """name → the workbook LibreOffice made of the export."""
    ids = _prepare(demo_app)
    client = demo_app.test_client()
    response = client.post("/login", data={"email": demo_app.config["DEMO_LOGINS"]["admin"],
                                           "password": demo_app.config["DEMO_PASSWORD"]})
    assert response.status_code == 302
    client.post("/lang", data={"lang": "kk", "next": "/"})
    root = tmp_path_factory.mktemp("exports")
    files: dict[str, Path] = {}
    for name, url in _exports(ids).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        kind = name.rsplit(".", 1)[1]
        expected = "text/csv" if kind == "csv" else "spreadsheetml"
        assert expected in response.content_type, (name, response.content_type)
        path = root / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(response.data)
        files[name] = path
    out = {}
    for kind, infilter in (("csv", CSV_COMMA_TEXT_QUOTED), ("xlsx", None)):
        sources = [p for n, p in files.items() if n.endswith(kind)]
        for source, converted in zip(sources, convert(sources, root / kind, infilter=infilter),
                                     strict=True):
            out[source.name] = load_workbook(converted)
    return {"books": out, "ids": ids}


def _tables(book):
    """(sheet title, header row, data rows) of each sheet; the attendance sheet has a title,
    the period and a blank row above its table."""
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows()]
        start = 3 if rows and rows[0] and rows[0][0].font and rows[0][0].font.sz == 13 else 0
        if len(rows) > start:
            yield sheet.title, rows[start], rows[start + 1:]


def _column(book, *names):
    for _title, header, rows in _tables(book):
        for i, cell in enumerate(header):
            if cell.value in names:
                return [r[i] for r in rows if i < len(r) and r[i].value is not None]
    raise AssertionError(f"no column {names}")


def test_every_export_was_opened(opened):
    assert len(opened["books"]) == 18
    for name, book in opened["books"].items():
        data = [r for _t, _h, rows in _tables(book) for r in rows]
        assert data, f"{name} has no rows"


def test_letters_intact_no_mojibake(opened):
    for name, book in opened["books"].items():
        texts = [c.value for _t, h, rows in _tables(book) for r in [h, *rows] for c in r
                 if isinstance(c.value, str)]
        assert not [t for t in texts if MOJIBAKE.search(t)], name
    for name in ("roster.csv", "roster.xlsx", "attendance.xlsx", "people.csv", "people.xlsx",
                 "yearly.xlsx"):
        texts = " ".join(str(c.value) for _t, h, rows in _tables(opened["books"][name])
                         for r in [h, *rows] for c in r)
        assert KAZAKH.search(texts), f"{name}: no Kazakh letters"


def test_no_number_or_date_hides_as_text_and_no_apostrophe_shows(opened):
    """Outside code columns, no cell is text that reads as a number or a date; in XLSX no
    text starts with an apostrophe."""
    for name, book in opened["books"].items():
        for title, header, rows in _tables(book):
            codes = {i for i, h in enumerate(header) if h.value in CODE_COLUMNS}
            codes |= CODE_INDEXES.get(name.split(".")[0], set())
            for row in rows:
                for i, cell in enumerate(row):
                    if not isinstance(cell.value, str) or i in codes:
                        continue
                    where = f"{name}/{title}!{cell.coordinate}: {cell.value!r}"
                    assert not NUMBER_TEXT.fullmatch(cell.value.strip()), where
                    assert not DATE_TEXT.fullmatch(cell.value.strip()), where
                    if name.endswith(".xlsx"):
                        assert not cell.value.startswith("'"), where


def _format(cell) -> str:
    """The number format as written (LibreOffice saves dd.mm.yyyy as dd\\.mm\\.yyyy)."""
    return cell.number_format.replace("\\", "").lower()


def _is_date(cell) -> bool:
    return cell.is_date and isinstance(cell.value, (date, datetime))


def test_roster_types(opened):
    for name in ("roster.xlsx", "roster.csv"):
        [(_title, _header, rows)] = list(_tables(opened["books"][name]))
        assert rows and all(r[0].data_type == "n" for r in rows), name  # No.
        enrolled = [r[12] for r in rows]  # Enrolled at
        assert all(_is_date(c) for c in enrolled), name
        assert IIN in [r[6].value for r in rows], name  # text, the leading 0 kept
        phones = [r[5].value for r in rows]
        # XLSX shows the number as written; the CSV keeps its guard against formulas.
        assert (PHONE if name.endswith("xlsx") else "'" + PHONE) in phones, name
        if name.endswith("xlsx"):
            assert all(_format(c).startswith("dd.mm.yyyy hh:mm")
                       for c in enrolled)


def test_attendance_types(opened):
    sheet = opened["books"]["attendance.xlsx"].worksheets[0]
    header = [c for c in sheet[4] if c.value is not None]
    sessions = [c for c in header if _is_date(c)]
    assert sessions, "session columns are date-time cells"
    assert all(_format(c).startswith("dd.mm.yyyy hh:mm") for c in sessions)
    first = sheet[5]
    assert first[0].data_type == "n"
    share = first[len(header) - 3]
    assert share.data_type == "n" and "%" in share.number_format and 0 <= share.value <= 1


def test_report_types(opened):
    people = opened["books"]["people.xlsx"]
    ended = [r[8] for _t, _h, rows in _tables(people) for r in rows]
    assert ended and all(_is_date(c) for c in ended)
    assert all(_format(c).startswith("dd.mm.yyyy") for c in ended)
    ended_csv = [r[8] for _t, _h, rows in _tables(opened["books"]["people.csv"]) for r in rows]
    assert all(_is_date(c) for c in ended_csv)
    years = [r[0] for _t, _h, rows in _tables(people) for r in rows]
    assert all(c.data_type == "n" for c in years)
    yearly = opened["books"]["yearly.xlsx"]
    figures = [c for r in list(yearly.worksheets[0].iter_rows(min_row=2))
               for c in r[1:] if c.value is not None]
    assert figures and all(c.data_type == "n" for c in figures)
    about = yearly.worksheets[-1]
    assert any(_is_date(c) for r in about.iter_rows() for c in r), "exported at: a date-time"
    figures = [c for r in opened["books"]["yearly.csv"].worksheets[0].iter_rows(min_row=2)
               for c in r[4:6]]
    assert figures and all(c.data_type == "n" for c in figures)


def test_machine_exports_types(opened):
    due = opened["books"]["due.xlsx"]
    assert all(c.data_type == "n" for c in _column(due, "person_id"))
    for name in ("due.xlsx", "due.csv"):
        dates = _column(opened["books"][name], "due_by") + _column(
            opened["books"][name], "valid_until")
        assert dates and all(_is_date(c) for c in dates), name
    for name in ("evaluation.xlsx", "instructors.xlsx"):
        rates = _column(opened["books"][name], "pass_rate")
        assert rates and all(c.data_type == "n" and "%" in c.number_format
                             and 0 <= c.value <= 1 for c in rates), name
    rates = _column(opened["books"]["evaluation.csv"], "pass_rate")
    assert rates and all(c.data_type == "n" and 0 <= c.value <= 100 for c in rates)
    for name, column in (("releases.csv", "days"), ("plans.csv", "people"),
                         ("actuals.csv", "planned_people"), ("evaluation.csv", "responses")):
        cells = _column(opened["books"][name], column)
        assert cells and all(c.data_type == "n" for c in cells), name
    tenge = [c for _t, h, rows in _tables(opened["books"]["plans.xlsx"]) for r in rows
             for c in r[-1:]]
    assert tenge and all(c.data_type == "n" for c in tenge)
