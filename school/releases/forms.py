"""Forms of the releases feature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from school.core.utils import optional_int


class EmployerForm(FlaskForm):
    bin = StringField(_l("BIN"), validators=[DataRequired(), Length(max=20)])
    name_ru = StringField(_l("Legal name in Russian"),
                          validators=[DataRequired(), Length(max=300)])
    name_kk = StringField(_l("Legal name in Kazakh"), validators=[Optional(), Length(max=300)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    hr_emails = StringField(
        _l("HR e-mail addresses"), validators=[Optional(), Length(max=1000)],
        description=_l("Separated by commas: each address gets the requests."),
    )
    language = SelectField(_l("Language of letters"), choices=[
        ("ru", "Русский"), ("kk", "Қазақша"),
    ])


class AgreementForm(FlaskForm):
    union_id = SelectField(_l("Sectoral union"), coerce=optional_int, validate_choice=False)
    employer_id = SelectField(_l("Employer (only for an agreement with one employer)"),
                              coerce=optional_int, validate_choice=False)
    name_ru = StringField(_l("Agreement in Russian"), validators=[DataRequired(), Length(max=300)],
                          description=_l("As the letter cites it, e.g. the sectoral agreement "
                                         "for 2024–2026"))
    name_kk = StringField(_l("Agreement in Kazakh"), validators=[Optional(), Length(max=300)])
    clause_ru = StringField(_l("Clause in Russian"), validators=[Optional(), Length(max=300)])
    clause_kk = StringField(_l("Clause in Kazakh"), validators=[Optional(), Length(max=300)])
    paid_days = IntegerField(_l("Paid training days per calendar year"), default=5,
                             validators=[Optional(), NumberRange(min=0, max=60)])
    active = BooleanField(_l("In force"), default=True)


class AnswerForm(FlaskForm):
    choice = RadioField(_l("Your answer"), choices=[
        ("release", _l("We release the employee for the training days")),
        ("refuse", _l("We cannot release the employee")),
        ("substitute", _l("We propose another employee")),
    ], validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])
    proposed_name = StringField(_l("Full name of the proposed employee"),
                                validators=[Optional(), Length(max=200)])


class OwnEmployerForm(FlaskForm):
    bin = StringField(
        _l("Your employer's BIN"), validators=[Optional(), Length(max=20)],
        description=_l("Only if you work elsewhere than the employer of your primary "
                       "organisation. Leave empty to use your organisation's employer."),
    )


class SendForm(FlaskForm):
    force = BooleanField(_l("Send even though it passes the paid-days cap"))
