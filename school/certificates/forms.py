"""Forms of the certificates feature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class VerifyForm(FlaskForm):
    number = StringField(
        _l("Registry number"), validators=[DataRequired(), Length(max=40)],
        description=_l("As printed on the certificate, for example FPRK-2026-000123."),
    )
    surname = StringField(
        _l("Holder's surname"), validators=[DataRequired(), Length(max=200)],
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(max=500)],
        description=_l("Seen only by staff: the public verification page says only that "
                       "the certificate was revoked, and when."),
    )


class ReissueForm(FlaskForm):
    # No name field: a reissue prints the name from the person's profile (issue 11).
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(max=500)],
        description=_l("For example: the name was misspelt."),
    )


class EmptyForm(FlaskForm):
    """Only the CSRF token, for buttons that post."""
