"""Issue 15: /my and the event page issue their queries up front in the view, in a number of
statements that does not grow with the rows shown, and none while the template renders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import before_render_template, template_rendered
from sqlalchemy import event as sa_event

from school.attendance.models import AttendanceMark, AttendanceStatus
from school.certificates.models import Certificate
from school.extensions import db
from school.releases.models import ReleaseRequest, ReleaseState
from tests.factories import PASSWORD


class Counter:
    """Statements of one request, and those run while a template renders."""

    def __init__(self) -> None:
        self.depth = self.statements = self.in_templates = 0
        self.seen: list[str] = []  # what ran while rendering, for the failure message

    # blinker keeps weak references: named bound methods, kept alive by the fixture.
    def started(self, sender, template, context, **extra) -> None:
        self.depth += 1

    def finished(self, sender, template, context, **extra) -> None:
        self.depth -= 1

    def statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements += 1
        if self.depth:
            self.in_templates += 1
            self.seen.append(statement[:120])


@pytest.fixture
def counted(app):
    counter = Counter()
    before_render_template.connect(counter.started, app)
    template_rendered.connect(counter.finished, app)
    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", counter.statement)

    def get(user, path: str) -> tuple[int, int, str]:
        """`path` as `user` (a client of their own), after a warm-up request."""
        client = app.test_client()
        signed_in = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert signed_in.status_code == 302
        client.get(path)  # warm-up: caches filled once per process are not the page's cost
        counter.statements = counter.in_templates = 0
        response = client.get(path)
        assert response.status_code == 200
        return counter.statements, counter.in_templates, response.get_data(as_text=True)

    get.seen = counter.seen
    yield get
    sa_event.remove(engine, "before_cursor_execute", counter.statement)
    before_render_template.disconnect(counter.started, app)
    template_rendered.disconnect(counter.finished, app)


def _certificate(enrollment, user) -> Certificate:
    certificate = Certificate(
        enrollment_id=enrollment.id, number=f"Q-{enrollment.id}",
        verification_code=f"q{enrollment.id}", holder_name=user.full_name, pdf=b"%PDF",
        sha256="0" * 64, issued_at=datetime.now(UTC))
    db.session.add(certificate)
    return certificate


def _history(n, user, make_program, make_event, make_enrollment) -> None:
    """`n` held trainings with a certificate and marks, and `n` upcoming ones."""
    past = date.today() - timedelta(days=60)
    for i in range(n):
        program = make_program()
        held = make_event(program, starts_on=past + timedelta(days=i), sessions=2,
                          status="completed")
        done = make_enrollment(held, user, status="completed")
        _certificate(done, user)
        for s in held.sessions:
            db.session.add(AttendanceMark(enrollment_id=done.id, session_id=s.id,
                                          status=AttendanceStatus.present))
        coming = make_event(program, starts_on=date.today() + timedelta(days=20 + i))
        make_enrollment(coming, user, status="confirmed" if i % 2 else "waitlisted")
        db.session.add(ReleaseRequest(  # the release panel: one request per held training
            enrollment_id=done.id, event_id=held.id, user_id=user.id,
            state=ReleaseState.to_send, year=held.starts_on.year, days=2, hours=16,
            first_day=held.starts_on, last_day=held.ends_on, nonce=f"n{done.id}"))
    db.session.commit()


def test_my_trainings_runs_the_same_statements_for_one_or_eight_rows(
        counted, make_user, make_program, make_event, make_enrollment):
    one, eight = make_user(), make_user()
    _history(1, one, make_program, make_event, make_enrollment)
    _history(8, eight, make_program, make_event, make_enrollment)

    few, few_in_templates, page = counted(one, "/my")
    assert page.count("<strong>Q-") == 1 and "my-certificates" in page
    many, many_in_templates, page = counted(eight, "/my")
    assert page.count("<strong>Q-") == 8  # every row shown
    assert page.count("enrollment-card") == 8
    assert page.count("release-to_send") == 8  # the release panel's rows

    assert many == few
    assert few_in_templates == 0 and many_in_templates == 0, counted.seen


@pytest.mark.parametrize("role", ["trainee", "admin"])
def test_event_page_runs_the_same_statements_for_one_or_eight_participants(
        role, counted, make_user, make_event, make_enrollment):
    def held_with(n: int):
        ev = make_event(starts_on=date.today() - timedelta(days=10), sessions=2,
                        status="completed")
        people = [make_user() for _ in range(n)]
        numbers = []
        for person in people:
            e = make_enrollment(ev, person, status="completed")
            numbers.append(_certificate(e, person).number)
            db.session.add(AttendanceMark(enrollment_id=e.id, session_id=ev.sessions[0].id,
                                          status=AttendanceStatus.present))
        db.session.commit()
        return ev, people[0], numbers[0]

    small, small_viewer, _ = held_with(1)
    big, big_viewer, number = held_with(8)
    viewers = {"trainee": (small_viewer, big_viewer)}.get(role) or (make_user(role),) * 2

    few, few_in_templates, page = counted(viewers[0], f"/events/{small.id}")
    assert "certificates-title" in page  # the panels are there
    many, many_in_templates, page = counted(viewers[1], f"/events/{big.id}")
    assert "certificates-title" in page
    assert (number in page) is (role == "trainee")  # the viewer's own certificate

    assert many == few
    assert few_in_templates == 0 and many_in_templates == 0, counted.seen


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_the_roster_runs_no_query_while_it_renders(role, counted, make_user, make_event,
                                                  make_enrollment, org_tree):
    """The menu's waiting count and the event's programme and quotas are read by the view
    (the menu's count in the context processor), not from the template."""
    branch = org_tree["a"]
    event = make_event(quotas={branch: 5})
    viewer = make_user(role, branch=branch) if role == "coordinator" else make_user(role)
    for _ in range(3):
        make_enrollment(event, make_user(branch=branch))
    db.session.commit()
    _statements, in_templates, page = counted(viewer, f"/events/{event.id}/roster")
    assert "roster-table" in page
    assert in_templates == 0, counted.seen
