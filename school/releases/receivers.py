"""What the releases feature does when enrolments change, and its CLI command.

Imported by views.py, so the receivers connect once, when the blueprint is imported; so
are the register of letters and the check page's knowledge of letter numbers handed to the
certificates feature below this one (it cannot import releases).
Receivers run inside the enrolment's transaction: they add rows and flush. Rendering the
letter and mailing HR wait until the enrolment has committed (after the request, or the
next `flask send-release-reminders`), so the event's lock is not held while a PDF renders.
"""

from __future__ import annotations

import click
from flask import current_app, render_template

from school import signals
from school.certificates import services as certificates
from school.certificates import verifying
from school.extensions import db, write_transaction
from school.releases import changes, letters, requests
from school.releases import importing as _importing  # noqa: F401  (the org import's columns)
from school.releases import people as _people  # noqa: F401  (receivers: people merged, closed)

certificates.provide_letters(letters.document)


@verifying.other_document
def _letter_check_page(number: str, surname: str) -> str | None:
    """A release letter's number typed into the public check page: shown there, never by
    a URL of its own."""
    letter = letters.find_for_check(number, surname)
    if letter is None:
        return None
    return render_template("releases/verify_letter.html", letter=letter)


@signals.enrollment_confirmed.connect
def _on_confirmed(_sender=None, *, enrollment, **_kw) -> None:
    requests.create_for(enrollment)


@signals.enrollment_cancelled.connect
def _on_cancelled(_sender=None, *, enrollment, **_kw) -> None:
    changes.withdraw(enrollment)


@signals.event_changed.connect
def _on_event_changed(_sender=None, *, event, what: str = "", **_kw) -> None:
    changes.event_changed(event)


def dispatch_after_request(response):
    """after_app_request: send the requests that the committed request queued."""
    if not db.session().info.get(requests.DISPATCH_KEY):
        return response
    try:
        with write_transaction():
            requests.dispatch_queued()
    except Exception:  # the enrolment stands; the CLI command sends what is left
        current_app.logger.exception("could not send release requests")
        db.session().info.pop(requests.DISPATCH_KEY, None)
    return response


@click.command("send-release-reminders")
def send_release_reminders_command() -> None:
    """Send queued release requests; remind HR N working days before the start."""
    with write_transaction():
        result = changes.send_reminders()
    click.echo(f"release requests sent: {result['sent']}, reminders: {result['reminded']}")
