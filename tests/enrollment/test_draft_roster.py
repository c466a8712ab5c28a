"""A draft's roster and nomination pages stay hidden from coordinators who do not manage it."""

from __future__ import annotations

from school.catalog.models import EventStatus


def test_drafts_stay_hidden_from_coordinators_who_do_not_manage_them(
        client, login, make_user, make_event, org_tree):
    draft = make_event(status=EventStatus.draft)  # a training-centre draft
    login(make_user("coordinator", branch=org_tree["a"]))
    for path in (f"/events/{draft.id}/roster", f"/events/{draft.id}/nominate"):
        assert client.get(path).status_code == 404, path
