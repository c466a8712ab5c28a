"""The event's management page as people use it: one bar with the next steps (roster,
nomination, attendance sheet, completion, certificates) for those allowed to take them, no
buttons a finished event would refuse, and an event form that shows every problem at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from school.catalog import services
from school.catalog.models import EventStatus
from school.errors import DomainError, DomainErrors
from school.extensions import db
from tests.catalog.conftest import future, table_counts
from tests.catalog.test_views import event_form


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _links(page: str, event_id: int) -> dict[str, bool]:
    return {
        "roster": f'href="/events/{event_id}/roster"' in page,
        "nominate": f'href="/events/{event_id}/nominate"' in page,
        "sheet": f'href="/events/{event_id}/attendance"' in page,
        "complete": f'action="/events/{event_id}/complete"' in page,
        "certificates": f'href="/events/{event_id}#certificates"' in page,
    }


@pytest.fixture
def ended(world, make_event):
    """A published Shymkent seminar organised by branch A whose sessions are over."""
    return make_event(starts_on=datetime.now(UTC).date() - timedelta(days=5),
                      organizer_branch_id=world["a"].id, instructors=[world["instructor"]])


def test_managers_get_every_next_step(client, login, world, ended):
    login(world["coordinator"])
    page = client.get(f"/manage/events/{ended.id}").get_data(as_text=True)
    assert _links(page, ended.id) == {"roster": True, "nominate": True, "sheet": True,
                                      "complete": True, "certificates": False}
    assert "data-confirm=" in page.split(f'action="/events/{ended.id}/complete"')[1][:300]


def test_instructors_get_only_the_sheet(client, login, world, ended):
    login(world["instructor"])
    page = client.get(f"/manage/events/{ended.id}").get_data(as_text=True)
    assert _links(page, ended.id) == {"roster": False, "nominate": False, "sheet": True,
                                      "complete": False, "certificates": False}


def test_completion_waits_for_the_last_session(client, login, world, make_event):
    event = make_event(starts_on=future(10), organizer_branch_id=world["a"].id)
    login(world["coordinator"])
    page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert not _links(page, event.id)["complete"]
    assert "The event can be completed once its last session has ended." in page


def test_a_completed_event_offers_certificates_and_no_session_changes(
        client, login, world, ended):
    ended.status = EventStatus.completed
    db.session.commit()
    login(world["admin"])
    page = client.get(f"/manage/events/{ended.id}").get_data(as_text=True)
    links = _links(page, ended.id)
    assert links["certificates"] and links["sheet"] and links["roster"]
    assert not links["complete"] and not links["nominate"]
    for s in ended.sessions:
        assert f"/sessions/{s.id}/edit" not in page
        assert f"/sessions/{s.id}/delete" not in page


def test_a_cancelled_event_shows_no_session_buttons(client, login, world, make_event):
    event = make_event(status=EventStatus.cancelled)
    login(world["admin"])
    page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert "/sessions/" not in page
    assert not any(_links(page, event.id)[k] for k in ("nominate", "sheet", "complete"))


def test_a_published_event_keeps_its_session_buttons(client, login, world, make_event):
    event = make_event()
    login(world["admin"])
    page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert f"/sessions/{event.sessions[0].id}/edit" in page


# --- every problem of the event form at once -------------------------------------------------


def test_event_rules_are_reported_together(world, event_data):
    before = table_counts()
    with pytest.raises(DomainError) as info:
        services.save_event(None, event_data(
            ends_on=future(39), capacity=0, format="online", online_link="",
            organizer="union:999999"), world["admin"])
    db.session.rollback()
    assert table_counts() == before
    error = info.value
    assert isinstance(error, DomainErrors)
    assert error.code == "dates_order"  # the first rule, as before
    assert [e.code for e in error.errors] == [
        "dates_order", "capacity", "online_needs_link", "organizer_required"]
    assert len({e.field for e in error.errors}) == len(error.errors)


def test_one_problem_is_a_plain_domain_error(world, event_data):
    with pytest.raises(DomainError) as info:
        services.save_event(None, event_data(capacity=0), world["admin"])
    assert type(info.value) is DomainError and info.value.code == "capacity"


def test_the_event_form_shows_every_problem(client, login, world, make_program):
    program = make_program()
    login(world["admin"])
    response = client.post("/manage/events/new", data=event_form(
        program.id, world["regions"]["KZ-79"].id, ends_on=future(39).isoformat(),
        format="online", enrol_opens_at=f"{future(20).isoformat()}T09:00",
        enrol_closes_at=f"{future(10).isoformat()}T09:00"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for message in ("The last day cannot be before the first day.",
                    "An online or hybrid event needs its online link.",
                    "Enrolment must open before it closes."):
        assert message in page
