"""Branch quotas: set by coordinators for their own branches only, never below the seats held."""

from __future__ import annotations

from school.extensions import db


def test_coordinators_set_quotas_for_their_own_branches_only(client, login, make_user,
                                                             make_event, org_tree):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    event = make_event(organizer_branch_id=org_tree["a"].id)
    login(coordinator)
    client.post(f"/manage/events/{event.id}/quotas",
                data={"branch_id": org_tree["b"].id, "seats": 0})
    db.session.refresh(event)
    assert event.quotas == []


def test_a_quota_is_never_below_the_seats_a_branch_holds(make_user, make_event, org_tree,
                                                         make_enrollment):
    import pytest

    from school.catalog.events import set_quota
    from school.errors import DomainError

    event = make_event(capacity=10)
    for _ in range(2):
        make_enrollment(event, make_user(branch=org_tree["a"]), "confirmed")
    with pytest.raises(DomainError) as err:
        set_quota(event, org_tree["a"].id, 1, make_user("admin"))
    assert err.value.code == "quota_below_held"
