"""Enrolment pages through HTTP: enrol, my trainings, the event panel, approvals, rosters,
exports, nominations by search, and who may reach what."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from school.catalog.models import ApprovalMode
from school.enrollment import services
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from tests.enrollment.conftest import statuses
from tests.factories import PASSWORD

S = EnrollmentStatus


@pytest.fixture(autouse=True)
def _english(client):
    """These tests read the English wording of messages."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _alerts(response) -> str:
    return " ".join(re.findall(r'role="alert">(.*?)</div>', response.get_data(as_text=True),
                               re.S))


def _follow(client, response):
    """The page a POST redirected to (the isolated test client cannot follow by itself)."""
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"])


def _switch(client, user):
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 302


# --- enrol and cancel ------------------------------------------------------------------------


def test_done_when_three_seats_five_trainees_through_http(client, make_event, people, outbox):
    event = make_event(capacity=3)
    trainees = people["trainees"](5, locale="en")
    messages = []
    for t in trainees:
        _switch(client, t)
        response = _follow(client, client.post(f"/events/{event.id}/enroll",
                                               data={"next": "/my"}))
        assert response.status_code == 200
        messages.append(_alerts(response))
    assert statuses(event) == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert "position 1" in messages[3] and "position 2" in messages[4]
    page = client.get("/my").get_data(as_text=True)
    assert "Position in the queue: 2" in page

    # A confirmed trainee cancels: position 1 takes the seat and is told.
    _switch(client, trainees[0])
    mine = db.session.scalar(select(Enrollment).where(Enrollment.user_id == trainees[0].id))
    outbox.clear()
    assert client.post(f"/enrollments/{mine.id}/cancel").status_code == 302
    assert statuses(event) == ["cancelled", "confirmed", "confirmed", "confirmed", "waitlisted"]
    # The person who cancelled gets a receipt (issue 16); the head of the queue, the seat.
    others = [m for m in outbox if m.to != [trainees[0].email]]
    assert [m.to for m in others] == [[trainees[3].email]]
    assert "seat" in others[0].subject.lower()


def test_enrol_errors_are_flashed_and_change_nothing(client, login, make_event, make_program,
                                                     people):
    event = make_event(make_program(audience=["treasurer"]))
    (person,) = people["trainees"](1)
    login(person)
    response = _follow(client, client.post(f"/events/{event.id}/enroll"))
    assert "other participant categories" in _alerts(response)
    assert statuses(event) == []


def test_draft_events_are_not_found(client, login, make_event, people):
    event = make_event(status="draft")
    login(people["trainees"](1)[0])
    assert client.post(f"/events/{event.id}/enroll").status_code == 404
    assert client.post("/events/99999/enroll").status_code == 404


def test_next_is_only_followed_to_this_site(client, login, make_event, people):
    event = make_event()
    login(people["trainees"](1)[0])
    response = client.post(f"/events/{event.id}/enroll", data={"next": "https://evil.example"})
    assert response.headers["Location"] == "/my"


def test_nobody_else_can_cancel_my_enrolment(client, login, make_event, people, tx):
    event = make_event()
    owner, stranger = people["trainees"](2)
    with tx():
        enrollment_id = services.enroll(event, owner).id
    login(stranger)
    assert client.post(f"/enrollments/{enrollment_id}/cancel").status_code == 404
    _switch(client, people["coord_b"])
    assert client.post(f"/enrollments/{enrollment_id}/cancel",
                       data={"reason": "no"}).status_code == 404
    assert statuses(event) == ["confirmed"]


def test_my_page_shows_sessions_link_and_cancel(client, login, make_event, people, tx):
    online = make_event(format="online", online_link="https://meet.example/abc", capacity=1)
    (person, other) = people["trainees"](2)
    with tx():
        services.enroll(online, person)
        services.enroll(online, other)
    login(person)
    page = client.get("/my").get_data(as_text=True)
    assert "https://meet.example/abc" in page
    assert "09:00" in page  # Kazakhstan time, not UTC (04:00)
    assert "/enrollments/" in page and "cancel" in page
    _switch(client, other)
    page = client.get("/my").get_data(as_text=True)
    assert "https://meet.example/abc" not in page  # waitlisted: no link yet
    assert "Position in the queue: 1" in page


