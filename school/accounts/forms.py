"""Sign-in, registration, profile and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from school.accounts.models import Category
from school.core.utils import optional_int


def category_choices():
    return [("", _l("— choose —")), *Category.choices()]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me"))


class _ProfileFields(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(), Length(min=3, max=200)],
        description=_l("Surname, first name and patronymic, as in your ID card."),
    )
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)],
                     description=_l("For example +7 701 123 45 67"))
    iin = StringField(
        _l("IIN"),
        validators=[Optional(), Length(max=20)],
        description=_l("Optional. 12 digits; used to match your records."),
    )
    region_id = SelectField(_l("Region"), coerce=optional_int, validate_choice=False)
    union_id = SelectField(_l("Sectoral union"), coerce=optional_int, validate_choice=False)
    branch_id = SelectField(_l("Branch"), coerce=optional_int, validate_choice=False)
    primary_org_id = SelectField(
        _l("Primary union organisation"), coerce=optional_int, validate_choice=False
    )
    category = SelectField(_l("Category"), choices=category_choices, validate_choice=False)
    position = StringField(_l("Position in Russian"), validators=[Optional(), Length(max=200)])
    position_kk = StringField(_l("Position in Kazakh"),
                              validators=[Optional(), Length(max=200)])
    workplace = StringField(_l("Workplace in Russian"),
                            validators=[Optional(), Length(max=300)])
    workplace_kk = StringField(_l("Workplace in Kazakh"),
                               validators=[Optional(), Length(max=300)])


class RegistrationForm(_ProfileFields):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    password2 = PasswordField(
        _l("Repeat the password"),
        validators=[Optional(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    consent = BooleanField(
        _l("I consent to the collection and processing of my personal data"),
        validators=[DataRequired(message=_l("Registration needs your consent."))],
    )


class ProfileForm(_ProfileFields):
    pass


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(max=200)])
    new_password2 = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(),
                    EqualTo("new_password", message=_l("The passwords do not match."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    password2 = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(),
                    EqualTo("password", message=_l("The passwords do not match."))],
    )


class WithdrawConsentForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that my future enrolments will be cancelled"),
        validators=[DataRequired()]
    )


class GrantRoleForm(FlaskForm):
    role = SelectField(_l("Role"), validate_choice=False)
    union_id = SelectField(_l("Sectoral union"), coerce=optional_int, validate_choice=False)
    branch_id = SelectField(_l("Branch"), coerce=optional_int, validate_choice=False)


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that post."""
