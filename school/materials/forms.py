"""Forms of the materials feature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from school.core.utils import optional_int


class _Target(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    session_id = SelectField(_l("Session"), coerce=optional_int, validate_choice=False)


class FileForm(_Target):
    file = FileField(_l("File"), validators=[FileRequired()],
                     description=_l("PDF, Word, PowerPoint, Excel or OpenDocument."))


class LinkForm(_Target):
    url = StringField(_l("Web address"), validators=[DataRequired(), Length(max=500)],
                      description=_l("For example, the recording of the session."))


class EmptyForm(FlaskForm):
    """Only the CSRF token, for buttons that post."""
