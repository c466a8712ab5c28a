"""Pages: the issue's "done when", the catalogue, event pages, calendars and management."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select

from school.catalog.models import (
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Program,
)
from school.extensions import db
from school.timeutil import to_local
from tests.catalog.conftest import future, table_counts

PROGRAM_FORM = {
    "code": "SPL-2027",
    "title_ru": "Школа профсоюзного лидера",
    "title_kk": "Кәсіподақ көшбасшысы мектебі",
    "title_en": "School of the Trade Union Leader",
    "description_ru": "Базовый курс для председателей ППО.",
    "academic_hours": "24",
    "completion_threshold": "80",
    "audience": ["chair", "deputy_chair"],
    "certificate_title_ru": "Удостоверение",
    "certificate_title_kk": "Куәлік",
    "signatories-0-name_ru": "Бекмағанбетов Е. С.",
    "signatories-0-title_ru": "Директор Учебного центра ФПРК",
    "signatories-0-title_kk": "ҚРКФ Оқу орталығының директоры",
    "active": "y",
}


def event_form(program_id: int, region_id: int | None, **overrides) -> dict:
    fields = {
        "program_id": str(program_id), "kind": "seminar", "format": "in_person",
        "organizer": "centre", "region_id": str(region_id) if region_id else "",
        "title_ru": "Школа профсоюзного лидера — Шымкент",
        "title_kk": "Кәсіподақ көшбасшысы мектебі — Шымкент",
        "city_ru": "Шымкент", "city_kk": "Шымкент", "venue": "Дом профсоюзов, пр. Тауке хана, 5",
        "starts_on": future(40).isoformat(), "ends_on": future(42).isoformat(),
        "capacity": "30", "approval_mode": "open",
        "enrol_opens_at": f"{future(1).isoformat()}T09:00",
        "enrol_closes_at": f"{future(38).isoformat()}T18:00",
        "daily_starts": "09:00", "daily_ends": "17:00", "daily_hours": "8",
    }
    fields.update(overrides)
    return fields


def parse_ics(response) -> list[icalendar.Event]:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return list(icalendar.Calendar.from_ical(response.data).walk("VEVENT"))


# --- done when ------------------------------------------------------------------------


def test_admin_plans_a_shymkent_seminar_that_visitors_find(client, login, world):
    shymkent = world["regions"]["KZ-79"]
    login(world["admin"])
    response = client.post("/manage/programs/new", data=PROGRAM_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    program = db.session.scalar(select(Program).where(Program.code == "SPL-2027"))
    assert program.signatories[0].title_kk == "ҚРКФ Оқу орталығының директоры"

    response = client.post("/manage/events/new", data=event_form(program.id, shymkent.id))
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalar(select(Event))
    assert event.status is EventStatus.draft and len(event.sessions) == 3
    assert response.headers["Location"].endswith(f"/manage/events/{event.id}")
    assert client.post(f"/manage/events/{event.id}/publish").status_code == 302
    db.session.refresh(event)
    assert event.status is EventStatus.published
    client.post("/logout")

    for query in (f"region={shymkent.id}&kind=seminar", "region=KZ-79&kind=seminar",
                  "q=шымкент", ""):
        page = client.get(f"/events?{query}").get_data(as_text=True)
        assert "Школа профсоюзного лидера — Шымкент" in page, query
    for query in ("region=KZ-71", "kind=training", "format=online", "category=treasurer"):
        page = client.get(f"/events?{query}").get_data(as_text=True)
        assert "Школа профсоюзного лидера — Шымкент" not in page, query

    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "09:00–17:00" in page and "Дом профсоюзов" in page

    events = parse_ics(client.get(f"/events/{event.id}.ics"))
    assert len(events) == 3
    starts = sorted(e.decoded("dtstart") for e in events)
    for offset, start in enumerate(starts):
        assert start.isoformat() == f"{future(40 + offset).isoformat()}T09:00:00+05:00"
        assert start.utcoffset() == timedelta(hours=5)
    assert all(e.decoded("dtend").hour == 17 for e in events)
    assert len({str(e["uid"]) for e in events}) == 3


def test_a_draft_is_invisible_to_anyone_but_its_managers(client, login, world, make_event):
    draft = make_event(status=EventStatus.draft, organizer_branch_id=world["a"].id,
                       title_ru="Черновик семинара", instructors=[world["instructor"]])
    for who in (None, world["trainee"], world["union_coordinator"]):
        if who is not None:
            login(who)
        assert client.get(f"/events/{draft.id}").status_code == 404
        assert client.get(f"/events/{draft.id}.ics").status_code == 404
        assert "Черновик семинара" not in client.get("/events").get_data(as_text=True)
        assert "Черновик семинара" not in client.get(
            f"/calendar?month={draft.starts_on:%Y-%m}").get_data(as_text=True)
        client.post("/logout")
    for who in (world["coordinator"], world["admin"], world["instructor"]):
        login(who)
        assert client.get(f"/events/{draft.id}").status_code == 200
        client.post("/logout")


def test_the_online_link_is_shown_only_to_confirmed_participants(
    client, login, world, make_event, make_enrollment, make_user
):
    link = "https://meet.jit.si/fprk-secret-room"
    event = make_event(kind=EventKind.online_course, format=EventFormat.online,
                       online_link=link, region_code=None)
    pending, confirmed = make_user(), make_user()
    make_enrollment(event, pending, "pending")
    make_enrollment(event, confirmed, "confirmed")

    def sees(who) -> tuple[bool, bool]:
        client.post("/logout")
        if who is not None:
            login(who)
        page = client.get(f"/events/{event.id}").get_data(as_text=True)
        ics = client.get(f"/events/{event.id}.ics").get_data(as_text=True)
        return link in page, link in ics.replace("\r\n ", "")

    assert sees(None) == (False, False)
    assert sees(world["trainee"]) == (False, False)
    assert sees(pending) == (False, False)
    assert sees(world["coordinator"]) == (False, False)
    assert sees(confirmed) == (True, True)
    assert sees(world["admin"]) == (True, True)


# --- every rule refuses and saves nothing --------------------------------------------


@pytest.mark.parametrize(("overrides", "message"), [
    ({"ends_on": future(39).isoformat()}, "The last day cannot be before the first day."),
    ({"capacity": "0"}, "Capacity must be at least 1."),
    ({"format": "online"}, "An online or hybrid event needs its online link."),
    ({"enrol_closes_at": f"{future(40).isoformat()}T10:00"},
     "Enrolment must close before the first session starts."),
    ({"daily_starts": "17:00", "daily_ends": "09:00"}, "A session must end after it starts."),
    ({"enrol_opens_at": f"{future(20).isoformat()}T09:00",
      "enrol_closes_at": f"{future(10).isoformat()}T09:00"},
     "Enrolment must open before it closes."),
])
def test_bad_events_are_refused_with_a_message(client, login, world, make_program, overrides,
                                               message):
    program = make_program()
    login(world["admin"])
    client.post("/lang", data={"lang": "en"})
    before = table_counts()
    response = client.post("/manage/events/new",
                           data=event_form(program.id, world["regions"]["KZ-79"].id,
                                           **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert table_counts() == before


def test_refusals_render_in_every_language(client, login, world, make_program):
    program = make_program()
    login(world["admin"])
    for lang in ("ru", "kk", "en"):
        client.post("/lang", data={"lang": lang})
        response = client.post("/manage/events/new", data=event_form(
            program.id, None, capacity="0"))
        assert response.status_code == 200
        assert f'lang="{lang}"' in response.get_data(as_text=True)
        assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.session.scalar(select(Event)) is None


def test_session_refusals_change_nothing(client, login, world, make_event):
    event = make_event(sessions=3, starts_on=future(30))
    login(world["admin"])
    before = table_counts()
    stamps = [(s.starts_at, s.ends_at) for s in event.sessions]
    for data in (
        {"day": future(34).isoformat(), "starts": "09:00", "ends": "10:00"},
        {"day": future(31).isoformat(), "starts": "16:00", "ends": "18:00"},
    ):
        response = client.post(f"/manage/events/{event.id}/sessions", data=data)
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "alert-danger" in page
    response = client.post(f"/manage/events/{event.id}/sessions/{event.sessions[1].id}/edit",
                           data={"day": future(30).isoformat(), "starts": "12:00",
                                 "ends": "13:00"})
    assert response.status_code == 200
    assert table_counts() == before
    db.session.refresh(event)
    assert [(s.starts_at, s.ends_at) for s in event.sessions] == stamps


# --- management pages ----------------------------------------------------------------


def test_sessions_quotas_instructors_cancel_and_clone_through_the_pages(
    client, login, world, make_event, signed_program
):
    event = make_event(signed_program(), sessions=0, starts_on=future(30), ends_on=future(31),
                       status=EventStatus.draft, organizer_branch_id=world["a"].id)
    login(world["coordinator"])
    base = f"/manage/events/{event.id}"
    assert client.get(base).status_code == 200
    client.post(f"{base}/sessions/daily", data={"starts": "10:00", "ends": "13:00",
                                                "academic_hours": "4"})
    client.post(f"{base}/sessions", data={"day": future(31).isoformat(), "starts": "14:00",
                                          "ends": "16:00", "topic_ru": "Практикум"})
    db.session.refresh(event)
    assert [(to_local(s.starts_at).strftime("%d %H:%M"), s.topic_ru) for s in event.sessions] \
        == [(future(30).strftime("%d 10:00"), None), (future(31).strftime("%d 10:00"), None),
            (future(31).strftime("%d 14:00"), "Практикум")]
    session = event.sessions[0]
    assert client.get(f"{base}/sessions/{session.id}/edit").status_code == 200
    client.post(f"{base}/sessions/{session.id}/edit",
                data={"day": future(30).isoformat(), "starts": "11:00", "ends": "13:00",
                      "topic_ru": "Вводное занятие", "academic_hours": "2"})
    client.post(f"{base}/sessions/{event.sessions[2].id}/delete")
    client.post(f"{base}/quotas", data={"branch_id": str(world["a"].id), "seats": "10"})
    client.post(f"{base}/instructors", data={"instructor_ids": [str(world["instructor"].id)]})
    assert client.post(f"{base}/publish").status_code == 302
    db.session.refresh(event)
    assert event.status is EventStatus.published
    assert [s.topic_ru for s in event.sessions] == ["Вводное занятие", None]
    assert [(q.branch_id, q.seats) for q in event.quotas] == [(world["a"].id, 10)]
    assert [u.id for u in event.instructors] == [world["instructor"].id]

    response = client.post(f"{base}/clone", data={"starts_on": future(90).isoformat()})
    copy = db.session.scalar(select(Event).where(Event.id != event.id))
    assert response.headers["Location"].endswith(f"/manage/events/{copy.id}")
    assert copy.status is EventStatus.draft and copy.starts_on == future(90)

    client.post(f"{base}/cancel", data={"reason": ""})
    db.session.refresh(event)
    assert event.status is EventStatus.published
    client.post(f"{base}/cancel", data={"reason": "Перенос на осень"})
    db.session.refresh(event)
    assert event.status is EventStatus.cancelled
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Перенос на осень" in page


def test_editing_an_event_keeps_its_local_times(client, login, world, make_event):
    event = make_event(sessions=2, starts_on=future(30), organizer_branch_id=world["a"].id)
    login(world["coordinator"])
    page = client.get(f"/manage/events/{event.id}/edit").get_data(as_text=True)
    closes = to_local(event.enrol_closes_at).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{closes}"' in page
    data = event_form(event.program_id, event.region_id, organizer=f"branch:{world['a'].id}",
                      starts_on=future(30).isoformat(), ends_on=future(31).isoformat(),
                      capacity="45", enrol_closes_at=closes, enrol_opens_at="")
    assert client.post(f"/manage/events/{event.id}/edit", data=data).status_code == 302
    db.session.refresh(event)
    assert event.capacity == 45 and len(event.sessions) == 2  # no daily sessions on edit
    assert to_local(event.enrol_closes_at).strftime("%Y-%m-%dT%H:%M") == closes


def test_programme_pages(client, login, world, make_program):
    program = make_program(code="OT", audience=["treasurer"])
    login(world["admin"])
    assert "OT" in client.get("/manage/programs").get_data(as_text=True)
    page = client.get(f"/manage/programs/{program.id}/edit").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*value="treasurer"[^>]*>', page)
    assert "checked" in box
    [other] = re.findall(r'<input[^>]*value="chair"[^>]*>', page)
    assert "checked" not in other
    data = dict(PROGRAM_FORM, code="OT", completion_threshold="150")
    response = client.post(f"/manage/programs/{program.id}/edit", data=data)
    assert response.status_code == 200
    db.session.refresh(program)
    assert program.completion_threshold == 80


ACCESS = {
    # path template → role → status ("login": redirect to sign in)
    "/manage/programs": {"anon": "login", "trainee": 403, "instructor": 403,
                         "coordinator": 403, "admin": 200},
    "/manage/programs/new": {"coordinator": 403, "admin": 200},
    "/manage/events": {"anon": "login", "trainee": 403, "instructor": 200,
                       "coordinator": 200, "other_coordinator": 200, "admin": 200},
    "/manage/events/new": {"instructor": 403, "coordinator": 200, "admin": 200},
    "/manage/events/{id}": {"anon": "login", "trainee": 403, "instructor": 200,
                            "other_instructor": 404, "coordinator": 200,
                            "other_coordinator": 404, "admin": 200},
    "/manage/events/{id}/edit": {"instructor": 403, "coordinator": 200,
                                 "other_coordinator": 404, "admin": 200},
    "/manage/events/{id}/sessions/{sid}/edit": {"other_coordinator": 404, "coordinator": 200},
    "/events": {"anon": 200, "trainee": 200},
    "/events/{id}": {"anon": 200, "trainee": 200},
    "/events/{id}.ics": {"anon": 200},
    "/calendar": {"anon": 200, "trainee": 200},
    "/calendar/feed": {"anon": "login", "trainee": 200},
}


@pytest.fixture
def staff(world, make_user):
    return {
        "trainee": world["trainee"], "instructor": world["instructor"],
        "other_instructor": make_user("instructor"), "coordinator": world["coordinator"],
        "other_coordinator": world["union_coordinator"], "admin": world["admin"],
    }


@pytest.mark.parametrize(("path", "role", "expected"),
                         [(p, r, e) for p, row in ACCESS.items() for r, e in row.items()])
def test_access(client, login, staff, world, make_event, path, role, expected):
    event = make_event(organizer_branch_id=world["a"].id, instructors=[world["instructor"]])
    if role != "anon":
        login(staff[role])
    response = client.get(path.format(id=event.id, sid=event.sessions[0].id))
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected


def test_others_cannot_change_an_event(client, login, world, make_event):
    event = make_event(status=EventStatus.draft, organizer_branch_id=world["a"].id,
                       instructors=[world["instructor"]])
    before = table_counts()
    for who, status in ((world["union_coordinator"], 404), (world["instructor"], 403),
                        (world["trainee"], 403)):
        login(who)
        for action in ("publish", "cancel", "clone", "sessions", "quotas", "instructors"):
            response = client.post(f"/manage/events/{event.id}/{action}",
                                   data={"reason": "x", "starts_on": future(90).isoformat()})
            assert response.status_code == status, (who, action)
        client.post("/logout")
    db.session.refresh(event)
    assert event.status is EventStatus.draft
    assert table_counts() == before


# --- calendars ------------------------------------------------------------------------


def test_month_view(client, world, make_event):
    event = make_event(title_ru="Семинар в календаре", starts_on=future(20))
    page = client.get(f"/calendar?month={future(20):%Y-%m}").get_data(as_text=True)
    assert "Семинар в календаре" in page and f"/events/{event.id}" in page
    other = client.get(f"/calendar?month={future(20) + timedelta(days=62):%Y-%m}")
    assert "Семинар в календаре" not in other.get_data(as_text=True)
    assert client.get("/calendar?month=2026-99").status_code == 200
    assert client.get("/calendar?month=abc&region=zzz").status_code == 200


def test_personal_feed(client, login, world, make_event, make_enrollment):
    trainee = world["trainee"]
    mine = make_event(sessions=2, title_ru="Мой семинар", format=EventFormat.hybrid,
                      online_link="https://meet.jit.si/fprk-hybrid")
    other = make_event(sessions=1, title_ru="Чужой семинар")
    make_enrollment(mine, trainee, "confirmed")
    make_enrollment(other, trainee, "waitlisted")
    login(trainee)
    page = client.get("/calendar/feed").get_data(as_text=True)
    url = page.split('readonly value="')[1].split('"')[0]
    assert url.startswith("http://school.test/calendar/") and url.endswith(".ics")
    path = url.removeprefix("http://school.test")
    client.post("/logout")

    events = parse_ics(client.get(path))
    assert len(events) == 2
    assert all("Мой семинар" in str(e["summary"]) for e in events)
    assert "fprk-hybrid" in str(events[0]["description"])
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts[0] == datetime.fromisoformat(
        f"{mine.starts_on.isoformat()}T09:00:00+05:00")

    login(trainee)
    assert client.post("/calendar/feed/regenerate").status_code == 302
    new_page = client.get("/calendar/feed").get_data(as_text=True)
    assert path not in new_page
    client.post("/logout")
    assert client.get(path).status_code == 404
    assert client.get("/calendar/not-a-real-token-at-all-0123456789.ics").status_code == 404


def test_cancelled_event_ics_says_so(client, world, make_event):
    event = make_event(status=EventStatus.cancelled, cancel_reason="Перенос")
    events = parse_ics(client.get(f"/events/{event.id}.ics"))
    assert {str(e["status"]) for e in events} == {"CANCELLED"}


def test_ics_before_march_2024_uses_utc_plus_six(client, world, make_event):
    event = make_event(sessions=1, starts_on=datetime(2024, 2, 20).date(),
                       status=EventStatus.completed)
    [vevent] = parse_ics(client.get(f"/events/{event.id}.ics"))
    start = vevent.decoded("dtstart")
    assert start.hour == 9 and start.utcoffset() == timedelta(hours=6)
    assert to_local(event.sessions[0].starts_at).hour == 9


def test_programme_refusals_show_on_the_form(client, login, world):
    login(world["admin"])
    client.post("/lang", data={"lang": "en"})
    data = dict(PROGRAM_FORM, **{"signatories-1-name_ru": "Без должности"})
    response = client.post("/manage/programs/new", data=data)
    assert response.status_code == 200
    assert "Each signatory needs a name and a position." in response.get_data(as_text=True)
    response = client.post("/manage/programs/new", data=dict(PROGRAM_FORM, academic_hours="0"))
    assert "Academic hours must be a whole number from 1 to 2000." in response.get_data(
        as_text=True)
    assert db.session.scalar(select(Program)) is None
