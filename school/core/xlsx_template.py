"""A blank workbook to fill in and upload: headers in the reader's language, drop-downs.

The first sheet holds only the header row (an example row would be read as data), each
header with a comment saying what to write; columns backed by a vocabulary get a
drop-down (data validation over a list on a hidden sheet: an inline list is limited to
255 characters). A second sheet explains every column and lists the allowed values.
The headers and values come from school/core/vocabulary.py, so the file reads back.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from school.core.exports import sheet_title
from school.core.vocabulary import Column


def template_xlsx(columns: tuple[Column, ...], *, title: str, rows: int = 2000,
                  notes: tuple[str, ...] = ()) -> bytes:
    """The template's bytes; `rows` is how far down the drop-downs reach."""
    book = Workbook()
    data = book.active
    data.title = sheet_title(title)
    guide = book.create_sheet(sheet_title(_("How to fill in")))
    lists = book.create_sheet("lists")
    lists.sheet_state = "hidden"

    guide.append([_("Column"), _("Required"), _("What to write"), _("Allowed values")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    list_column = 0
    for n, column in enumerate(columns, start=1):
        letter = get_column_letter(n)
        header = data.cell(row=1, column=n, value=str(column.label))
        header.font = Font(bold=True)
        hint = str(column.hint) if column.hint else ""
        if hint:
            header.comment = Comment(hint, "school", width=240, height=90)
        data.column_dimensions[letter].width = max(14, len(str(column.label)) + 4)
        allowed = column.vocabulary.allowed() if column.vocabulary else []
        guide.append([str(column.label), _("yes") if column.required else "", hint,
                      "\n".join(allowed)])
        if not allowed:
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        for i, value in enumerate(allowed, start=1):
            lists.cell(row=i, column=list_column, value=value)
        validation = DataValidation(
            type="list", allow_blank=not column.required,
            formula1=f"{quote_sheetname(lists.title)}!${list_letter}$1:"
                     f"${list_letter}${len(allowed)}",
            showErrorMessage=True, errorStyle="warning",
            errorTitle=str(column.label)[:32],
            error=_("Choose a value from the list.")[:255],
        )
        data.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{rows + 1}")
    data.freeze_panes = "A2"
    for width, letter in ((28, "A"), (12, "B"), (50, "C"), (50, "D")):
        guide.column_dimensions[letter].width = width
    if notes:
        guide.append([])
        for note in notes:
            guide.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
