"""The training centre's pages: questionnaires and their questions, question banks and
test settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from school.catalog.models import Program
from school.core.edge import attempt
from school.core.utils import get_or_404, optional_int
from school.evaluation import quizzes, services
from school.evaluation.blueprint import bp
from school.evaluation.forms import (
    BankQuestionForm,
    QuestionForm,
    QuestionnaireForm,
    TestSettingsForm,
)
from school.evaluation.models import BankQuestion, Question, QuestionKind, Questionnaire, TestKind
from school.extensions import db
from school.permissions import ADMIN, allow, load_event

# --- questionnaires ----------------------------------------------------------------------


@bp.get("/evaluation/questionnaires")
@allow(ADMIN)
def questionnaires():
    items = list(db.session.scalars(select(Questionnaire).order_by(
        Questionnaire.program_id.isnot(None), Questionnaire.event_id.isnot(None),
        Questionnaire.id)))
    programs = list(db.session.scalars(select(Program).order_by(Program.code)))
    return render_template("evaluation/questionnaires.html", items=items, programs=programs,
                           form=QuestionnaireForm(), has_default=any(q.is_default for q in items))


@bp.post("/evaluation/questionnaires/new")
@allow(ADMIN)
def create_questionnaire():
    form = QuestionnaireForm()
    if not form.validate_on_submit():
        flash(_("Give the title in Russian and Kazakh."), "danger")
        return redirect(url_for("evaluation.questionnaires"))
    program_id = optional_int(request.form.get("program_id"))
    event_id = optional_int(request.form.get("event_id"))
    if program_id is not None:
        get_or_404(Program, program_id)
    if event_id is not None:
        load_event(event_id, "manage")
    default = services.default_questionnaire()
    with attempt() as done:
        questionnaire = services.create_questionnaire(
            title_ru=form.title_ru.data, title_kk=form.title_kk.data,
            anonymous=form.anonymous.data, program_id=program_id, event_id=event_id,
            copy_from=default if (program_id or event_id) else None)
    if not done:
        return redirect(url_for("evaluation.questionnaires"))
    flash(_("Questionnaire created."), "success")
    return redirect(url_for("evaluation.edit_questionnaire", questionnaire_id=questionnaire.id))


@bp.route("/evaluation/questionnaires/<int:questionnaire_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_questionnaire(questionnaire_id: int):
    questionnaire = get_or_404(Questionnaire, questionnaire_id)
    form = QuestionnaireForm(obj=questionnaire)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.update_questionnaire(questionnaire, title_ru=form.title_ru.data,
                                          title_kk=form.title_kk.data,
                                          anonymous=form.anonymous.data)
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for("evaluation.edit_questionnaire",
                                    questionnaire_id=questionnaire.id))
    return render_template("evaluation/questionnaire.html", questionnaire=questionnaire,
                           form=form, question_form=QuestionForm())


@bp.post("/evaluation/questionnaires/<int:questionnaire_id>/questions")
@allow(ADMIN)
def add_question(questionnaire_id: int):
    questionnaire = get_or_404(Questionnaire, questionnaire_id)
    form = QuestionForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            services.add_question(
                questionnaire, kind=QuestionKind(form.kind.data), text_ru=form.text_ru.data,
                text_kk=form.text_kk.data, options_ru=form.options_ru.data,
                options_kk=form.options_kk.data, required=form.required.data)
        if done:
            flash(_("Question added."), "success")
            return redirect(url_for("evaluation.edit_questionnaire",
                                    questionnaire_id=questionnaire.id))
    return render_template("evaluation/questionnaire.html", questionnaire=questionnaire,
                           form=QuestionnaireForm(obj=questionnaire), question_form=form), 400


@bp.post("/evaluation/questions/<int:question_id>/delete")
@allow(ADMIN)
def delete_question(question_id: int):
    question = get_or_404(Question, question_id)
    questionnaire_id = question.questionnaire_id
    with attempt() as done:
        services.delete_question(question)
    if done:
        flash(_("Question removed."), "success")
    return redirect(url_for("evaluation.edit_questionnaire", questionnaire_id=questionnaire_id))


# --- question bank and tests -------------------------------------------------------------


def _bank_page(program: Program, form: BankQuestionForm | None = None, status: int = 200):
    questions = list(db.session.scalars(select(BankQuestion).where(
        BankQuestion.program_id == program.id).order_by(BankQuestion.active.desc(),
                                                        BankQuestion.id)))
    tests = {}
    for kind in TestKind:
        test = quizzes.get_test(program.id, kind)
        tests[kind] = (test, TestSettingsForm(obj=test, prefix=kind.value))
    return render_template("evaluation/bank.html", program=program, questions=questions,
                           form=form or BankQuestionForm(), tests=tests,
                           active=sum(q.active for q in questions)), status


@bp.get("/evaluation/programs/<int:program_id>/bank")
@allow(ADMIN)
def bank(program_id: int):
    return _bank_page(get_or_404(Program, program_id))


@bp.post("/evaluation/programs/<int:program_id>/bank")
@allow(ADMIN)
def add_bank_question(program_id: int):
    program = get_or_404(Program, program_id)
    form = BankQuestionForm()
    if not form.validate_on_submit():
        return _bank_page(program, form, 400)
    with attempt(form) as done:
        quizzes.add_bank_question(
            program, text_ru=form.text_ru.data, text_kk=form.text_kk.data,
            options_ru=form.options_ru.data, options_kk=form.options_kk.data,
            correct=form.correct_numbers(), multiple=form.multiple.data,
            explanation_ru=form.explanation_ru.data, explanation_kk=form.explanation_kk.data)
    if not done:
        return _bank_page(program, form, 400)
    flash(_("Question added."), "success")
    return redirect(url_for("evaluation.bank", program_id=program.id))


@bp.post("/evaluation/bank/<int:question_id>/retire")
@allow(ADMIN)
def retire_bank_question(question_id: int):
    question = get_or_404(BankQuestion, question_id)
    with attempt() as done:
        quizzes.retire_bank_question(question)
    if done:
        flash(_("The question will no longer be drawn."), "success")
    return redirect(url_for("evaluation.bank", program_id=question.program_id))


@bp.post("/evaluation/programs/<int:program_id>/tests/<kind>")
@allow(ADMIN)
def save_test(program_id: int, kind: str):
    program = get_or_404(Program, program_id)
    try:
        test_kind = TestKind(kind)
    except ValueError:
        abort(404)
    form = TestSettingsForm(prefix=test_kind.value)
    if not form.validate_on_submit():
        flash(_("Check the numbers of the test's settings."), "danger")
        return redirect(url_for("evaluation.bank", program_id=program.id))
    with attempt() as done:
        quizzes.save_test(program, test_kind, question_count=form.question_count.data,
                          pass_mark=form.pass_mark.data,
                          time_limit_minutes=form.time_limit_minutes.data,
                          max_attempts=form.max_attempts.data,
                          required_for_completion=form.required_for_completion.data)
    if done:
        flash(_("Saved."), "success")
    return redirect(url_for("evaluation.bank", program_id=program.id))
