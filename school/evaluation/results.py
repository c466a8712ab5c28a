"""Results: per event, and across events by programme, instructor, region and year.

Every figure across events comes from a fixed set of GROUP BY queries over the events in
scope (whatever their number), then is summed up in Python from (sum, count) pairs so that
averages across events are weighted by answers, not averaged averages.

Who sees what: admins everything; coordinators the events their union or branch
organises, and among people (who has not answered, scores) only those of their branches;
instructors the events they teach.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, false, func, or_, select, true

from school.accounts.models import Role, User
from school.catalog.models import Event, EventStatus, Program, event_instructor
from school.core.exports import percent
from school.enrollment.models import Enrollment
from school.evaluation.models import (
    Answer,
    Attempt,
    Invitation,
    KnowledgeTest,
    Question,
    QuestionKind,
    Response,
    TestKind,
)
from school.extensions import db
from school.orgs.models import Branch, Region
from school.permissions import coordinator_scope, visible_branch_ids

# --- scope -------------------------------------------------------------------------------


def event_scope(user: User):
    """A WHERE clause on Event: the events whose results `user` may see."""
    if user.has_role(Role.admin):
        return Event.id.isnot(None)
    conditions = []
    if user.has_role(Role.instructor):
        conditions.append(Event.id.in_(select(event_instructor.c.event_id)
                                       .where(event_instructor.c.user_id == user.id)))
    union_ids, branch_ids = coordinator_scope(user)
    if union_ids:
        conditions.append(Event.organizer_union_id.in_(union_ids))
        conditions.append(Event.organizer_branch_id.in_(
            select(Branch.id).where(Branch.union_id.in_(union_ids))))
    if branch_ids:
        conditions.append(Event.organizer_branch_id.in_(branch_ids))
    return or_(*conditions) if conditions else false()


def _people_filter(column, user: User):
    """Named rows (invitations, attempts) by the person's branch snapshot."""
    ids = visible_branch_ids(user)
    if ids is None:
        return true()
    if user.has_role(Role.instructor) and not ids:
        return true()  # an instructor sees the whole group of an event they teach
    return column.in_(ids) if ids else false()


# --- figures -----------------------------------------------------------------------------


