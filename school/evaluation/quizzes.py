"""Knowledge tests: the programme's question bank, pre- and post-tests, attempts.

Scoring happens here, on the server, when an attempt is submitted (or its time runs out):
the pages never receive the correct answers before that. Answers are saved one by one as
the person goes, so an attempt survives a dropped connection; once submitted nothing in it
changes. The post-test may be a completion requirement: `failing_post_test` is registered
with the attendance feature's completion rule, and passing later completes the enrolment.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.catalog.models import Event, EventStatus, Program
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.evaluation.models import Attempt, AttemptItem, BankQuestion, KnowledgeTest, TestKind
from school.extensions import db

TAKING = (EnrollmentStatus.confirmed, EnrollmentStatus.completed,
          EnrollmentStatus.not_completed)


# --- the bank and the tests' settings ----------------------------------------------------


def _lines(text: str | None) -> list[str]:
    return [line.strip()[:300] for line in (text or "").splitlines() if line.strip()]


def add_bank_question(program: Program, *, text_ru: str, text_kk: str, options_ru: str,
                      options_kk: str, correct: list[int], multiple: bool = False,
                      explanation_ru: str | None = None,
                      explanation_kk: str | None = None) -> BankQuestion:
    """`correct` holds option numbers from 1. Raises `options_needed`, `options_mismatch`,
    `correct_needed`, `one_correct` (single choice with several right answers)."""
    ru, kk = _lines(options_ru), _lines(options_kk)
    if len(ru) < 2:
        raise DomainError("options_needed", _l("Give at least two options, one per line."),
                          field="options_ru")
    if len(kk) != len(ru):
        raise DomainError("options_mismatch", _l(
            "Give the same number of options in Russian and Kazakh."), field="options_kk")
    indexes = sorted({n - 1 for n in correct if 1 <= n <= len(ru)})
    if not indexes or len(indexes) != len(set(correct)):
        raise DomainError("correct_needed", _l(
            "Give the numbers of the correct options."), field="correct")
    if not multiple and len(indexes) > 1:
        raise DomainError("one_correct", _l(
            "A single-choice question has exactly one correct option."), field="correct")
    question = BankQuestion(program_id=program.id, multiple=multiple, text_ru=text_ru.strip(),
                            text_kk=text_kk.strip(), options_ru=ru, options_kk=kk,
                            correct=indexes, explanation_ru=(explanation_ru or "").strip() or None,
                            explanation_kk=(explanation_kk or "").strip() or None)
    db.session.add(question)
    db.session.flush()
    return question


def retire_bank_question(question: BankQuestion) -> None:
    """Out of future draws; attempts that used it keep it."""
    question.active = False
    db.session.flush()


def bank_size(program: Program) -> int:
    return db.session.scalar(select(func.count()).select_from(BankQuestion).where(
        BankQuestion.program_id == program.id, BankQuestion.active.is_(True))) or 0


def get_test(program_id: int, kind: TestKind) -> KnowledgeTest | None:
    return db.session.scalar(select(KnowledgeTest).where(
        KnowledgeTest.program_id == program_id, KnowledgeTest.kind == kind))


def save_test(program: Program, kind: TestKind, *, question_count: int, pass_mark: int,
              time_limit_minutes: int | None, max_attempts: int,
              required_for_completion: bool = False) -> KnowledgeTest:
    """Create or change the programme's pre- or post-test. Raises `bad_setting`,
    `pre_not_required` (only the post-test can be a completion requirement)."""
    if not 1 <= question_count <= 100 or not 1 <= pass_mark <= 100 or not 1 <= max_attempts <= 20:
        raise DomainError("bad_setting", _l("Check the numbers of the test's settings."))
    if time_limit_minutes is not None and not 1 <= time_limit_minutes <= 600:
        raise DomainError("bad_setting", _l("Check the numbers of the test's settings."),
                          field="time_limit_minutes")
    if required_for_completion and kind is not TestKind.post:
        raise DomainError("pre_not_required", _l(
            "Only the post-test can be required for completion."),
            field="required_for_completion")
    test = get_test(program.id, kind) or KnowledgeTest(program_id=program.id, kind=kind)
    test.question_count, test.pass_mark = question_count, pass_mark
    test.time_limit_minutes, test.max_attempts = time_limit_minutes, max_attempts
    test.required_for_completion = required_for_completion
    db.session.add(test)
    db.session.flush()
    return test


# --- taking a test ----------------------------------------------------------------------


def window_open(test: KnowledgeTest, event: Event, now: datetime) -> bool:
    """Pre-test: until the first session ends. Post-test: from the last session's start."""
    sessions = event.sessions
    if not sessions or event.status is EventStatus.cancelled:
        return False
    if test.kind is TestKind.pre:
        return now < sessions[0].ends_at
    return now >= sessions[-1].starts_at


def attempts_of(test: KnowledgeTest, enrollment: Enrollment) -> list[Attempt]:
    return list(db.session.scalars(
        select(Attempt).where(Attempt.test_id == test.id,
                              Attempt.enrollment_id == enrollment.id)
        .order_by(Attempt.number)))


def best_attempt(attempts: list[Attempt]) -> Attempt | None:
    """The best submitted attempt: passing first, then the higher score."""
    done = [a for a in attempts if a.submitted_at is not None]
    return max(done, key=lambda a: (bool(a.passed), a.percent or 0, -a.number), default=None)


