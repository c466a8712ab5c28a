"""Issue 12, item 7: catalogue cards show the signed-in person's own status (enrolled,
waiting, awaiting approval, not eligible and why, not open yet, closed), read for all the
cards in one query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale

from school.accounts.models import Category
from school.catalog import services
from school.enrollment import card_status
from school.extensions import db
from tests.catalog.conftest import future


def _world(trainee, make_event, make_program, make_enrollment):
    now = datetime.now(UTC)
    events = {
        "confirmed": make_event(starts_on=future(10)),
        "waitlisted": make_event(starts_on=future(11)),
        "pending": make_event(starts_on=future(12)),
        "not_eligible": make_event(make_program(audience=["treasurer"]), starts_on=future(13)),
        "not_open": make_event(starts_on=future(14), enrol_opens_at=now + timedelta(days=2)),
        "closed": make_event(starts_on=future(15), enrol_closes_at=now - timedelta(hours=1)),
        "open": make_event(make_program(audience=["chair"]), starts_on=future(16)),
    }
    for status in ("confirmed", "waitlisted", "pending"):
        make_enrollment(events[status], trainee, status)
    return events


def test_each_card_gets_the_person_s_status(app, world, make_event, make_program,
                                            make_enrollment, count_queries):
    trainee = world["trainee"]
    assert trainee.category is Category.chair
    events = _world(trainee, make_event, make_program, make_enrollment)
    db.session.expire_all()
    with app.test_request_context(), force_locale("en"):
        shown = list(db.session.scalars(services.catalogue_query(services.CatalogueFilters())))
        assert trainee.category is Category.chair  # loaded again after expire_all
        with count_queries() as queries:
            statuses = card_status.card_statuses(trainee, shown)
        assert len(queries) == 1, [q[:300] for q in queries.statements]
        codes = {event_id: s.code for event_id, s in statuses.items()}
        assert codes == {e.id: code for code, e in events.items() if code != "open"}
        assert statuses[events["not_eligible"].id].reason == (
            "This programme is meant for other participant categories.")
        assert statuses[events["confirmed"].id].label == "Confirmed"
    # Nobody signed in: nothing to say, nothing asked.
    assert card_status.card_statuses(None, shown) == {}


def test_the_catalogue_page_shows_them(client, login, world, make_event, make_program,
                                       make_enrollment):
    events = _world(world["trainee"], make_event, make_program, make_enrollment)
    login(world["trainee"])
    client.post("/lang", data={"lang": "en"})
    page = client.get("/events").get_data(as_text=True)
    for text in ("Confirmed", "On the waiting list", "Awaiting approval", "Not for you",
                 "This programme is meant for other participant categories.", "Not open yet",
                 "Enrolment closed"):
        assert text in page, text
    assert page.count('class="mb-1 card-status"') == len(events) - 1
    client.post("/logout")
    assert "card-status" not in client.get("/events").get_data(as_text=True)


def test_card_statuses_keep_the_query_count_flat(client, login, world, make_event,
                                                 make_program, make_enrollment, count_queries):
    login(world["trainee"])

    def add(n):
        for i in range(n):
            event = make_event(make_program(audience=["treasurer"] if i % 3 else []),
                               starts_on=future(20 + i))
            if i % 2:
                make_enrollment(event, world["trainee"], ("confirmed", "pending")[i % 4 // 2])

    def queries():
        with count_queries() as seen:
            assert client.get("/events").status_code == 200
        return len(seen)

    add(3)
    few = queries()
    add(12)
    assert queries() == few
