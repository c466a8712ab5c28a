"""Forms of the issue-22 pages: substitution, transfer, walk-ins, seat rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from school.core.utils import record_id


class SubstituteForm(FlaskForm):
    person_id = HiddenField()
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=500)])


class TransferForm(FlaskForm):
    target = SelectField(_l("Move to"), coerce=record_id, validate_choice=False)
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=500)])


class WalkInForm(FlaskForm):
    """An existing person (person_id) or a new one (the other fields)."""

    person_id = HiddenField()
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    consent = BooleanField(_l("The person agrees to the processing of their personal data "
                              "and will confirm it by the letter they receive"))
    reason = StringField(_l("Reason to add over capacity"),
                         validators=[Optional(), Length(max=500)],
                         description=_l("Needed only when no seat is free."))


class QuotaModeForm(FlaskForm):
    quota_id = HiddenField()
    mode = SelectField(_l("Kind of quota"), choices=[
        ("ceiling", _l("Ceiling: at most this many from the branch")),
        ("reserve", _l("Reservation: seats held for the branch until the release date")),
    ])
    release_on = DateField(_l("Release date"), validators=[Optional()],
                           description=_l("Empty: 7 days before the start."))


class TwoStepForm(FlaskForm):
    two_step_approval = BooleanField(
        _l("Two-step approval: the branch coordinator, then the training centre"))
    hold_seat_first_step = BooleanField(_l("Hold the seat from the first approval"))