def _expired(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at


def start_attempt(test: KnowledgeTest, enrollment: Enrollment, *, now: datetime | None = None,
                  rng: random.Random | None = None) -> Attempt:
    """The open attempt if there is one (a reload or a new phone carries on), else a new
    one with N questions drawn from the bank in a stored order.

    Raises `not_participant`, `window_closed`, `already_passed`, `no_attempts_left`,
    `bank_too_small`."""
    now = now or utcnow()
    rng = rng or random.SystemRandom()
    if enrollment.status not in TAKING:
        raise DomainError("not_participant", _l("Only participants can take this test."),
                          status=403)
    if not window_open(test, enrollment.event, now):
        raise DomainError("window_closed", _l("This test is not open now."), status=409)
    # Serialise one person's starts: two tabs must not open two attempts.
    db.session.scalar(select(Enrollment.id).where(Enrollment.id == enrollment.id)
                      .with_for_update())
    attempts = attempts_of(test, enrollment)
    for attempt in attempts:
        if attempt.is_open and _expired(attempt, now):
            submit_attempt(attempt, now=now)
        elif attempt.is_open:
            return attempt
    if any(a.passed for a in attempts) and test.kind is TestKind.post:
        raise DomainError("already_passed", _l("You have already passed this test."),
                          status=409)
    if len(attempts) >= test.max_attempts:
        raise DomainError("no_attempts_left", _l("You have no attempts left."), status=409)
    bank = list(db.session.scalars(select(BankQuestion).where(
        BankQuestion.program_id == test.program_id, BankQuestion.active.is_(True))
        .order_by(BankQuestion.id)))
    if len(bank) < test.question_count:
        raise DomainError("bank_too_small", _l(
            "The question bank has fewer questions than the test needs."), status=409)
    drawn = rng.sample(bank, test.question_count)
    attempt = Attempt(test_id=test.id, enrollment_id=enrollment.id,
                      number=len(attempts) + 1, started_at=now, total=len(drawn),
                      deadline_at=(now + timedelta(minutes=test.time_limit_minutes)
                                   if test.time_limit_minutes else None))
    for position, question in enumerate(drawn, start=1):
        order = list(range(len(question.options_ru)))
        rng.shuffle(order)
        attempt.items.append(AttemptItem(position=position, question_id=question.id,
                                         option_order=order))
    db.session.add(attempt)
    db.session.flush()
    return attempt


def load_attempt(attempt_id: int, user: User) -> Attempt | None:
    """The person's own attempt with its items and questions, or None."""
    return db.session.scalar(
        select(Attempt).join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .where(Attempt.id == attempt_id, Enrollment.user_id == user.id)
        .options(selectinload(Attempt.items).selectinload(AttemptItem.question)))


def _check_open(attempt: Attempt, now: datetime) -> None:
    if not attempt.is_open:
        raise DomainError("attempt_closed", _l("This attempt is already submitted."),
                          status=409)
    if _expired(attempt, now):
        raise DomainError("time_over", _l("The time for this attempt is over."), status=409)


def save_answer(attempt: Attempt, position: int, chosen: list[int], *,
                now: datetime | None = None) -> None:
    """Keep one answer of an open attempt. Raises `attempt_closed`, `time_over`,
    `bad_answer`."""
    now = now or utcnow()
    _check_open(attempt, now)
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        raise DomainError("bad_answer", _l("Choose one of the options given."))
    _store(item, chosen, now)
    db.session.flush()


def _store(item: AttemptItem, chosen: list[int], now: datetime) -> None:
    values = sorted(set(chosen))
    if any(v not in item.option_order for v in values) or (
            not item.question.multiple and len(values) > 1):
        raise DomainError("bad_answer", _l("Choose one of the options given."))
    item.chosen = values or None
    item.saved_at = now


def submit_attempt(attempt: Attempt, answers: dict[int, list[int]] | None = None, *,
                   now: datetime | None = None) -> Attempt:
    """Score and close the attempt; `answers` (position → option indexes), if given, are
    saved first (unless the time is over: then what was saved counts). Raises
    `attempt_closed`. A passed required post-test completes an enrolment that attendance
    alone already completes."""
    now = now or utcnow()
    if not attempt.is_open:
        raise DomainError("attempt_closed", _l("This attempt is already submitted."),
                          status=409)
    if answers and not _expired(attempt, now):
        for item in attempt.items:
            if item.position in answers:
                _store(item, answers[item.position], now)
    right = 0
    for item in attempt.items:
        item.correct = sorted(item.chosen or []) == sorted(item.question.correct)
        right += item.correct
    attempt.correct_count = right
    attempt.percent = round(right * 100 / attempt.total) if attempt.total else 0
    attempt.passed = attempt.percent >= attempt.test.pass_mark
    attempt.submitted_at = min(now, attempt.deadline_at) if attempt.deadline_at else now
    db.session.flush()
    if attempt.passed and attempt.test.kind is TestKind.post:
        _complete_after_pass(attempt, now)
    return attempt


def _complete_after_pass(attempt: Attempt, now: datetime) -> None:
    from school.attendance.completion import reevaluate

    enrollment = db.session.get(Enrollment, attempt.enrollment_id)
    event = enrollment.event
    if (attempt.test.required_for_completion and event.status is EventStatus.completed
            and enrollment.status is EnrollmentStatus.not_completed):
        reevaluate(event, {enrollment.id}, actor=enrollment.user, now=now)


def failing_post_test(event: Event, enrollment_ids: list[int]) -> set[int]:
    """Completion rule: enrolments without a passed post-test, when the programme needs
    one (the best attempt decides: any passed attempt is a pass)."""
    test = db.session.scalar(select(KnowledgeTest).where(
        KnowledgeTest.program_id == event.program_id, KnowledgeTest.kind == TestKind.post,
        KnowledgeTest.required_for_completion.is_(True)))
    if test is None or not enrollment_ids:
        return set()
    passed = set(db.session.scalars(select(Attempt.enrollment_id).where(
        Attempt.test_id == test.id, Attempt.enrollment_id.in_(enrollment_ids),
        Attempt.passed.is_(True))))
    return set(enrollment_ids) - passed
