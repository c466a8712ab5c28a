"""What a union staffer reads: totals named for what they cover, only their regions, a trend
that starts with their data, short union names, and every word in their language (issue 7's
QA findings)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask_babel import gettext
from openpyxl import load_workbook

from school.accounts.models import Category, Role, RoleGrant
from school.extensions import db
from school.reports import services
from school.reports.models import TrainingPlan
from school.reports.rows import Filters

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "school" / "translations"
WHOLE = "Whole federation"


def _catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.fixture
def h(history, make_user):
    """The hand-computed history, with short names for the unions (as people call them)."""
    history.u.short_name_ru, history.u.short_name_kk = "Профсоюз У", "У кәсіподағы"
    history.u.short_name_en = "Union U"
    history.u.code, history.v.code = "union-u-code", "union-v-code"
    history.v.short_name_ru, history.v.short_name_kk = "Профсоюз В", "В кәсіподағы"
    db.session.commit()
    history.admin = make_user("admin")
    history.coordinator = make_user("coordinator", branch=history.a)
    return history


def _plan(branch, year, **planned):
    for category, number in planned.items():
        db.session.add(TrainingPlan(branch_id=branch.id, year=year,
                                    category=Category(category), planned=number))
    db.session.commit()


# --- 1. totals named for what they cover -----------------------------------------------------


def test_a_coordinators_totals_are_named_for_what_they_cover(h, make_user):
    whole = gettext(WHOLE)
    mine = services.plan_report(2025, h.coordinator)
    assert mine.total.label == h.a.name != whole
    # The union row of a branch coordinator is their branch, not the union: it says so.
    assert [line.label for line in mine.unions] == [
        gettext("%(union)s (your branches only)", union="Профсоюз У")]
    assert services.yearly_report(2025, h.coordinator).coverage == h.a.name

    union_coordinator = make_user("coordinator", coordinator_of=h.u)
    theirs = services.plan_report(2025, union_coordinator)
    assert theirs.total.label == "Профсоюз У"
    assert [line.label for line in theirs.unions] == ["Профсоюз У"]

    # Two branches of two unions: neither a branch nor a union.
    two = make_user("coordinator", branch=h.a)
    two.grants.append(RoleGrant(role=Role.coordinator, branch_id=h.b.id))
    db.session.commit()
    assert services.plan_report(2025, two).total.label == gettext("All your branches")
    assert services.coverage(services.Scope.of(two), Filters(union_id=h.v.id)) == h.b.name

    # Only the reader who sees everything, unfiltered, reads "Whole federation".
    assert services.plan_report(2025, h.admin).total.label == whole
    assert services.plan_report(2025, h.admin, Filters(union_id=h.u.id)).total.label == (
        "Профсоюз У")
    assert services.plan_report(2025, h.admin, Filters(branch_id=h.b.id)).total.label == (
        h.b.name)
    assert [line.label for line in services.plan_report(2025, h.admin).unions] == [
        "Профсоюз В", "Профсоюз У"]


def test_a_coordinators_page_and_xlsx_never_say_whole_federation(client, login, h):
    h.coordinator.locale = "en"
    db.session.commit()
    login(h.coordinator)
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert WHOLE not in html
    total_row = re.search(r'id="plan-total".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert h.a.name in total_row
    unions = re.search(r'id="plan-unions".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert "Union U (your branches only)" in unions
    assert f"Report covers: {h.a.name}" in html

    wb = load_workbook(io.BytesIO(client.get("/reports/yearly?year=2025&format=xlsx").data))
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert not [c for c in cells if WHOLE in c]
    plan = wb["Plan and result"]
    assert [c.value for c in plan[plan.max_row]][:2] == [h.a.name, "Total"]
    about = {r[0].value: r[1].value for r in wb["About the report"].iter_rows(min_row=2)}
    assert about["Report covers"] == h.a.name


def test_the_admins_page_says_whole_federation(client, login, h):
    h.admin.locale = "en"
    db.session.commit()
    login(h.admin)
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert "Report covers: Whole federation" in html
    assert "your branches only" not in html


# --- 3. only the regions and years with figures -------------------------------------------------


def test_a_coordinator_sees_only_regions_with_figures_or_plans(h, make_user, make_branch,
                                                                regions):
    report = services.yearly_report(2025, h.coordinator)
    assert [r.code for r in report.regions] == ["KZ-79"]
    assert report.scoped
    # A union coordinator: the regions of the union's figures, and of a branch with a plan.
    planning = make_branch(h.u, "KZ-11", name_ru="Филиал с планом")
    make_branch(h.u, "KZ-15", name_ru="Филиал без плана")
    _plan(planning, 2025, chair=3)
    _plan(planning, 2026, chair=3)  # another year's plan does not count
    union_coordinator = make_user("coordinator", coordinator_of=h.u)
    codes = [r.code for r in services.yearly_report(2025, union_coordinator).regions]
    assert sorted(codes) == ["KZ-11", "KZ-71", "KZ-79"]
    # Filters narrow the regions too.
    report = services.yearly_report(2025, union_coordinator, Filters(branch_id=h.a2.id))
    assert [r.code for r in report.regions] == ["KZ-71"]
    # The federation reports on every region.
    assert len(services.yearly_report(2025, h.admin).regions) == 20
    assert len(services.yearly_report(2025, h.admin, Filters(branch_id=h.a.id)).regions) == 20


def test_a_coordinators_page_and_exports_list_their_regions(client, login, h):
    login(h.coordinator)
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    body = re.search(r'id="yearly-table".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert body.count("<tr>") == 1 and h.a.region.name in body
    chart = re.search(r'<svg [^>]*id="chart-regions".*?</svg>', html, re.S).group(0)
    assert chart.count("<rect ") == 2  # the background and Shymkent's bar
    rows = client.get("/reports/yearly?year=2025&format=csv").data.decode("utf-8-sig")
    assert len(rows.splitlines()) == 1 + 9
    wb = load_workbook(io.BytesIO(client.get("/reports/yearly?year=2025&format=xlsx").data))
    assert [r[0].value for r in wb.worksheets[0].iter_rows(min_row=2)] == [
        h.a.region.name, gettext("Total")]


def test_a_coordinator_with_nothing_counted_gets_a_sentence(client, login, h, make_branch,
                                                           make_user):
    quiet = make_user("coordinator", branch=make_branch(h.v, "KZ-11"))
    login(quiet)
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert 'id="yearly-empty"' in html and 'id="yearly-table"' not in html
    assert 'id="trend-empty"' in html and 'id="chart-trend"' not in html


def test_the_trend_starts_with_the_first_year_of_data(h, client, login):
    trend = services.trend_years(h.coordinator, last=2025)
    assert [t.year for t in trend] == [2024, 2025]  # not 2016–2023 at zero
    assert [(t.cell.participations, t.cell.people) for t in trend] == [(1, 1), (4, 3)]
    _plan(h.a, 2021, chair=5)  # a plan is data too: the trend shows it unmet
    trend = services.trend_years(h.coordinator, last=2025)
    assert [t.year for t in trend] == [2021, 2022, 2023, 2024, 2025]
    assert trend[0].planned == 5 and trend[1].planned is None
    # Ten years at most.
    assert [t.year for t in services.trend_years(h.coordinator, last=2030)] == list(
        range(2021, 2031))
    # A plan covers all training: not drawn against one programme's figures.
    narrowed = services.trend_years(h.coordinator, Filters(program_id=h.program.id), last=2025)
    assert [t.year for t in narrowed] == [2024, 2025]
    assert all(t.planned is None for t in narrowed)

    login(h.coordinator)
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    table = re.search(r'id="trend-table".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert re.findall(r">(\d{4})</a>", table) == ["2021", "2022", "2023", "2024", "2025"]


# --- 4. short names of sectoral unions ------------------------------------------------------


def test_unions_go_by_their_short_names(client, login, h):
    login(h.admin)  # Russian
    html = client.get(f"/reports/yearly?year=2025&union_id={h.u.id}").get_data(as_text=True)
    select = re.search(r'<select [^>]*name="union_id".*?</select>', html, re.S).group(0)
    assert "Профсоюз У" in select and "Профсоюз В" in select
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    unions = re.search(r'id="plan-unions".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert "Профсоюз У" in unions and "Профсоюз В" in unions
    for text in (select, unions):
        assert h.u.name_ru not in text and h.u.code not in text

    wb = load_workbook(io.BytesIO(
        client.get(f"/reports/yearly?year=2025&union_id={h.u.id}&format=xlsx").data))
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert "Профсоюз У" in cells  # the plan's union row and the total it covers
    assert any(c.endswith(": Профсоюз У") for c in cells)  # the filter, in words
    assert not [c for c in cells if h.u.name_ru in c or c == h.u.code]


# --- 2. the report in Kazakh -----------------------------------------------------------------

# The English message ids of /reports/yearly, /reports/yearly/people and the yearly XLSX
# (headings, filters, notes, buttons, chart texts, sheet names and headers). None may show
# through on a Kazakh reader's page or workbook.
ENGLISH_IDS = [
    # page: headings, notes, buttons
    "Trained union activists in %(year)d",
    "This year was closed on %(date)s: the figures below are the ones stored then.",
    "Changes since closing: %(count)d",
    "%(people)d people trained, %(participations)d participations.",
    "Report covers: %(scope)s",
    "By region and participant category",
    "Each cell: people trained / participations. A person is counted once per total even "
    "after several trainings.",
    "People trained by region",
    "Across the years",
    "People trained per year",
    "Plan and result",
    "People trained against the branches’ plans. Only the union and branch filters apply "
    "here.",
    "Counted today, the year would show %(people)d people and %(participations)d "
    "participations (stored: %(s_people)d and %(s_participations)d). The stored figures do "
    "not change.",
    "Export to Excel", "Export CSV (for machines)", "Export CSV", "Participant list", "Plans",
    "Reopen the year", "Reopen %(year)d? Its figures will be counted from current data again.",
    "Participants in %(year)d", "Back to the report",
    "This year is closed: the list shows the participations stored when it was closed.",
    # filters
    "Filters", "Year", "Sectoral union", "All unions", "Branch", "All branches", "Programme",
    "All programmes", "Kind", "All kinds", "Format", "All formats", "Show",
    # tables
    "Region", "Total", "People trained", "Participations", "Plan", "Planned", "Plan fulfilled",
    "Participant category", "Full name", "Change", "Event", "Ended on", "Certificate No.",
    "Certificate revoked without a replacement",
    # charts
    "People trained in %(year)d by region",
    "Bar chart, one bar per region; %(count)d regions.",
    "Highest: %(label)s, %(value)s.",
    "Column chart of people trained and participations per year, %(first)d to %(last)d.",
    # the XLSX: sheet names, headers, the About sheet
    "Changes after closing", "About the report", "Name", "Level", "Report",
    "Trained union activists", "Report covers", "Filter", "Year status", "Closed on %(date)s",
    "Exported at", "Region code",
]
KK_SHEETS = ["Participations", "People trained", "Plan and result", "Changes after closing",
             "About the report"]
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _pattern(msgid: str) -> re.Pattern:
    parts = [re.escape(p) for p in PLACEHOLDER.split(msgid)]
    body = ".+?".join(parts)
    if msgid[:1].isalnum():
        body = r"\b" + body
    if msgid[-1:].isalnum():
        body += r"\b"
    return re.compile(body)


class _Visible(HTMLParser):
    """The text a reader sees or hears: text nodes, labels, titles, confirmations."""

    ATTRS = {"aria-label", "title", "alt", "placeholder", "data-confirm"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.texts += [v for k, v in attrs if k in self.ATTRS and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def _visible(html: str) -> list[str]:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    parser = _Visible()
    parser.feed("<main" + main)
    return parser.texts


def _english(texts) -> set[str]:
    return {msgid for msgid in ENGLISH_IDS for text in texts if _pattern(msgid).search(text)}


def test_the_english_ids_are_translated_in_kazakh_and_russian():
    for lang in ("kk", "ru"):
        catalog = _catalog(lang)
        for msgid in ENGLISH_IDS:
            message = catalog.get(msgid)
            assert message is not None and message.string, (lang, msgid)
            assert not _pattern(msgid).search(message.string), (lang, msgid)


@pytest.mark.parametrize("template", ["yearly.html", "people.html", "plans.html",
                                      "edit_plan.html"])
def test_every_string_of_the_templates_reaches_the_catalogue(template):
    """A template Babel cannot parse (e.g. `{% do %}` without the extension) silently gives
    no strings at all: its page then stays English in every language."""
    found = [m[1] for m in extract_from_file("jinja2", ROOT / "templates" / "reports" / template)]
    assert found, f"no message extracted from templates/reports/{template}"
    kk, ru = _catalog("kk"), _catalog("ru")
    for msgid in found:
        assert kk.get(msgid) is not None and kk.get(msgid).string, msgid
        assert ru.get(msgid) is not None and ru.get(msgid).string, msgid


@pytest.fixture
def kazakh(client, login, h, make_user):
    """An admin whose browser asks for Kazakh; 2025 closed, then one late revocation."""
    _plan(h.a, 2025, chair=4, treasurer=2)
    services.close_year(2025, h.admin)
    h.certificates["p2E1"].revoked_at = datetime.now(UTC)
    db.session.commit()
    login(h.admin)
    return {"Accept-Language": "kk-KZ,kk;q=0.9"}


def test_the_yearly_page_in_kazakh_has_no_english_left(client, kazakh, h):
    response = client.get(f"/reports/yearly?year=2025&union_id={h.u.id}", headers=kazakh)
    html = response.get_data(as_text=True)
    assert '<html lang="kk">' in html
    assert 'id="changes-table"' in html and 'id="plan-total"' in html  # every section drawn
    assert _english(_visible(html)) == set()


def test_the_people_page_in_kazakh_has_no_english_left(client, kazakh, h):
    html = client.get("/reports/yearly/people?year=2025&kind=seminar",
                      headers=kazakh).get_data(as_text=True)
    assert '<html lang="kk">' in html and "Первый Председатель" in html
    assert _english(_visible(html)) == set()


def test_the_xlsx_in_kazakh_has_no_english_left(client, kazakh, h):
    response = client.get("/reports/yearly?year=2025&format=xlsx", headers=kazakh)
    wb = load_workbook(io.BytesIO(response.data))
    kk = _catalog("kk")
    # Each sheet under its own, whole Kazakh name: not the admin menu's "Users", not cut.
    assert wb.sheetnames == [kk.get(i).string for i in KK_SHEETS]
    assert "Пайдаланушылар" not in wb.sheetnames
    headers = [c.value for ws in wb.worksheets for c in ws[1]]
    labels = [r[0].value for r in wb["Есеп туралы"].iter_rows()]
    levels = [r[1].value for r in wb["Жоспар және нәтиже"].iter_rows(min_row=2)]
    texts = [str(v) for v in (*wb.sheetnames, *headers, *labels, *levels) if v]
    assert _english(texts) == set()
    changes = wb["Жабылғаннан кейінгі өзгерістер"]
    assert changes.cell(2, 1).value == "Второй Казначей"
    assert changes.cell(2, 4).value.date() == date(2025, 3, 3)


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_sheet_names_fit_excel_whole(lang):
    """Excel allows 31 characters: a longer translation would be cut mid-word."""
    catalog = _catalog(lang)
    for msgid in (*KK_SHEETS, "Participants"):
        name = catalog.get(msgid).string if lang != "en" else msgid
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), (lang, name)


# --- 5. what else a staffer would stumble on -----------------------------------------------


def test_closing_and_reopening_ask_first(client, login, h):
    login(h.admin)
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    form = re.search(r'<form [^>]*action="/reports/years/2025/close"[^>]*>', html).group(0)
    assert 'data-confirm="' in form
    client.post("/reports/years/2025/close")
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    form = re.search(r'<form [^>]*action="/reports/years/2025/reopen"[^>]*>', html).group(0)
    assert 'data-confirm="' in form


def test_plan_fulfilment_is_a_percentage_in_the_xlsx(client, login, h):
    _plan(h.a, 2025, chair=4, treasurer=2)  # 6 planned, 3 trained
    login(h.coordinator)
    wb = load_workbook(io.BytesIO(client.get("/reports/yearly?year=2025&format=xlsx").data))
    plan = wb.worksheets[2]
    total = plan[plan.max_row]
    assert total[4].value == 0.5 and total[4].number_format == "0%"


def test_the_people_page_says_what_it_lists(client, login, h):
    login(h.coordinator)
    html = client.get("/reports/yearly/people?year=2025&kind=seminar").get_data(as_text=True)
    coverage = re.search(r'id="coverage">(.*?)</p>', html, re.S).group(1)
    assert h.a.name in coverage and "Семинар" in coverage


def test_plan_branches_follow_the_regions_order(h):
    """Sorted by name, Kazakh letters (Қ, Ө, Ұ…) would come after Я; the regions' own order
    reads the same in every language, as in the table above."""
    h.b.name_ru = "Алматинский филиал"  # first by name, last of the three by region
    db.session.commit()
    plan = services.plan_report(2025, h.admin)
    expected = sorted((h.a, h.a2, h.b), key=lambda b: b.region.sort_order)
    assert [line.key for line in plan.branches] == [b.id for b in expected]
    assert [line.key for line in plan.regions] == [b.region_id for b in expected]