# --- the event page panel --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("anon", "Log in to enrol"),
        ("open", "Enrol"),
        ("full", "Join the waiting list"),
        ("waitlisted", "waiting list at position 1"),
        ("confirmed", "You are enrolled."),
        ("approval", "Request a place"),
        ("closed", "Enrolment is closed."),
    ],
)
def test_event_panel_states(client, login, make_event, people, tx, setup, expected):
    from datetime import UTC, datetime, timedelta

    kw = {"capacity": 1}
    if setup == "approval":
        kw["approval_mode"] = ApprovalMode.centre
    if setup == "closed":
        kw["enrol_closes_at"] = datetime.now(UTC) - timedelta(hours=1)
    event = make_event(**kw)
    me, other = people["trainees"](2)
    if setup in ("full", "waitlisted"):
        with tx():
            services.enroll(event, other)
    if setup in ("waitlisted", "confirmed"):
        with tx():
            services.enroll(event, me)
    if setup != "anon":
        login(me)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert expected in page


# --- approvals -------------------------------------------------------------------------------


def test_approvals_page_one_by_one_and_in_bulk(client, login, make_event, people, tree, tx,
                                               outbox):
    event = make_event(capacity=2, approval_mode=ApprovalMode.branch)
    mine = people["trainees"](3, branch=tree["a"])
    theirs = people["trainees"](1, branch=tree["b"])[0]
    with tx():
        ids = [services.enroll(event, t).id for t in (*mine, theirs)]
    login(people["coord_a"])
    page = client.get("/approvals").get_data(as_text=True)
    assert all(t.full_name in page for t in mine) and theirs.full_name not in page

    client.post("/approvals", data={"single": f"approve-{ids[0]}"})
    assert statuses(event)[0] == "confirmed"
    response = _follow(client, client.post(
        "/approvals", data={"ids": [ids[1], ids[2]], "action": "approve"}))
    assert "Approved: 2" in _alerts(response)
    assert statuses(event) == ["confirmed", "confirmed", "waitlisted", "pending"]
    # Branch B's request cannot be reached by the coordinator of branch A.
    assert client.post("/approvals", data={"single": f"approve-{ids[3]}"}).status_code == 404
    response = _follow(client, client.post(
        "/approvals", data={"ids": [ids[3]], "action": "approve"}))
    assert "Not changed" in _alerts(response)
    assert statuses(event)[3] == "pending"


def test_reject_without_reason_is_refused(client, login, make_event, people, tx):
    event = make_event(approval_mode=ApprovalMode.branch)
    (person,) = people["trainees"](1)
    with tx():
        eid = services.enroll(event, person).id
    login(people["admin"])
    response = _follow(client, client.post(
        "/approvals", data={"single": f"reject-{eid}", "reason": ""}))
    assert "Give a reason" in _alerts(response)
    assert statuses(event) == ["pending"]
    client.post("/approvals", data={"single": f"reject-{eid}", "reason": "Нет мест"})
    assert statuses(event) == ["rejected"]


# --- roster and exports ----------------------------------------------------------------------


@pytest.fixture
def crowded(make_event, people, tree, tx):
    event = make_event(capacity=2)
    a1 = people["trainees"](1, branch=tree["a"], iin="850425300126",
                            full_name="=HYPERLINK(\"http://evil\")")[0]
    a2 = people["trainees"](1, branch=tree["a"], phone="+7 701 123 45 67")[0]
    b1 = people["trainees"](1, branch=tree["b"], full_name="Борисов Б")[0]
    a3 = people["trainees"](1, branch=tree["a"], full_name="Ахметов Третий")[0]
    with tx():
        for t in (a1, b1, a2, a3):
            services.enroll(event, t)
    return event, {"a1": a1, "a2": a2, "b1": b1, "a3": a3}


def test_roster_is_scoped_and_masks_iins_for_coordinators(client, login, crowded, people):
    event, _people = crowded
    login(people["coord_a"])
    page = client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    assert "Ахметов Третий" in page and "Борисов Б" not in page
    assert "850425300126" not in page and "0126" in page
    _switch(client, people["admin"])
    page = client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    assert "Борисов Б" in page and "850425300126" in page


