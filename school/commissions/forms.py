"""Forms of the commissions pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from school.commissions.models import BodyKind, MemberRole, Side
from school.core.utils import optional_int, record_id


def kind_choices(empty=None):
    choices = [(k.value, k.label) for k in BodyKind]
    return [("", empty), *choices] if empty else choices


class BodyForm(FlaskForm):
    kind = SelectField(_l("Body"), validate_choice=False)
    primary_org_id = SelectField(_l("Primary organisation"), coerce=optional_int,
                                 validate_choice=False)
    branch_id = SelectField(_l("Or the branch itself"), coerce=optional_int,
                            validate_choice=False,
                            description=_l("For a body of the branch rather than of a "
                                           "primary organisation."))


class MemberForm(FlaskForm):
    person = StringField(_l("Person: IIN or e-mail"),
                         validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), validate_choice=False)
    side = SelectField(_l("Side (conciliation commissions)"), validate_choice=False)
    term_start = DateField(_l("Term starts"), validators=[DataRequired()])
    term_end = DateField(_l("Term ends"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.value, r.label) for r in MemberRole]
        self.side.choices = [("", _l("None")), *[(s.value, s.label) for s in Side]]


class EndTermForm(FlaskForm):
    term_end = DateField(_l("Term ends"), validators=[Optional()])


class RequirementForm(FlaskForm):
    body_kind = SelectField(_l("Body"), validate_choice=False)
    role = SelectField(_l("Role"), validate_choice=False)
    program_ids = SelectMultipleField(_l("Programmes that count"), coerce=record_id,
                                      validate_choice=False)
    validity_months = IntegerField(
        _l("Valid for (months)"), validators=[Optional(), NumberRange(1, 120)],
        description=_l("Leave empty when one completion counts for good."))
    new_member_months = IntegerField(
        _l("A new member must be trained within (months)"),
        validators=[InputRequired(), NumberRange(0, 120)], default=6)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.body_kind.choices = kind_choices()
        self.role.choices = [("", _l("Any role")), *[(r.value, r.label) for r in MemberRole]]


class NominateForm(FlaskForm):
    event_id = SelectField(_l("Event of a programme that counts"), coerce=optional_int,
                           validate_choice=False)
    member_ids = SelectMultipleField(coerce=record_id, validate_choice=False)
    everyone = HiddenField()


class UploadForm(FlaskForm):
    file = FileField(_l("List of members (CSV or XLSX)"), validators=[FileRequired()])
