"""The view edge (school/core/edge.py), one_line() and the labelled enums."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from wtforms import StringField

from school.core.edge import attempt
from school.core.text import one_line
from school.enrollment.models import EnrollmentStatus
from school.errors import DomainError, DomainErrors
from school.extensions import db
from school.orgs.models import SectoralUnion


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def _union(code: str) -> SectoralUnion:
    return SectoralUnion(code=code, name_ru=code, name_kk=code, short_name_ru=code,
                         short_name_kk=code)


def _codes() -> set[str]:
    return set(db.session.scalars(select(SectoralUnion.code)))


def test_a_block_that_succeeds_is_committed(app):
    with app.test_request_context():
        with attempt() as done:
            db.session.add(_union("edge-ok"))
        assert done and done.error is None
        db.session.rollback()  # nothing left to undo: it was committed
        assert "edge-ok" in _codes()


def test_a_refusal_rolls_back_and_lands_on_its_field_or_in_a_flash(app):
    with app.test_request_context(method="POST"):
        form = _Form()
        with attempt(form) as done:
            db.session.add(_union("edge-no"))
            db.session.flush()
            raise DomainErrors([DomainError("bad_name", "Name?", field="name"),
                                DomainError("other", "Something else")])
        assert not done and done.error.code == "bad_name"
        assert "edge-no" not in _codes()
        assert form.name.errors == ["Name?"]
        assert get_flashed_messages(with_categories=True) == [("danger", "Something else")]


def test_abort_on_answers_with_the_status_and_other_errors_propagate(app):
    with app.test_request_context(), pytest.raises(NotFound), attempt(abort_on=(404,)):
        raise DomainError("not_found", "Not found.", status=404)
    with app.test_request_context(), pytest.raises(KeyError), attempt():
        raise KeyError("not a refusal")


def test_one_line():
    assert one_line("  left\x00 early \n ") == "left early"
    assert one_line("a\tb\u200fc\r\nd", 5) == "a bc "
    assert one_line(None) == "" and one_line(12) == "12"


def test_labelled_enum_keeps_its_value_and_carries_its_label(app):
    status = EnrollmentStatus("confirmed")
    assert status is EnrollmentStatus.confirmed and status == "confirmed"
    assert f"{status}" == "confirmed" and status.value == "confirmed"
    with app.test_request_context():
        assert status.label == str(status.lazy_label)
    assert [value for value, _label in EnrollmentStatus.choices()] == [
        s.value for s in EnrollmentStatus]
