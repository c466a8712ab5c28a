"""Local unions in the import and the branch form; reminders; event costs and actuals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from school.errors import DomainError
from school.extensions import db
from school.orgs import importer
from school.orgs import services as org_services
from school.orgs.models import Branch, BranchKind, PrimaryOrganization
from school.planning import actuals, calendar
from school.planning.consolidate import consolidate
from school.planning.models import BudgetLine, PlanLevel, PlanReminder, PlanState

HEADER = ("union_code,region_code,branch_kind,branch_name_ru,branch_name_kk,"
          "org_name_ru,org_name_kk,org_bin,parent_branch_name_ru")


def _csv(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def test_import_puts_a_local_union_under_its_branch(tree):
    data = _csv(
        "u,KZ-79,local,Райком Новый,,ППО новой школы,,,Филиал А",
        "u,KZ-79,local,Райком Новый,,ППО новой больницы,,,",
        "u,KZ-11,oblast,Акмолинский филиал,,ППО школы,,,",
        "u,KZ-11,local,Целиноградский райком,,ППО акимата,,,Акмолинский филиал",
    )
    report = importer.apply_import(data)
    assert report.ok, [r.errors for r in report.rows]
    db.session.commit()
    new = db.session.scalar(select(Branch).where(Branch.name_ru == "Райком Новый"))
    assert new.parent_id == tree["a"].id and new.kind is BranchKind.local
    second = db.session.scalar(select(Branch).where(Branch.name_ru == "Целиноградский райком"))
    assert second.parent.name_ru == "Акмолинский филиал"
    assert db.session.scalar(select(PrimaryOrganization).where(
        PrimaryOrganization.name_ru == "ППО новой больницы")).branch_id == new.id


@pytest.mark.parametrize("row", [
    "u,KZ-79,oblast,Филиал Х,,,,,Филиал А",  # only a local union has a parent
    "u,KZ-79,local,Райком Х,,,,,Нет такого",  # unknown parent
    "u,KZ-79,local,Райком Х,,,,,Райком Л",  # a local union cannot be a parent
    "u,KZ-79,local,Райком Л,,,,,Филиал Б",  # already under another branch
])
def test_import_refuses_a_wrong_parent(tree, row):
    report = importer.plan_import(_csv(row))
    assert not report.ok and report.rows[0].errors


def test_the_import_without_the_column_is_unchanged(tree):
    data = ("union_code,region_code,branch_kind,branch_name_ru\n"
            "u,KZ-79,oblast,Филиал Старый\n").encode()
    report = importer.apply_import(data)
    assert report.ok
    assert db.session.scalar(select(Branch).where(Branch.name_ru == "Филиал Старый")
                             ).parent_id is None


def test_branch_form_rules_for_a_parent(tree, make_user):
    admin = make_user("admin")
    base = {"union_id": tree["u"].id, "region_id": tree["a"].region_id, "name_ru": "Райком Н",
            "name_kk": "Райком Н"}
    branch = org_services.save_branch(None, {**base, "kind": "local",
                                             "parent_id": tree["a"].id}, admin)
    assert branch.parent_id == tree["a"].id
    for data, code in (({**base, "kind": "oblast", "parent_id": tree["a"].id},
                        "parent_not_local"),
                       ({**base, "kind": "local", "parent_id": tree["c"].id}, "parent_invalid"),
                       ({**base, "kind": "local", "parent_id": tree["l"].id}, "parent_invalid")):
        with pytest.raises(DomainError) as e:
            org_services.save_branch(branch, data, admin)
        assert e.value.code == code


def test_reminders_go_once_to_units_that_have_not_submitted(tree, make_chair, make_user,
                                                            make_plan, outbox, app):
    waiting = make_chair(tree["a1"], email="waiting@example.kz")
    done = make_chair(tree["a2"], email="done@example.kz")
    make_user("coordinator", branch=tree["l"], email="local@example.kz")
    make_plan(tree["a2"], level=PlanLevel.organisation, state=PlanState.submitted, year=2027)
    today = date(2026, 11, 15)
    calendar.save_deadlines(2027, {"organisation": today + timedelta(days=5),
                                   "local": today + timedelta(days=20)}, None)
    db.session.commit()
    assert calendar.send_reminders(today) == 1
    db.session.commit()
    assert [m.to for m in outbox] == [["waiting@example.kz"]]
    assert calendar.send_reminders(today) == 0  # idempotent
    db.session.commit()
    assert len(outbox) == 1
    # The local union's date comes into the window later: its coordinator is told then.
    assert calendar.send_reminders(today + timedelta(days=14)) == 1
    db.session.commit()
    assert outbox[-1].to == ["local@example.kz"]
    assert db.session.query(PlanReminder).count() == 2
    assert done.email not in [m.to[0] for m in outbox]
    assert waiting.id


def test_reminder_cli_runs(app, tree):
    result = app.test_cli_runner().invoke(args=["planning", "send-reminders"])
    assert result.exit_code == 0 and "reminders sent: 0" in result.output


def test_deadlines_go_up_the_tree():
    with pytest.raises(DomainError) as e:
        calendar.save_deadlines(2027, {"organisation": date(2026, 12, 20),
                                       "branch": date(2026, 12, 1)}, None)
    assert e.value.code == "deadline_order"


def test_costs_actuals_and_cost_per_person(tree, make_user, make_event, make_enrollment, app):
    coordinator = make_user("coordinator", branch=tree["a"])
    event = make_event(organizer_branch_id=tree["a"].id, starts_on=date(2027, 3, 2),
                       sessions=2, status="completed")
    for _ in range(4):
        make_enrollment(event, make_user("trainee", branch=tree["l"]), status="completed")
    make_enrollment(event, make_user("trainee", branch=tree["a"]), status="cancelled")
    actuals.save_costs(event, {"venue": "200 000", "trainers": "300000,50", "travel": ""},
                       coordinator)
    db.session.commit()
    assert actuals.costs_of(event) == {BudgetLine.venue: 20_000_000,
                                       BudgetLine.trainers: 30_000_050}
    with pytest.raises(DomainError) as e:
        actuals.save_costs(event, {"venue": "abc"}, coordinator)
    assert e.value.code == "amount_invalid" and e.value.field == "venue"
    db.session.rollback()
    cons = consolidate(2027)
    got = actuals.actuals(cons)
    assert got[(PlanLevel.local, tree["l"].id)] == [4, 0]
    assert got[(PlanLevel.branch, tree["a"].id)] == [4, 50_000_050]
    assert got[(PlanLevel.union, tree["u"].id)] == [4, 50_000_050]
    rows = actuals.cost_per_person(2027, None)
    assert rows == [(event.region_id, event.program_id, 50_000_050, 4, 12_500_012)]
    # Removing a line: an empty field.
    actuals.save_costs(event, {"venue": "200000"}, coordinator)
    db.session.commit()
    assert actuals.costs_of(event) == {BudgetLine.venue: 20_000_000}


def test_yearly_report_of_a_branch_counts_its_local_unions(tree, make_user, make_event,
                                                           make_enrollment, login, client):
    import csv
    import io

    event = make_event(starts_on=date(2027, 3, 2), sessions=1, status="completed")
    for branch in ("a", "l", "l", "b"):
        make_enrollment(event, make_user("trainee", branch=tree[branch]), status="completed")

    def participations(query: str) -> int:
        response = client.get(f"/reports/yearly?year=2027&format=csv{query}")
        assert response.status_code == 200
        rows = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))
        return sum(int(r["participations"]) for r in rows)

    login(make_user("admin"))
    assert participations(f"&branch_id={tree['a'].id}") == 3
    assert participations(f"&branch_id={tree['l'].id}") == 2
    client.post("/logout")
    login(make_user("coordinator", branch=tree["a"]))
    assert participations("") == 3
    client.post("/logout")
    login(make_user("coordinator", branch=tree["l"]))
    assert participations("") == 2


def test_plan_vs_actual_csv(tree, make_user, make_plan, login, client):
    import csv
    import io

    make_plan(tree["a"], level=PlanLevel.branch, people={"chair": 4}, budget={"venue": 500})
    login(make_user("admin"))
    response = client.get("/plans/actuals?year=2027&format=csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["level", "unit_id", "parent_id", "planned_people",
                             "actual_people", "planned_tiyn", "actual_tiyn"]
    branch = next(r for r in rows if r["level"] == "branch" and r["unit_id"] == str(tree["a"].id))
    assert (branch["planned_people"], branch["planned_tiyn"]) == ("4", "500")
    union = next(r for r in rows if r["level"] == "union" and r["unit_id"] == str(tree["u"].id))
    assert union["planned_tiyn"] == "500"
