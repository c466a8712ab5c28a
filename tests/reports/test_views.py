"""Pages, exports and who may reach them."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from school.audit.models import AuditEntry
from school.extensions import db
from school.reports.models import ClosedYear, TrainingPlan
from school.timeutil import local_today

HYPERLINK = '=HYPERLINK("x")'


@pytest.fixture
def staff(history, make_user, make_branch):
    return {
        "trainee": make_user("trainee", branch=history.a),
        "instructor": make_user("instructor"),
        "coordinator": make_user("coordinator", branch=history.a),
        "admin": make_user("admin"),
    }


ROUTES = {
    "/reports/yearly?year=2025": {"anon": "login", "trainee": 403, "instructor": 403,
                                  "coordinator": 200, "admin": 200},
    "/reports/yearly?year=2025&format=csv": {"anon": "login", "trainee": 403,
                                             "coordinator": 200, "admin": 200},
    "/reports/yearly?year=2025&format=xlsx": {"trainee": 403, "coordinator": 200,
                                              "admin": 200},
    "/reports/yearly/people?year=2025": {"anon": "login", "trainee": 403, "coordinator": 200,
                                         "admin": 200},
    "/reports/yearly/people?year=2025&format=csv": {"instructor": 403, "coordinator": 200},
    "/reports/plans": {"anon": "login", "trainee": 403, "coordinator": 200, "admin": 200},
    "/reports/plans/{a}/2026": {"anon": "login", "trainee": 403, "coordinator": 200,
                                "admin": 200},
    "/reports/plans/{b}/2026": {"coordinator": 404, "admin": 200},
    "/reports/yearly?year=2025&branch_id={b}": {"coordinator": 404, "admin": 200},
}


@pytest.mark.parametrize(
    ("path", "role", "expected"),
    [(path, role, exp) for path, row in ROUTES.items() for role, exp in row.items()],
)
def test_access(client, login, history, staff, path, role, expected):
    if role != "anon":
        login(staff[role])
    response = client.get(path.format(a=history.a.id, b=history.b.id))
    if expected == "login":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ["trainee", "coordinator"])
def test_only_admins_close_a_year(client, login, staff, role):
    login(staff[role])
    assert client.post("/reports/years/2025/close").status_code == 403
    assert client.post("/reports/years/2025/reopen").status_code == 403
    assert db.session.scalars(select(ClosedYear)).all() == []


def _page_total(html: str) -> tuple[int, int]:
    m = re.search(r'id="yearly-total" data-people="(\d+)" data-participations="(\d+)"', html)
    return int(m.group(2)), int(m.group(1))


def test_the_page_shows_the_figures_and_charts(client, login, staff):
    login(staff["admin"])
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert _page_total(html) == (7, 5)
    for chart_id in ("chart-regions", "chart-trend"):
        m = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S)
        root = ET.fromstring(m.group(0))  # noqa: S314  (our own page)
        ns = "{http://www.w3.org/2000/svg}"
        assert root.get("role") == "img"
        assert root.find(f"{ns}title").text and root.find(f"{ns}desc").text
        assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert 'id="trend-table"' in html
    assert "<script" not in html.split("</footer>")[0].split("<main")[1]


def test_the_default_year_is_the_latest_with_figures(client, login, staff):
    login(staff["admin"])
    html = client.get("/reports/yearly").get_data(as_text=True)
    assert _page_total(html) == (7, 5)


def test_bad_input_gets_a_message_not_an_error(client, login, staff):
    login(staff["admin"])
    response = client.get("/reports/yearly?year=abc")
    assert response.status_code == 400
    assert "2000" in response.get_data(as_text=True)
    assert client.get("/reports/yearly?year=2025&format=pdf").status_code == 400
    assert client.get("/reports/yearly?year=2025&kind=party").status_code == 400
    assert client.get("/reports/yearly?year=1&format=csv").status_code == 400
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_xlsx_opens_and_its_totals_match_the_page(client, login, staff):
    login(staff["admin"])
    page = _page_total(client.get("/reports/yearly?year=2025").get_data(as_text=True))
    response = client.get("/reports/yearly?year=2025&format=xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    participations, people = wb.worksheets[0], wb.worksheets[1]
    assert participations.freeze_panes == "B2" and people.freeze_panes == "B2"
    assert participations.cell(1, 1).value == "Регион"  # the user's language (ru)
    last = participations.max_row
    assert participations.cell(last, 1).font.bold
    assert (participations.cell(last, participations.max_column).value,
            people.cell(last, people.max_column).value) == page
    # Row totals: Shymkent (KZ-79) has 4 participations of 3 people.
    rows = {r[0].value: r for r in people.iter_rows(min_row=2)}
    shymkent = next(v for k, v in rows.items() if k and "Шымкент" in k)
    assert shymkent[-1].value == 3


def test_xlsx_headers_follow_the_readers_language(client, login, staff):
    staff["admin"].locale = "en"
    db.session.commit()
    login(staff["admin"])
    wb = load_workbook(io.BytesIO(client.get("/reports/yearly?year=2025&format=xlsx").data))
    assert wb.worksheets[0].cell(1, 1).value == "Region"
    assert wb.worksheets[0].cell(1, 2).value == "Chair of primary union organisation"


def test_csv_is_tidy_with_a_bom(client, login, staff, history):
    login(staff["admin"])
    response = client.get("/reports/yearly?year=2025&format=csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert next(csv.reader(io.StringIO(text))) == ["year", "region_code", "region", "category",
                                                   "participations", "people"]
    assert text.splitlines()[0].startswith('"year","region_code"')  # text quoted (issue 11)
    assert len(rows) == 20 * 9  # every region and category, zeros included
    got = {(r["region_code"], r["category"]): (int(r["participations"]), int(r["people"]))
           for r in rows if r["participations"] != "0"}
    assert got == {("KZ-79", "chair"): (3, 2), ("KZ-79", "treasurer"): (1, 1),
                   ("KZ-71", "activist"): (1, 1), ("KZ-75", "chair"): (1, 1),
                   ("KZ-75", "youth_council"): (1, 1)}
    assert {r["year"] for r in rows} == {"2025"}


def test_a_coordinators_exports_contain_their_branch_only(client, login, staff, history):
    login(staff["coordinator"])  # branch A
    rows = list(csv.DictReader(io.StringIO(
        client.get("/reports/yearly?year=2025&format=csv").data.decode("utf-8-sig"))))
    filled = {(r["region_code"], r["category"]): int(r["participations"])
              for r in rows if r["participations"] != "0"}
    assert filled == {("KZ-79", "chair"): 3, ("KZ-79", "treasurer"): 1}
    wb = load_workbook(io.BytesIO(client.get("/reports/yearly?year=2025&format=xlsx").data))
    ws = wb.worksheets[0]
    assert ws.cell(ws.max_row, ws.max_column).value == 4
    people = client.get("/reports/yearly/people?year=2025&format=csv").data.decode("utf-8-sig")
    names = [r[1] for r in csv.reader(io.StringIO(people))][1:]
    assert sorted(names) == ["Второй Казначей", "Первый Председатель", "Первый Председатель",
                             "Третий Переехавший"]
    assert "Филиал Б" not in people


def test_a_formula_in_a_name_comes_out_inert(client, login, staff, history):
    history.people["p1"].full_name = HYPERLINK
    history.a.name_ru = HYPERLINK
    db.session.commit()
    login(staff["admin"])
    people_csv = client.get("/reports/yearly/people?year=2025&format=csv").data
    cells = [c for row in csv.reader(io.StringIO(people_csv.decode("utf-8-sig"))) for c in row]
    assert "'" + HYPERLINK in cells and HYPERLINK not in cells
    wb = load_workbook(io.BytesIO(
        client.get("/reports/yearly/people?year=2025&format=xlsx").data))
    values = [c for row in wb.active.iter_rows() for c in row if c.value and "HYPERLINK" in
              str(c.value)]
    # Typed text cells are inert as they are: no apostrophe shows (issue 11).
    assert values and all(c.data_type == "s" and c.value == HYPERLINK for c in values)
    # The branch name in the report's plan sheet, too.
    wb = load_workbook(io.BytesIO(client.get("/reports/yearly?year=2025&format=xlsx").data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" and c.value == HYPERLINK for c in cells)


def test_every_export_is_audited_with_its_filters(client, login, staff, history):
    login(staff["coordinator"])
    client.get(f"/reports/yearly?year=2025&format=csv&branch_id={history.a.id}&kind=seminar")
    client.get("/reports/yearly/people?year=2025&format=xlsx")
    client.get("/reports/yearly?year=2025")  # a page view is not an export
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.details["format"], e.details["report"]) for e in entries] == [
        ("report.exported", "csv", "yearly"), ("report.exported", "xlsx", "participants")]
    first = entries[0]
    assert first.actor_id == staff["coordinator"].id and first.created_at is not None
    assert first.details["filters"] == {"branch_id": history.a.id, "kind": "seminar"}
    assert first.details["scope"] == [history.a.id]


def test_people_page_lists_the_participations(client, login, staff):
    login(staff["coordinator"])
    html = client.get("/reports/yearly/people?year=2025").get_data(as_text=True)
    assert "Третий Переехавший" in html and "Восьмой Переизданный" not in html


def test_plans_are_edited_by_the_branch(client, login, staff, history):
    login(staff["coordinator"])
    response = client.post(f"/reports/plans/{history.a.id}/2026",
                           data={"chair": "5", "treasurer": "2"})
    assert response.status_code == 302
    plans = {(p.category.value, p.planned) for p in db.session.scalars(select(TrainingPlan))}
    assert plans == {("chair", 5), ("treasurer", 2)}
    response = client.post(f"/reports/plans/{history.a.id}/2026", data={"chair": "-3"})
    assert response.status_code == 400
    assert client.post(f"/reports/plans/{history.b.id}/2026",
                       data={"chair": "5"}).status_code == 404
    html = client.get("/reports/plans?year=2026").get_data(as_text=True)
    assert "Филиал А" in html and "Филиал Б" not in html


def test_closing_2025_then_revoking_shows_the_stored_totals_and_the_difference(
        client, login, staff, history):
    login(staff["admin"])
    assert client.post("/reports/years/2025/close").status_code == 302
    history.certificates["p2E1"].revoked_at = datetime.now(UTC)
    db.session.commit()
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert _page_total(html) == (7, 5)
    assert 'id="changes-table"' in html and "Второй Казначей" in html
    rows = list(csv.DictReader(io.StringIO(
        client.get("/reports/yearly?year=2025&format=csv").data.decode("utf-8-sig"))))
    assert sum(int(r["participations"]) for r in rows) == 7
    wb = load_workbook(io.BytesIO(client.get("/reports/yearly?year=2025&format=xlsx").data))
    ws = wb.worksheets[0]
    assert ws.cell(ws.max_row, ws.max_column).value == 7
    changes = next(s for s in wb.worksheets if s.title.startswith("Изменения")
                   or "closing" in s.title)
    assert changes.cell(2, 1).value == "Второй Казначей"


def test_a_closed_years_plan_is_frozen_and_the_year_can_be_reopened(client, login, staff,
                                                                    history):
    login(staff["admin"])
    client.post("/reports/years/2025/close")
    response = client.post(f"/reports/plans/{history.a.id}/2025", data={"chair": "5"})
    assert response.status_code == 400
    assert db.session.scalars(select(TrainingPlan)).all() == []
    client.post("/reports/years/2025/reopen")
    assert db.session.scalars(select(ClosedYear)).all() == []
    assert client.post(f"/reports/plans/{history.a.id}/2025",
                       data={"chair": "5"}).status_code == 302
    # Closing the current year is refused with a message, nothing stored.
    this_year = local_today().year
    client.post(f"/reports/years/{this_year}/close")
    assert db.session.scalars(select(ClosedYear)).all() == []
