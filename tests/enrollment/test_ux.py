"""What testers found using the enrolment pages as real people: exported times in
Kazakhstan time, a question before cancelling, and nominating from a list of one's people."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from school.accounts.models import Category
from school.enrollment import services
from tests.enrollment.conftest import statuses


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


# --- exports ------------------------------------------------------------------------------


def test_roster_exports_write_kazakhstan_time(client, login, make_event, make_enrollment,
                                              people, tree):
    """21:30 UTC on 10 March is 02:30 on 11 March in Almaty: the date must not be a day
    off from what the pages show."""
    event = make_event()
    person = people["trainees"](1, branch=tree["a"])[0]
    make_enrollment(event, person, created_at=datetime(2026, 3, 10, 21, 30, tzinfo=UTC))
    login(people["admin"])
    rows = list(csv.reader(io.StringIO(
        client.get(f"/events/{event.id}/roster.csv").data.decode("utf-8-sig"))))
    assert rows[0][-1] == "Enrolled at"
    assert rows[1][-1] == "2026-03-11 02:30"
    sheet = load_workbook(io.BytesIO(client.get(f"/events/{event.id}/roster.xlsx").data)).active
    enrolled = sheet[2][-1]  # a date-time cell in Almaty time (issue 16)
    assert enrolled.value == datetime(2026, 3, 11, 2, 30)
    assert enrolled.number_format == "dd.mm.yyyy hh:mm"


# --- cancelling asks first ------------------------------------------------------------------


def _cancel_forms(page: str) -> list[str]:
    return re.findall(r'<form[^>]*action="/enrollments/\d+/cancel"[^>]*>', page)


def test_cancelling_asks_a_clear_question_everywhere(client, login, make_event, people, tree,
                                                     tx):
    event = make_event()
    person = people["trainees"](1, branch=tree["a"], full_name="Ахметова Айгуль")[0]
    with tx():
        services.enroll(event, person)
    login(person)
    for url in ("/my", f"/events/{event.id}"):
        forms = _cancel_forms(client.get(url).get_data(as_text=True))
        assert len(forms) == 1, url
        assert "data-confirm=" in forms[0] and "approval again" in forms[0], url
    client.post("/logout")
    login(people["coord_a"])
    forms = _cancel_forms(client.get(f"/events/{event.id}/roster").get_data(as_text=True))
    assert len(forms) == 1
    assert "data-confirm=" in forms[0] and "Ахметова Айгуль" in forms[0]
    assert "approval again" in forms[0]


# --- nominating from a list -----------------------------------------------------------------


def test_nominate_lists_the_coordinators_people_without_a_search(client, login, make_event,
                                                                 people, tree):
    event = make_event()
    mine = people["trainees"](3, branch=tree["a"])
    other = people["trainees"](1, branch=tree["b"])[0]
    login(people["coord_a"])
    page = client.get(f"/events/{event.id}/nominate").get_data(as_text=True)
    for person in mine:
        assert f'value="{person.id}"' in page
    assert other.full_name not in page
    assert "Nobody found." not in page


def test_nominate_list_is_paginated(client, login, make_event, people, tree):
    event = make_event()
    people["trainees"](35, branch=tree["a"])
    login(people["coord_a"])
    first = client.get(f"/events/{event.id}/nominate").get_data(as_text=True)
    second = client.get(f"/events/{event.id}/nominate?page=2").get_data(as_text=True)
    ids = re.compile(r'name="user_ids" value="(\d+)"')
    on_first, on_second = set(ids.findall(first)), set(ids.findall(second))
    assert len(on_first) == 30 and on_second and not on_first & on_second
    assert "page=2" in first


def test_people_who_cannot_be_nominated_are_disabled_with_the_reason(
        client, login, make_event, make_program, make_enrollment, people, tree):
    event = make_event(make_program(audience=["chair"]))
    free, enrolled = people["trainees"](2, branch=tree["a"])
    treasurer = people["trainees"](1, branch=tree["a"], category=Category.treasurer)[0]
    make_enrollment(event, enrolled, status="waitlisted")
    login(people["coord_a"])
    page = client.get(f"/events/{event.id}/nominate").get_data(as_text=True)

    def box(person) -> str:
        return re.search(rf'<input[^>]*value="{person.id}"[^>]*>', page).group(0)

    assert "disabled" not in box(free)
    assert "disabled" in box(enrolled) and "disabled" in box(treasurer)
    assert "Already enrolled: On the waiting list" in page
    assert "the programme is meant for other participant categories" in page
    client.post(f"/events/{event.id}/nominate", data={"user_ids": [free.id]})
    assert sorted(statuses(event)) == ["confirmed", "waitlisted"]


def test_nominate_says_when_enrolment_is_closed(client, login, make_event, people, tree):
    event = make_event(enrol_closes_at=datetime(2020, 1, 1, tzinfo=UTC))
    person = people["trainees"](1, branch=tree["a"])[0]
    login(people["coord_a"])
    page = client.get(f"/events/{event.id}/nominate").get_data(as_text=True)
    assert "Enrolment for this event is closed." in page
    assert re.search(rf'<input[^>]*value="{person.id}"[^>]*disabled', page)
    assert "Enrol the chosen" not in page


def test_nomination_blockers_do_not_query_per_person(make_event, make_enrollment, people,
                                                    tree):
    from sqlalchemy import event as sa_event
    from sqlalchemy import select

    from school.accounts.models import User
    from school.catalog.models import Event
    from school.extensions import db

    def queries(n: int) -> tuple[int, dict]:
        event = make_event()
        crowd = people["trainees"](n, branch=tree["a"])
        for person in crowd[: n // 2]:
            make_enrollment(event, person)
        ids = [p.id for p in crowd]
        # As the page has them: one query for the page of people.
        crowd = sorted(db.session.scalars(select(User).where(User.id.in_(ids))),
                       key=lambda p: ids.index(p.id))
        event = db.session.get(Event, event.id)
        seen = []

        def listener(*args):
            seen.append(args[2])

        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            blockers = services.nomination_blockers(event, crowd)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        assert set(blockers) == {p.id for p in crowd[: n // 2]}
        return len(seen), blockers

    (few, _), (many, blockers) = queries(2), queries(12)
    assert few == many
    assert {b.code for b in blockers.values()} == {"already_enrolled"}
