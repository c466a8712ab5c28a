"""Forms of the planning pages: plan lines, decisions, event costs, the calendar."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from school.accounts.models import Category
from school.catalog.models import EventKind
from school.core.utils import optional_int
from school.planning.models import BudgetLine, FundingSource, PlanLevel

MONTHS = [
    (1, _l("January")), (2, _l("February")), (3, _l("March")), (4, _l("April")),
    (5, _l("May")), (6, _l("June")), (7, _l("July")), (8, _l("August")),
    (9, _l("September")), (10, _l("October")), (11, _l("November")), (12, _l("December")),
]


def program_choices(programs) -> list:
    return [(None, _l("Any programme"))] + [(p.id, f"{p.code} · {p.title}") for p in programs]


class HeadcountForm(FlaskForm):
    category = SelectField(_l("Category"), validate_choice=False,
                           choices=Category.choices())
    program_id = SelectField(_l("Programme"), coerce=optional_int, validate_choice=False)
    people = IntegerField(_l("People to train"),
                          validators=[InputRequired(), NumberRange(min=0, max=1_000_000)])


class BudgetForm(FlaskForm):
    line = SelectField(_l("Budget line"), validate_choice=False,
                       choices=BudgetLine.choices())
    source = SelectField(_l("Funding source"), validate_choice=False,
                         choices=FundingSource.choices())
    program_id = SelectField(_l("Programme"), coerce=optional_int, validate_choice=False)
    amount = StringField(_l("Amount, tenge"), validators=[DataRequired(), Length(max=30)],
                         description=_l("For example 1 250 000 or 1250000,50"))


class PlanEventForm(FlaskForm):
    kind = SelectField(_l("Kind"), validate_choice=False,
                       choices=EventKind.choices())
    program_id = SelectField(_l("Programme"), coerce=optional_int, validate_choice=False)
    month = SelectField(_l("Month"), coerce=optional_int, validate_choice=False, choices=MONTHS)
    participants = IntegerField(_l("Expected participants"),
                                validators=[InputRequired(), NumberRange(min=0, max=1_000_000)])


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=1000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Why the approved plan changes"),
                           validators=[DataRequired(), Length(max=1000)])


class CalendarForm(FlaskForm):
    organisation = DateField(PlanLevel.organisation.lazy_label, validators=[Optional()])
    local = DateField(PlanLevel.local.lazy_label, validators=[Optional()])
    branch = DateField(PlanLevel.branch.lazy_label, validators=[Optional()])
    union = DateField(PlanLevel.union.lazy_label, validators=[Optional()])
