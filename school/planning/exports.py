"""The consolidated plan and plan-vs-actual as XLSX (a sheet per level, totals, frozen
headers) and as the tidy CSV of the contract."""

from __future__ import annotations

import io
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from school.accounts.models import Category
from school.catalog.models import Program
from school.core.exports import csv_bytes, sheet_title, xlsx_row
from school.extensions import db
from school.orgs.models import PrimaryOrganization
from school.planning.consolidate import CSV_HEADER, LEVEL_ORDER, Consolidation
from school.planning.models import BudgetLine, Plan, PlanLevel


def tenge(tiyn: int) -> Decimal:
    """Tiyn as an exact number of tenge for a spreadsheet cell (never a float)."""
    return Decimal(int(tiyn)).scaleb(-2)


def consolidated_csv(cons: Consolidation, visible=None) -> bytes:
    return csv_bytes(CSV_HEADER, cons.csv_rows(visible))


def org_names(year: int) -> dict[int, str]:
    """Names of the organisations that have a plan this year (one query)."""
    rows = db.session.scalars(
        select(PrimaryOrganization).join(Plan, Plan.organization_id == PrimaryOrganization.id)
        .where(Plan.year == year))
    return {o.id: o.name for o in rows}


def program_codes() -> dict[int, str]:
    return {p.id: p.code for p in db.session.scalars(select(Program))}


def _workbook(sheets: list[tuple[str, list, list[list], list]]) -> bytes:
    """Sheets of (title, header, rows, totals row): bold frozen header, totals in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows, totals in sheets:
        sheet = workbook.create_sheet(sheet_title(title))
        for i, h in enumerate(header, start=1):
            width = max([len(str(h))] + [len(str(r[i - 1])) for r in rows[:200]])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
        head = xlsx_row(sheet, header)
        for cell in head:
            cell.font = bold
        sheet.append(head)
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
        total = xlsx_row(sheet, totals)
        for cell in total:
            cell.font = bold
        sheet.append(total)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def consolidated_xlsx(cons: Consolidation, visible=None) -> bytes:
    names = org_names(cons.year)
    codes = program_codes()
    header = [_("Unit"), _("Unit id"), _("Parent id"), _("State"), _("Category"),
              _("Programme"), _("Headcount"), _("Budget line"), _("Tenge")]
    per_level: dict[PlanLevel, list[list]] = {level: [] for level in LEVEL_ORDER}
    # Labels translated once, not once a row (gettext is the slow part of a big export).
    states = {s: _state_label(s) for s in ("draft", "submitted", "approved", "returned",
                                           "consolidated")}
    categories = {c.value: c.label for c in Category} | {"": ""}
    lines = {b.value: b.label for b in BudgetLine} | {"": ""}
    for row in cons.csv_rows(visible):
        level, unit_id, parent_id, state, category, program_id, people, line, tiyn = row
        unit = (PlanLevel(level), unit_id)
        per_level[unit[0]].append([
            cons.tree.name(unit, names), unit_id, parent_id, states[state],
            categories[category], codes.get(program_id, "") if program_id != "" else "",
            people, lines[line], tenge(tiyn),
        ])
    sheets = []
    for level in LEVEL_ORDER:
        rows = per_level[level]
        # Totals of one kind of row only: own approved and consolidated would count twice.
        wanted = states["approved" if level is PlanLevel.organisation else "consolidated"]
        kept = [r for r in rows if r[3] == wanted]
        totals = [_("Total"), "", "", kept[0][3] if kept else "", "", "",
                  sum(r[6] for r in kept), "", sum(r[8] for r in kept)]
        sheets.append((level.label, header, rows, totals))
    return _workbook(sheets)


def _state_label(state: str) -> str:
    from school.planning.models import PlanState

    if state == "consolidated":
        return _("Consolidated")
    return PlanState(state).label


def plan_vs_actual_xlsx(cons: Consolidation, actual: dict, units: list) -> bytes:
    header = [_("Unit"), _("Unit id"), _("Planned people"), _("Trained people"),
              _("Planned tenge"), _("Spent tenge")]
    sheets = []
    for level in (PlanLevel.union, PlanLevel.branch, PlanLevel.local):
        rows = []
        for unit in units:
            if unit[0] is not level:
                continue
            planned = cons.totals(cons.consolidated.get(unit, {}))
            done = actual.get(unit, [0, 0])
            rows.append([cons.tree.name(unit), unit[1], planned[0], done[0],
                         tenge(planned[1]), tenge(done[1])])
        totals = [_("Total"), ""] + [sum(r[i] for r in rows) for i in range(2, 6)]
        sheets.append((level.label, header, rows, totals))
    return _workbook(sheets)


PVA_HEADER = ("level", "unit_id", "parent_id", "planned_people", "actual_people",
              "planned_tiyn", "actual_tiyn")


def plan_vs_actual_csv(cons: Consolidation, actual: dict, units: list) -> bytes:
    """One row per union, branch and local union: consolidated plan against actual."""
    def rows():
        for unit in units:
            parent = cons.tree.parent_of(unit)
            planned = cons.totals(cons.consolidated.get(unit, {}))
            done = actual.get(unit, [0, 0])
            yield [unit[0].value, unit[1], parent[1] if parent else "", planned[0], done[0],
                   planned[1], done[1]]

    return csv_bytes(PVA_HEADER, rows())
