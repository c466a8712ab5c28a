"""Catalogue, calendar and event pages send the same number of queries for 3 or 30 events."""

from __future__ import annotations

import pytest

from tests.catalog.conftest import future


def _queries(client, count_queries, path: str) -> int:
    with count_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


@pytest.fixture
def events_with_people(world, make_event, make_user, make_enrollment, make_program):
    """`make(n)` adds n published events, each with an enrolment, an instructor and a
    programme of its own (so nothing is shared in the identity map by luck)."""
    teachers = [make_user("instructor") for _ in range(3)]

    def make(n: int, region_code: str = "KZ-79"):
        made = []
        for i in range(n):
            event = make_event(make_program(audience=["chair"]), region_code=region_code,
                               starts_on=future(10 + i % 20), instructors=teachers[: 1 + i % 3])
            make_enrollment(event, make_user(), "confirmed")
            made.append(event)
        return made

    return make


@pytest.mark.parametrize("signed_in", [False, True])
def test_catalogue_queries_do_not_grow_with_events(client, login, world, count_queries,
                                                   events_with_people, signed_in):
    if signed_in:
        login(world["trainee"])
    paths = ["/events", "/events?region=KZ-79&kind=seminar&category=chair&q=Программа",
             f"/calendar?month={future(15):%Y-%m}"]
    events_with_people(3)
    few = [_queries(client, count_queries, p) for p in paths]
    events_with_people(27)
    many = [_queries(client, count_queries, p) for p in paths]
    assert few == many
    assert max(many) <= 12


def test_event_page_queries_do_not_grow_with_sessions_or_instructors(
    client, login, world, count_queries, make_event, make_user, make_enrollment
):
    small = make_event(sessions=1, instructors=[make_user("instructor")])
    large = make_event(sessions=10, starts_on=future(60),
                       instructors=[make_user("instructor") for _ in range(6)])
    for event in (small, large):
        for _ in range(3):
            make_enrollment(event, make_user(), "confirmed")
    for who in (None, world["trainee"], world["admin"]):
        if who is not None:
            login(who)
        counts = {_queries(client, count_queries, f"/events/{e.id}") for e in (small, large)}
        assert len(counts) == 1, who
        ics = {_queries(client, count_queries, f"/events/{e.id}.ics") for e in (small, large)}
        assert len(ics) == 1, who
        client.post("/logout")


def test_management_list_queries_do_not_grow(client, login, world, count_queries,
                                             events_with_people):
    login(world["admin"])
    events_with_people(3)
    few = _queries(client, count_queries, "/manage/events")
    events_with_people(27)
    assert _queries(client, count_queries, "/manage/events") == few
