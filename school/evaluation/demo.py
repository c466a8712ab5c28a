"""Demo data of the evaluation feature: the school's default questionnaire, the question
bank and tests of the conciliation-commission course (SK-159), and answers and test
attempts on the completed demo events. Idempotent: everything is looked up first."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import func, select

from school.accounts.models import User
from school.catalog.models import Event, EventStatus, Program
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.evaluation import quizzes, services
from school.evaluation.demo_texts import BANK, COMMENTS, QUESTIONS
from school.evaluation.models import (
    Answer,
    Attempt,
    AttemptItem,
    BankQuestion,
    Invitation,
    QuestionKind,
    Questionnaire,
    Response,
    TestKind,
)
from school.extensions import db
from school.mail import mail_suppressed
from school.timeutil import local_datetime

COURSE = "SK-159"


def _default_questionnaire() -> Questionnaire:
    existing = services.default_questionnaire()
    if existing is not None:
        return existing
    questionnaire = services.create_questionnaire(
        title_ru="Оценка обучения участниками", title_kk="Қатысушылардың оқытуды бағалауы",
        anonymous=True)
    for kind, text_ru, text_kk, options_ru, options_kk, required in QUESTIONS:
        services.add_question(questionnaire, kind=kind, text_ru=text_ru, text_kk=text_kk,
                              options_ru="\n".join(options_ru),
                              options_kk="\n".join(options_kk), required=required)
    return questionnaire


def _bank(program: Program) -> list[BankQuestion]:
    if quizzes.bank_size(program) == 0:
        for q in BANK:
            quizzes.add_bank_question(
                program, text_ru=q["ru"], text_kk=q["kk"], options_ru="\n".join(q["options_ru"]),
                options_kk="\n".join(q["options_kk"]), correct=q["correct"],
                multiple=len(q["correct"]) > 1, explanation_ru=q["why_ru"],
                explanation_kk=q["why_kk"])
    if quizzes.get_test(program.id, TestKind.pre) is None:
        quizzes.save_test(program, TestKind.pre, question_count=5, pass_mark=60,
                          time_limit_minutes=15, max_attempts=1)
    if quizzes.get_test(program.id, TestKind.post) is None:
        quizzes.save_test(program, TestKind.post, question_count=8, pass_mark=75,
                          time_limit_minutes=20, max_attempts=3, required_for_completion=True)
    return list(db.session.scalars(select(BankQuestion).where(
        BankQuestion.program_id == program.id, BankQuestion.active.is_(True))
        .order_by(BankQuestion.id)))


def _clamp(value: float) -> int:
    return max(1, min(5, round(value)))


def _answers(rng, questionnaire: Questionnaire, quality: float, locale: str) -> list[Answer]:
    rows = []
    for q in questionnaire.questions:
        if q.kind is QuestionKind.scale:
            rows.append(Answer(question_id=q.id, score=_clamp(rng.gauss(quality, 0.75))))
        elif q.kind is QuestionKind.single:
            pick = rng.choices(range(len(q.options_ru)), weights=[1, 6, 1][:len(q.options_ru)]
                               + [1] * max(0, len(q.options_ru) - 3))[0]
            rows.append(Answer(question_id=q.id, choices=[pick]))
        elif q.kind is QuestionKind.multiple:
            if rng.random() < 0.85:
                picks = rng.sample(range(len(q.options_ru)), rng.randint(1, 3))
                rows.append(Answer(question_id=q.id, choices=sorted(picks)))
        elif rng.random() < 0.3:
            rows.append(Answer(question_id=q.id, text=rng.choice(COMMENTS[locale])))
    return rows


def _responses(rng, event: Event) -> int:
    """Answers for about two thirds of those asked, from one quality level per event."""
    if db.session.scalar(select(Response.id).where(Response.event_id == event.id).limit(1)):
        return 0
    invitations = list(db.session.scalars(select(Invitation).where(
        Invitation.event_id == event.id, Invitation.answered.is_(False))
        .order_by(Invitation.id)))
    if not invitations:
        return 0
    rate, quality = rng.uniform(0.5, 0.9), rng.uniform(3.5, 4.7)
    locales = {uid: loc for uid, loc in db.session.execute(
        select(User.id, User.locale).where(User.id.in_([i.user_id for i in invitations])))}
    made = 0
    for invitation in invitations:
        if rng.random() > rate:
            continue
        questionnaire = invitation.questionnaire
        locale = locales.get(invitation.user_id) or rng.choice(["ru", "ru", "kk"])
        named = not questionnaire.anonymous
        db.session.add(Response(
            questionnaire_id=questionnaire.id, event_id=event.id,
            user_id=invitation.user_id if named else None,
            submitted_at=invitation.invited_at + timedelta(days=1) if named else None,
            answers=_answers(rng, questionnaire, quality, locale)))
        invitation.answered = True
        made += 1
    return made


def _attempt(rng, test, enrollment: Enrollment, bank: list[BankQuestion], skill: float,
             number: int, started_at) -> Attempt:
    """A submitted attempt whose answers are right with probability `skill`."""
    drawn = rng.sample(bank, min(test.question_count, len(bank)))
    attempt = Attempt(test_id=test.id, enrollment_id=enrollment.id, number=number,
                      started_at=started_at, total=len(drawn),
                      submitted_at=started_at + timedelta(minutes=rng.randint(6, 18)),
                      deadline_at=started_at + timedelta(minutes=test.time_limit_minutes or 60))
    right = 0
    for position, q in enumerate(drawn, start=1):
        order = list(range(len(q.options_ru)))
        rng.shuffle(order)
        if rng.random() < skill:
            chosen = list(q.correct)
        else:
            wrong = [i for i in order if i not in q.correct]
            chosen = [rng.choice(wrong)] if wrong else []
        correct = sorted(chosen) == sorted(q.correct)
        right += correct
        attempt.items.append(AttemptItem(position=position, question_id=q.id,
                                         option_order=order, chosen=chosen or None,
                                         saved_at=started_at, correct=correct))
    attempt.correct_count = right
    attempt.percent = round(right * 100 / attempt.total)
    attempt.passed = attempt.percent >= test.pass_mark
    db.session.add(attempt)
    return attempt


def _attempts(rng, event: Event, bank: list[BankQuestion]) -> int:
    pre = quizzes.get_test(event.program_id, TestKind.pre)
    post = quizzes.get_test(event.program_id, TestKind.post)
    enrollments = list(db.session.scalars(select(Enrollment).where(
        Enrollment.event_id == event.id,
        Enrollment.status.in_((EnrollmentStatus.completed, EnrollmentStatus.not_completed)),
        ~Enrollment.id.in_(select(Attempt.enrollment_id)))
        .order_by(Enrollment.id)))
    if event.sessions:
        first, last = event.sessions[0].starts_at, event.sessions[-1].starts_at
    else:  # history recorded without its sessions: the event's days will do
        first = local_datetime(event.starts_on, time(9))
        last = local_datetime(event.ends_on, time(9))
    made = 0
    for enrollment in enrollments:
        base = rng.uniform(0.3, 0.65)
        if pre is not None:
            _attempt(rng, pre, enrollment, bank, base, 1, first - timedelta(hours=2))
            made += 1
        if post is None:
            continue
        must_pass = enrollment.status is EnrollmentStatus.completed
        skill = min(0.97, base + rng.uniform(0.2, 0.4))
        for number in range(1, post.max_attempts + 1):
            attempt = _attempt(rng, post, enrollment, bank, skill, number,
                               last + timedelta(hours=3, days=number - 1))
            made += 1
            if attempt.passed:
                break
            if must_pass and number == post.max_attempts - 1:
                skill = 1.0  # the completed ones passed: their last try is a clean one
            skill = min(1.0, skill + 0.1)
    return made


def seed(rng) -> list[str]:
    questionnaire = _default_questionnaire()
    program = db.session.scalar(select(Program).where(Program.code == COURSE))
    bank = _bank(program) if program is not None else []
    db.session.flush()
    events = list(db.session.scalars(select(Event).where(
        Event.status == EventStatus.completed).order_by(Event.ends_on, Event.id)))
    responses = attempts = 0
    with mail_suppressed():  # past events: the demo mails nobody
        for event in events:
            services.invite_attendees(event, now=event.completed_at)
            db.session.flush()
            responses += _responses(rng, event)
            if program is not None and event.program_id == program.id and bank:
                attempts += _attempts(rng, event, bank)
    db.session.flush()
    total = db.session.scalar(select(func.count()).select_from(Response))
    return [f"Evaluation: questionnaire «{questionnaire.title_ru}», {len(bank)} test questions "
            f"for {COURSE}, {responses} new answers ({total} in all), {attempts} test attempts"]
