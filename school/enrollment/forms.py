"""Forms of the enrolment pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional

from school.core.utils import record_id


class EnrolForm(FlaskForm):
    """The enrol button: only its CSRF token and where to go back to."""

    next = HiddenField()


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    next = HiddenField()


class DecisionForm(FlaskForm):
    ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    action = HiddenField()
    reason = StringField(_l("Reason for rejection"), validators=[Optional(), Length(max=500)])


class NominateForm(FlaskForm):
    user_ids = SelectMultipleField(coerce=record_id, validate_choice=False)


class UploadForm(FlaskForm):
    file = FileField(
        _l("List of people (CSV or XLSX)"),
        validators=[FileRequired()],
        description=_l("Columns: full name, e-mail, IIN, phone, primary organisation, "
                       "category."),
    )