def test_roster_csv_has_a_bom_and_neutralised_cells(client, login, crowded, make_user):
    event, _people = crowded
    login(make_user("admin", locale="en"))
    response = client.get(f"/events/{event.id}/roster.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    names = [r[3] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    # Confirmed first, then the queue in order.
    assert [r[1] for r in rows[1:]] == ["Confirmed", "Confirmed", "On the waiting list",
                                        "On the waiting list"]
    assert [r[2] for r in rows[1:]] == ["", "", "1", "2"]


def test_roster_xlsx_opens_and_is_scoped(client, login, crowded, people):
    event, _people = crowded
    login(people["coord_a"])
    response = client.get(f"/events/{event.id}/roster.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 4  # header + three people of branch A
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert "850425300126" not in str(values)
    assert client.get(f"/events/{event.id}/roster.pdf").status_code == 404


def test_roster_query_count_does_not_grow_with_people(client, login, make_event, people, tx):
    from sqlalchemy import event as sa_event

    login(people["admin"])

    def count_queries(n: int) -> int:
        ev = make_event(capacity=n)
        with tx():
            for t in people["trainees"](n):
                services.enroll(ev, t)
        statements = []

        def listener(*args):
            statements.append(args[2])

        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/events/{ev.id}/roster").status_code == 200
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    assert count_queries(2) == count_queries(12)


# --- nominations by search -------------------------------------------------------------------


def test_coordinator_finds_and_nominates_only_own_people(client, login, make_event, people,
                                                         tree):
    event = make_event()
    a = people["trainees"](1, branch=tree["a"], full_name="Искомый Из А")[0]
    b = people["trainees"](1, branch=tree["b"], full_name="Искомый Из Б")[0]
    login(people["coord_a"])
    page = client.get(f"/events/{event.id}/nominate?q=Искомый").get_data(as_text=True)
    assert "Искомый Из А" in page and "Искомый Из Б" not in page
    assert client.post(f"/events/{event.id}/nominate",
                       data={"user_ids": [b.id]}).status_code == 404
    assert statuses(event) == []
    client.post(f"/events/{event.id}/nominate", data={"user_ids": [a.id]})
    assert statuses(event) == ["confirmed"]
    row = db.session.scalar(select(Enrollment))
    assert row.user_id == a.id and row.nominated_by_id == people["coord_a"].id


# --- access ----------------------------------------------------------------------------------


ACCESS = {
    "/my": {"anon": "login", "trainee": 200, "instructor": 200, "coordinator": 200,
            "admin": 200},
    "/approvals": {"anon": "login", "trainee": 403, "instructor": 403, "coordinator": 200,
                   "admin": 200},
    "/events/{id}/roster": {"anon": "login", "trainee": 403, "instructor": 403,
                            "coordinator": 200, "admin": 200},
    "/events/{id}/roster.csv": {"anon": "login", "trainee": 403, "coordinator": 200,
                                "admin": 200},
    "/events/{id}/roster.xlsx": {"trainee": 403, "coordinator": 200, "admin": 200},
    "/events/{id}/nominate": {"anon": "login", "trainee": 403, "instructor": 403,
                              "coordinator": 200, "admin": 200},
}
POST_ACCESS = {
    "/events/{id}/enroll": {"anon": "login"},
    "/events/{id}/nominate/upload": {"anon": "login", "trainee": 403, "instructor": 403},
    "/events/{id}/nominate/confirm": {"anon": "login", "trainee": 403},
    "/enrollments/1/cancel": {"anon": "login"},
}


@pytest.fixture
def roles(make_user, tree):
    return {
        "trainee": make_user("trainee", branch=tree["a"]),
        "instructor": make_user("instructor"),
        "coordinator": make_user("coordinator", branch=tree["a"]),
        "admin": make_user("admin"),
    }


@pytest.mark.parametrize(
    ("method", "path", "role", "expected"),
    [("get", p, r, e) for p, row in ACCESS.items() for r, e in row.items()]
    + [("post", p, r, e) for p, row in POST_ACCESS.items() for r, e in row.items()],
)
def test_access(client, login, make_event, roles, method, path, role, expected):
    event = make_event()
    if role != "anon":
        login(roles[role])
    response = getattr(client, method)(path.format(id=event.id))
    if expected == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected
