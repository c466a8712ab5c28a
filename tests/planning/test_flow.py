"""Plan states: submit, approve, return with a comment (the author is told), revisions."""

from __future__ import annotations

import pytest

from school.errors import DomainError
from school.extensions import db
from school.planning import services
from school.planning.models import Plan, PlanLevel, PlanState
from tests.planning.conftest import YEAR


def _codes(fn, *args, **kw) -> str:
    with pytest.raises(DomainError) as e:
        fn(*args, **kw)
    db.session.rollback()
    return e.value.code


def test_chair_draws_up_submits_and_coordinator_approves(tree, make_chair, make_user):
    chair = make_chair(tree["a1"])
    coordinator = make_user("coordinator", branch=tree["a"])
    plan = services.open_plan((PlanLevel.organisation, tree["a1"].id), YEAR, chair)
    db.session.commit()
    assert plan.state is PlanState.draft and plan.author_id == chair.id
    assert _codes(services.submit, plan, chair) == "plan_empty"
    services.add_headcount(plan, chair, category="chair", program_id=None, people="3")
    services.add_budget(plan, chair, line="venue", source="employer", program_id=None,
                        amount="150 000,50")
    assert plan.total_tiyn == 15_000_050
    services.submit(plan, chair)
    db.session.commit()
    assert _codes(services.add_headcount, plan, chair, category="chair", program_id=None,
                  people=1) == "plan_frozen"
    assert _codes(services.approve, plan, chair) == "forbidden"  # not the level above
    services.approve(plan, coordinator)
    db.session.commit()
    assert db.session.get(Plan, plan.id).state is PlanState.approved
    assert _codes(services.approve, plan, coordinator) == "not_submitted"


def test_returning_a_plan_sends_it_back_to_its_author(tree, make_chair, make_user, make_plan,
                                                      outbox):
    chair = make_chair(tree["l1"], email="chair@example.kz")
    local_coordinator = make_user("coordinator", branch=tree["l"])
    plan = make_plan(tree["l1"], level=PlanLevel.organisation, state=PlanState.submitted,
                     people={"chair": 2}, author=chair)
    assert _codes(services.return_plan, plan, local_coordinator, "  ") == "comment_required"
    services.return_plan(plan, local_coordinator, "Добавьте обучение казначея")
    db.session.commit()
    plan = db.session.get(Plan, plan.id)
    assert plan.state is PlanState.returned and plan.state.editable
    assert plan.return_comment == "Добавьте обучение казначея"
    assert [m.to for m in outbox] == [["chair@example.kz"]]
    assert "Добавьте обучение казначея" in outbox[0].body
    assert f"/plans/{plan.id}" in outbox[0].body
    # Back to the author's hands: they change it and submit again.
    services.add_headcount(plan, chair, category="treasurer", program_id=None, people=1)
    services.submit(plan, chair)
    assert plan.state is PlanState.submitted


def test_return_through_the_page(tree, make_chair, make_user, make_plan, login, client, outbox):
    chair = make_chair(tree["a1"])
    plan = make_plan(tree["a1"], level=PlanLevel.organisation, state=PlanState.submitted,
                     people={"chair": 2}, author=chair)
    login(make_user("coordinator", branch=tree["a"]))
    response = client.post(f"/plans/{plan.id}/return", data={"comment": "Мало людей"})
    assert response.status_code == 302
    assert db.session.get(Plan, plan.id).state is PlanState.returned
    assert len(outbox) == 1 and outbox[0].to == [chair.email]


def test_approved_plan_is_frozen_and_a_change_opens_a_revision(tree, make_user, make_plan):
    coordinator = make_user("coordinator", branch=tree["a"])
    plan = make_plan(tree["a"], level=PlanLevel.branch, people={"chair": 10},
                     budget={"venue": 500_000})
    assert _codes(services.add_headcount, plan, coordinator, category="chair",
                  program_id=None, people=1) == "plan_frozen"
    assert _codes(services.reopen, plan, coordinator, "") == "reason_required"
    services.reopen(plan, coordinator, "Новый семинар для казначеев")
    services.add_headcount(plan, coordinator, category="chair", program_id=None, people=12)
    services.add_budget(plan, coordinator, line="travel", source="union_budget",
                        program_id=None, amount="20000")
    db.session.commit()
    plan = db.session.get(Plan, plan.id)
    assert plan.revision == 2 and plan.state is PlanState.draft
    assert plan.revisions[0].snapshot["headcounts"] == [["chair", None, 10]]
    diffs = {(d["kind"], d["key"]): (d["before"], d["after"])
             for d in services.differences(plan)}
    assert diffs == {("headcounts", ("chair", None)): (10, 12),
                     ("budget", ("travel", "union_budget", None)): (None, 2_000_000)}


def test_who_decides_which_level(tree, make_user, make_plan):
    union_coordinator = make_user("coordinator", coordinator_of=tree["u"])
    branch_coordinator = make_user("coordinator", branch=tree["a"])
    local_coordinator = make_user("coordinator", branch=tree["l"])
    branch_plan = make_plan(tree["a"], level=PlanLevel.branch, state=PlanState.submitted)
    local_plan = make_plan(tree["l"], level=PlanLevel.local, state=PlanState.submitted)
    union_plan = make_plan(tree["u"], level=PlanLevel.union, state=PlanState.submitted)
    assert _codes(services.approve, branch_plan, branch_coordinator) == "forbidden"
    assert _codes(services.approve, local_plan, local_coordinator) == "forbidden"
    assert _codes(services.approve, union_plan, union_coordinator) == "forbidden"
    services.approve(local_plan, branch_coordinator)
    services.approve(branch_plan, union_coordinator)
    services.approve(union_plan, make_user("admin"))
    db.session.commit()


@pytest.mark.parametrize(("text", "tiyn"), [
    ("150000", 15_000_000), ("1 250 000", 125_000_000), ("1250000,5", 125_000_050),
    ("1\u202f000 ₸", 100_000), ("0.01", 1),
])
def test_tenge_are_parsed_exactly(text, tiyn):
    assert services.parse_tenge(text) == tiyn


@pytest.mark.parametrize("text", ["", "abc", "-5", "1e30", "NaN", "Infinity", "0.005", "1" * 20])
def test_bad_amounts_are_refused(text):
    with pytest.raises(DomainError) as e:
        services.parse_tenge(text)
    assert e.value.code == "amount_invalid"


def test_format_tenge():
    assert services.format_tenge(125_000_050) == "1\u202f250\u202f000,50"
    assert services.format_tenge(100) == "1"


def test_index_lists_what_each_person_draws_up_and_decides(tree, make_chair, make_user,
                                                            make_plan, login, client,
                                                            count_selects):
    admin = make_user("admin")
    login(admin)
    page = client.get(f"/plans/?year={YEAR}")
    assert page.status_code == 200 and tree["u"].short_name.encode() in page.data
    response = client.post("/plans/open", data={"year": YEAR, "level": "union",
                                                "unit_id": tree["u"].id})
    assert response.status_code == 302
    assert services.find_plan((PlanLevel.union, tree["u"].id), YEAR) is not None
    client.post("/logout")
    coordinator = make_user("coordinator", branch=tree["a"])
    login(coordinator)
    counts = []
    for org in ("a1", "a2"):
        make_plan(tree[org], level=PlanLevel.organisation, state=PlanState.submitted)
        with count_selects() as seen:
            page = client.get(f"/plans/?year={YEAR}")
        counts.append(len(seen))
        assert tree[org].name_ru.encode() in page.data
    assert counts[0] == counts[1], counts
