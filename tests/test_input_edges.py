"""Out-of-range ids and dates at the edges of the calendar are refused, never crash."""

from __future__ import annotations

from school.extensions import db


def test_absurd_ids_in_lists_are_refused_not_crashed(client, login, make_user, make_event):
    login(make_user("admin"))
    event = make_event()
    huge = str(2**63 + 5)
    for path, data in (("/approvals", {"ids": huge, "action": "approve"}),
                       (f"/events/{event.id}/nominate", {"user_ids": huge}),
                       (f"/manage/events/{event.id}/instructors", {"instructor_ids": huge})):
        assert client.post(path, data=data).status_code in (200, 302, 400), path


def test_dates_at_the_edges_of_the_calendar_are_refused(client, login, make_user, make_event,
                                                        make_program):
    from sqlalchemy import func, select

    from school.catalog.models import Event

    login(make_user("admin"))
    event = make_event()
    before = db.session.scalar(select(func.count(Event.id)))
    for day in ("9999-12-30", "0001-01-01"):
        response = client.post(f"/manage/events/{event.id}/clone", data={"starts_on": day})
        assert response.status_code in (200, 302)
    response = client.post("/manage/events/new", data={
        "program_id": make_program().id, "kind": "seminar", "format": "in_person",
        "organizer": "centre", "starts_on": "0001-01-01", "ends_on": "0001-01-02",
        "capacity": 10, "approval_mode": "open", "daily_starts": "00:10",
        "daily_ends": "01:00", "daily_hours": 1, "enrol_opens_at": "0001-01-01T00:00"})
    assert response.status_code in (200, 302)
    assert db.session.scalar(select(func.count(Event.id))) == before
