"""Issue 12, item 7: the programme form reports every refusal at once, as the event form
does (one per field), and saves nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from school.catalog import services
from school.catalog.models import Program
from school.errors import DomainError
from school.extensions import db
from tests.catalog.test_views import PROGRAM_FORM


def test_every_refusal_at_once(app, make_user, make_program):
    make_program(code="TAKEN")
    data = services.ProgramData(
        code="TAKEN", title_ru="Название", title_kk="", academic_hours=0,
        completion_threshold=101, audience=["chair", "picnic"],
        signatories=[services.SignatoryData(name_ru="Без должности")])
    with pytest.raises(DomainError) as caught:
        services.save_program(None, data, make_user("admin"))
    codes = {e.code: e.field for e in caught.value.errors}
    assert codes == {"code_taken": "code", "title_required": "title_kk",
                     "hours_positive": "academic_hours",
                     "threshold_range": "completion_threshold",
                     "invalid_choice": "audience", "signatory_incomplete": "signatories"}
    db.session.rollback()
    assert db.session.scalar(select(func.count(Program.id))) == 1


def test_the_form_shows_them_all(client, login, make_user):
    login(make_user("admin"))
    client.post("/lang", data={"lang": "en"})
    data = dict(PROGRAM_FORM, code="bad code!", academic_hours="5000",
                completion_threshold="0", **{"signatories-1-name_ru": "Без должности"})
    page = client.post("/manage/programs/new", data=data).get_data(as_text=True)
    for message in ("The code must be 1–32 Latin letters, digits, dots or dashes.",
                    "Academic hours must be a whole number from 1 to 2000.",
                    "The completion threshold is a share of sessions from 1 to 100%.",
                    "Each signatory needs a name and a position."):
        assert message in page, message
    assert db.session.scalar(select(func.count(Program.id))) == 0
