"""One small world of real records, made on demand, that fills any rule of the URL map.

The five people of the access matrix: an anonymous visitor, a trainee (the participant who
owns the enrolment, certificate, attempt…), the event's instructor, the coordinator of the
branch that organises the event (and where the trainee works), and an admin. Each record is
made the first time a URL asks for it (`scene.args_for(rule)`), so a test pays only for what
its page needs.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from functools import cached_property

from school.extensions import db

ROLES = ("anonymous", "trainee", "instructor", "coordinator", "admin")

# Endpoints whose argument of a shared name means something else than usual.
SESSION_IS_A_DEVICE = {"accounts.revoke_session"}
BANK_QUESTION = {"evaluation.retire_bank_question"}
KINDS = {"certificates.letter": "participation", "planning.add_line": "headcount",
         "planning.remove_line": "headcount"}
STATIC_FILES = {"static": "css/app.css", "bootstrap.static": "css/bootstrap.min.css"}
# Records a page needs although its URL does not name them.
NEEDS = {
    "evaluation.test_home": ("knowledge_test",), "evaluation.start_test": ("knowledge_test",),
    "evaluation.answer": ("invitation",),
}
# Endpoints that act on an event recorded after the fact (records/): no one enrolled there.
ON_RECORDED_EVENT = {"records.participants", "records.add", "records.confirm", "records.upload"}


_QUICK: list[str] = []


def quick_hash() -> str:
    """The factories' password, hashed cheaply: these tests sign in thousands of times, and
    what is tested here is who may pass, not the hashing (tests/accounts test that)."""
    if not _QUICK:
        from werkzeug.security import generate_password_hash

        from tests.factories import PASSWORD

        _QUICK.append(generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
    return _QUICK[0]


class Scene:
    def __init__(self, factories: dict, ended: bool = True):
        self.f = factories
        self.ended = ended
        self._rows = 0

    # --- people and places -----------------------------------------------------------

    @cached_property
    def union(self):
        return self.f["make_union"]("u")

    @cached_property
    def branch(self):
        return self.f["make_branch"](self.union, "KZ-79")

    @cached_property
    def org(self):
        return self.f["make_org"](self.branch)

    @cached_property
    def people(self) -> dict:
        make_user = self.f["make_user"]
        out = {
            "trainee": make_user("trainee", branch=self.branch, primary_org_id=self.org.id),
            "instructor": make_user("instructor"),
            "coordinator": make_user("coordinator", branch=self.branch),
            "admin": make_user("admin"),
        }
        for person in out.values():
            person.password_hash = quick_hash()
        db.session.commit()
        return out

    @property
    def trainee(self):
        return self.people["trainee"]

    @cached_property
    def region(self):
        return self.branch.region

    # --- the event and what hangs on it ----------------------------------------------

    @cached_property
    def program(self):
        return self.f["make_program"](audience=["chair"])

    @cached_property
    def event(self):
        # Ended a week ago (certificates, letters, post-tests, completion apply), or starting
        # in a month (enrolment and editing apply).
        start = date.today() + (timedelta(days=-10) if self.ended else timedelta(days=30))
        return self.f["make_event"](self.program, starts_on=start,
                                    organizer_branch_id=self.branch.id,
                                    instructors=[self.people["instructor"]])

    @cached_property
    def enrollment(self):
        status = "completed" if self.ended else "confirmed"
        row = self.f["make_enrollment"](self.event, self.trainee, status)
        if self.ended:
            row.attended_hours, row.attended_sessions = 24, 3
            db.session.commit()
        return row

    @cached_property
    def recorded_event(self):
        """A past event of the branch whose participants are recorded after the fact."""
        return self.f["make_event"](self.program, starts_on=date.today() - timedelta(days=40),
                                    organizer_branch_id=self.branch.id, recorded_after=True,
                                    instructors=[self.people["instructor"]])

    @cached_property
    def certificate(self):
        from school.certificates.models import Certificate
        from school.certificates.services import new_code

        cert = Certificate(enrollment_id=self.enrollment.id,
                           number=f"T-{date.today().year}-000001",
                           verification_code=new_code(),
                           holder_name=self.trainee.full_name, pdf=b"%PDF-1.4\n%%EOF\n",
                           sha256="0" * 64)
        db.session.add(cert)
        db.session.commit()
        return cert

    @cached_property
    def batch(self):
        from school.certificates.models import BatchStatus, CertificateBatch

        row = CertificateBatch(event_id=self.event.id, requested_by_id=self.people["admin"].id,
                               status=BatchStatus.done, total=1, done=1)
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def material(self):
        from school.materials.models import EventMaterial

        row = EventMaterial(event_id=self.event.id, title="Запись", url="https://example.kz/r")
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def questionnaire(self):
        from school.evaluation import services
        from school.evaluation.models import QuestionKind

        q = services.create_questionnaire(title_ru="Отзыв", title_kk="Пікір", anonymous=True)
        services.add_question(q, kind=QuestionKind.scale, text_ru="Польза", text_kk="Пайдасы")
        db.session.commit()
        return q

    @cached_property
    def invitation(self):
        from school.evaluation.models import Invitation

        row = Invitation(event_id=self.event.id, user_id=self.trainee.id,
                         questionnaire_id=self.questionnaire.id, branch_id=self.branch.id)
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def question(self):
        return self.questionnaire.questions[0]

    @cached_property
    def knowledge_test(self):
        from school.evaluation import quizzes
        from school.evaluation.models import TestKind

        for i in range(4):
            quizzes.add_bank_question(self.program, text_ru=f"Вопрос {i}",
                                      text_kk=f"Сұрақ {i}", options_ru="Да\nНет",
                                      options_kk="Иә\nЖоқ", correct=[1])
        test = quizzes.save_test(self.program, TestKind.post, question_count=2, pass_mark=50,
                                 time_limit_minutes=None, max_attempts=3,
                                 required_for_completion=False)
        db.session.commit()
        return test

    @cached_property
    def bank_question(self):
        from school.evaluation.models import BankQuestion

        self.knowledge_test  # noqa: B018 — the bank comes with the test
        return db.session.scalar(db.select(BankQuestion)
                                 .where(BankQuestion.program_id == self.program.id)
                                 .order_by(BankQuestion.id).limit(1))

    @cached_property
    def attempt(self):
        from school.evaluation import quizzes

        attempt = quizzes.start_attempt(self.knowledge_test, self.enrollment)
        db.session.commit()
        return attempt

    # --- other features --------------------------------------------------------------

    @cached_property
    def body(self):
        from school.commissions.models import Body, BodyKind

        row = Body(kind=BodyKind.conciliation_commission, branch_id=self.branch.id,
                   primary_org_id=self.org.id)
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def member(self):
        from school.commissions.models import Member, MemberRole

        row = Member(body_id=self.body.id, user_id=self.trainee.id, role=MemberRole.member,
                     term_start=date(2024, 1, 1))
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def requirement(self):
        from school.commissions.models import BodyKind, Requirement

        row = Requirement(body_kind=BodyKind.conciliation_commission, validity_months=12,
                          new_member_months=6)
        row.programs = [self.program]
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def plan(self):
        from school.accounts.models import Category
        from school.planning.models import Plan, PlanHeadcount, PlanLevel, PlanState

        row = Plan(year=date.today().year + 1, level=PlanLevel.branch, state=PlanState.draft,
                   branch_id=self.branch.id, union_id=self.union.id,
                   author_id=self.people["coordinator"].id)
        row.headcounts.append(PlanHeadcount(category=Category.chair, people=5))
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def employer(self):
        from school.releases.models import Employer
        from tests.releases.conftest import make_bin

        row = Employer(bin=make_bin(1), name_ru="АО «Работодатель»", name_kk="«Жұмыс беруші» АҚ",
                       hr_emails="hr@employer.kz", language="ru")
        db.session.add(row)
        db.session.flush()
        self.org.employer_id = row.id
        db.session.commit()
        return row

    @cached_property
    def agreement(self):
        from school.releases.models import Agreement

        row = Agreement(union_id=self.union.id, name_ru="Соглашение", name_kk="Келісім",
                        clause_ru="п. 1", clause_kk="1-тармақ", paid_days=5)
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def release(self):
        from school.releases import requests
        from school.releases.models import ReleaseRequest

        self.employer, self.agreement  # noqa: B018 — made before the request
        row = requests.create_for(self.enrollment)
        db.session.commit()
        return row or db.session.scalar(db.select(ReleaseRequest))

    @cached_property
    def tokens(self) -> dict:
        """An API token of each signed-in role (all scopes), by role."""
        from school.api import tokens
        from school.api.models import ApiToken
        from school.dbtypes import utcnow

        out = {}
        for role, user in self.people.items():
            secret = tokens.TOKEN_PREFIX + secrets.token_urlsafe(32)
            now = utcnow()
            db.session.add(ApiToken(owner_id=user.id, name=role, prefix=secret[:9],
                                    token_hash=tokens.hash_token(secret),
                                    scopes=" ".join(tokens.SCOPES), created_at=now,
                                    expires_at=now + timedelta(days=30)))
            out[role] = secret
        db.session.commit()
        return out

    def token_row(self, role: str):
        from school.api.models import ApiToken

        self.tokens  # noqa: B018
        return db.session.scalar(db.select(ApiToken).where(ApiToken.name == role))

    @cached_property
    def subscription(self):
        from school.api.models import WebhookSubscription

        row = WebhookSubscription(token_id=self.token_row("admin").id,
                                  url="https://hooks.example.kz/x", secret="s" * 32,
                                  events="enrollment.confirmed")
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def delivery(self):
        from school.api.models import DeliveryStatus, WebhookDelivery

        row = WebhookDelivery(subscription_id=self.subscription.id, uid=secrets.token_hex(8),
                              event="enrollment.confirmed", payload={},
                              status=DeliveryStatus.failed, attempts=3)
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def device(self):
        from school.accounts import sessions

        sessions.start(self.trainee, remember=False, user_agent="pytest", ip_address=None)
        db.session.commit()
        return db.session.scalar(db.select(sessions.UserSession)
                                 .where(sessions.UserSession.user_id == self.trainee.id))

    @cached_property
    def calendar_token(self):
        from school.catalog.models import CalendarToken

        row = CalendarToken(user_id=self.trainee.id, token=secrets.token_urlsafe(32))
        db.session.add(row)
        db.session.commit()
        return row

    @cached_property
    def chair(self):
        """The chair of the trainee's organisation (the planning pages of a chair)."""
        from school.accounts.models import Role, RoleGrant

        user = self.f["make_user"]("trainee", branch=self.branch, primary_org_id=self.org.id)
        user.grants.append(RoleGrant(role=Role.chair, primary_org_id=self.org.id))
        user.password_hash = quick_hash()
        db.session.commit()
        return user

    # --- more rows of everything (query-count tests) ------------------------------------

    def add_rows(self, n: int) -> None:
        """`n` more of every row the pages list: participants of the event (with marks,
        certificates, release requests, commission seats, answers), trainings of the
        trainee, materials, plan lines, API tokens, bank questions."""
        from school.accounts.models import Category
        from school.api import tokens
        from school.api.models import ApiToken
        from school.attendance.models import AttendanceMark, AttendanceStatus
        from school.certificates.models import Certificate
        from school.commissions.models import Member, MemberRole
        from school.dbtypes import utcnow
        from school.evaluation import quizzes
        from school.evaluation.models import Answer, Response
        from school.materials.models import EventMaterial
        from school.planning.models import PlanEvent
        from school.releases.models import ReleaseRequest, ReleaseState

        f = self.f
        status = "completed" if self.ended else "confirmed"
        for _ in range(n):
            self._rows += 1
            k = self._rows
            person = f["make_user"]("trainee", branch=self.branch, primary_org_id=self.org.id,
                                    category=list(Category)[k % len(Category)])
            enrolment = f["make_enrollment"](self.event, person, status)
            for session in self.event.sessions:
                db.session.add(AttendanceMark(enrollment_id=enrolment.id, session_id=session.id,
                                              status=AttendanceStatus.present))
            if self.ended:
                db.session.add(Certificate(
                    enrollment_id=enrolment.id, number=f"T-{date.today().year}-{k + 1:06d}",
                    verification_code=secrets.token_hex(8), holder_name=person.full_name,
                    pdf=b"%PDF-1.4\n%%EOF\n", sha256="0" * 64))
            db.session.add(ReleaseRequest(
                enrollment_id=enrolment.id, event_id=self.event.id, user_id=person.id,
                branch_id=self.branch.id, employer_id=self.employer.id,
                state=ReleaseState.to_send, year=self.event.starts_on.year, days=3,
                hours=24, first_day=self.event.starts_on, last_day=self.event.ends_on,
                nonce=secrets.token_hex(8)))
            db.session.add(Member(body_id=self.body.id, user_id=person.id,
                                  role=MemberRole.member, term_start=date(2024, 1, 1)))
            response = Response(questionnaire_id=self.questionnaire.id, event_id=self.event.id)
            response.answers.append(Answer(question_id=self.question.id, score=1 + k % 5))
            db.session.add(response)
            # Another training of the trainee's, organised and taught by the same people.
            other = f["make_event"](self.program, starts_on=self.event.starts_on
                                    + timedelta(days=40 + k), organizer_branch_id=self.branch.id,
                                    instructors=[self.people["instructor"]])
            f["make_enrollment"](other, self.trainee, "confirmed")
            db.session.add(EventMaterial(event_id=self.event.id, title=f"Запись {k}",
                                         url=f"https://example.kz/r{k}"))
            self.plan.events.append(PlanEvent(kind=self.event.kind, month=1 + k % 12,
                                              participants=k))
            secret = tokens.TOKEN_PREFIX + secrets.token_urlsafe(32)
            now = utcnow()
            db.session.add(ApiToken(owner_id=self.people["coordinator"].id, name=f"t{k}",
                                    prefix=secret[:9], token_hash=tokens.hash_token(secret),
                                    scopes="people:read", created_at=now,
                                    expires_at=now + timedelta(days=30)))
            quizzes.add_bank_question(self.program, text_ru=f"Ещё {k}", text_kk=f"Тағы {k}",
                                      options_ru="Да\nНет", options_kk="Иә\nЖоқ", correct=[1])
            db.session.commit()

    # --- URL arguments -----------------------------------------------------------------

    def value(self, endpoint: str, name: str):
        """The value of URL argument `name` for `endpoint`'s rule."""
        if name == "session_id":
            return self.device.id if endpoint in SESSION_IS_A_DEVICE else \
                self.event.sessions[0].id
        if name == "question_id":
            return self.bank_question.id if endpoint in BANK_QUESTION else self.question.id
        if name == "kind":
            return KINDS.get(endpoint) or "post"
        if name == "token":
            if endpoint == "catalog.personal_feed":
                return self.calendar_token.token
            if endpoint == "accounts.reset_password":
                from school.accounts.services import make_reset_token

                return make_reset_token(self.trainee)
            from school.releases.requests import make_token

            return make_token(self.release)
        if name == "line_id":
            return self.plan.headcounts[0].id
        if name == "filename":
            return STATIC_FILES[endpoint]
        if name == "event_id" and endpoint in ON_RECORDED_EVENT:
            return self.recorded_event.id
        simple = {
            "event_id": lambda: self.event.id,
            "enrollment_id": lambda: self.enrollment.id,
            "enrolment_id": lambda: self.enrollment.id,
            "user_id": lambda: self.trainee.id,
            "number": lambda: self.certificate.number,
            "code": lambda: self.certificate.verification_code,
            "batch_id": lambda: self.batch.id,
            "body_id": lambda: self.body.id,
            "member_id": lambda: self.member.id,
            "requirement_id": lambda: self.requirement.id,
            "attempt_id": lambda: self.attempt.id,
            "token_id": lambda: self.token_row("coordinator").id,
            "program_id": lambda: self.program.id,
            "questionnaire_id": lambda: self.questionnaire.id,
            "fmt": lambda: "csv",
            "material_id": lambda: self.material.id,
            "plan_id": lambda: self.plan.id,
            "branch_id": lambda: self.branch.id,
            "region_id": lambda: self.region.id,
            "union_id": lambda: self.union.id,
            "org_id": lambda: self.org.id,
            "grant_id": lambda: self.trainee.grants[0].id,
            "request_id": lambda: self.release.id,
            "agreement_id": lambda: self.agreement.id,
            "employer_id": lambda: self.employer.id,
            "year": lambda: date.today().year,
            "lang": lambda: "kk",
            "subscription_id": lambda: self.subscription.id,
            "delivery_id": lambda: self.delivery.id,
        }
        return simple[name]()

    def url_for_rule(self, rule) -> str:
        self.enrollment  # noqa: B018 — the trainee takes part in the event, whatever the page
        for record in NEEDS.get(rule.endpoint, ()):
            getattr(self, record)
        values = {name: self.value(rule.endpoint, name) for name in sorted(rule.arguments)}
        return rule.build(values, append_unknown=False)[1]


def url_rules() -> list[tuple[str, str, str, str | None]]:
    """(rule, method, endpoint, declared rule's name) of every route of the app, HEAD and
    OPTIONS aside, from an app of its own (collection happens before any fixture)."""
    from school import create_app
    from school.permissions import rule_for

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    out = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
            declared = rule_for(rule.endpoint)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((rule.rule, method, rule.endpoint, declared.name if declared else None))
    return out


RULES = url_rules()


def make_scene(request, **kw) -> Scene:
    """A Scene on the factories of the running test (`request` is pytest's)."""
    names = ("make_union", "make_branch", "make_org", "make_user", "make_program", "make_event",
             "make_enrollment")
    return Scene({name: request.getfixturevalue(name) for name in names}, **kw)

