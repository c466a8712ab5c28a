"""The evaluation demo: idempotent, and its bank is sound."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from school.catalog.models import Event
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.evaluation import demo
from school.evaluation.demo_texts import BANK, QUESTIONS
from school.evaluation.models import Attempt, BankQuestion, Invitation, Questionnaire, Response
from school.extensions import db
from tests.evaluation.conftest import complete


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_bank_has_ten_bilingual_questions_with_explanations():
    assert len(BANK) == 10
    for q in BANK:
        assert len(q["options_ru"]) == len(q["options_kk"]) >= 2
        assert q["correct"] and all(1 <= n <= len(q["options_ru"]) for n in q["correct"])
        assert q["why_ru"] and q["why_kk"] and q["ru"] and q["kk"]
    assert len({q["ru"] for q in BANK}) == 10
    assert all(len(o) == len(k) for _t, _r, _k, o, k, _q in QUESTIONS)


def test_seed_is_idempotent_and_fills_past_events(finished, make_program, outbox):
    finished["program"].code = "SK-159"
    db.session.commit()
    complete(finished)  # no questionnaire yet: nobody asked
    assert _count(Invitation) == 0
    lines = demo.seed(random.Random("t"))
    db.session.commit()
    assert "SK-159" in lines[0]
    assert _count(Questionnaire) == 1 and _count(BankQuestion) == 10
    assert _count(Invitation) == 3
    first = (_count(Response), _count(Attempt))
    demo.seed(random.Random("t2"))
    db.session.commit()
    assert (_count(Response), _count(Attempt)) == first
    assert _count(Questionnaire) == 1 and _count(BankQuestion) == 10
    assert outbox == []  # the demo mails nobody
    # Everyone completed has a passed post-test, since the course now requires it.
    completed = db.session.scalars(select(Enrollment.id).where(
        Enrollment.status == EnrollmentStatus.completed)).all()
    passed = set(db.session.scalars(select(Attempt.enrollment_id).where(
        Attempt.passed.is_(True), Attempt.number >= 1)))
    post_takers = {a.enrollment_id for a in db.session.scalars(select(Attempt))
                   if a.test.kind.value == "post"}
    assert len(completed) == 3
    assert set(completed) <= post_takers and set(completed) <= passed
    assert _count(Event) == 1
