"""The attendance sheet as XLSX, and the printable sign-in sheet as PDF."""

from __future__ import annotations

import io

from flask import render_template
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from school.attendance.models import AttendanceStatus
from school.attendance.sheet import Sheet
from school.core.exports import Percent, xlsx_row
from school.pdf import render_pdf

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_filename(sheet: Sheet, ext: str) -> str:
    return f"attendance-{sheet.event.id}.{ext}"


def export(sheet: Sheet, fmt: str) -> tuple[bytes, str, str, str]:
    """(data, mimetype, filename, disposition) of the sheet as `fmt`: "xlsx" is a file
    to download, "pdf" the sign-in sheet opened in the browser to print."""
    if fmt == "xlsx":
        return sheet_xlsx(sheet), XLSX, sheet_filename(sheet, "xlsx"), "attachment"
    return signin_pdf(sheet), "application/pdf", sheet_filename(sheet, "pdf"), "inline"


def sheet_xlsx(sheet: Sheet) -> bytes:
    """Names, one column per session with the status, then totals."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Attendance")[:31]
    event = sheet.event
    ws.append(xlsx_row(ws, [event.title]))
    ws["A1"].font = Font(bold=True, size=13)
    period = f"{event.starts_on:%d.%m.%Y} – {event.ends_on:%d.%m.%Y}"
    ws.append(xlsx_row(ws, [period, _("Threshold: %(n)d%%",
                                       n=event.program.completion_threshold)]))
    ws.append([])
    header = [_("No."), _("Full name"), _("Primary union organisation")]
    header += [s.starts_at for s in sheet.sessions]  # date-time cells, Almaty time
    header += [_("Attended"), _("Share of sessions (percent)"), _("Academic hours"), _("Status")]
    ws.append(xlsx_row(ws, header))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="DDE6F2")
    first = len(header) - len(sheet.sessions) - 4
    for n, row in enumerate(sheet.rows, start=1):
        person = row.enrollment.user
        org = person.primary_org.name if person.primary_org else ""
        values = [n, person.full_name, org]
        for session in sheet.sessions:
            status = row.status(session.id)
            mark = row.marks.get(session.id)
            text = status.label if status else ""
            if mark is not None and mark.remark:
                text = f"{text} ({mark.remark})"
            values.append(text)
        outcome = row.outcome
        values += [
            outcome.attended,
            Percent(outcome.percent),
            float(outcome.hours),
            row.enrollment.status.label,
        ]
        ws.append(xlsx_row(ws, values))
    totals = ["", _("Total present or late"), ""]
    for session in sheet.sessions:
        totals.append(sheet.count(session.id, AttendanceStatus.present)
                      + sheet.count(session.id, AttendanceStatus.late))
    ws.append(xlsx_row(ws, totals))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    widths = {1: 5, 2: 36, 3: 36}
    for col in range(1, len(header) + 1):
        width = widths.get(col, 16 if col <= first + len(sheet.sessions) else 12)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# Rows left blank at the end of the paper sheet for people who come without enrolling.
BLANK_ROWS = 5


def signin_pdf(sheet: Sheet) -> bytes:
    """A4 landscape: names and one signature column per session, for halls without
    network; the instructor types the marks in afterwards."""
    html = render_template("attendance/signin_sheet.html", sheet=sheet, blank_rows=BLANK_ROWS)
    return render_pdf(html, "attendance")
