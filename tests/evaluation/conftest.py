"""Fixtures of the evaluation tests: a default questionnaire, a finished event whose
participants attended, a programme with a question bank and a post-test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from school.attendance.models import AttendanceMark, AttendanceStatus
from school.evaluation import quizzes, services
from school.evaluation.models import QuestionKind, TestKind
from school.extensions import db

# A fixed clock: the event ran on 2 and 3 March 2026 and is completed on the 4th.
EVENT_DAY = date(2026, 3, 2)
COMPLETED_AT = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)


@pytest.fixture
def default_questionnaire(app):
    q = services.create_questionnaire(title_ru="Обратная связь", title_kk="Кері байланыс",
                                      anonymous=True)
    services.add_question(q, kind=QuestionKind.scale, text_ru="Польза", text_kk="Пайдасы")
    services.add_question(q, kind=QuestionKind.single, text_ru="Темп", text_kk="Қарқын",
                          options_ru="Медленно\nНормально\nБыстро",
                          options_kk="Баяу\nҚалыпты\nЖылдам")
    services.add_question(q, kind=QuestionKind.long_text, text_ru="Комментарий",
                          text_kk="Пікір", required=False)
    db.session.commit()
    return q


@pytest.fixture
def finished(make_event, make_user, make_enrollment, make_program, org_tree):
    """A two-day event in the past: an instructor, four participants (p0..p2 attended
    both days, p3 attended none), an admin; not yet completed."""
    program = make_program()
    teacher = make_user("instructor")
    event = make_event(program, sessions=2, starts_on=EVENT_DAY, instructors=[teacher])
    people = [make_user(branch=org_tree["a"] if i % 2 == 0 else org_tree["b"])
              for i in range(4)]
    enrollments = [make_enrollment(event, p) for p in people]
    for enrollment in enrollments[:3]:
        for s in event.sessions:
            db.session.add(AttendanceMark(enrollment_id=enrollment.id, session_id=s.id,
                                          status=AttendanceStatus.present))
    db.session.commit()
    admin = make_user("admin")
    return {"event": event, "program": program, "people": people,
            "enrollments": enrollments, "admin": admin, "teacher": teacher}


def bank_for(program, size: int = 5):
    """`size` single-choice questions whose first option is right."""
    for i in range(size):
        quizzes.add_bank_question(
            program, text_ru=f"Вопрос {i}", text_kk=f"Сұрақ {i}",
            options_ru="Верно\nНеверно\nНе знаю", options_kk="Дұрыс\nҚате\nБілмеймін",
            correct=[1])
    db.session.commit()


@pytest.fixture
def post_test(finished):
    bank_for(finished["program"])
    test = quizzes.save_test(finished["program"], TestKind.post, question_count=4,
                             pass_mark=75, time_limit_minutes=30, max_attempts=3,
                             required_for_completion=True)
    db.session.commit()
    return test


def complete(finished, now=COMPLETED_AT):
    from school.attendance.completion import complete_event
    from school.extensions import write_transaction

    with write_transaction():
        result = complete_event(finished["event"], finished["admin"], now=now)
    return result


def right_answers(attempt) -> dict[int, list[int]]:
    return {item.position: list(item.question.correct) for item in attempt.items}


def wrong_answers(attempt) -> dict[int, list[int]]:
    return {item.position: [2] for item in attempt.items}


__all__ = [
    "COMPLETED_AT",
    "EVENT_DAY",
    "bank_for",
    "complete",
    "right_answers",
    "timedelta",
    "wrong_answers",
]
