"""Issue 11, items 10 and 14: a branch's quota cannot be escaped by clearing one's branch
in the profile; nobody but the training centre decides on their own request; exports of
rosters, attendance and certificates leave an audit entry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from school.audit.models import AuditEntry
from school.catalog.models import ApprovalMode
from school.enrollment import services
from school.enrollment.models import EnrollmentStatus
from school.errors import DomainError
from school.extensions import db

S = EnrollmentStatus


def _code(fn, *args, **kw) -> str:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    db.session.rollback()
    return info.value.code


def _blank_branch(user, *, keep_org: bool) -> None:
    """What the profile form lets a person do: leave the branch (and the organisation) out."""
    user.branch_id = None
    if not keep_org:
        user.primary_org_id = None
    db.session.commit()


# --- item 10 ---------------------------------------------------------------------------------


def test_a_blank_branch_does_not_escape_the_quota(make_event, people, tree, tx):
    event = make_event(capacity=5, quotas={tree["a"]: 1})
    first, second = people["trainees"](2, branch=tree["a"], primary_org_id=tree["org_a"].id)
    with tx():
        assert services.enroll(event, first).status is S.confirmed
    # The second of branch A clears the branch, keeping the organisation of branch A:
    # the enrolment still counts for A, and A's one seat is taken.
    _blank_branch(second, keep_org=True)
    with tx():
        enrollment = services.enroll(event, second)
    assert enrollment.branch_id == tree["a"].id and enrollment.status is S.waitlisted


def test_without_any_branch_no_seat_in_a_quota_event(make_event, people, tree, tx):
    event = make_event(capacity=5, quotas={tree["a"]: 1})
    (person,) = people["trainees"](1, branch=tree["a"])
    _blank_branch(person, keep_org=False)
    assert _code(services.enroll, event, person) == "branch_required"
    # An event without quotas is open to everyone, branch or not.
    open_event = make_event(capacity=5)
    with tx():
        assert services.enroll(open_event, person).status is S.confirmed
    # The training centre may still place them in the quota event.
    with tx():
        placed = services.enroll(event, person, actor=people["admin"])
    assert placed.status is S.confirmed and placed.branch_id is None


def test_the_enrol_page_says_why(client, login, make_event, people, tree):
    event = make_event(capacity=5, quotas={tree["a"]: 1})
    (person,) = people["trainees"](1, branch=tree["a"])
    _blank_branch(person, keep_org=False)
    login(person)
    client.post(f"/events/{event.id}/enroll")
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "enrollment.create")).all() == []


# --- item 14: own requests -----------------------------------------------------------------


def test_a_coordinator_cannot_approve_his_own_request(make_event, people, tree, tx):
    event = make_event(approval_mode=ApprovalMode.branch)
    coordinator = people["coord_a"]
    with tx():
        own = services.enroll(event, coordinator)
    assert own.status is S.pending  # his own enrolment is not approved at once either
    assert _code(services.approve, own, coordinator) == "own_request"
    assert _code(services.reject, own, coordinator, "no room") == "own_request"
    assert own.id not in {e.id for e in db.session.scalars(
        services.pending_query(coordinator, event.id))}
    # The other coordinator of his union decides.
    with tx():
        assert services.approve(own, people["coord_u"]).status is S.confirmed


def test_bulk_decisions_skip_ones_own_request(make_event, people, tx):
    event = make_event(approval_mode=ApprovalMode.branch)
    coordinator = people["coord_a"]
    (other,) = people["trainees"](1)
    with tx():
        own, theirs = services.enroll(event, coordinator), services.enroll(event, other)
    with tx():
        result = services.decide_many([own.id, theirs.id], coordinator, "approve")
    assert [e.id for e in result.done] == [theirs.id]
    assert [(e.id, code) for e, code in result.skipped] == [(own.id, "own_request")]


# --- item 14: exports audited ----------------------------------------------------------------


def test_exports_of_people_are_audited(client, login, make_event, make_enrollment, people,
                                       make_user):
    event = make_event()
    (person,) = people["trainees"](1)
    make_enrollment(event, person)
    admin = people["admin"]
    login(admin)
    assert client.get(f"/events/{event.id}/roster.csv").status_code == 200
    assert client.get(f"/events/{event.id}/roster.xlsx").status_code == 200
    assert client.get(f"/events/{event.id}/attendance.xlsx").status_code == 200
    assert client.get(f"/events/{event.id}/attendance/sign-in.pdf").status_code == 200
    assert client.get(f"/events/{event.id}/roster").status_code == 200  # a page: no entry
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.details["format"], e.object_id, e.actor_id) for e in entries] == [
        ("roster.exported", "csv", event.id, admin.id),
        ("roster.exported", "xlsx", event.id, admin.id),
        ("attendance.exported", "xlsx", event.id, admin.id),
        ("attendance.exported", "pdf", event.id, admin.id),
    ]