@dataclass
class Figures:
    """Sums behind the averages, so figures of several events add up correctly."""

    invited: int = 0
    responses: int = 0
    score_sum: int = 0
    score_n: int = 0
    pre_sum: int = 0
    pre_n: int = 0
    post_sum: int = 0
    post_n: int = 0
    passed: int = 0
    events: set[int] = field(default_factory=set)

    def add(self, other: Figures) -> None:
        for name in ("invited", "responses", "score_sum", "score_n", "pre_sum", "pre_n",
                     "post_sum", "post_n", "passed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.events |= other.events

    @property
    def average_score(self) -> float | None:
        return round(self.score_sum / self.score_n, 2) if self.score_n else None

    @property
    def pre_avg(self) -> float | None:
        return round(self.pre_sum / self.pre_n, 1) if self.pre_n else None

    @property
    def post_avg(self) -> float | None:
        return round(self.post_sum / self.post_n, 1) if self.post_n else None

    @property
    def gain(self) -> float | None:
        if self.pre_avg is None or self.post_avg is None:
            return None
        return round(self.post_avg - self.pre_avg, 1)

    @property
    def pass_rate(self) -> float | None:
        return round(self.passed * 100 / self.post_n, 1) if self.post_n else None

    @property
    def response_rate(self) -> float | None:
        return round(self.responses * 100 / self.invited, 1) if self.invited else None


@dataclass
class EventRow:
    event_id: int
    program_id: int
    program_code: str
    region_code: str | None
    year: int
    instructor_ids: list[int]
    figures: Figures


def _attempt_best(event_ids):
    """Per enrolment and test kind: the best submitted score and whether any passed."""
    return (
        select(Enrollment.event_id.label("event_id"), KnowledgeTest.kind.label("kind"),
               func.max(Attempt.percent).label("best"),
               func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
        .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .join(KnowledgeTest, KnowledgeTest.id == Attempt.test_id)
        .where(Attempt.submitted_at.isnot(None), Enrollment.event_id.in_(event_ids))
        .group_by(Enrollment.event_id, KnowledgeTest.kind, Attempt.enrollment_id)
        .subquery()
    )


def event_rows(event_ids) -> list[EventRow]:
    """Figures per event for a subquery of event ids: six queries whatever the count."""
    rows: dict[int, EventRow] = {}
    for eid, pid, code, region_code, ends_on in db.session.execute(
            select(Event.id, Event.program_id, Program.code, Region.code, Event.ends_on)
            .join(Program, Program.id == Event.program_id)
            .outerjoin(Region, Region.id == Event.region_id)
            .where(Event.id.in_(event_ids))
            .order_by(Event.ends_on, Event.id)):
        rows[eid] = EventRow(eid, pid, code, region_code, ends_on.year, [], Figures(events={eid}))
    if not rows:
        return []
    for eid, uid in db.session.execute(
            select(event_instructor.c.event_id, event_instructor.c.user_id)
            .where(event_instructor.c.event_id.in_(event_ids))
            .order_by(event_instructor.c.user_id)):
        rows[eid].instructor_ids.append(uid)
    for eid, n in db.session.execute(
            select(Invitation.event_id, func.count()).where(Invitation.event_id.in_(event_ids))
            .group_by(Invitation.event_id)):
        rows[eid].figures.invited = n
    for eid, n in db.session.execute(
            select(Response.event_id, func.count()).where(Response.event_id.in_(event_ids))
            .group_by(Response.event_id)):
        rows[eid].figures.responses = n
    for eid, total, n in db.session.execute(
            select(Response.event_id, func.sum(Answer.score), func.count(Answer.score))
            .join(Answer, Answer.response_id == Response.id)
            .join(Question, Question.id == Answer.question_id)
            .where(Response.event_id.in_(event_ids), Question.kind == QuestionKind.scale)
            .group_by(Response.event_id)):
        rows[eid].figures.score_sum, rows[eid].figures.score_n = int(total or 0), n
    best = _attempt_best(event_ids)
    for eid, kind, total, n, passed in db.session.execute(
            select(best.c.event_id, best.c.kind, func.sum(best.c.best), func.count(),
                   func.sum(best.c.passed)).group_by(best.c.event_id, best.c.kind)):
        figures = rows[eid].figures
        if TestKind(kind) is TestKind.pre:
            figures.pre_sum, figures.pre_n = int(total or 0), n
        else:
            figures.post_sum, figures.post_n, figures.passed = int(total or 0), n, int(passed)
    return list(rows.values())


def scoped_events(user: User, *, year: int | None = None, program_id: int | None = None):
    """A subquery of completed event ids in `user`'s scope (a year by the end date)."""
    query = select(Event.id).where(Event.status == EventStatus.completed, event_scope(user))
    if year is not None:
        query = query.where(Event.ends_on >= date(year, 1, 1), Event.ends_on <= date(year, 12, 31))
    if program_id is not None:
        query = query.where(Event.program_id == program_id)
    return query


CSV_COLUMNS = ("programme_id", "event_id", "instructor_id", "region_code", "responses",
               "invited", "average_score", "pre_avg", "post_avg", "pass_rate")


def contract_rows(rows: list[EventRow]):
    """One line per event and instructor (an event without instructors: one, empty)."""
    for row in rows:
        f = row.figures
        for instructor_id in row.instructor_ids or [None]:
            yield (row.program_id, row.event_id, instructor_id, row.region_code,
                   f.responses, f.invited, f.average_score, f.pre_avg, f.post_avg,
                   percent(f.pass_rate, 1))


def group_by(rows: list[EventRow], key) -> dict:
    """Figures summed per key(row) (a key may be a list: one event counts for each)."""
    groups: dict = defaultdict(Figures)
    for row in rows:
        keys = key(row)
        for k in keys if isinstance(keys, list) else [keys]:
            groups[k].add(row.figures)
    return dict(groups)


def instructor_years(user: User, program_id: int | None = None):
    """(instructor, year) → Figures across every completed event in scope, with the
    instructors' names: a fixed number of queries for any number of events."""
    rows = event_rows(scoped_events(user, program_id=program_id))
    groups = group_by(rows, lambda r: [(i, r.year) for i in r.instructor_ids])
    if user.has_role(Role.instructor) and not user.has_role(Role.admin) and not any(
            coordinator_scope(user)):
        groups = {k: v for k, v in groups.items() if k[0] == user.id}
    names: dict[int, str] = {}
    if groups:
        names = {uid: name for uid, name in db.session.execute(
            select(User.id, User.full_name).where(User.id.in_({k[0] for k in groups})))}
    return groups, names


# --- one event ---------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Question
    count: int = 0
    total: int = 0
    distribution: list[int] = field(default_factory=list)  # per point or option
    comments: list[str] = field(default_factory=list)

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None


def question_results(event: Event) -> list[QuestionResult]:
    """Averages, distributions and comments per question of the event's answers."""
    questions = list(db.session.scalars(
        select(Question).where(Question.questionnaire_id.in_(
            select(Response.questionnaire_id).where(Response.event_id == event.id)))
        .order_by(Question.questionnaire_id, Question.position, Question.id)))
    results = {q.id: QuestionResult(q, distribution=[0] * (
        5 if q.kind is QuestionKind.scale else len(q.options_ru or []))) for q in questions}
    answers = db.session.execute(
        select(Answer.question_id, Answer.score, Answer.choices, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.event_id == event.id)
        .order_by(Answer.id))
    for qid, score, choices, text in answers:
        result = results.get(qid)
        if result is None:
            continue
        if score is not None:
            result.count += 1
            result.total += score
            result.distribution[score - 1] += 1
        for c in choices or []:
            if 0 <= c < len(result.distribution):
                result.distribution[c] += 1
        if choices:
            result.count += 1
        if text:
            result.count += 1
            result.comments.append(text)
    return list(results.values())


@dataclass
class PersonScores:
    user: User
    pre: int | None = None
    post: int | None = None
    passed: bool | None = None

    @property
    def gain(self) -> int | None:
        return None if self.pre is None or self.post is None else self.post - self.pre


def people(event: Event, viewer: User) -> tuple[list[User], list[PersonScores]]:
    """Who has not answered (named questionnaires only) and each person's test scores,
    limited to the people `viewer` may see."""
    invitations = db.session.execute(
        select(Invitation, User)
        .join(User, User.id == Invitation.user_id)
        .where(Invitation.event_id == event.id, Invitation.answered.is_(False),
               _people_filter(Invitation.branch_id, viewer))
        .order_by(User.full_name)).all()
    silent = [u for inv, u in invitations if not inv.questionnaire.anonymous]
    scores: dict[int, PersonScores] = {}
    rows = db.session.execute(
        select(User, KnowledgeTest.kind, func.max(Attempt.percent),
               func.max(case((Attempt.passed.is_(True), 1), else_=0)))
        .select_from(Attempt)
        .join(Enrollment, Enrollment.id == Attempt.enrollment_id)
        .join(User, User.id == Enrollment.user_id)
        .join(KnowledgeTest, KnowledgeTest.id == Attempt.test_id)
        .where(Enrollment.event_id == event.id, Attempt.submitted_at.isnot(None),
               _people_filter(Enrollment.branch_id, viewer))
        .group_by(User.id, KnowledgeTest.kind)
        .order_by(User.full_name))
    for user, kind, best, passed in rows:
        person = scores.setdefault(user.id, PersonScores(user))
        if TestKind(kind) is TestKind.pre:
            person.pre = best
        else:
            person.post, person.passed = best, bool(passed)
    return silent, list(scores.values())
