"""The branch that runs a seminar sees who is coming: its coordinator sees the whole roster and
both exports; a coordinator of another branch still sees only their own people (one rule,
`permissions.sees_all_participants`, decides the roster and the attendance sheet)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from school.permissions import can_mark, sees_all_participants


def _world(make_union, make_branch, make_user, make_event, make_enrollment):
    union = make_union()
    host, other = make_branch(union), make_branch(union, region_code="KZ-75")
    event = make_event(organizer_branch_id=host.id, capacity=40)
    # Names that are not substrings of one another ("… 1" is part of "… 12").
    host_people = [make_user("trainee", branch=host, full_name=f"Хостова Айгүл {chr(1040 + i)}А")
                   for i in range(5)]
    other_people = [make_user("trainee", branch=other, full_name=f"Гостев Ерлан {chr(1040 + i)}Б")
                    for i in range(8)]
    for person in host_people + other_people:
        make_enrollment(event, person)
    return {
        "event": event, "host_people": host_people, "other_people": other_people,
        "organiser": make_user("coordinator", branch=host),
        "guest": make_user("coordinator", branch=other),
    }


def _names_in(response, fmt: str) -> set[str]:
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        return {cell for row in rows[1:] for cell in row}
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    return {str(c) for row in book.active.iter_rows(min_row=2, values_only=True) for c in row}


def test_the_organising_branch_sees_all_13_and_another_branch_its_own_8(
    client, login, make_union, make_branch, make_user, make_event, make_enrollment,
):
    w = _world(make_union, make_branch, make_user, make_event, make_enrollment)
    event = w["event"]
    everyone = {p.full_name for p in w["host_people"] + w["other_people"]}
    theirs = {p.full_name for p in w["other_people"]}

    login(w["organiser"])
    page = client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    assert all(name in page for name in everyone)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/events/{event.id}/roster.{fmt}")
        assert response.status_code == 200
        assert everyone <= _names_in(response, fmt)
    client.post("/logout")

    login(w["guest"])
    page = client.get(f"/events/{event.id}/roster").get_data(as_text=True)
    assert all(name in page for name in theirs)
    assert not any(p.full_name in page for p in w["host_people"])
    for fmt in ("csv", "xlsx"):
        names = _names_in(client.get(f"/events/{event.id}/roster.{fmt}"), fmt)
        assert theirs <= names and not ({p.full_name for p in w["host_people"]} & names)


def test_one_rule_for_the_roster_and_the_sheet(
    make_union, make_branch, make_user, make_event, make_enrollment,
):
    w = _world(make_union, make_branch, make_user, make_event, make_enrollment)
    assert sees_all_participants(w["organiser"], w["event"])
    assert can_mark(w["organiser"], w["event"])
    assert not sees_all_participants(w["guest"], w["event"])
    assert not can_mark(w["guest"], w["event"])
