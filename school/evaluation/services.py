"""Feedback questionnaires: building them, asking participants, taking their answers.

Services take models and plain values, flush but never commit, and raise DomainError.
Mail is queued with the enrolment feature's `queue_mail`, so it leaves only on COMMIT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from school.accounts.models import User
from school.catalog.models import Event, EventStatus
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.evaluation.models import (
    Answer,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
)
from school.extensions import db
from school.mail import absolute_url, queue_mail

TEXT_MAX = 2000
SHORT_TEXT_MAX = 300
ATTENDED = (EnrollmentStatus.completed, EnrollmentStatus.not_completed)


def reminder_days() -> int:
    return int(current_app.config.get("EVALUATION_REMINDER_DAYS", 3))


def answer_days() -> int:
    """How long after the event's completion answers are taken (and mail is sent)."""
    return int(current_app.config.get("EVALUATION_ANSWER_DAYS", 30))


# --- building questionnaires -----------------------------------------------------------


def default_questionnaire() -> Questionnaire | None:
    return db.session.scalar(
        select(Questionnaire)
        .where(Questionnaire.program_id.is_(None), Questionnaire.event_id.is_(None))
        .order_by(Questionnaire.id).limit(1)
    )


def questionnaire_for(event: Event) -> Questionnaire | None:
    """The event's own questionnaire, else its programme's, else the school's default."""
    own = db.session.scalar(select(Questionnaire).where(Questionnaire.event_id == event.id))
    if own is not None:
        return own
    by_program = db.session.scalar(
        select(Questionnaire).where(Questionnaire.program_id == event.program_id))
    return by_program or default_questionnaire()


def _has_responses(questionnaire: Questionnaire) -> bool:
    return db.session.scalar(
        select(Response.id).where(Response.questionnaire_id == questionnaire.id).limit(1)
    ) is not None


def create_questionnaire(*, title_ru: str, title_kk: str, anonymous: bool,
                         program_id: int | None = None, event_id: int | None = None,
                         copy_from: Questionnaire | None = None) -> Questionnaire:
    """A questionnaire for a programme, an event, or the default (neither); its questions
    copied from `copy_from` (usually the default) so staff start from something.

    Raises `owner_conflict` (both given), `already_exists`."""
    if program_id is not None and event_id is not None:
        raise DomainError("owner_conflict", _l("Choose a programme or an event, not both."))
    query = select(Questionnaire.id)
    if event_id is not None:
        query = query.where(Questionnaire.event_id == event_id)
    elif program_id is not None:
        query = query.where(Questionnaire.program_id == program_id)
    else:
        query = query.where(Questionnaire.program_id.is_(None),
                            Questionnaire.event_id.is_(None))
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError("already_exists", _l("This questionnaire already exists."),
                          status=409)
    questionnaire = Questionnaire(program_id=program_id, event_id=event_id,
                                  title_ru=title_ru.strip(), title_kk=title_kk.strip(),
                                  anonymous=anonymous)
    for q in (copy_from.questions if copy_from else []):
        questionnaire.questions.append(Question(
            position=q.position, kind=q.kind, text_ru=q.text_ru, text_kk=q.text_kk,
            options_ru=list(q.options_ru or []) or None,
            options_kk=list(q.options_kk or []) or None, required=q.required))
    db.session.add(questionnaire)
    db.session.flush()
    return questionnaire


def update_questionnaire(questionnaire: Questionnaire, *, title_ru: str, title_kk: str,
                         anonymous: bool) -> None:
    """Raises `has_responses` when the anonymity would change under existing answers."""
    if anonymous != questionnaire.anonymous and _has_responses(questionnaire):
        raise DomainError("has_responses", _l(
            "People have already answered: anonymity cannot be changed now."), field="anonymous")
    questionnaire.title_ru, questionnaire.title_kk = title_ru.strip(), title_kk.strip()
    questionnaire.anonymous = anonymous
    db.session.flush()


def _lines(text: str | None) -> list[str]:
    return [line.strip()[:200] for line in (text or "").splitlines() if line.strip()]


