"""Forms for regions, unions, branches and organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from school.core.utils import optional_int
from school.orgs.models import BranchKind


class _Names(FlaskForm):
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=300)])
    name_kk = StringField(_l("Name in Kazakh"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=300)])


class RegionForm(_Names):
    pass


class UnionForm(_Names):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Short Latin code used in imports, e.g. kyzmet"))
    short_name_ru = StringField(_l("Short name in Russian"),
                                validators=[Optional(), Length(max=100)])
    short_name_kk = StringField(_l("Short name in Kazakh"),
                                validators=[Optional(), Length(max=100)])
    short_name_en = StringField(_l("Short name in English"),
                                validators=[Optional(), Length(max=100)])


class BranchForm(_Names):
    union_id = SelectField(_l("Sectoral union"), coerce=optional_int, validate_choice=False)
    region_id = SelectField(_l("Region"), coerce=optional_int, validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False, choices=[
        (BranchKind.oblast.value, _l("Regional (oblast) branch")),
        (BranchKind.city.value, _l("City branch")),
        (BranchKind.local.value, _l("Local union")),
    ])
    parent_id = SelectField(_l("Parent branch (for a local union)"), coerce=optional_int,
                            validate_choice=False)


class OrganizationForm(FlaskForm):
    branch_id = SelectField(_l("Branch"), coerce=optional_int, validate_choice=False)
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=300)])
    name_kk = StringField(_l("Name in Kazakh"), validators=[Optional(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=300)])
    bin = StringField(_l("BIN"), validators=[Optional(), Length(max=12)])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
