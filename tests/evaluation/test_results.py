"""Results: per event, the contract CSV, and per instructor in a constant number of queries."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select

from school.catalog.models import Event, EventFormat, EventKind, EventStatus, event_instructor
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.evaluation import quizzes, services
from school.evaluation.models import (
    Answer,
    Attempt,
    Invitation,
    Question,
    QuestionKind,
    Response,
    TestKind,
)
from school.extensions import db, write_transaction
from tests.evaluation.conftest import COMPLETED_AT, bank_for, complete, right_answers


def _answer(event, user, score, text=None):
    q = services.questionnaire_for(event)
    answers = {x.id: (services.RawAnswer(score=score) if x.kind is QuestionKind.scale else
                      services.RawAnswer(choices=(1,)) if x.kind.has_options else
                      services.RawAnswer(text=text)) for x in q.questions}
    with write_transaction():
        services.submit_response(event, user, answers, now=COMPLETED_AT)


def _csv(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_event_figures_and_the_contract_csv(client, login, default_questionnaire, finished):
    bank_for(finished["program"])
    test = quizzes.save_test(finished["program"], TestKind.post, question_count=4,
                             pass_mark=75, time_limit_minutes=None, max_attempts=2)
    db.session.commit()
    complete(finished)
    event, (p0, p1, _p2, _p3) = finished["event"], finished["people"]
    _answer(event, p0, 5, "Отлично")
    _answer(event, p1, 2)
    with write_transaction():
        attempt = quizzes.start_attempt(test, finished["enrollments"][0],
                                        now=COMPLETED_AT)
        quizzes.submit_attempt(attempt, right_answers(attempt), now=COMPLETED_AT)
    login(finished["admin"])
    rows = _csv(client.get("/reports/evaluation?year=2026&format=csv"))
    assert list(rows[0]) == ["programme_id", "event_id", "instructor_id", "region_code",
                             "responses", "invited", "average_score", "pre_avg", "post_avg",
                             "pass_rate"]
    [row] = rows
    assert row["event_id"] == str(event.id)
    assert row["instructor_id"] == str(finished["teacher"].id)
    assert row["region_code"] == "KZ-79"
    assert (row["responses"], row["invited"]) == ("2", "3")
    assert row["average_score"] == "3.5"
    assert row["post_avg"] == "100.0" and row["pass_rate"] == "100.0"
    assert row["pre_avg"] == ""
    page = client.get(f"/evaluation/events/{event.id}").get_data(as_text=True)
    assert "Отлично" in page and "<svg" in page
    assert client.get("/reports/evaluation?year=2026").status_code == 200
    assert client.get("/reports/evaluation?year=2026&format=xlsx").status_code == 200
    assert client.get("/reports/evaluation?year=2026&format=pdf").status_code == 400
    assert client.get("/reports/evaluation?year=x").status_code == 400


def test_who_has_not_answered_only_for_named_and_scoped(client, login, make_user,
                                                        default_questionnaire, finished,
                                                        org_tree):
    services.update_questionnaire(default_questionnaire, title_ru="Т", title_kk="Т",
                                  anonymous=False)
    finished["event"].organizer_branch_id = org_tree["a"].id
    db.session.commit()
    complete(finished)
    p0, p1, p2, _p3 = finished["people"]  # p0, p2 in branch a; p1 in branch b
    coordinator = make_user("coordinator", branch=org_tree["a"])
    login(coordinator)
    page = client.get(f"/evaluation/events/{finished['event'].id}").get_data(as_text=True)
    assert p0.full_name in page and p2.full_name in page
    assert p1.full_name not in page  # another branch's person


def test_instructors_see_their_own_events_only(client, login, make_user, finished,
                                               default_questionnaire):
    complete(finished)
    login(make_user("instructor"))
    assert client.get(f"/evaluation/events/{finished['event'].id}").status_code == 404
    rows = _csv(client.get("/reports/evaluation?year=2026&format=csv"))
    assert rows == []


def _bulk(n: int, program, region_id, teacher, users, questionnaire, test) -> None:
    """`n` completed events of one instructor over two years, each with two invitations,
    two responses of two scale answers and one passed post-test attempt."""
    base = db.session.scalar(select(db.func.coalesce(db.func.max(Event.id), 0)))
    events = [dict(id=base + i + 1, program_id=program.id, kind=EventKind.seminar,
                   format=EventFormat.in_person, region_id=region_id,
                   starts_on=date(2024 + i % 2, 3, 1), ends_on=date(2024 + i % 2, 3, 2),
                   capacity=30, status=EventStatus.completed) for i in range(n)]
    db.session.execute(insert(Event), events)
    ids = [e["id"] for e in events]
    db.session.execute(insert(event_instructor), [dict(event_id=i, user_id=teacher.id)
                                                  for i in ids])
    db.session.execute(insert(Invitation), [
        dict(event_id=i, user_id=u.id, questionnaire_id=questionnaire.id,
             invited_at=COMPLETED_AT, answered=True, mailed=True)
        for i in ids for u in users])
    rbase = db.session.scalar(select(db.func.coalesce(db.func.max(Response.id), 0)))
    responses = [dict(id=rbase + k + 1, questionnaire_id=questionnaire.id, event_id=i)
                 for k, i in enumerate(i for i in ids for _u in users)]
    db.session.execute(insert(Response), responses)
    scale = next(q.id for q in questionnaire.questions if q.kind is QuestionKind.scale)
    db.session.execute(insert(Answer), [dict(response_id=r["id"], question_id=scale,
                                             score=3 + r["id"] % 3) for r in responses])
    ebase = db.session.scalar(select(db.func.coalesce(db.func.max(Enrollment.id), 0)))
    db.session.execute(insert(Enrollment), [
        dict(id=ebase + k + 1, event_id=i, user_id=users[0].id,
             status=EnrollmentStatus.completed) for k, i in enumerate(ids)])
    db.session.execute(insert(Attempt), [
        dict(test_id=test.id, enrollment_id=ebase + k + 1, number=1, started_at=COMPLETED_AT,
             submitted_at=COMPLETED_AT, total=4, correct_count=3, percent=75, passed=True)
        for k in range(n)])
    db.session.commit()


def _count_queries(client, url) -> tuple[int, str]:
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_per_instructor_results_take_a_constant_number_of_queries(
        client, login, make_user, make_program, regions, default_questionnaire):
    program = make_program()
    teacher = make_user("instructor", full_name="Лектор Один")
    users = [make_user() for _ in range(2)]
    test = quizzes.save_test(program, TestKind.post, question_count=4, pass_mark=75,
                             time_limit_minutes=None, max_attempts=1)
    db.session.commit()
    admin = make_user("admin")
    login(admin)
    _bulk(10, program, regions["KZ-79"].id, teacher, users, default_questionnaire, test)
    small, body = _count_queries(client, "/reports/evaluation/instructors")
    assert "Лектор Один" in body
    year_small, _ = _count_queries(client, "/reports/evaluation?year=2024")
    _bulk(990, program, regions["KZ-79"].id, teacher, users, default_questionnaire, test)
    large, body = _count_queries(client, "/reports/evaluation/instructors")
    assert large == small, (small, large)
    rows = _csv(client.get("/reports/evaluation/instructors?format=csv"))
    assert sum(int(r["events"]) for r in rows) == 1000
    assert {r["pass_rate"] for r in rows} == {"100.0"}
    assert sum(int(r["responses"]) for r in rows) == 2000
    # The year's report (5, then 500 events) too.
    year_large, _ = _count_queries(client, "/reports/evaluation?year=2024")
    assert year_large == year_small, (year_small, year_large)


def test_question_results_distribution(default_questionnaire, finished):
    complete(finished)
    p0, p1, p2, _ = finished["people"]
    _answer(finished["event"], p0, 5)
    _answer(finished["event"], p1, 5)
    _answer(finished["event"], p2, 1, "Мало практики")
    from school.evaluation.results import question_results

    results = {r.question.kind: r for r in question_results(finished["event"])}
    scale = results[QuestionKind.scale]
    assert scale.distribution == [1, 0, 0, 0, 2] and scale.average == round(11 / 3, 2)
    assert results[QuestionKind.single].distribution == [0, 3, 0]
    assert results[QuestionKind.long_text].comments == ["Мало практики"]
    assert db.session.scalar(select(db.func.count()).select_from(Question)) == 3


def test_the_management_page_shows_the_figures_once_completed(client, login,
                                                              default_questionnaire, finished):
    login(finished["admin"])
    url = f"/manage/events/{finished['event'].id}"
    assert f"/evaluation/events/{finished['event'].id}" not in client.get(url).get_data(
        as_text=True)
    complete(finished)
    _answer(finished["event"], finished["people"][0], 4)
    body = client.get(url).get_data(as_text=True)
    assert f"/evaluation/events/{finished['event'].id}" in body and "1 / 3" in body
