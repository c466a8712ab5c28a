"""Pages of the evaluation feature for participants: answering a questionnaire, taking a
test, the /my panel; the reminder command. Staff pages: admin_views.py, report_views.py."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school.catalog.models import Event, EventStatus
from school.core import edge, panels
from school.core.utils import MAX_ID
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment
from school.evaluation import admin_views as _admin_views  # noqa: F401  (routes)
from school.evaluation import quizzes, services
from school.evaluation import receivers as _receivers  # noqa: F401  (signal receivers)
from school.evaluation import report_views as _report_views  # noqa: F401  (routes)
from school.evaluation.blueprint import bp
from school.evaluation.models import KnowledgeTest, QuestionKind, TestKind
from school.extensions import db, write_transaction
from school.permissions import SIGNED_IN, allow, load_event

__all__ = ["bp"]


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -MAX_ID <= number <= MAX_ID else None


def _raw_answers(questions) -> dict[int, services.RawAnswer]:
    form = request.form
    answers = {}
    for q in questions:
        key = f"q{q.id}"
        if q.kind is QuestionKind.scale:
            answers[q.id] = services.RawAnswer(score=_int(form.get(key)))
        elif q.kind.has_options:
            values = [_int(v) for v in form.getlist(key)]
            if any(v is None for v in values):
                values = [-1]  # refused by the service as a bad choice
            answers[q.id] = services.RawAnswer(choices=tuple(values))
        else:
            answers[q.id] = services.RawAnswer(text=form.get(key))
    return answers


# --- the questionnaire -------------------------------------------------------------------


@bp.route("/feedback/<int:event_id>", methods=["GET", "POST"])
@allow(SIGNED_IN)
def answer(event_id: int):
    event = load_event(event_id, "see")
    invitation = services.invitation_for(event, current_user)
    if invitation is None:
        abort(404)
    questionnaire = invitation.questionnaire
    errors: dict[str, str] = {}
    if request.method == "POST" and not invitation.answered:
        with edge.attempt(show=False, abort_on=(404,)) as done:
            services.submit_response(event, current_user, _raw_answers(questionnaire.questions))
        if not done:
            if done.error.field:
                errors[done.error.field] = str(done.error.message)
            done.show_error()
            return render_template("evaluation/answer.html", event=event,
                                   questionnaire=questionnaire, invitation=invitation,
                                   errors=errors, form=request.form), 400
        flash(_("Thank you! Your answers are saved."), "success")
        return redirect(url_for("enrollment.my"))
    closed = utcnow() - invitation.invited_at > timedelta(days=services.answer_days())
    return render_template("evaluation/answer.html", event=event, questionnaire=questionnaire,
                           invitation=invitation, errors=errors, form=None, closed=closed)


# --- tests -------------------------------------------------------------------------------


def _kind(value: str) -> TestKind:
    try:
        return TestKind(value)
    except ValueError:
        abort(404)


def _own_enrollment(event: Event) -> Enrollment:
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.event_id == event.id,
                                 Enrollment.user_id == current_user.id,
                                 Enrollment.status.in_(quizzes.TAKING)))
    if enrollment is None:
        abort(404)
    return enrollment


def _test_of(event: Event, kind: TestKind) -> KnowledgeTest:
    test = quizzes.get_test(event.program_id, kind)
    if test is None:
        abort(404)
    return test


@bp.get("/events/<int:event_id>/tests/<kind>")
@allow(SIGNED_IN)
def test_home(event_id: int, kind: str):
    event = load_event(event_id, "see")
    test = _test_of(event, _kind(kind))
    enrollment = _own_enrollment(event)
    attempts = quizzes.attempts_of(test, enrollment)
    return render_template("evaluation/test_home.html", event=event, test=test,
                           attempts=attempts, best=quizzes.best_attempt(attempts),
                           is_open=quizzes.window_open(test, event, utcnow()))


@bp.post("/events/<int:event_id>/tests/<kind>/start")
@allow(SIGNED_IN)
def start_test(event_id: int, kind: str):
    event = load_event(event_id, "see")
    test = _test_of(event, _kind(kind))
    enrollment = _own_enrollment(event)
    with edge.attempt() as done:
        attempt = quizzes.start_attempt(test, enrollment)
    if not done:
        return redirect(url_for("evaluation.test_home", event_id=event.id, kind=test.kind.value))
    return redirect(url_for("evaluation.attempt", attempt_id=attempt.id))


def _own_attempt(attempt_id: int):
    attempt = quizzes.load_attempt(attempt_id, current_user)
    if attempt is None:
        abort(404)
    return attempt


@bp.get("/attempts/<int:attempt_id>")
@allow(SIGNED_IN)
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    if attempt.is_open and attempt.deadline_at and now > attempt.deadline_at:
        # Time ran out while away: what was saved is scored.
        with write_transaction():
            attempt = _own_attempt(attempt_id)
            if attempt.is_open:
                quizzes.submit_attempt(attempt, now=now)
        attempt = _own_attempt(attempt_id)
    enrollment = db.session.get(Enrollment, attempt.enrollment_id)
    return render_template("evaluation/attempt.html", attempt=attempt, test=attempt.test,
                           event=enrollment.event, now=now)


def _chosen(values) -> list[int]:
    numbers = [_int(v) for v in values]
    return [-1] if any(n is None for n in numbers) else numbers


@bp.post("/attempts/<int:attempt_id>/answer")
@allow(SIGNED_IN)
def save_answer(attempt_id: int):
    """One answer, saved as the person goes (JSON for the page's script)."""
    attempt = _own_attempt(attempt_id)
    position = _int(request.form.get("position"))
    with edge.attempt(show=False) as done:
        quizzes.save_answer(attempt, position or 0, _chosen(request.form.getlist("chosen")))
    if not done:
        e = done.error
        return jsonify(ok=False, code=e.code, message=str(e.message)), e.status
    return jsonify(ok=True)


@bp.post("/attempts/<int:attempt_id>/submit")
@allow(SIGNED_IN)
def submit_attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    answers = {item.position: _chosen(request.form.getlist(f"item{item.position}"))
               for item in attempt.items if request.form.getlist(f"item{item.position}")}
    with edge.attempt():
        quizzes.submit_attempt(attempt, answers)
    return redirect(url_for("evaluation.attempt", attempt_id=attempt_id))


# --- the /my panel -----------------------------------------------------------------------


@bp.app_template_global()
def evaluation_my_panel() -> dict:
    """Open questionnaires and tests of the current person, for /my."""
    user = current_user
    if not getattr(user, "is_authenticated", False):
        return {"invitations": [], "tests": []}
    from school.enrollment.services import my_enrollments

    return my_panel(my_enrollments(user), user)


@panels.my("evaluation")
def my_panel(enrollments, user) -> dict:
    """Questionnaires to answer and tests open now, from the person's enrolments (the
    newest 20 taking part in a published or held event whose programme has a test)."""
    if not getattr(user, "is_authenticated", False):
        return {"invitations": [], "tests": []}
    now = utcnow()
    by_program: dict[int, list[KnowledgeTest]] = {}
    taking = [e for e in enrollments if e.status in quizzes.TAKING
              and e.event.status in (EventStatus.published, EventStatus.completed)]
    if taking:
        for test in db.session.scalars(select(KnowledgeTest).where(KnowledgeTest.program_id.in_(
                {e.event.program_id for e in taking}))):
            by_program.setdefault(test.program_id, []).append(test)
    taking = sorted((e for e in taking if e.event.program_id in by_program),
                    key=lambda e: e.id, reverse=True)[:20]
    tests = []
    for enrollment in taking:
        for test in by_program.get(enrollment.event.program_id, []):
            if quizzes.window_open(test, enrollment.event, now):
                tests.append((enrollment.event, test))
    return {"invitations": services.open_invitations(user, now=now), "tests": tests}


# --- command line ------------------------------------------------------------------------


@bp.cli.command("evaluation-reminders")
@click.option("--days", type=int, default=None,
              help="Remind those asked at least this many days ago (EVALUATION_REMINDER_DAYS).")
def reminders_command(days):
    """Remind participants who have not answered the feedback questionnaire; each once."""
    with write_transaction():
        sent = services.send_reminders(days=days)
    click.echo(f"feedback reminders sent: {sent}")
