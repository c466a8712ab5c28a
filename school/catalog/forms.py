"""Forms for programmes, events, sessions, quotas and instructors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from school.accounts.models import Category
from school.catalog.models import (
    ApprovalMode,
    EventFormat,
    EventKind,
)
from school.core.utils import optional_int, record_id


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SignatoryForm(Form):
    name_ru = StringField(_l("Name in Russian"), validators=[Optional(), Length(max=200)])
    name_kk = StringField(_l("Name in Kazakh"), validators=[Optional(), Length(max=200)])
    title_ru = StringField(_l("Position in Russian"), validators=[Optional(), Length(max=300)])
    title_kk = StringField(_l("Position in Kazakh"), validators=[Optional(), Length(max=300)])


class ProgramForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Short Latin code, e.g. SPL-CHAIRS"))
    title_ru = StringField(_l("Title in Russian"), validators=[DataRequired(), Length(max=300)])
    title_kk = StringField(_l("Title in Kazakh"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=300)])
    description_ru = TextAreaField(_l("Description in Russian"),
                                   validators=[Optional(), Length(max=20000)])
    description_kk = TextAreaField(_l("Description in Kazakh"),
                                   validators=[Optional(), Length(max=20000)])
    description_en = TextAreaField(_l("Description in English"),
                                   validators=[Optional(), Length(max=20000)])
    academic_hours = IntegerField(_l("Academic hours"), validators=[InputRequired()])
    audience = MultiCheckboxField(
        _l("Audience"),
        choices=Category.choices,
        validate_choice=False,
        description=_l("Leave all unticked when the programme is open to everyone."),
    )
    completion_threshold = IntegerField(
        _l("Completion threshold, percent of sessions"), default=80, validators=[InputRequired()],
        description=_l("Share of sessions attended needed for the certificate."),
    )
    certificate_title_ru = StringField(_l("Certificate title in Russian"),
                                       validators=[Optional(), Length(max=300)])
    certificate_title_kk = StringField(_l("Certificate title in Kazakh"),
                                       validators=[Optional(), Length(max=300)])
    signatories = FieldList(FormField(SignatoryForm), min_entries=3, max_entries=6)
    active = BooleanField(_l("Offered (new events can use it)"), default=True)


class EventForm(FlaskForm):
    program_id = SelectField(_l("Programme"), coerce=optional_int, validate_choice=False)
    kind = SelectField(_l("Kind"), choices=EventKind.choices,
                       validate_choice=False)
    format = SelectField(_l("Format"), choices=EventFormat.choices,
                         validate_choice=False)
    title_ru = StringField(_l("Own title in Russian"), validators=[Optional(), Length(max=300)],
                           description=_l("Leave empty to use the programme's title."))
    title_kk = StringField(_l("Own title in Kazakh"), validators=[Optional(), Length(max=300)])
    title_en = StringField(_l("Own title in English"), validators=[Optional(), Length(max=300)])
    organizer = SelectField(_l("Organiser"), validate_choice=False)
    region_id = SelectField(_l("Region"), coerce=optional_int, validate_choice=False)
    city_ru = StringField(_l("City in Russian"), validators=[Optional(), Length(max=120)])
    city_kk = StringField(_l("City in Kazakh"), validators=[Optional(), Length(max=120)])
    venue = StringField(_l("Venue address in Russian"), validators=[Optional(), Length(max=500)])
    venue_kk = StringField(_l("Venue address in Kazakh"),
                           validators=[Optional(), Length(max=500)])
    venue_en = StringField(_l("Venue address in English"),
                           validators=[Optional(), Length(max=500)])
    online_link = StringField(
        _l("Online link"), validators=[Optional(), Length(max=500)],
        description=_l("Shown only to confirmed participants and staff."),
    )
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    capacity = IntegerField(_l("Capacity"), validators=[Optional()])
    enrol_opens_at = DateTimeLocalField(_l("Enrolment opens"), format="%Y-%m-%dT%H:%M",
                                        validators=[Optional()])
    enrol_closes_at = DateTimeLocalField(
        _l("Enrolment closes"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
        description=_l("Kazakhstan time; before the first session."),
    )
    approval_mode = SelectField(_l("Approval"), choices=ApprovalMode.choices,
                                validate_choice=False)
    # "One session per day from … to …": used when creating, or later on the event's page.
    daily_starts = TimeField(_l("Each day from"), validators=[Optional()])
    daily_ends = TimeField(_l("to"), validators=[Optional()])
    daily_hours = IntegerField(_l("Academic hours a day"), default=8,
                               validators=[Optional(), NumberRange(min=0, max=24)])


class SessionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[Optional()])
    starts = TimeField(_l("Starts"), validators=[Optional()])
    ends = TimeField(_l("Ends"), validators=[Optional()])
    topic_ru = StringField(_l("Topic in Russian"), validators=[Optional(), Length(max=300)])
    topic_kk = StringField(_l("Topic in Kazakh"), validators=[Optional(), Length(max=300)])
    topic_en = StringField(_l("Topic in English"), validators=[Optional(), Length(max=300)])
    academic_hours = IntegerField(_l("Academic hours"), default=0, validators=[Optional()])


class DailySessionsForm(FlaskForm):
    first_day = DateField(_l("From day"), validators=[Optional()])
    last_day = DateField(_l("To day"), validators=[Optional()])
    starts = TimeField(_l("Each day from"), validators=[Optional()])
    ends = TimeField(_l("to"), validators=[Optional()])
    academic_hours = IntegerField(_l("Academic hours a day"), default=8,
                                  validators=[Optional()])
    topic_ru = StringField(_l("Topic in Russian"), validators=[Optional(), Length(max=300)])
    topic_kk = StringField(_l("Topic in Kazakh"), validators=[Optional(), Length(max=300)])


class QuotaForm(FlaskForm):
    branch_id = SelectField(_l("Branch"), coerce=optional_int, validate_choice=False)
    seats = IntegerField(_l("Seats"), validators=[Optional()],
                         description=_l("Leave empty to remove the branch's quota."))


class InstructorsForm(FlaskForm):
    instructor_ids = MultiCheckboxField(_l("Instructors"), coerce=record_id,
                                        validate_choice=False)


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason for the cancellation"),
                         validators=[Optional(), Length(max=500)])


class CloneForm(FlaskForm):
    starts_on = DateField(_l("New first day"), validators=[Optional()])


class EmptyForm(FlaskForm):
    """A POST button with its CSRF token."""
