"""Knowledge tests: scoring on the server, saved answers, final submissions, and the
post-test as a completion requirement."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from school.enrollment.models import EnrollmentStatus
from school.errors import DomainError
from school.evaluation import quizzes
from school.evaluation.models import Attempt, TestKind
from school.extensions import db, write_transaction
from tests.evaluation.conftest import (
    COMPLETED_AT,
    bank_for,
    complete,
    right_answers,
    wrong_answers,
)

AFTER = COMPLETED_AT + timedelta(hours=1)


def _code(fn, *args, **kw) -> str:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    db.session.rollback()
    return info.value.code


def _attempt(test, enrollment, now=AFTER, seed=1):
    with write_transaction():
        attempt = quizzes.start_attempt(test, enrollment, now=now, rng=random.Random(seed))
    return db.session.get(Attempt, attempt.id)


def _submit(attempt, answers, now=AFTER):
    with write_transaction():
        quizzes.submit_attempt(db.session.get(Attempt, attempt.id), answers, now=now)
    return db.session.get(Attempt, attempt.id)


def test_failing_the_required_post_test_blocks_completion_until_passed(finished, post_test):
    complete(finished)
    p0 = finished["enrollments"][0]
    db.session.refresh(p0)
    assert p0.status is EnrollmentStatus.not_completed  # attended every session, no test
    failed = _submit(_attempt(post_test, p0), wrong_answers(_attempt(post_test, p0)))
    assert failed.passed is False
    db.session.refresh(p0)
    assert p0.status is EnrollmentStatus.not_completed
    second = _attempt(post_test, p0, seed=2)
    passed = _submit(second, right_answers(second))
    assert passed.passed is True and passed.percent == 100
    db.session.refresh(p0)
    assert p0.status is EnrollmentStatus.completed


def test_passing_before_completion_completes_with_attendance(finished, post_test):
    p0, p3 = finished["enrollments"][0], finished["enrollments"][3]
    # The post-test opens at the last session's start, before the event is completed.
    start = finished["event"].sessions[-1].starts_at
    attempt = _attempt(post_test, p0, now=start)
    _submit(attempt, right_answers(attempt), now=start + timedelta(minutes=5))
    attempt3 = _attempt(post_test, p3, now=start)
    _submit(attempt3, right_answers(attempt3), now=start + timedelta(minutes=5))
    complete(finished)
    for e in finished["enrollments"]:
        db.session.refresh(e)
    assert finished["enrollments"][0].status is EnrollmentStatus.completed
    assert finished["enrollments"][1].status is EnrollmentStatus.not_completed  # no test
    assert finished["enrollments"][3].status is EnrollmentStatus.not_completed  # absent


def test_a_test_that_is_not_required_changes_nothing(finished):
    bank_for(finished["program"])
    quizzes.save_test(finished["program"], TestKind.post, question_count=3, pass_mark=50,
                      time_limit_minutes=None, max_attempts=1)
    db.session.commit()
    complete(finished)
    db.session.refresh(finished["enrollments"][0])
    assert finished["enrollments"][0].status is EnrollmentStatus.completed


def test_questions_and_order_are_stored_and_answers_saved_as_they_go(finished, post_test):
    p0 = finished["enrollments"][0]
    attempt = _attempt(post_test, p0)
    assert [i.position for i in attempt.items] == [1, 2, 3, 4]
    assert all(sorted(i.option_order) == [0, 1, 2] for i in attempt.items)
    with write_transaction():
        quizzes.save_answer(db.session.get(Attempt, attempt.id), 1, [0], now=AFTER)
    db.session.expire_all()
    # A dropped connection: starting again carries on with the same attempt and answer.
    again = _attempt(post_test, p0)
    assert again.id == attempt.id
    assert again.items[0].chosen == [0]


def test_answers_are_final_once_submitted(finished, post_test):
    p0 = finished["enrollments"][0]
    attempt = _submit(_attempt(post_test, p0), {})
    assert attempt.correct_count == 0
    assert _code(quizzes.save_answer, attempt, 1, [0], now=AFTER) == "attempt_closed"
    assert _code(quizzes.submit_attempt, attempt, {}, now=AFTER) == "attempt_closed"


def test_time_limit_and_attempts(finished, post_test):
    p0 = finished["enrollments"][0]
    attempt = _attempt(post_test, p0)
    late = AFTER + timedelta(minutes=31)
    assert _code(quizzes.save_answer, attempt, 1, [0], now=late) == "time_over"
    # Answers sent after the deadline do not count; what was saved does.
    scored = _submit(attempt, right_answers(attempt), now=late)
    assert scored.correct_count == 0
    _submit(_attempt(post_test, p0, seed=3), {})
    _submit(_attempt(post_test, p0, seed=4), {})
    assert _code(quizzes.start_attempt, post_test, p0, now=AFTER) == "no_attempts_left"


def test_refusals(finished, post_test, make_user, make_enrollment):
    p0 = finished["enrollments"][0]
    before = finished["event"].sessions[0].starts_at
    assert _code(quizzes.start_attempt, post_test, p0, now=before) == "window_closed"
    attempt = _attempt(post_test, p0)
    assert _code(quizzes.save_answer, attempt, 1, [7], now=AFTER) == "bad_answer"
    assert _code(quizzes.save_answer, attempt, 1, [0, 1], now=AFTER) == "bad_answer"
    assert _code(quizzes.add_bank_question, finished["program"], text_ru="?", text_kk="?",
                 options_ru="a", options_kk="b", correct=[1]) == "options_needed"
    assert _code(quizzes.add_bank_question, finished["program"], text_ru="?", text_kk="?",
                 options_ru="a\nb", options_kk="a\nb", correct=[1, 2]) == "one_correct"
    assert _code(quizzes.add_bank_question, finished["program"], text_ru="?", text_kk="?",
                 options_ru="a\nb", options_kk="a", correct=[1]) == "options_mismatch"
    assert _code(quizzes.save_test, finished["program"], TestKind.pre, question_count=3,
                 pass_mark=50, time_limit_minutes=None, max_attempts=1,
                 required_for_completion=True) == "pre_not_required"
    big = quizzes.save_test(finished["program"], TestKind.pre, question_count=50, pass_mark=50,
                            time_limit_minutes=None, max_attempts=1)
    db.session.commit()
    assert _code(quizzes.start_attempt, big, p0, now=before) == "bank_too_small"


def test_the_page_never_sends_the_correct_answers_before_submitting(client, login, finished,
                                                                    post_test):
    for q in db.session.scalars(db.select(quizzes.BankQuestion)):
        q.explanation_ru = "ОБЪЯСНЕНИЕ-СЕКРЕТ"
    db.session.commit()
    person = finished["people"][0]
    login(person)
    event = finished["event"]
    start = client.post(f"/events/{event.id}/tests/post/start")
    assert start.status_code == 302
    page = client.get(start.headers["Location"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ОБЪЯСНЕНИЕ-СЕКРЕТ" not in body
    attempt = db.session.scalar(db.select(Attempt))
    saved = client.post(f"/attempts/{attempt.id}/answer", data={"position": 1, "chosen": 0})
    assert saved.status_code == 200 and saved.get_json() == {"ok": True}
    done = client.post(f"/attempts/{attempt.id}/submit", data={})
    assert done.status_code == 302
    assert "ОБЪЯСНЕНИЕ-СЕКРЕТ" in client.get(done.headers["Location"]).get_data(as_text=True)
    late = client.post(f"/attempts/{attempt.id}/answer", data={"position": 1, "chosen": 1})
    assert late.status_code == 409 and late.get_json()["code"] == "attempt_closed"


def test_someone_elses_attempt_is_404(client, login, finished, post_test):
    attempt = _attempt(post_test, finished["enrollments"][0])
    login(finished["people"][1])
    assert client.get(f"/attempts/{attempt.id}").status_code == 404
    assert client.post(f"/attempts/{attempt.id}/answer", data={"position": 1}).status_code == 404