def add_question(questionnaire: Questionnaire, *, kind: QuestionKind, text_ru: str,
                 text_kk: str, options_ru: str = "", options_kk: str = "",
                 required: bool = True) -> Question:
    """Options are one per line. Raises `options_needed` (a choice with fewer than two),
    `options_mismatch` (ru and kk lists differ in length), `scale_labels` (not 5)."""
    ru, kk = _lines(options_ru), _lines(options_kk)
    if kind.has_options and len(ru) < 2:
        raise DomainError("options_needed", _l("Give at least two options, one per line."),
                          field="options_ru")
    if kind is QuestionKind.scale and ru and len(ru) != 5:
        raise DomainError("scale_labels", _l("A scale has five labels, one per line."),
                          field="options_ru")
    if (ru or kk) and kk and len(ru) != len(kk):
        raise DomainError("options_mismatch", _l(
            "Give the same number of options in Russian and Kazakh."), field="options_kk")
    if kind.is_text:
        ru, kk = [], []
    position = max((q.position for q in questionnaire.questions), default=0) + 1
    question = Question(kind=kind, text_ru=text_ru.strip(), text_kk=text_kk.strip(),
                        options_ru=ru or None, options_kk=(kk or ru) or None,
                        required=required, position=position)
    questionnaire.questions.append(question)
    db.session.flush()
    return question


def delete_question(question: Question) -> None:
    """Raises `question_has_answers`: results would lose what people said."""
    used = db.session.scalar(select(Answer.id).where(Answer.question_id == question.id).limit(1))
    if used is not None:
        raise DomainError("question_has_answers", _l(
            "This question already has answers and cannot be removed."), status=409)
    db.session.delete(question)
    db.session.flush()


# --- asking -----------------------------------------------------------------------------


def _invite_url(event: Event) -> str:
    return absolute_url("evaluation.answer", event_id=event.id)


def invite_attendees(event: Event, *, now: datetime | None = None) -> int:
    """Ask everyone who attended the completed `event` (at least one session); each person
    once, whatever the number of calls. Returns how many were newly asked.

    Mail goes only while answers are still taken (an event completed long after it ended
    is asked about on /my only)."""
    now = now or utcnow()
    questionnaire = questionnaire_for(event)
    if questionnaire is None or not questionnaire.questions:
        return 0
    asked = set(db.session.scalars(select(Invitation.user_id)
                                   .where(Invitation.event_id == event.id)))
    enrollments = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.event_id == event.id, Enrollment.status.in_(ATTENDED),
               Enrollment.attended_sessions > 0)
        .options(joinedload(Enrollment.user))
        .order_by(Enrollment.id)
    )
    last_end = event.last_end or now
    mail = now - last_end <= timedelta(days=answer_days())
    new = 0
    for enrollment in enrollments:
        if enrollment.user_id in asked:
            continue
        asked.add(enrollment.user_id)
        db.session.add(Invitation(
            event_id=event.id, user_id=enrollment.user_id, questionnaire_id=questionnaire.id,
            branch_id=enrollment.branch_id, invited_at=now, mailed=mail))
        if mail:
            _mail(enrollment.user, event, "evaluation_invite")
        new += 1
    db.session.flush()
    return new


def _mail(user: User, event: Event, template: str) -> None:
    queue_mail(user.email, template, locale=user.locale, event=event, user=user,
               url=_invite_url(event))


def send_reminders(*, now: datetime | None = None, days: int | None = None) -> int:
    """Remind, once, those asked `days` ago or more who have not answered, while answers
    are still taken. The invitation is marked in the same transaction as its letter, so
    runs may repeat or overlap. Returns how many were reminded (caller commits)."""
    now = now or utcnow()
    days = reminder_days() if days is None else days
    rows = list(db.session.scalars(
        select(Invitation)
        .where(Invitation.answered.is_(False), Invitation.reminded_at.is_(None),
               Invitation.mailed.is_(True),
               Invitation.invited_at <= now - timedelta(days=days),
               Invitation.invited_at > now - timedelta(days=answer_days()))
        .options(joinedload(Invitation.event))
        .order_by(Invitation.id)
        .with_for_update(of=Invitation, skip_locked=True)
    ))
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({r.user_id for r in rows})))} if rows else {}
    for invitation in rows:
        invitation.reminded_at = now
        _mail(users[invitation.user_id], invitation.event, "evaluation_reminder")
    db.session.flush()
    return len(rows)


