"""Feedback questionnaires and knowledge tests.

Anonymity is a property of the schema, not of the pages: an anonymous questionnaire's
`Response` rows carry no user id and no timestamp, and "has answered" lives on the
`Invitation` (a boolean, no time) with nothing shared between the two tables that could
join them back (no enrolment id, no instant, no token).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.dbtypes import LabelledEnum, UTCDateTime, str_enum, utcnow
from school.extensions import db
from school.i18n_fields import current_lang, localized

if TYPE_CHECKING:
    from school.catalog.models import Event, Program


class QuestionKind(LabelledEnum):
    scale = "scale", _l("Scale 1–5")  # 1–5, optional labels for each point
    single = "single", _l("Single choice")
    multiple = "multiple", _l("Multiple choice")
    short_text = "short_text", _l("Short text")
    long_text = "long_text", _l("Long text")

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.single, QuestionKind.multiple)

    @property
    def is_text(self) -> bool:
        return self in (QuestionKind.short_text, QuestionKind.long_text)


def _options(obj, lang: str | None = None) -> list[str]:
    lang = lang or current_lang()
    primary = obj.options_kk if lang == "kk" else obj.options_ru
    fallback = obj.options_ru if lang == "kk" else obj.options_kk
    return list(primary or fallback or [])


class Questionnaire(db.Model):
    """A feedback form for a programme, an event, or the school's default (neither)."""

    __tablename__ = "eval_questionnaire"
    __table_args__ = (
        CheckConstraint("program_id IS NULL OR event_id IS NULL", name="one_owner"),
        # At most one default, one per programme and one per event.
        Index("uq_eval_questionnaire_program", "program_id", unique=True),
        Index("uq_eval_questionnaire_event", "event_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    title_ru: Mapped[str] = mapped_column(String(300))
    title_kk: Mapped[str] = mapped_column(String(300))
    anonymous: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program | None] = relationship()
    event: Mapped[Event | None] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire", cascade="all, delete-orphan",
        order_by="Question.position, Question.id",
    )

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def is_default(self) -> bool:
        return self.program_id is None and self.event_id is None


class Question(db.Model):
    __tablename__ = "eval_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("eval_questionnaire.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "eval_question_kind"))
    text_ru: Mapped[str] = mapped_column(String(500))
    text_kk: Mapped[str] = mapped_column(String(500))
    # Choices (single, multiple) or the labels of points 1..5 (scale): lists of strings.
    options_ru: Mapped[list | None] = mapped_column(JSON)
    options_kk: Mapped[list | None] = mapped_column(JSON)
    required: Mapped[bool] = mapped_column(default=True)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def options(self) -> list[str]:
        return _options(self)


class Invitation(db.Model):
    """A participant was asked about an event. `answered` is all that is kept about the
    answer: for an anonymous questionnaire there is no time, so nothing to match against
    the response."""

    __tablename__ = "eval_invitation"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("eval_questionnaire.id"))
    # The participant's branch when asked: coordinators see their own people only.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mailed: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()


class Response(db.Model):
    """One submitted questionnaire. `user_id` and `submitted_at` stay NULL when the
    questionnaire is anonymous."""

    __tablename__ = "eval_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("eval_questionnaire.id"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan")


class Answer(db.Model):
    __tablename__ = "eval_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("eval_response.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("eval_question.id"), index=True)
    score: Mapped[int | None]  # scale: 1..5
    choices: Mapped[list | None] = mapped_column(JSON)  # option indexes
    text: Mapped[str | None] = mapped_column(Text)


# --- knowledge tests --------------------------------------------------------------------


class TestKind(LabelledEnum):
    __test__ = False  # not a pytest class
    pre = "pre", _l("Pre-test")
    post = "post", _l("Post-test")


class BankQuestion(db.Model):
    """A question of a programme's bank. Never edited once written (attempts point at its
    options by index): retire it and write a new one instead."""

    __tablename__ = "eval_bank_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    multiple: Mapped[bool] = mapped_column(default=False)
    text_ru: Mapped[str] = mapped_column(String(1000))
    text_kk: Mapped[str] = mapped_column(String(1000))
    options_ru: Mapped[list] = mapped_column(JSON)
    options_kk: Mapped[list] = mapped_column(JSON)
    correct: Mapped[list] = mapped_column(JSON)  # indexes of the correct options
    explanation_ru: Mapped[str | None] = mapped_column(Text)
    explanation_kk: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def text(self) -> str:
        return localized(self, "text")

    @property
    def explanation(self) -> str:
        return localized(self, "explanation")

    @property
    def options(self) -> list[str]:
        return _options(self)


class KnowledgeTest(db.Model):
    """A programme's pre- or post-test: N questions drawn from its bank."""

    __tablename__ = "eval_test"
    __test__ = False
    __table_args__ = (
        UniqueConstraint("program_id", "kind"),
        CheckConstraint("question_count >= 1", name="count_positive"),
        CheckConstraint("pass_mark >= 1 AND pass_mark <= 100", name="pass_mark_range"),
        CheckConstraint("max_attempts >= 1", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    kind: Mapped[TestKind] = mapped_column(str_enum(TestKind, "eval_test_kind"))
    question_count: Mapped[int] = mapped_column(default=10)
    pass_mark: Mapped[int] = mapped_column(default=70)  # percent
    time_limit_minutes: Mapped[int | None] = mapped_column(default=20)
    max_attempts: Mapped[int] = mapped_column(default=3)
    # Post-test only: completion needs a passing attempt beside attendance.
    required_for_completion: Mapped[bool] = mapped_column(default=False)

    program: Mapped[Program] = relationship()


class Attempt(db.Model):
    """One try at a test by one enrolment. Its questions and their order are stored, so
    the score can be checked again; once submitted nothing in it changes."""

    __tablename__ = "eval_attempt"
    __table_args__ = (
        UniqueConstraint("test_id", "enrollment_id", "number"),
        Index("ix_eval_attempt_enrollment", "enrollment_id", "test_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("eval_test.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correct_count: Mapped[int | None]
    total: Mapped[int]
    percent: Mapped[int | None]
    passed: Mapped[bool | None]

    test: Mapped[KnowledgeTest] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        cascade="all, delete-orphan", order_by="AttemptItem.position"
    )

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None


class AttemptItem(db.Model):
    """One question of an attempt: its place, the order its options were shown in, what
    was chosen (saved as the person goes) and, after submitting, whether it was right."""

    __tablename__ = "eval_attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("eval_attempt.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("eval_bank_question.id"))
    option_order: Mapped[list] = mapped_column(JSON)  # original option indexes, as shown
    chosen: Mapped[list | None] = mapped_column(JSON)  # original option indexes
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correct: Mapped[bool | None]

    question: Mapped[BankQuestion] = relationship()
