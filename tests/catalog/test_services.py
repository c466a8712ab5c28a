"""The planning rules: each refuses bad input with its code and leaves the database as it was."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from school.accounts.models import Category
from school.attendance.models import AttendanceMark, AttendanceStatus
from school.catalog import services
from school.catalog.models import (
    EventFormat,
    EventKind,
    EventSession,
    EventStatus,
    Program,
)
from school.catalog.programmes import ProgramData, SignatoryData
from school.catalog.schedule import DailySessions, SessionData
from school.errors import DomainError
from school.extensions import db
from school.permissions import manages_event, teaches
from school.timeutil import local_datetime, to_local
from tests.catalog.conftest import future, table_counts
from tests.factories import local_dt


def refused(code: str, action, *args, **kwargs) -> DomainError:
    """Run a service that must refuse with `code`; roll back as a view would, and check
    that no row of the catalogue changed."""
    before = table_counts()
    with pytest.raises(DomainError) as info:
        action(*args, **kwargs)
    db.session.rollback()
    assert info.value.code == code, info.value
    assert str(info.value.message)  # a sentence for the person, not only a code
    assert table_counts() == before
    return info.value


NINE_TO_FIVE = DailySessions(starts=time(9), ends=time(17), academic_hours=8)


# --- seats ----------------------------------------------------------------------------


def test_confirmed_counts_counts_seat_holders_in_one_query(
    make_event, make_user, make_enrollment, count_queries
):
    first, second, empty = make_event(), make_event(), make_event()
    for status in ("confirmed", "confirmed", "completed", "pending", "waitlisted",
                   "cancelled", "rejected"):
        make_enrollment(first, make_user(), status)
    make_enrollment(second, make_user(), "confirmed")
    ids = [first.id, second.id, empty.id]
    with count_queries() as queries:
        counts = services.confirmed_counts(ids)
    assert len(queries) == 1
    assert counts == {first.id: 3, second.id: 1}
    assert services.confirmed_counts([]) == {}
    assert services.seats_left(first, counts) == first.capacity - 3
    assert services.seats_left(empty, counts) == empty.capacity


# --- programmes -----------------------------------------------------------------------


def program_data(**overrides) -> ProgramData:
    fields = {
        "code": "spl-chairs", "title_ru": "Школа профсоюзного лидера",
        "title_kk": "Кәсіподақ көшбасшысы мектебі", "academic_hours": 24,
        "audience": ["chair", "deputy_chair"], "completion_threshold": 80,
        "certificate_title_ru": "Удостоверение", "certificate_title_kk": "Куәлік",
        "signatories": [SignatoryData("Иванов И. И.", "", "Директор Учебного центра",
                                      "Оқу орталығының директоры"), SignatoryData()],
    }
    fields.update(overrides)
    return ProgramData(**fields)


def test_a_programme_is_created_with_audience_and_signatories(world):
    program = services.save_program(None, program_data(), world["admin"])
    db.session.commit()
    assert program.code == "SPL-CHAIRS"
    assert program.audience == {Category.chair, Category.deputy_chair}
    assert program.completion_threshold == 80
    [signatory] = program.signatories
    assert signatory.name_kk == "Иванов И. И."  # the Kazakh name falls back to the Russian
    assert signatory.title_kk == "Оқу орталығының директоры"
    assert program.is_for(Category.chair) and not program.is_for(Category.treasurer)

    services.save_program(program, program_data(audience=["chair", "treasurer"]),
                          world["admin"])
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Program, program.id).audience == {Category.chair, Category.treasurer}
    services.save_program(program, program_data(audience=[]), world["admin"])
    db.session.commit()
    assert program.is_for(Category.treasurer)  # no audience: open to everyone


@pytest.mark.parametrize(("overrides", "code"), [
    ({"code": "школа"}, "code_invalid"),
    ({"title_kk": "  "}, "title_required"),
    ({"academic_hours": 0}, "hours_positive"),
    ({"academic_hours": None}, "hours_positive"),
    ({"completion_threshold": 0}, "threshold_range"),
    ({"completion_threshold": 101}, "threshold_range"),
    ({"audience": ["chair", "astronaut"]}, "invalid_choice"),
    ({"signatories": [SignatoryData(name_ru="Иванов И. И.")]}, "signatory_incomplete"),
])
def test_programme_rules(world, overrides, code):
    refused(code, services.save_program, None, program_data(**overrides), world["admin"])


def test_programme_codes_are_unique(world, make_program):
    make_program(code="SPL-CHAIRS")
    refused("code_taken", services.save_program, None, program_data(), world["admin"])


# --- events ---------------------------------------------------------------------------


def test_a_seminar_is_created_with_one_session_a_day(world, event_data):
    event = services.save_event(None, event_data(), world["admin"], daily=NINE_TO_FIVE)
    db.session.commit()
    assert event.status is EventStatus.draft
    assert [to_local(s.starts_at).isoformat() for s in event.sessions] == [
        local_datetime(future(d), time(9)).isoformat() for d in (40, 41, 42)
    ]
    assert all(to_local(s.starts_at).utcoffset() == timedelta(hours=5) for s in event.sessions)
    assert event.sessions[0].starts_at.astimezone(UTC).hour == 4  # stored as UTC
    assert event.organizer_union_id is None and event.organizer_branch_id is None


@pytest.mark.parametrize(("overrides", "code"), [
    ({"ends_on": future(39)}, "dates_order"),
    ({"starts_on": None}, "dates_required"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": None}, "capacity"),
    ({"format": "online", "online_link": ""}, "online_needs_link"),
    ({"format": "hybrid"}, "online_needs_link"),
    ({"format": "online", "online_link": "javascript:alert(1)"}, "online_link_invalid"),
    ({"kind": "picnic"}, "invalid_choice"),
    ({"program_id": None}, "program_required"),
    ({"organizer": "union:999999"}, "organizer_required"),
    ({"enrol_opens_at": local_dt(future(10), "09:00"),
      "enrol_closes_at": local_dt(future(5), "09:00")}, "enrolment_window_order"),
    ({"enrol_closes_at": local_dt(future(40), "10:00")}, "enrolment_closes_before_first_session"),
])
def test_event_rules(world, event_data, overrides, code):
    refused(code, services.save_event, None, event_data(**overrides), world["admin"],
            daily=NINE_TO_FIVE)


def test_daily_sessions_must_end_after_they_start(world, event_data):
    bad = DailySessions(starts=time(17), ends=time(9))
    refused("session_times_order", services.save_event, None, event_data(), world["admin"],
            daily=bad)
    refused("session_times_required", services.save_event, None, event_data(), world["admin"],
            daily=DailySessions(starts=time(9)))


def test_enrolment_may_close_exactly_when_the_first_session_starts(world, event_data):
    event = services.save_event(
        None, event_data(enrol_closes_at=local_dt(future(40), "09:00")), world["admin"],
        daily=NINE_TO_FIVE)
    assert len(event.sessions) == 3


def test_an_online_event_with_a_link_is_accepted(world, event_data):
    event = services.save_event(
        None, event_data(format="online", online_link="https://meet.jit.si/fprk-test",
                         region_id=None),
        world["admin"])
    assert event.online_link == "https://meet.jit.si/fprk-test"
    assert event.region_id is None


def test_an_inactive_programme_takes_no_new_events(world, event_data, make_program):
    old = make_program(active=False)
    refused("program_inactive", services.save_event, None, event_data(program_id=old.id),
            world["admin"])


def test_coordinators_organise_only_for_their_own_union_or_branch(world, event_data):
    a, b, v = world["a"], world["b"], world["v"]
    for organizer in ("centre", f"branch:{b.id}", f"union:{v.id}", f"branch:{world['a2'].id}"):
        refused("organizer_forbidden", services.save_event, None,
                event_data(organizer=organizer), world["coordinator"])
    assert services.save_event(None, event_data(organizer=f"branch:{a.id}"),
                               world["coordinator"]).organizer_branch_id == a.id
    # A union's coordinator organises for the union and any of its branches.
    uc = world["union_coordinator"]
    assert services.save_event(None, event_data(organizer=f"union:{v.id}"), uc)
    assert services.save_event(None, event_data(organizer=f"branch:{b.id}"), uc)


def test_editing_dates_keeps_sessions_inside(world, make_event):
    event = make_event(sessions=3, starts_on=future(30))
    data = services.EventData(
        program_id=event.program_id, kind="seminar", format="in_person", organizer="centre",
        starts_on=future(31), ends_on=future(32), capacity=30,
    )
    refused("session_outside_event", services.save_event, event, data, world["admin"])
    db.session.refresh(event)
    assert event.starts_on == future(30)
    data.starts_on, data.ends_on = future(30), future(33)
    services.save_event(event, data, world["admin"])
    db.session.commit()
    assert event.ends_on == future(33)


def test_capacity_cannot_fall_below_confirmed_seats(world, make_event, make_user,
                                                    make_enrollment):
    event = make_event(capacity=5)
    for _ in range(3):
        make_enrollment(event, make_user(), "confirmed")
    data = services.EventData(program_id=event.program_id, kind="seminar", format="in_person",
                              starts_on=event.starts_on, ends_on=event.ends_on, capacity=2)
    refused("capacity_below_confirmed", services.save_event, event, data, world["admin"])
    data.capacity = 3
    services.save_event(event, data, world["admin"])


def test_completed_and_cancelled_events_are_locked(world, make_event):
    done = make_event(status=EventStatus.completed, starts_on=future(-10))
    refused("event_locked", services.add_session, done,
            SessionData(day=done.starts_on, starts=time(18), ends=time(19)), world["admin"])
    refused("status_transition", services.cancel_event, done, "late", world["admin"])


# --- sessions -------------------------------------------------------------------------


@pytest.fixture
def draft(make_event):
    """A draft with sessions on days 30, 31, 32 from 09:00 to 17:00."""
    return make_event(sessions=3, starts_on=future(30), status=EventStatus.draft,
                      enrol_closes_at=local_dt(future(29), "18:00"))


@pytest.mark.parametrize(("session", "code"), [
    (SessionData(day=future(33), starts=time(9), ends=time(12)), "session_outside_event"),
    (SessionData(day=future(29), starts=time(9), ends=time(12)), "session_outside_event"),
    (SessionData(day=future(31), starts=time(16), ends=time(18)), "sessions_overlap"),
    (SessionData(day=future(31), starts=time(8), ends=time(9, 1)), "sessions_overlap"),
    (SessionData(day=future(31), starts=time(18), ends=time(18)), "session_times_order"),
    (SessionData(day=None, starts=time(18), ends=time(19)), "session_times_required"),
    (SessionData(day=future(31), starts=time(18), ends=time(19), academic_hours=30),
     "session_hours"),
])
def test_session_rules(world, draft, session, code):
    refused(code, services.add_session, draft, session, world["admin"])


def test_sessions_may_touch_end_to_start(world, draft):
    session = services.add_session(
        draft, SessionData(day=future(31), starts=time(17), ends=time(19), topic_ru="Вечер"),
        world["admin"])
    db.session.commit()
    assert len(draft.sessions) == 4 and session.topic_ru == "Вечер"


def test_a_session_cannot_start_before_enrolment_closes(world, make_event):
    event = make_event(sessions=1, starts_on=future(30), status=EventStatus.draft,
                       ends_on=future(31), enrol_closes_at=local_dt(future(30), "12:00"))
    event.sessions[0].starts_at = local_dt(future(31), "09:00")
    event.sessions[0].ends_at = local_dt(future(31), "17:00")
    db.session.commit()
    refused("enrolment_closes_before_first_session", services.add_session, event,
            SessionData(day=future(30), starts=time(10), ends=time(11)), world["admin"])


def test_daily_sessions_on_an_existing_event(world, make_event):
    event = make_event(sessions=0, starts_on=future(30), ends_on=future(34),
                       status=EventStatus.draft)
    added = services.add_daily_sessions(
        event, DailySessions(starts=time(15), ends=time(18), first_day=future(31),
                             last_day=future(33), academic_hours=4), world["admin"])
    db.session.commit()
    assert [to_local(s.starts_at).date() for s in added] == [future(31), future(32), future(33)]
    refused("sessions_overlap", services.add_daily_sessions, event,
            DailySessions(starts=time(17), ends=time(19)), world["admin"])
    refused("dates_order", services.add_daily_sessions, event,
            DailySessions(starts=time(9), ends=time(10), first_day=future(33),
                          last_day=future(31)), world["admin"])
    refused("session_outside_event", services.add_daily_sessions, event,
            DailySessions(starts=time(9), ends=time(10), first_day=future(34),
                          last_day=future(35)), world["admin"])


def test_editing_a_session(world, draft):
    first, second, _third = draft.sessions
    services.update_session(first, SessionData(day=future(30), starts=time(10), ends=time(13)),
                            world["admin"])
    db.session.commit()
    assert to_local(first.starts_at).time() == time(10)
    refused("sessions_overlap", services.update_session, second,
            SessionData(day=future(30), starts=time(12), ends=time(14)), world["admin"])
    db.session.refresh(second)
    assert to_local(second.starts_at).date() == future(31)


def test_removing_sessions(world, make_event, make_user, make_enrollment):
    event = make_event(sessions=2)
    first, second = event.sessions
    services.remove_session(first, world["admin"])
    db.session.commit()
    assert [s.id for s in event.sessions] == [second.id]
    # The last session of a published event stays: nothing published without sessions.
    refused("publish_without_sessions", services.remove_session, second, world["admin"])
    # A session with attendance marks keeps its history.
    other = make_event(sessions=2)
    enrollment = make_enrollment(other, make_user(), "confirmed")
    db.session.add(AttendanceMark(enrollment_id=enrollment.id, session_id=other.sessions[0].id,
                                  status=AttendanceStatus.present))
    db.session.commit()
    refused("session_has_attendance", services.remove_session, other.sessions[0],
            world["admin"])


# --- publish, cancel, clone -----------------------------------------------------------


def test_publishing(world, event_data):
    event = services.save_event(None, event_data(), world["admin"])
    db.session.commit()
    refused("publish_without_sessions", services.publish_event, event, world["admin"])
    services.add_daily_sessions(event, NINE_TO_FIVE, world["admin"])
    services.publish_event(event, world["admin"])
    db.session.commit()
    assert event.status is EventStatus.published and event.published_at is not None
    refused("status_transition", services.publish_event, event, world["admin"])


def test_an_online_draft_without_link_is_not_published(world, make_event, signed_program):
    event = make_event(signed_program(), status=EventStatus.draft, format=EventFormat.online,
                       region_code=None)
    refused("online_needs_link", services.publish_event, event, world["admin"])


def test_cancelling_needs_a_reason(world, make_event):
    event = make_event()
    refused("cancel_reason_required", services.cancel_event, event, "   ", world["admin"])
    services.cancel_event(event, "Лектор заболел", world["admin"])
    db.session.commit()
    assert event.status is EventStatus.cancelled
    assert event.cancel_reason == "Лектор заболел" and event.cancelled_at is not None
    refused("status_transition", services.cancel_event, event, "again", world["admin"])
    refused("status_transition", services.publish_event, event, world["admin"])


def test_cloning_moves_everything_to_the_new_dates(world, make_event, make_user,
                                                   make_enrollment):
    teacher = world["instructor"]
    source = make_event(sessions=3, starts_on=future(10), instructors=[teacher],
                        quotas={world["a"]: 5}, kind=EventKind.training,
                        enrol_closes_at=local_dt(future(8), "18:00"))
    make_enrollment(source, make_user(), "confirmed")
    copy = services.clone_event(source, future(100), world["admin"])
    db.session.commit()
    assert copy.id != source.id and copy.status is EventStatus.draft
    assert (copy.starts_on, copy.ends_on) == (future(100), future(102))
    assert copy.kind is EventKind.training and copy.program_id == source.program_id
    assert [to_local(s.starts_at).isoformat() for s in copy.sessions] == [
        local_dt(future(d), "09:00").isoformat() for d in (100, 101, 102)]
    assert [s.topic_ru for s in copy.sessions] == [s.topic_ru for s in source.sessions]
    assert to_local(copy.enrol_closes_at) == local_dt(future(98), "18:00")
    assert [u.id for u in copy.instructors] == [teacher.id]
    assert [(q.branch_id, q.seats) for q in copy.quotas] == [(world["a"].id, 5)]
    assert services.confirmed_counts([copy.id]) == {}
    assert len(source.sessions) == 3  # the original is untouched
    refused("dates_required", services.clone_event, source, None, world["admin"])


# --- quotas and instructors -----------------------------------------------------------


def test_quotas(world, make_event):
    event = make_event(capacity=20)
    services.set_quota(event, world["a"].id, 5, world["admin"])
    services.set_quota(event, world["a"].id, 7, world["admin"])
    services.set_quota(event, world["b"].id, 3, world["admin"])
    db.session.commit()
    assert sorted((q.branch_id, q.seats) for q in event.quotas) == [
        (world["a"].id, 7), (world["b"].id, 3)]
    refused("quota_seats", services.set_quota, event, world["a"].id, -1, world["admin"])
    refused("quota_exceeds_capacity", services.set_quota, event, world["a"].id, 21,
            world["admin"])
    refused("branch_required", services.set_quota, event, None, 3, world["admin"])
    services.set_quota(event, world["b"].id, None, world["admin"])
    db.session.commit()
    assert [q.branch_id for q in event.quotas] == [world["a"].id]


def test_only_instructors_teach(world, make_event):
    event = make_event()
    refused("not_instructor", services.set_instructors, event, [world["trainee"].id],
            world["admin"])
    refused("not_instructor", services.set_instructors, event, [999999], world["admin"])
    services.set_instructors(event, [world["instructor"].id], world["admin"])
    db.session.commit()
    assert teaches(world["instructor"], event)
    assert not teaches(world["trainee"], event)


# --- who manages what -----------------------------------------------------------------


def test_management_scope(world, make_event):
    centre = make_event()
    of_a = make_event(organizer_branch_id=world["a"].id)
    of_b = make_event(organizer_branch_id=world["b"].id)
    of_v = make_event(organizer_union_id=world["v"].id)
    taught = make_event(instructors=[world["instructor"]])

    def listed(user):
        return {e.id for e in db.session.scalars(services.managed_events_query(user))}

    everything = {centre.id, of_a.id, of_b.id, of_v.id, taught.id}
    assert listed(world["admin"]) == everything
    assert listed(world["coordinator"]) == {of_a.id}
    assert listed(world["union_coordinator"]) == {of_b.id, of_v.id}
    assert listed(world["instructor"]) == {taught.id}
    assert listed(world["trainee"]) == set()
    assert manages_event(world["coordinator"], of_a)
    assert not manages_event(world["coordinator"], of_b)
    assert not manages_event(world["instructor"], taught)
    assert services.can_see_backstage(world["instructor"], taught)


def test_online_link_only_for_participants_and_staff(world, make_event, make_user,
                                                     make_enrollment):
    event = make_event(format=EventFormat.online, online_link="https://meet.jit.si/x",
                       instructors=[world["instructor"]])
    statuses = {}
    for status in ("confirmed", "completed", "pending", "waitlisted", "cancelled"):
        person = make_user()
        make_enrollment(event, person, status)
        statuses[status] = services.can_see_link(person, event)
    assert statuses == {"confirmed": True, "completed": True, "pending": False,
                        "waitlisted": False, "cancelled": False}
    assert services.can_see_link(world["instructor"], event)
    assert services.can_see_link(world["admin"], event)
    assert not services.can_see_link(world["trainee"], event)
    assert not services.can_see_link(world["coordinator"], event)  # not their event


# --- catalogue and feeds --------------------------------------------------------------


def test_catalogue_filters(world, make_event, make_program):
    regions = world["regions"]
    youth = make_program(title_ru="Тренинг для молодёжных лидеров",
                         title_kk="Жастар көшбасшыларына арналған тренинг",
                         audience=["youth_council"])
    seminar = make_event(region_code="KZ-79", starts_on=future(10))
    training = make_event(youth, kind=EventKind.training, region_code="KZ-71",
                          starts_on=future(45))
    online = make_event(kind=EventKind.online_course, format=EventFormat.online,
                        online_link="https://meet.jit.si/x", region_code=None,
                        starts_on=future(20))
    make_event(region_code="KZ-79", status=EventStatus.draft)
    make_event(region_code="KZ-79", status=EventStatus.cancelled)
    make_event(region_code="KZ-79", starts_on=future(-10))  # over
    running = make_event(region_code="KZ-79", starts_on=future(-1))  # ends tomorrow

    def found(**args):
        filters = services.CatalogueFilters.from_args(args)
        return [e.id for e in db.session.scalars(services.catalogue_query(filters))]

    assert found() == [running.id, seminar.id, online.id, training.id]
    assert found(region=str(regions["KZ-79"].id)) == [running.id, seminar.id]
    assert found(region="KZ-79", kind="seminar") == [running.id, seminar.id]
    assert found(region="national") == [online.id]
    assert found(kind="training") == [training.id]
    assert found(format="online") == [online.id]
    # Audience: programmes for youth council members, and those open to everyone.
    assert found(category="youth_council") == [running.id, seminar.id, online.id, training.id]
    assert found(category="chair") == [running.id, seminar.id, online.id]
    month = future(45).strftime("%Y-%m")
    assert training.id in found(month=month) and seminar.id not in found(
        month=(future(45) + timedelta(days=40)).strftime("%Y-%m"))
    assert found(q="МОЛОДЁЖН") == [training.id]  # Cyrillic, any case
    assert found(q="100%_") == []
    # Nonsense is dropped, not an error.
    assert found(kind="picnic", region="'; drop", month="2026-13") == found()


def test_free_text_searches_every_language(app, world, make_event, make_program):
    """Issue 12, item 7: a title is found in either language, whatever the page's language,
    in any case (Kazakh and Russian letters fold on SQLite too)."""
    program = make_program(title_ru="Охрана труда", title_kk="Еңбекті қорғау",
                           title_en="Occupational safety")
    event = make_event(program)
    make_event(make_program(title_ru="Бюджет профсоюза", title_kk="Кәсіподақ бюджеті"))
    for lang in ("kk", "ru", "en"):
        for q in ("ЕҢБЕКТІ", "охрана ТРУДА", "occupational"):
            with app.test_request_context(), force_locale(lang):
                filters = services.CatalogueFilters(q=q)
                found = [e.id for e in db.session.scalars(services.catalogue_query(filters))]
            assert found == [event.id], (lang, q)


def test_month_view_places_events_on_their_days(world, make_event):
    event = make_event(sessions=3, starts_on=future(30))
    db.session.delete(event.sessions[1])  # no session on the middle day
    db.session.commit()
    make_event(status=EventStatus.draft, starts_on=future(30))
    first = future(30).replace(day=1)
    weeks = services.month_view(first)
    assert all(len(week) == 7 for week in weeks)
    assert weeks[0][0].day.weekday() == 0  # Monday first
    days = {d.day: [e.id for e in d.events] for week in weeks for d in week}
    assert future(30) in days
    expected = {future(30): [event.id], future(31): [], future(32): [event.id],
                future(33): []}
    assert {day: days[day] for day in expected if day in days} == {
        day: ids for day, ids in expected.items() if day in days}


def test_feed_token_and_sessions(world, make_event, make_enrollment):
    trainee = world["trainee"]
    mine = make_event(sessions=2)
    make_event(sessions=2)  # not enrolled
    pending = make_event(sessions=1)
    make_enrollment(mine, trainee, "confirmed")
    make_enrollment(pending, trainee, "pending")
    token = services.feed_token(trainee)
    db.session.commit()
    assert services.user_for_feed(token.token).id == trainee.id
    assert services.user_for_feed("x" * 43) is None
    assert services.user_for_feed("../../etc") is None
    assert [s.event_id for s in services.feed_sessions(trainee)] == [mine.id, mine.id]
    old = token.token
    services.regenerate_feed_token(trainee)
    db.session.commit()
    assert services.user_for_feed(old) is None
    assert services.feed_token(trainee).token != old


def test_feed_leaves_out_cancelled_events(world, make_event, make_enrollment):
    event = make_event(sessions=1)
    make_enrollment(event, world["trainee"], "confirmed")
    services.cancel_event(event, "Перенос", world["admin"])
    db.session.commit()
    assert services.feed_sessions(world["trainee"]) == []


def test_sessions_are_stored_as_utc_instants(world, draft):
    session = db.session.scalar(select(EventSession).where(EventSession.event_id == draft.id)
                                .order_by(EventSession.starts_at))
    assert session.starts_at.tzinfo is not None
    assert session.starts_at == datetime.combine(future(30), time(4), tzinfo=UTC)
