"""Asking attendees: one mail each on completion, reminders only to the silent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from school.evaluation import services
from school.evaluation.models import Invitation, QuestionKind, Response
from school.extensions import db, write_transaction
from tests.evaluation.conftest import COMPLETED_AT, complete


def _answer_all(event, user, now):
    questions = services.questionnaire_for(event).questions
    answers = {q.id: services.RawAnswer(score=4) if q.kind is QuestionKind.scale
               else services.RawAnswer(choices=(1,)) for q in questions
               if not q.kind.is_text}
    with write_transaction():
        return services.submit_response(event, user, answers, now=now)


def test_completing_an_event_mails_each_attendee_once(default_questionnaire, finished, outbox):
    complete(finished)
    event, people = finished["event"], finished["people"]
    recipients = sorted(m.to[0] for m in outbox)
    assert recipients == sorted(p.email for p in people[:3])  # p3 attended nothing
    assert all(f"/feedback/{event.id}" in m.body for m in outbox)
    # Asking again (a second signal, a retry) neither duplicates nor mails.
    with write_transaction():
        assert services.invite_attendees(event, now=COMPLETED_AT) == 0
    assert len(outbox) == 3
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 3


def test_a_reminder_goes_only_to_those_who_have_not_answered(default_questionnaire, finished,
                                                             outbox):
    complete(finished)
    p0, p1, p2 = finished["people"][:3]
    _answer_all(finished["event"], p0, COMPLETED_AT + timedelta(days=1))
    outbox.clear()
    with write_transaction():  # too early: N days have not passed
        assert services.send_reminders(now=COMPLETED_AT + timedelta(days=2), days=3) == 0
    assert outbox == []
    with write_transaction():
        assert services.send_reminders(now=COMPLETED_AT + timedelta(days=3), days=3) == 2
    assert sorted(m.to[0] for m in outbox) == sorted([p1.email, p2.email])
    with write_transaction():  # idempotent: each is reminded once
        assert services.send_reminders(now=COMPLETED_AT + timedelta(days=4), days=3) == 0
    assert len(outbox) == 2


def test_no_questionnaire_no_invitations(finished, outbox):
    complete(finished)
    assert outbox == []
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_reminder_command_is_idempotent(app, default_questionnaire, make_event, make_user,
                                        make_enrollment, outbox):
    from school.attendance.completion import complete_event
    from school.attendance.models import AttendanceMark, AttendanceStatus
    from school.dbtypes import utcnow

    today = utcnow().date()
    event = make_event(sessions=1, starts_on=today - timedelta(days=6))
    person = make_user()
    enrollment = make_enrollment(event, person)
    db.session.add(AttendanceMark(enrollment_id=enrollment.id, session_id=event.sessions[0].id,
                                  status=AttendanceStatus.present))
    db.session.commit()
    with write_transaction():
        complete_event(event, make_user("admin"), now=utcnow() - timedelta(days=5))
    assert [m.to[0] for m in outbox] == [person.email]
    runner = app.test_cli_runner()
    first = runner.invoke(args=["evaluation-reminders"])
    second = runner.invoke(args=["evaluation-reminders"])
    assert "sent: 1" in first.output and "sent: 0" in second.output
    assert len(outbox) == 2


def test_answers_are_final_and_required_ones_checked(default_questionnaire, finished):
    complete(finished)
    event, p0 = finished["event"], finished["people"][0]
    try:
        with write_transaction():
            services.submit_response(event, p0, {}, now=COMPLETED_AT)
    except services.DomainError as e:
        assert e.code == "answer_required"
    else:
        raise AssertionError("empty answers were taken")
    _answer_all(event, p0, COMPLETED_AT)
    try:
        _answer_all(event, p0, COMPLETED_AT)
    except services.DomainError as e:
        assert e.code == "already_answered"
    else:
        raise AssertionError("answered twice")
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_stranger_is_not_invited(default_questionnaire, finished, make_user):
    complete(finished)
    try:
        with write_transaction():
            services.submit_response(finished["event"], make_user(), {}, now=COMPLETED_AT)
    except services.DomainError as e:
        assert e.code == "not_invited"
    else:
        raise AssertionError("a stranger answered")


def test_the_page_takes_answers_on_a_phone_form(client, login, default_questionnaire,
                                                finished):
    complete(finished)
    event, p0 = finished["event"], finished["people"][0]
    login(p0)
    page = client.get(f"/feedback/{event.id}")
    assert page.status_code == 200
    assert 'name="q' not in page.get_data(as_text=True)  # the window has closed
    questions = services.questionnaire_for(event).questions
    data = {f"q{questions[0].id}": "5", f"q{questions[1].id}": "2",
            f"q{questions[2].id}": "Больше практики"}
    # The answers window is counted from the completion (a fixed past date): widen it.
    config = client.application.config
    before = config.get("EVALUATION_ANSWER_DAYS")
    config["EVALUATION_ANSWER_DAYS"] = 100000
    try:
        assert 'name="q' in client.get(f"/feedback/{event.id}").get_data(as_text=True)
        assert client.post(f"/feedback/{event.id}", data=data).status_code == 302
        assert client.post(f"/feedback/{event.id}", data=data).status_code == 200
    finally:
        config["EVALUATION_ANSWER_DAYS"] = before
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    my = client.get("/my").get_data(as_text=True)
    assert f"/feedback/{event.id}" not in my
