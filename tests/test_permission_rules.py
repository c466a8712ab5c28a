"""The named per-object rules (school/permissions): one rule where two copies disagreed, the
loader that 404s, and the templates' `can(...)`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin

from school.accounts.models import Role, RoleGrant
from school.catalog.models import EventFormat, EventStatus
from school.enrollment.models import Enrollment
from school.extensions import db
from school.permissions import RULES, can, sees_event, sees_link

LINK = "https://meet.example/permissions-room"


@pytest.fixture
def world(make_user, make_event, org_tree):
    instructor = make_user("instructor")
    # Coordinates branch B but teaches the draft of branch A: sees it, does not manage it.
    teaching_coordinator = make_user("coordinator", branch=org_tree["b"])
    teaching_coordinator.grants.append(RoleGrant(role=Role.instructor))
    db.session.commit()
    draft = make_event(status=EventStatus.draft, organizer_branch_id=org_tree["a"].id,
                       instructors=[instructor, teaching_coordinator])
    return {"instructor": instructor, "teaching_coordinator": teaching_coordinator,
            "stranger": make_user(), "draft": draft, "tree": org_tree}


# --- (a) a draft is seen by its managers and its instructors, everywhere ------------------


def test_the_rule_for_drafts(world):
    draft = world["draft"]
    assert sees_event(world["instructor"], draft)
    assert sees_event(world["teaching_coordinator"], draft)
    assert not sees_event(world["stranger"], draft)
    assert not sees_event(AnonymousUserMixin(), draft)


def test_instructors_see_their_draft_in_the_catalogue(client, login, world):
    url = f"/events/{world['draft'].id}"
    assert client.get(url).status_code == 404
    login(world["stranger"])
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(world["instructor"])
    assert client.get(url).status_code == 200
    assert client.get(f"{url}.ics").status_code == 200


def test_instructors_reach_their_draft_on_the_enrolment_pages(client, login, world):
    """Formerly a 404 for instructors (enrollment/views.py's own loader): now the draft
    exists for them there too, and the enrolment service refuses it."""
    draft = world["draft"]
    login(world["stranger"])
    assert client.post(f"/events/{draft.id}/enroll").status_code == 404
    client.post("/logout")
    login(world["instructor"])
    response = client.post(f"/events/{draft.id}/enroll")
    assert response.status_code == 302  # back, with "not open for enrolment"
    assert db.session.query(Enrollment).filter_by(event_id=draft.id).count() == 0
    client.post("/logout")
    login(world["teaching_coordinator"])
    assert client.get(f"/events/{draft.id}/roster").status_code == 200


# --- (b) the online link: participants (confirmed or completed) and staff ---------------


@pytest.fixture
def online(make_event, make_user, make_enrollment):
    running = make_event(format=EventFormat.online, online_link=LINK)
    done = make_event(format=EventFormat.online, online_link=LINK,
                      status=EventStatus.completed)
    people = {status: make_user() for status in ("confirmed", "completed", "pending")}
    make_enrollment(running, people["confirmed"], "confirmed")
    make_enrollment(running, people["pending"], "pending")
    make_enrollment(done, people["completed"], "completed")
    return running, done, people


def test_the_rule_for_the_link(online):
    running, done, people = online
    assert sees_link(people["confirmed"], running)
    assert sees_link(people["completed"], done)
    assert not sees_link(people["pending"], running)
    for person in people.values():  # read from the person's own enrolment row
        for row in db.session.query(Enrollment).filter_by(user_id=person.id):
            assert sees_link(person, row) == row.status.is_participant


def test_completed_participants_see_the_link_in_the_catalogue_and_on_my(client, login,
                                                                        online):
    _running, done, people = online
    login(people["completed"])
    assert LINK in client.get(f"/events/{done.id}").get_data(as_text=True)
    assert LINK in client.get("/my").get_data(as_text=True)  # formerly confirmed only


def test_confirmed_but_not_pending_people_see_the_link_on_my(client, login, online):
    running, _done, people = online
    login(people["confirmed"])
    assert LINK in client.get("/my").get_data(as_text=True)
    assert LINK in client.get(f"/events/{running.id}").get_data(as_text=True)
    client.post("/logout")
    login(people["pending"])
    assert LINK not in client.get("/my").get_data(as_text=True)
    assert LINK not in client.get(f"/events/{running.id}").get_data(as_text=True)


# --- the registry ------------------------------------------------------------------------


def test_every_rule_refuses_anonymous_people(app, world):
    anonymous = AnonymousUserMixin()
    draft = world["draft"]
    objects = {"open": "catalog.manage_events", "see_branch": world["tree"]["a"],
               "see_iin": world["stranger"], "see_person": world["stranger"]}
    with app.test_request_context():
        for name in RULES:
            if name in ("manage_enrollment", "see_enrollment", "issue_certificate",
                        "remove_material", "see_material"):
                continue  # asked of rows this test does not make; covered by their features
            obj = objects.get(name, draft)
            assert not can(anonymous, name, obj), name


def test_an_unknown_rule_fails_loudly(app, world):
    with pytest.raises(KeyError):
        can(world["instructor"], "mange", world["draft"])


def test_no_template_tests_roles_itself(app):
    import pathlib
    import re

    root = pathlib.Path(app.root_path).parent / "templates"
    offenders = [
        str(path.relative_to(root)) for path in root.rglob("*.html")
        if re.search(r"current_user\.(is_admin|has_role)", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_a_sheet_is_changed_while_the_event_runs_and_after_completion_by_admins_only(
        make_user, make_event):
    instructor, admin = make_user("instructor"), make_user("admin")
    running = make_event(instructors=[instructor])
    completed = make_event(status=EventStatus.completed, instructors=[instructor])
    assert can(instructor, "edit_marks", running) and can(admin, "edit_marks", running)
    assert not can(instructor, "edit_marks", completed)
    assert can(admin, "edit_marks", completed)


def test_an_event_ends_with_its_last_session(make_event):
    event = make_event(sessions=2)
    last = max(s.ends_at for s in event.sessions)
    assert event.last_end == last
    assert event.has_ended(last) and not event.has_ended(last - timedelta(minutes=1))
