"""The certificates box on the event page: none when there is nothing to show."""

from __future__ import annotations

import pytest


def _render(app, user, template, **ctx) -> str:
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(user)
        return render_template(template, **ctx)


# --- no empty box on the event page ------------------------------------------------


@pytest.mark.parametrize("status", ["waitlisted", "pending"])
def test_no_certificates_box_for_a_waitlisted_or_pending_person(
    app, finished_event, make_user, make_enrollment, status
):
    event = finished_event()
    user = make_user()
    make_enrollment(event, user, status=status)
    assert _render(app, user, "certificates/_event_panel.html", event=event).strip() == ""


def test_a_confirmed_person_still_gets_the_release_letter_box(
    app, finished_event, make_user, make_enrollment
):
    event = finished_event()
    user = make_user()
    make_enrollment(event, user, status="confirmed")
    html = _render(app, user, "certificates/_event_panel.html", event=event)
    assert "letters/release.pdf" in html
