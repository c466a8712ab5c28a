"""The same person answering twice at once, or starting a test in two tabs at once: one
response, one attempt. Threads against the real database."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from school.accounts.models import User
from school.catalog.models import Event
from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.evaluation import quizzes, services
from school.evaluation.models import Attempt, KnowledgeTest, QuestionKind, Response
from school.extensions import db, write_transaction
from tests.evaluation.conftest import COMPLETED_AT, complete


def _together(app, jobs) -> list[BaseException]:
    db.session.commit()
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with write_transaction():
                    job()
            except BaseException as e:
                errors.append(e)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    db.session.rollback()
    return errors


def test_answering_twice_at_once_keeps_one_response(app, default_questionnaire, finished):
    complete(finished)
    event_id, user_id = finished["event"].id, finished["people"][0].id
    answers = {q.id: (services.RawAnswer(score=4) if q.kind is QuestionKind.scale
                      else services.RawAnswer(choices=(0,)))
               for q in default_questionnaire.questions if not q.kind.is_text}

    def job():
        services.submit_response(db.session.get(Event, event_id),
                                 db.session.get(User, user_id), answers, now=COMPLETED_AT)

    errors = _together(app, [job] * 4)
    assert len(errors) == 3 and all(isinstance(e, DomainError) and e.code == "already_answered"
                                    for e in errors), errors
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_starting_a_test_in_two_tabs_opens_one_attempt(app, finished, post_test):
    test_id, enrollment_id = post_test.id, finished["enrollments"][0].id
    now = finished["event"].sessions[-1].starts_at

    def job():
        quizzes.start_attempt(db.session.get(KnowledgeTest, test_id),
                              db.session.get(Enrollment, enrollment_id), now=now)

    assert _together(app, [job] * 4) == []
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
