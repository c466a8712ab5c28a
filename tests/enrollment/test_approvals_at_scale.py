"""Approvals at scale (issue 12, item 5): filters kept across pages, select-all of the
filter, a reason per row, sortable columns, the waiting count on the home page and in the
menu in one query, and concurrent bulk approvals that never overfill an event."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from school.catalog.models import ApprovalMode
from school.enrollment import approvals, services
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db, write_transaction
from tests.factories import PASSWORD

BRANCH = ApprovalMode.branch


def _follow(client, response):
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"], headers={"Accept-Language": "en"})


def _alerts(response) -> str:
    return " ".join(re.findall(r'role="alert">(.*?)</div>', response.get_data(as_text=True),
                               re.S))


def _requests(event, people_list, tx) -> list[int]:
    with tx():
        return [services.enroll(event, p).id for p in people_list]


def _status(ids) -> dict[int, str]:
    db.session.expire_all()
    rows = db.session.scalars(select(Enrollment).where(Enrollment.id.in_(ids)))
    return {e.id: e.status.value for e in rows}


@pytest.fixture
def two_events(make_event, people, tree, tx):
    soon = datetime.now(UTC).date() + timedelta(days=20)
    later = soon + timedelta(days=30)
    first = make_event(approval_mode=BRANCH, starts_on=soon, capacity=100)
    second = make_event(approval_mode=BRANCH, starts_on=later, capacity=100)
    a = people["trainees"](4, branch=tree["a"])
    a2 = people["trainees"](3, branch=tree["a2"])
    b = people["trainees"](2, branch=tree["b"])
    return {
        "first": first, "second": second, "soon": soon, "later": later,
        "first_a": _requests(first, a, tx), "first_a2": _requests(first, a2, tx),
        "first_b": _requests(first, b, tx), "second_a": _requests(second, a[:2], tx),
    }


# --- the service -----------------------------------------------------------------------------


def test_filter_by_event_branch_and_date(two_events, people, tree):
    coord = people["coord_u"]  # union U's coordinator: branches a and a2, not b (union V)
    everything = approvals.matching_ids(coord, approvals.Filter())
    assert len(everything) == 4 + 3 + 2
    by_event = approvals.matching_ids(coord, approvals.Filter(event_id=two_events["first"].id))
    assert sorted(by_event) == sorted(two_events["first_a"] + two_events["first_a2"])
    by_branch = approvals.matching_ids(coord, approvals.Filter(branch_id=tree["a2"].id))
    assert sorted(by_branch) == sorted(two_events["first_a2"])
    by_date = approvals.matching_ids(
        coord, approvals.Filter(date_from=two_events["later"], date_to=two_events["later"]))
    assert sorted(by_date) == sorted(two_events["second_a"])
    # A coordinator of one branch never sees another's requests, whatever the filter asks.
    assert approvals.matching_ids(people["coord_a"],
                                  approvals.Filter(branch_id=tree["b"].id)) == []


def test_filter_from_args_ignores_nonsense():
    f = approvals.Filter.from_args({"event_id": "x", "date_from": "2026-13-40",
                                    "sort": "drop table", "dir": "sideways", "branch_id": "7"})
    assert f == approvals.Filter(branch_id=7)
    assert f.args() == {"branch_id": "7"}
    assert approvals.Filter(sort="name").sorted_by("name") == {"sort": "name", "dir": "desc"}


def test_rejection_needs_a_reason_for_every_row(two_events, people, tx):
    ids = two_events["first_a"][:2]
    with pytest.raises(DomainError) as e, tx():
        approvals.decide(people["coord_a"], "reject", ids, reasons={ids[0]: "Нет мест"})
    assert e.value.code == "reason_required"
    assert set(_status(ids).values()) == {"pending"}


def test_per_row_reasons_are_stored_and_the_common_one_fills_the_rest(
        two_events, people, tx, outbox):
    ids = two_events["first_a"][:3]
    with tx():
        result = approvals.decide(people["coord_a"], "reject", ids,
                                  reason="Квота филиала исчерпана",
                                  reasons={ids[0]: "Не та категория", ids[1]: "  "})
    assert len(result.done) == 3
    db.session.expire_all()
    reasons = {e.id: e.reason for e in db.session.scalars(
        select(Enrollment).where(Enrollment.id.in_(ids)))}
    assert reasons == {ids[0]: "Не та категория", ids[1]: "Квота филиала исчерпана",
                       ids[2]: "Квота филиала исчерпана"}


# --- the page --------------------------------------------------------------------------------


def test_page_filters_sorts_and_keeps_the_filter_across_pages(
        client, login, two_events, people, tree, monkeypatch):
    from school.enrollment import approval_views

    monkeypatch.setattr(approval_views, "PER_PAGE", 2)
    login(people["coord_u"])
    client.get("/lang/en")
    first = two_events["first"]
    page = client.get(f"/approvals?event_id={first.id}&sort=name").get_data(as_text=True)
    # 7 requests match, 9 wait in all; the page links keep the filter and the order.
    assert "7 of 9" in page
    assert re.search(rf'href="/approvals\?[^"]*event_id={first.id}[^"]*page=2', page) or \
        re.search(rf'href="/approvals\?[^"]*page=2[^"]*event_id={first.id}', page)
    assert 'aria-sort="ascending"' in page
    assert "sort=name&amp;dir=desc" in page or "dir=desc&amp;sort=name" in page
    names = re.findall(r'<label for="pick-\d+">(.*?)</label>', page)
    assert names == sorted(names) and len(names) == 2
    page = client.get(f"/approvals?branch_id={tree['a2'].id}").get_data(as_text=True)
    assert "3 of 9" in page


def test_select_all_of_the_filter_decides_exactly_the_filtered_set(
        client, login, two_events, people, tree, monkeypatch, outbox):
    from school.enrollment import approval_views

    monkeypatch.setattr(approval_views, "PER_PAGE", 2)  # the filter spans several pages
    login(people["coord_u"])
    client.get("/lang/en")
    first = two_events["first"]
    query = f"event_id={first.id}&branch_id={tree['a'].id}"
    chosen = two_events["first_a"]
    response = client.post(f"/approvals?{query}", data={"all": "approve",
                                                         "expected": str(len(chosen))})
    assert "Approved: 4" in _alerts(_follow(client, response))
    others = two_events["first_a2"] + two_events["first_b"] + two_events["second_a"]
    assert set(_status(chosen).values()) == {"confirmed"}
    assert set(_status(others).values()) == {"pending"}


def test_select_all_refuses_when_the_list_changed(client, login, two_events, people, tree):
    login(people["coord_u"])
    client.get("/lang/en")
    query = f"branch_id={tree['a2'].id}"
    response = client.post(f"/approvals?{query}", data={"all": "approve", "expected": "5"})
    assert "has changed" in _alerts(_follow(client, response))
    assert set(_status(two_events["first_a2"]).values()) == {"pending"}


def test_reject_chosen_with_a_reason_per_row_through_the_page(
        client, login, two_events, people):
    login(people["coord_a"])
    client.get("/lang/en")
    x, y = two_events["first_a"][:2]
    response = client.post("/approvals", data={
        "ids": [x, y], "action": "reject", "reason": "",
        f"reason-{x}": "Уже обучен в этом году", f"reason-{y}": "Не член профсоюза"})
    assert "Rejected: 2" in _alerts(_follow(client, response))
    db.session.expire_all()
    assert db.session.get(Enrollment, x).reason == "Уже обучен в этом году"
    assert db.session.get(Enrollment, y).reason == "Не член профсоюза"
    # A single row's button takes that row's reason.
    z = two_events["first_a"][2]
    client.post("/approvals", data={"single": f"reject-{z}", f"reason-{z}": "Дубликат"})
    assert db.session.get(Enrollment, z).reason == "Дубликат"


# --- the count -------------------------------------------------------------------------------


class Queries:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def _home(client) -> tuple[str, int]:
    counter = Queries()
    sa_event.listen(db.engine, "before_cursor_execute", counter)
    try:
        html = client.get("/").get_data(as_text=True)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", counter)
    return html, counter.count


def _badge(html: str) -> list[str]:
    return re.findall(r'badge rounded-pill text-bg-warning">(\d+)', html)


def test_home_tile_and_menu_show_what_the_coordinator_may_decide(
        client, login, make_event, people, tree, tx):
    event = make_event(approval_mode=BRANCH, capacity=100)
    centre = make_event(approval_mode=ApprovalMode.centre, capacity=100)
    coord = people["coord_a"]
    login(coord)
    _requests(event, people["trainees"](2, branch=tree["a"]), tx)
    html, few = _home(client)
    assert _badge(html) and set(_badge(html)) == {"2"}
    # More requests: mine, another branch's, and some the training centre decides.
    _requests(event, people["trainees"](8, branch=tree["a"]), tx)
    _requests(event, people["trainees"](5, branch=tree["b"]), tx)
    _requests(centre, people["trainees"](3, branch=tree["a"]), tx)
    html, many = _home(client)
    expected = len(approvals.matching_ids(coord, approvals.Filter()))
    assert expected == 10
    assert set(_badge(html)) == {"10"}
    assert many == few  # the count is one query, whatever the number of requests
    admin_client = client.application.test_client()
    admin_client.post("/login", data={"email": people["admin"].email, "password": PASSWORD})
    html, _n = _home(admin_client)
    assert set(_badge(html)) == {"18"}


def test_the_count_follows_the_approvals_rule_with_two_step_programmes(
        app, make_program, make_event, people, tree, tx):
    two_step = make_event(make_program(two_step_approval=True), approval_mode=BRANCH)
    one_step = make_event(approval_mode=BRANCH)
    centre = make_event(approval_mode=ApprovalMode.centre)
    rows = _requests(two_step, people["trainees"](3, branch=tree["a"]), tx)
    _requests(one_step, people["trainees"](2, branch=tree["a2"]), tx)
    _requests(centre, people["trainees"](2, branch=tree["a"]), tx)
    with tx():
        services.approve(db.session.get(Enrollment, rows[0]), people["coord_a"])  # → step 2
    for who in ("coord_a", "coord_u", "coord_b", "admin"):
        me = people[who]
        with app.test_request_context():
            expected = len(db.session.scalars(services.pending_query(me)).unique().all())
            assert approvals.waiting_count(me) == expected, who
    with app.test_request_context():
        assert approvals.waiting_count(people["coord_u"]) == 2 + 2


def test_no_count_query_for_people_who_approve_nothing(client, login, make_event, people,
                                                      tree, tx, make_user):
    event = make_event(approval_mode=BRANCH)
    _requests(event, people["trainees"](2, branch=tree["a"]), tx)
    login(make_user("instructor", branch=tree["a"]))
    statements = []

    def record(_conn, _cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        html = client.get("/").get_data(as_text=True)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    assert not _badge(html)
    assert not any("count(" in s.lower() and "enrollment" in s.lower() for s in statements)


# --- concurrency -----------------------------------------------------------------------------


def test_concurrent_select_all_approvals_never_overfill(app, make_event, people, tree):
    """Two coordinators approve all of their matching requests at once (branch A's and
    branch A2's, 6 each, 5 seats): 5 confirmed, the other 7 on the waiting list."""
    event = make_event(approval_mode=BRANCH, capacity=5)
    with write_transaction():
        for person in (people["trainees"](6, branch=tree["a"])
                       + people["trainees"](6, branch=tree["a2"])):
            services.enroll(event, person)
    jobs = [(people["coord_a"].id, tree["a"].id), (people["coord_u"].id, tree["a2"].id)]
    event_id = event.id
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(2)
    outcomes, lock = [], threading.Lock()

    def run(job):
        from school.accounts.models import User

        coord_id, branch_id = job
        with app.app_context():
            barrier.wait()
            try:
                with write_transaction():
                    me = db.session.get(User, coord_id)
                    f = approvals.Filter(event_id=event_id, branch_id=branch_id)
                    result = approvals.decide(me, "approve", [], matching=f, expected=6)
                    value = len(result.done)
            except DomainError as e:
                value = e.code
            finally:
                db.session.remove()
            with lock:
                outcomes.append(value)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert outcomes == [6, 6]
    db.session.expire_all()
    rows = list(db.session.scalars(select(Enrollment).where(Enrollment.event_id == event_id)))
    counts = Counter(e.status for e in rows)
    assert counts == {EnrollmentStatus.confirmed: 5, EnrollmentStatus.waitlisted: 7}
