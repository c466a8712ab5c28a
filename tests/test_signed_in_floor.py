"""The signed-in floor (issue 15): what every signed-in request does once, and its caches.

The menu's labels and URLs are kept per language and per set of reachable pages
(school/core/nav.py): never one person's counts or rights for another, never a language
for another. The person and their grants are read afresh by every request
(school/accounts/sessions.py signed_in), so a change shows on the very next page.
"""

from __future__ import annotations

from datetime import timedelta

from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import update

from school.accounts import sessions
from school.accounts.models import Role, RoleGrant
from school.core import nav
from school.dbtypes import utcnow
from school.extensions import db
from tests.factories import PASSWORD


def _menu(client) -> str:
    return _menu_of(client.get("/").get_data(as_text=True))


def test_each_person_gets_the_menu_of_their_own_rights(app, make_user):
    admin, trainee = make_user("admin"), make_user("trainee", locale="ru")
    admin_menu = _menu(_signed_in(app, admin))
    trainee_menu = _menu(_signed_in(app, trainee))
    assert "Управление мероприятиями" in admin_menu
    # The admin's menu was built first and kept: the trainee still gets only their own.
    assert "Управление мероприятиями" not in trainee_menu
    assert "Мероприятия" in trainee_menu


def test_the_menu_follows_the_language(app, make_user):
    first = make_user("admin", locale="ru")
    second = make_user("admin", locale="kk")
    assert "Управление мероприятиями" in _menu(_signed_in(app, first))
    kazakh = _menu(_signed_in(app, second))
    assert "Іс-шараларды басқару" in kazakh
    assert "Управление мероприятиями" not in kazakh


def test_menu_counts_are_each_persons_own(app, make_user, monkeypatch):
    monkeypatch.setitem(nav.BADGES, "enrollment.approvals", lambda user: 1000 + user.id)
    first, second = make_user("admin"), make_user("admin")
    first_menu = _menu(_signed_in(app, first))
    second_menu = _menu(_signed_in(app, second))
    assert str(1000 + first.id) in first_menu and str(1000 + second.id) not in first_menu
    assert str(1000 + second.id) in second_menu and str(1000 + first.id) not in second_menu


def test_a_role_granted_shows_on_the_next_page(app, make_user):
    person = make_user("trainee", locale="ru")
    client = _signed_in(app, person)
    assert "Управление мероприятиями" not in _menu(client)
    with app.app_context():
        db.session.add(RoleGrant(user_id=person.id, role=Role.admin))
        db.session.commit()
    assert "Управление мероприятиями" in _menu(client)
    with app.app_context():
        db.session.query(RoleGrant).filter_by(user_id=person.id, role=Role.admin).delete()
        db.session.commit()
    assert "Управление мероприятиями" not in _menu(client)


def test_a_revoked_or_expired_session_signs_out_at_once(app, make_user):
    person = make_user("trainee")
    client = _signed_in(app, person)
    assert client.get("/my").status_code == 200
    with app.app_context():
        db.session.execute(update(sessions.UserSession).where(
            sessions.UserSession.user_id == person.id).values(expires_at=utcnow()
                                                               - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/my").status_code == 302
    client = _signed_in(app, person)
    assert client.get("/my").status_code == 200
    with app.app_context():
        db.session.execute(update(sessions.UserSession).where(
            sessions.UserSession.user_id == person.id).values(revoked_at=utcnow()))
        db.session.commit()
    assert client.get("/my").status_code == 302


def test_another_persons_session_key_signs_nobody_in(app, make_user):
    first, second = make_user("trainee"), make_user("trainee")
    client = _signed_in(app, first)
    with client.session_transaction() as cookie:
        key = cookie["_user_id"].split(":")[2]
    with app.test_request_context("/"):
        assert sessions.signed_in(first.id, key).id == first.id
        assert sessions.signed_in(second.id, key) is None
        assert sessions.signed_in(first.id, "") is None
        assert sessions.signed_in(2**70, key) is None


def test_templates_follow_a_forced_language_inside_a_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        template = "{{ _('Manage events') }}"
        assert render_template_string(template) == "Управление мероприятиями"
        with force_locale("kk"):
            assert render_template_string(template) == "Іс-шараларды басқару"
        assert render_template_string(template) == "Управление мероприятиями"


def _signed_in(app, user):
    client = app.test_client()
    answer = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


def test_the_approvals_page_counts_the_waiting_requests_once(app, make_user, make_event,
                                                             make_enrollment):
    """Unfiltered, the page's total is the menu's count (one count, not two); filtered,
    the menu still counts every request the person may decide."""
    from sqlalchemy import event as sa_event

    admin = make_user("admin", locale="en")
    event, other = make_event(), make_event()
    for _ in range(3):
        make_enrollment(event, make_user("trainee"), status="pending")
    make_enrollment(other, make_user("trainee"), status="pending")
    client = _signed_in(app, admin)
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        page = client.get("/approvals").get_data(as_text=True)
        unfiltered = [s for s in seen if "count(" in s and "enrollment" in s]
        seen.clear()
        narrowed = client.get(f"/approvals?event_id={event.id}").get_data(as_text=True)
        filtered = [s for s in seen if "count(" in s and "enrollment" in s]
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    assert len(unfiltered) == 1 and len(filtered) == 2
    assert 'badge' in _menu_of(page) and ">4<" in _menu_of(page)
    assert ">4<" in _menu_of(narrowed)  # the menu: all four, the list: three


def _menu_of(page: str) -> str:
    return page[page.index('id="nav"'):page.index("</nav>")]
