"""The chair of a primary organisation: sees only their organisation; proposals reach the
branch coordinator's approvals."""

from __future__ import annotations

from sqlalchemy import select

from school.catalog.models import ApprovalMode
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.permissions import visible_branch_ids
from school.planning import chair as chair_services
from school.planning.models import PlanLevel, PlanState


def test_chair_sees_only_their_organisation(tree, make_chair, make_user, make_plan, login,
                                            client):
    chair = make_chair(tree["a1"])
    make_user("trainee", branch=tree["a"], primary_org_id=tree["a1"].id, full_name="Свой Член")
    make_user("trainee", branch=tree["a"], primary_org_id=tree["a2"].id, full_name="Чужой Член")
    other_plan = make_plan(tree["a2"], level=PlanLevel.organisation, state=PlanState.draft)
    branch_plan = make_plan(tree["a"], level=PlanLevel.branch, state=PlanState.draft)
    login(chair)
    page = client.get("/plans/organisation")
    assert page.status_code == 200
    assert "Свой Член".encode() in page.data and "Чужой Член".encode() not in page.data
    assert client.get(f"/plans/{other_plan.id}").status_code == 404
    assert client.get(f"/plans/{branch_plan.id}").status_code == 404
    assert client.get("/plans/consolidated").status_code == 403
    assert client.get("/orgs/organizations").status_code == 403
    assert client.get("/approvals").status_code == 403
    # Opening another organisation's plan is refused as if it did not exist.
    response = client.post("/plans/open", data={"year": 2027, "level": "organisation",
                                                "unit_id": tree["a2"].id})
    assert response.status_code == 404
    response = client.post("/plans/open", data={"year": 2027, "level": "organisation",
                                                "unit_id": tree["a1"].id})
    assert response.status_code == 302
    assert visible_branch_ids(chair) == set()


def test_proposal_reaches_the_branch_coordinators_approvals(tree, make_chair, make_user,
                                                            make_event, login, client):
    chair = make_chair(tree["l1"])
    member = make_user("trainee", branch=tree["l"], primary_org_id=tree["l1"].id,
                       full_name="Предложенный Участник")
    stranger = make_user("trainee", branch=tree["l"], primary_org_id=tree["l2"].id)
    event = make_event(approval_mode=ApprovalMode.branch)
    login(chair)
    page = client.get("/plans/organisation/propose")
    assert page.status_code == 200 and str(event.id).encode() in page.data
    # Someone of another organisation cannot be proposed.
    response = client.post("/plans/organisation/propose",
                           data={"event_id": event.id, "user_id": [stranger.id]})
    assert response.status_code == 403
    response = client.post("/plans/organisation/propose",
                           data={"event_id": event.id, "user_id": [member.id]})
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == member.id))
    assert enrolment.status is EnrollmentStatus.pending
    assert enrolment.nominated_by_id == chair.id

    # The local union's coordinator and the branch above both see it in their approvals.
    for coordinator in (make_user("coordinator", branch=tree["l"]),
                        make_user("coordinator", branch=tree["a"])):
        client.post("/logout")
        login(coordinator)
        approvals = client.get("/approvals")
        assert approvals.status_code == 200
        assert "Предложенный Участник".encode() in approvals.data
    # A coordinator of another branch does not.
    client.post("/logout")
    login(make_user("coordinator", branch=tree["b"]))
    assert "Предложенный Участник".encode() not in client.get("/approvals").data


def test_propose_service_codes(tree, make_chair, make_user, make_event):
    import pytest

    from school.errors import DomainError

    chair = make_chair(tree["a1"])
    event = make_event(approval_mode=ApprovalMode.branch)
    with pytest.raises(DomainError) as e:
        chair_services.propose(event, [], chair)
    assert e.value.code == "nobody_chosen"
    with pytest.raises(DomainError) as e:
        chair_services.propose(event, [1], make_user("trainee"))
    assert e.value.code == "forbidden"
    member = make_user("trainee", branch=tree["a"], primary_org_id=tree["a1"].id)
    made, skipped = chair_services.propose(event, [member.id], chair)
    db.session.commit()
    assert len(made) == 1 and skipped == []
    made, skipped = chair_services.propose(event, [member.id], chair)
    assert made == [] and skipped[0][1] == "already_enrolled"


def test_local_union_scoping(tree, make_user):
    branch_coordinator = make_user("coordinator", branch=tree["a"])
    local_coordinator = make_user("coordinator", branch=tree["l"])
    union_coordinator = make_user("coordinator", coordinator_of=tree["u"])
    assert visible_branch_ids(branch_coordinator) == {tree["a"].id, tree["l"].id}
    assert visible_branch_ids(local_coordinator) == {tree["l"].id}
    assert visible_branch_ids(union_coordinator) == {tree[n].id for n in ("a", "b", "l")}


def test_chair_sees_commission_membership(tree, make_chair, make_user, login, client):
    from datetime import date

    from school.commissions.models import Body, BodyKind, Member, MemberRole

    chair = make_chair(tree["a1"])
    member = make_user("trainee", branch=tree["a"], primary_org_id=tree["a1"].id)
    body = Body(kind=next(iter(BodyKind)), branch_id=tree["a"].id, primary_org_id=tree["a1"].id)
    body.members.append(Member(user_id=member.id, role=next(iter(MemberRole)),
                               term_start=date(2020, 1, 1)))
    db.session.add(body)
    db.session.commit()
    login(chair)
    page = client.get("/plans/organisation")
    assert page.status_code == 200
    assert body.kind.label.encode() in page.data


def test_admin_grants_the_chair_role_with_the_persons_organisation(tree, make_user):
    import pytest

    from school.accounts import services as accounts
    from school.errors import DomainError
    from school.permissions import chaired_org_id

    admin = make_user("admin")
    drifter = make_user("trainee")
    with pytest.raises(DomainError) as e:
        accounts.grant_role(drifter, "chair", actor=admin)
    assert e.value.code == "org_required"
    db.session.rollback()
    person = make_user("trainee", branch=tree["l"], primary_org_id=tree["l1"].id)
    grant = accounts.grant_role(person, "chair", actor=admin)
    db.session.commit()
    assert grant.primary_org_id == tree["l1"].id
    assert chaired_org_id(person) == tree["l1"].id


def test_chair_sees_whether_commission_members_are_due(tree, make_chair, make_user, login,
                                                         client, make_program):
    """The chair's page says what the coordinators' due list says: never trained here."""
    from datetime import date

    from school.commissions.models import Body, BodyKind, Member, MemberRole, Requirement

    chair = make_chair(tree["a1"])
    member = make_user("trainee", branch=tree["a"], primary_org_id=tree["a1"].id)
    body = Body(kind=BodyKind.conciliation_commission, branch_id=tree["a"].id,
                primary_org_id=tree["a1"].id)
    body.members.append(Member(user_id=member.id, role=MemberRole.member,
                               term_start=date(2020, 1, 1)))
    requirement = Requirement(body_kind=BodyKind.conciliation_commission, validity_months=12,
                              new_member_months=6)
    requirement.programs = [make_program()]
    db.session.add_all([body, requirement])
    db.session.commit()
    login(chair)
    page = client.get("/plans/organisation", headers={"Accept-Language": "en"})
    assert b"commission-status-never" in page.data
