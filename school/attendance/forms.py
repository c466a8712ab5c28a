"""Forms: the sheet's cells are named per enrolment and session, so they are read here
rather than declared; the form classes carry CSRF and the fixed fields."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional

from school.attendance.models import AttendanceStatus
from school.attendance.services import REASON_MAX, REMARK_MAX, UNCHANGED, MarkInput
from school.errors import DomainError

# s-<enrollment>-<session>: the chosen status; r-…: the remark; os-/or-: what the page
# showed, so that only the cells this person changed are sent on (two instructors
# working on one sheet do not overwrite each other's marks with stale values).
_CELL = re.compile(r"^s-(\d{1,12})-(\d{1,12})$")
MAX_CELLS = 5000


class SheetForm(FlaskForm):
    reason = StringField(
        _l("Reason for the change"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Required after the event is completed."),
    )


class EmptyForm(FlaskForm):
    """CSRF only: buttons that post an action."""


class CheckinForm(FlaskForm):
    code = StringField(
        _l("Check-in code"),
        validators=[DataRequired(message=_l("Enter the code shown by the instructor.")),
                    Length(max=20)],
        description=_l("The code on the instructor's screen, e.g. K7M 4QPX."),
    )


class CheckinControlForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])


def _status(value: str | None) -> AttendanceStatus | None:
    if not value:
        return None
    try:
        return AttendanceStatus(value)
    except ValueError:
        raise DomainError("invalid_status", _l("Choose one of the listed statuses.")) from None


def changed_cells(data: Mapping[str, str]) -> list[MarkInput]:
    """The cells whose status or remark differs from what the page showed.

    An empty status never removes a mark: a cell stays as it is until someone picks a
    status. Raises `invalid_status` for a value that is not a status, `too_many_cells`.
    """
    result = []
    keys = [k for k in data if k.startswith("s-")]
    if len(keys) > MAX_CELLS:
        raise DomainError("too_many_cells", _l("Too many marks in one request."))
    for key in keys:
        match = _CELL.match(key)
        if not match:
            continue
        enrollment_id, session_id = int(match[1]), int(match[2])
        suffix = f"-{enrollment_id}-{session_id}"
        status = _status(data.get(key))
        if status is None:
            continue
        shown_status = data.get("os" + suffix, "")
        remark = UNCHANGED
        remark_key = "r" + suffix
        if remark_key in data:
            typed = (data.get(remark_key) or "")[: REMARK_MAX * 2]
            if typed.strip() != (data.get("or" + suffix) or "").strip():
                remark = typed
        remark_changed = remark is not UNCHANGED
        if status.value == shown_status and not remark_changed:
            continue
        result.append(MarkInput(enrollment_id, session_id, status, remark))
    return result
