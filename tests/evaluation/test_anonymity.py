"""An anonymous questionnaire's answers cannot be joined back to the person."""

from __future__ import annotations

from sqlalchemy import inspect, text

from school.evaluation import services
from school.evaluation.models import QuestionKind
from school.extensions import db, write_transaction
from tests.evaluation.conftest import COMPLETED_AT, complete


def _answer(event, user):
    q = services.questionnaire_for(event)
    answers = {x.id: (services.RawAnswer(score=3) if x.kind is QuestionKind.scale else
                      services.RawAnswer(choices=(0,)) if x.kind.has_options else
                      services.RawAnswer(text="всё хорошо")) for x in q.questions}
    with write_transaction():
        services.submit_response(event, user, answers, now=COMPLETED_AT)


def _rows(table):
    return [dict(r._mapping) for r in db.session.execute(text(f'SELECT * FROM "{table}"'))]


def test_anonymous_answers_hold_no_user_id(default_questionnaire, finished):
    complete(finished)
    p0 = finished["people"][0]
    _answer(finished["event"], p0)
    [response] = _rows("eval_response")
    assert response["user_id"] is None
    assert response["submitted_at"] is None  # no instant to match against the invitation
    # Nothing in the answer tables names a user, and no column holds a time.
    columns = {c["name"] for c in inspect(db.engine).get_columns("eval_answer")}
    assert columns == {"id", "response_id", "question_id", "score", "choices", "text"}
    # "Has answered" is known, without a time and without a key to the response.
    invitation_columns = {c["name"] for c in inspect(db.engine).get_columns("eval_invitation")}
    assert "response_id" not in invitation_columns and "answered_at" not in invitation_columns
    [invitation] = [r for r in _rows("eval_invitation") if r["user_id"] == p0.id]
    assert invitation["answered"] in (True, 1)
    assert invitation["reminded_at"] is None


def test_a_named_questionnaire_keeps_the_person(default_questionnaire, finished):
    services.update_questionnaire(default_questionnaire, title_ru="Т", title_kk="Т",
                                  anonymous=False)
    db.session.commit()
    complete(finished)
    p0 = finished["people"][0]
    _answer(finished["event"], p0)
    [response] = _rows("eval_response")
    assert response["user_id"] == p0.id


def test_anonymity_cannot_change_once_answered(default_questionnaire, finished):
    complete(finished)
    _answer(finished["event"], finished["people"][0])
    try:
        services.update_questionnaire(default_questionnaire, title_ru="Т", title_kk="Т",
                                      anonymous=False)
    except services.DomainError as e:
        assert e.code == "has_responses"
    else:
        raise AssertionError("anonymity changed under answers")
