"""Issue 16, item 4: a welcome letter after registration, in the person's language, with the
way on (the catalogue, /my) and the way out (withdrawing consent on the profile); sent only
once the account is committed."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from school.accounts.models import User
from school.extensions import db
from tests.mailcheck import mail_problems

SUBJECT = "Your account at the School of the Trade Union Leader is created"


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_registration_gets_one_welcome_letter_in_its_language(client, registration, outbox,
                                                                app, lang):
    client.post("/lang", data={"lang": lang})
    assert client.post("/register", data=registration()).status_code == 302
    user = db.session.scalar(select(User))
    [message] = outbox
    assert message.to == [user.email]
    with app.test_request_context(), force_locale(lang):
        assert message.subject == _(SUBJECT)
        assert _(SUBJECT) != SUBJECT  # translated, not the English id
    base = app.config["BASE_URL"]
    for path in ("/events", "/my", "/profile"):
        assert f"{base}{path}" in message.body
    # Addressed by first name and patronymic (school.core.addressing), not surname first.
    assert " ".join(user.full_name.split()[1:]) in message.body.splitlines()[0]
    assert mail_problems(message) == []


def test_the_two_languages_differ(app, registration, outbox):
    for lang, email in (("kk", "first@example.kz"), ("ru", "second@example.kz")):
        client = app.test_client()
        client.post("/lang", data={"lang": lang})
        client.post("/register", data=registration(email=email, iin=None))
    subjects = {m.to[0]: m.subject for m in outbox}
    assert len(subjects) == 2 and len(set(subjects.values())) == 2


@pytest.mark.parametrize("override", [{"consent": None}, {"password2": "Other-2026-pass"}])
def test_a_refused_registration_sends_nothing(client, registration, outbox, override):
    assert client.post("/register", data=registration(**override)).status_code == 200
    assert db.session.scalar(select(User)) is None
    assert outbox == []


def test_a_duplicate_email_sends_nothing(client, registration, outbox, make_user):
    make_user(email="gauhar@example.kz")
    outbox.clear()
    assert client.post("/register", data=registration()).status_code == 200
    assert outbox == []
