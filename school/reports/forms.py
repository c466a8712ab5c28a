"""Forms of the reports feature: a branch's yearly plan, and the close/reopen buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from school.accounts.models import Category
from school.reports.plans import MAX_PLANNED


class PlanForm(FlaskForm):
    """One number per participant category: people the branch plans to train."""

    @property
    def category_fields(self):
        return [self[c.value] for c in Category]

    def planned(self) -> dict[str, int]:
        return {c.value: self[c.value].data or 0 for c in Category}


for _category in Category:
    setattr(PlanForm, _category.value, IntegerField(
        _category.lazy_label,
        validators=[Optional(), NumberRange(min=0, max=MAX_PLANNED)],
        render_kw={"inputmode": "numeric", "min": 0, "max": MAX_PLANNED},
    ))


class ConfirmForm(FlaskForm):
    """A POST button with its CSRF token."""