def open_invitations(user: User, *, now: datetime | None = None) -> list[Invitation]:
    """The person's unanswered questionnaires that still take answers, for /my."""
    now = now or utcnow()
    return list(db.session.scalars(
        select(Invitation)
        .where(Invitation.user_id == user.id, Invitation.answered.is_(False),
               Invitation.invited_at > now - timedelta(days=answer_days()))
        .options(joinedload(Invitation.event).joinedload(Event.program))
        .order_by(Invitation.invited_at.desc())
        .limit(20)
    ))


# --- answering ---------------------------------------------------------------------------


def invitation_for(event: Event, user: User) -> Invitation | None:
    return db.session.scalar(
        select(Invitation)
        .where(Invitation.event_id == event.id, Invitation.user_id == user.id)
        .options(selectinload(Invitation.questionnaire).selectinload(Questionnaire.questions))
    )


@dataclass(frozen=True)
class RawAnswer:
    """What the form sent for one question: the scale value, choice indexes or text."""

    score: int | None = None
    choices: tuple[int, ...] = ()
    text: str | None = None


def _clean(question: Question, raw: RawAnswer | None) -> Answer | None:
    raw = raw or RawAnswer()
    if question.kind is QuestionKind.scale:
        if raw.score is None:
            return None
        if not 1 <= raw.score <= 5:
            raise DomainError("bad_answer", _l("Choose a value from 1 to 5."))
        return Answer(question_id=question.id, score=raw.score)
    if question.kind.has_options:
        choices = sorted(set(raw.choices))
        if not choices:
            return None
        if any(not 0 <= c < len(question.options_ru or []) for c in choices) or (
                question.kind is QuestionKind.single and len(choices) > 1):
            raise DomainError("bad_answer", _l("Choose one of the options given."))
        return Answer(question_id=question.id, choices=choices)
    limit = SHORT_TEXT_MAX if question.kind is QuestionKind.short_text else TEXT_MAX
    text = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in (raw.text or ""))
    text = text.strip()[:limit]
    return Answer(question_id=question.id, text=text) if text else None


def submit_response(event: Event, user: User, answers: dict[int, RawAnswer], *,
                    now: datetime | None = None) -> Response:
    """Record the person's answers (question id → raw answer), once.

    Raises `not_invited`, `already_answered`, `closed` (answers no longer taken),
    `bad_answer`, `answer_required` (field: the question id). For an anonymous
    questionnaire the response keeps neither the person nor the time."""
    now = now or utcnow()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.event_id == event.id,
                                 Invitation.user_id == user.id).with_for_update()
    )
    if invitation is None:
        raise DomainError("not_invited", _l("You were not asked about this event."),
                          status=404)
    if invitation.answered:
        raise DomainError("already_answered", _l("You have already answered. Thank you!"),
                          status=409)
    if now - invitation.invited_at > timedelta(days=answer_days()):
        raise DomainError("closed", _l("This questionnaire no longer takes answers."),
                          status=409)
    questionnaire = invitation.questionnaire
    rows = []
    for question in questionnaire.questions:
        answer = _clean(question, answers.get(question.id))
        if answer is None and question.required:
            raise DomainError("answer_required", _l("Please answer this question."),
                              field=str(question.id))
        if answer is not None:
            rows.append(answer)
    named = not questionnaire.anonymous
    response = Response(questionnaire_id=questionnaire.id, event_id=event.id,
                        user_id=user.id if named else None,
                        submitted_at=now if named else None, answers=rows)
    db.session.add(response)
    invitation.answered = True
    db.session.flush()
    return response


def is_answerable(event: Event) -> bool:
    return event.status is EventStatus.completed
