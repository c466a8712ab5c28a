"""Forms of the evaluation feature (the answer sheet and the test page are read by hand:
their fields depend on the questions)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from school.evaluation.models import QuestionKind


class QuestionnaireForm(FlaskForm):
    title_ru = StringField(_l("Title (Russian)"), validators=[DataRequired(), Length(max=300)])
    title_kk = StringField(_l("Title (Kazakh)"), validators=[DataRequired(), Length(max=300)])
    anonymous = BooleanField(_l("Anonymous: answers cannot be traced back to the person"),
                             default=True)


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Type"), choices=QuestionKind.choices())
    text_ru = StringField(_l("Question (Russian)"), validators=[DataRequired(), Length(max=500)])
    text_kk = StringField(_l("Question (Kazakh)"), validators=[DataRequired(), Length(max=500)])
    options_ru = TextAreaField(
        _l("Options (Russian), one per line"), validators=[Length(max=3000)],
        description=_l("For a scale: five labels from 1 to 5, or nothing."))
    options_kk = TextAreaField(_l("Options (Kazakh), one per line"),
                               validators=[Length(max=3000)])
    required = BooleanField(_l("An answer is required"), default=True)


class BankQuestionForm(FlaskForm):
    text_ru = TextAreaField(_l("Question (Russian)"),
                            validators=[DataRequired(), Length(max=1000)])
    text_kk = TextAreaField(_l("Question (Kazakh)"),
                            validators=[DataRequired(), Length(max=1000)])
    multiple = BooleanField(_l("Several options may be correct"))
    options_ru = TextAreaField(_l("Options (Russian), one per line"),
                               validators=[DataRequired(), Length(max=3000)])
    options_kk = TextAreaField(_l("Options (Kazakh), one per line"),
                               validators=[DataRequired(), Length(max=3000)])
    correct = StringField(_l("Numbers of the correct options"),
                          validators=[DataRequired(), Length(max=50)],
                          description=_l("For example: 2, or 1, 3"))
    explanation_ru = TextAreaField(_l("Explanation (Russian)"), validators=[Length(max=3000)])
    explanation_kk = TextAreaField(_l("Explanation (Kazakh)"), validators=[Length(max=3000)])

    def correct_numbers(self) -> list[int]:
        parts = (self.correct.data or "").replace(";", ",").replace(" ", ",").split(",")
        return [int(p) for p in parts if p.strip().isdigit() and len(p.strip()) < 4]


class TestSettingsForm(FlaskForm):
    __test__ = False
    question_count = IntegerField(_l("Questions in a test"),
                                  validators=[DataRequired(), NumberRange(1, 100)], default=10)
    pass_mark = IntegerField(_l("Pass mark (percent)"),
                             validators=[DataRequired(), NumberRange(1, 100)], default=70)
    time_limit_minutes = IntegerField(_l("Time limit, minutes (empty: none)"),
                                      validators=[Optional(), NumberRange(1, 600)], default=20)
    max_attempts = IntegerField(_l("Attempts"), validators=[DataRequired(), NumberRange(1, 20)],
                                default=3)
    required_for_completion = BooleanField(_l("Passing is required for completion"))
