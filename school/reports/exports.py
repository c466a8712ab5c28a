"""CSV (for machines) and XLSX (for people) files of the yearly report and its lists.

Both go through the shared writers of school/core/exports.py: CSV fields quoted and
neutralised (a participant named `=HYPERLINK("…")` must come out as text), XLSX cells
typed (text stays text, numbers stay numbers).
"""

from __future__ import annotations

import io
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from school.accounts.models import Category
from school.core.exports import csv_bytes, sheet_title, xlsx_bytes, xlsx_row
from school.reports.closing import Differences
from school.reports.plans import PlanReport
from school.reports.services import YearlyReport
from school.timeutil import now, to_local

BOM = "\ufeff"
BOLD = Font(bold=True)


def _csv(header: list[str], rows) -> bytes:
    return csv_bytes(header, rows)


def _region_name(region) -> str:
    return region.name if region is not None else _("Region not stated")


def _category_name(category) -> str:
    return category.label if category is not None else _("Category not stated")


# --- yearly report ------------------------------------------------------------------------

YEARLY_CSV_HEADER = ["year", "region_code", "region", "category", "participations", "people"]


def yearly_csv(report: YearlyReport) -> bytes:
    """Tidy: one row per region and category (zeros included), no totals (people are not
    additive); region names in the reader's language, categories as stable codes."""
    rows = []
    for region in report.regions:
        region_id = region.id if region is not None else None
        for category in report.categories:
            cell = report.cell(region_id, category)
            rows.append([
                report.year,
                region.code if region is not None else "",
                _region_name(region) if region is not None else "",
                category.value if category is not None else "",
                cell.participations,
                cell.people,
            ])
    return _csv(YEARLY_CSV_HEADER, rows)


def _sheet_title(text: str) -> str:
    return sheet_title(text)


def _write_table(ws, header: list, rows: list[list], *, total_row: list | None = None,
                 freeze: str = "B2", percent_column: int | None = None) -> None:
    ws.append(xlsx_row(ws, header))
    for cell in ws[1]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(xlsx_row(ws, row))
    if total_row is not None:
        ws.append(xlsx_row(ws, total_row))
        for cell in ws[ws.max_row]:
            cell.font = BOLD
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "DD.MM.YYYY"
    if percent_column is not None:  # shares (0.5) shown as 50 %
        for (cell,) in ws.iter_rows(min_row=2, min_col=percent_column, max_col=percent_column):
            cell.number_format = "0%"
    ws.freeze_panes = freeze
    ws.column_dimensions["A"].width = 40
    for i in range(2, len(header) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 16


def _matrix(ws, report: YearlyReport, measure: str) -> None:
    header = [_("Region"), *[_category_name(c) for c in report.categories], _("Total")]
    rows = []
    for region in report.regions:
        region_id = region.id if region is not None else None
        rows.append([
            _region_name(region),
            *[getattr(report.cell(region_id, c), measure) for c in report.categories],
            getattr(report.region_total(region_id), measure),
        ])
    total = [
        _("Total"),
        *[getattr(report.category_total(c), measure) for c in report.categories],
        getattr(report.total, measure),
    ]
    _write_table(ws, header, rows, total_row=total)


def yearly_xlsx(report: YearlyReport, plan: PlanReport | None = None,
                diffs: Differences | None = None, filters_text: list[str] = ()) -> bytes:
    """The report as a workbook: the matrix twice (participations, people), plan against
    result, changes since closing, and what the figures cover.

    Sheet names have message ids of their own (the report's "People trained", not the admin
    menu's "People", which Kazakh renders as "Users"), short enough in every language for
    Excel's 31 characters."""
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(_("Participations"))
    _matrix(ws, report, "participations")
    _matrix(wb.create_sheet(_sheet_title(_("People trained"))), report, "people")

    if plan is not None:
        ws = wb.create_sheet(_sheet_title(_("Plan and result")))
        rows = []
        for level, lines in ((_("Sectoral union"), plan.unions), (_("Region"), plan.regions),
                             (_("Branch"), plan.branches),
                             (_("Participant category"), plan.categories)):
            rows += [[line.label, level, line.planned, line.actual, line.share]
                     for line in lines]
        total = [plan.total.label, _("Total"), plan.total.planned, plan.total.actual,
                 plan.total.share]
        _write_table(ws, [_("Name"), _("Level"), _("Planned"), _("People trained"),
                          _("Plan fulfilled")], rows, total_row=total, percent_column=5)

    if diffs is not None:
        ws = wb.create_sheet(_sheet_title(_("Changes after closing")))
        rows = [[d.full_name, d.reason_label, d.event_title, d.ends_on,
                 _region_name(d.region), d.branch.name if d.branch else "",
                 _category_name(d.category)] for d in diffs.items]
        _write_table(ws, [_("Full name"), _("Change"), _("Event"), _("Ended on"), _("Region"),
                          _("Branch"), _("Participant category")], rows)

    ws = wb.create_sheet(_sheet_title(_("About the report")))
    about = [
        [_("Year"), report.year],
        [_("Report covers"), report.coverage],
        *[[_("Filter"), text] for text in filters_text],
        [_("Year status"), _("Closed on %(date)s", date=to_local(report.closed.closed_at)
                             .strftime("%d.%m.%Y")) if report.closed else _("Not closed")],
        [_("Exported at"), now()],  # a date-time cell in Almaty time
    ]
    _write_table(ws, [_("Report"), _("Trained union activists")], about, freeze="A2")
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the per-participant list ---------------------------------------------------------------


def _participant_row(row) -> list:
    year, category, full_name, region_code, region, branch, event, program, number = row
    category = Category(category) if category else None
    return [
        year, full_name, region_code or "", _region_name(region) if region else "",
        branch.name if branch else "", _category_name(category), event.title,
        program.code, event.ends_on, number or "",
    ]


def _participant_header() -> list[str]:
    return [_("Year"), _("Full name"), _("Region code"), _("Region"), _("Branch"),
            _("Participant category"), _("Event"), _("Programme"), _("Ended on"),
            _("Certificate No.")]


def participants_csv(rows) -> bytes:
    return _csv(_participant_header(), (_participant_row(r) for r in rows))


def participants_xlsx(rows) -> bytes:
    # Streamed: a year's list can hold a hundred thousand people.
    return xlsx_bytes(_participant_header(), (_participant_row(r) for r in rows),
                      title=_("Participants"), freeze="C2")
