"""Issue 13, item 3: the personal calendar feed speaks its owner's language, whatever
language the calendar application asks for."""

from __future__ import annotations

import icalendar
import pytest

from school.catalog import services
from school.extensions import db


@pytest.mark.parametrize(("locale", "title", "session_word"), [
    ("kk", "Қазақша семинар", "сабақ"), ("ru", "Русский семинар", "занятие")])
def test_the_feed_is_in_the_owners_language(client, make_user, make_event, make_enrollment,
                                           locale, title, session_word, app):
    owner = make_user(locale=locale)
    event = make_event(sessions=2, title_ru="Русский семинар", title_kk="Қазақша семинар")
    make_enrollment(event, owner, "confirmed")
    with app.test_request_context():
        token = services.regenerate_feed_token(owner).token
        db.session.commit()
    for accept in ("en", "ru", "kk"):  # the calendar app's language does not matter
        response = client.get(f"/calendar/{token}.ics", headers={"Accept-Language": accept})
        assert response.status_code == 200
        items = list(icalendar.Calendar.from_ical(response.data).walk("VEVENT"))
        summaries = [str(item["summary"]) for item in items]
        assert len(summaries) == 2 and all(title in s for s in summaries), summaries
        assert all(session_word in s.lower() for s in summaries), summaries
