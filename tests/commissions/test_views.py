"""Pages: access by role and branch, the CSV contract, nominating from the due list."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from school.commissions.models import Body, BodyKind, Member, MemberRole, Requirement
from school.enrollment.models import Enrollment
from school.extensions import db
from school.timeutil import local_today
from tests.commissions.conftest import TODAY  # noqa: F401


@pytest.fixture
def world(org_tree, make_user, make_body, make_member, make_requirement, make_program):
    """Branch A and branch B each with a conciliation commission and one member; a
    coordinator of each; an admin; a trainee."""
    program = make_program(code="SK-159", audience=("conciliation_commission",))
    req = make_requirement(programs=[program])
    a, b = org_tree["a"], org_tree["b"]
    body_a, body_b = make_body(org_tree["org_a"]), make_body(org_tree["org_b"])
    member_a = make_member(body_a, make_user(branch=a, full_name="Алиева Айгерим",
                                             category="conciliation_commission",
                                             iin="850425300126"))
    member_b = make_member(body_b, make_user(branch=b, full_name="Бекова Бота",
                                             category="conciliation_commission"))
    return {
        **org_tree, "program": program, "req": req, "body_a": body_a, "body_b": body_b,
        "member_a": member_a, "member_b": member_b,
        "coord_a": make_user("coordinator", branch=a),
        "coord_b": make_user("coordinator", branch=b),
        "admin": make_user("admin"), "trainee": make_user(branch=a),
    }


def _routes(w):
    return {
        "/commissions/": "staff",
        "/commissions/due": "staff",
        "/commissions/due?format=csv": "staff",
        "/commissions/due?format=xlsx": "staff",
        "/commissions/bodies/new": "staff",
        f"/commissions/bodies/{w['body_a'].id}": "staff",
        "/commissions/upload": "staff",
        "/commissions/requirements": "admin",
        "/commissions/requirements/new": "admin",
        f"/commissions/requirements/{w['req'].id}": "admin",
    }


@pytest.mark.parametrize("role", ["anon", "trainee", "coord_a", "coord_b", "admin"])
def test_access_matrix(client, login, world, role):
    expected_by_rule = {
        "staff": {"anon": 302, "trainee": 403, "coord_a": 200, "coord_b": 200, "admin": 200},
        "admin": {"anon": 302, "trainee": 403, "coord_a": 403, "coord_b": 403, "admin": 200},
    }
    if role != "anon":
        login(world[role])
    for path, rule in _routes(world).items():
        expected = expected_by_rule[rule][role]
        if role == "coord_b" and path == f"/commissions/bodies/{world['body_a'].id}":
            expected = 404  # another branch's body does not exist for them
        assert client.get(path).status_code == expected, (role, path)


def test_posts_refuse_trainees_and_other_branches(client, login, world):
    body_a, member_a = world["body_a"], world["member_a"]
    login(world["trainee"])
    assert client.post(f"/commissions/members/{member_a.id}/end").status_code == 403
    assert client.post("/commissions/requirements/new").status_code == 403
    client.post("/logout")
    login(world["coord_b"])
    assert client.post(f"/commissions/members/{member_a.id}/end").status_code == 404
    assert client.post(f"/commissions/bodies/{body_a.id}/members",
                       data={"person": "x@example.kz"}).status_code == 404
    assert client.post(f"/commissions/requirements/{world['req'].id}/delete").status_code == 403
    assert db.session.get(Member, member_a.id).term_end is None


def _csv(response):
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_due_csv_contract_and_branch_scope(client, login, world):
    login(world["coord_a"])
    rows = _csv(client.get("/commissions/due?format=csv"))
    assert list(rows[0]) == ["person_id", "organisation_id", "branch_id", "body", "role",
                             "programme", "status", "valid_until", "due_by"]
    assert [int(r["person_id"]) for r in rows] == [world["member_a"].user_id]
    row = rows[0]
    assert row["organisation_id"] == str(world["org_a"].id)
    assert row["branch_id"] == str(world["a"].id)
    assert (row["body"], row["role"], row["programme"], row["status"]) == (
        "conciliation_commission", "member", "SK-159", "never")
    assert row["valid_until"] == ""
    assert date.fromisoformat(row["due_by"]) == date(2024, 7, 1)
    # The coordinator of A sees nothing of B on any page.
    for path in ("/commissions/", "/commissions/due"):
        page = client.get(path).get_data(as_text=True)
        assert "Алиева" in page or path == "/commissions/"
        assert "Бекова" not in page
        assert world["b"].name_ru not in page
    client.post("/logout")
    login(world["admin"])
    assert {r["branch_id"] for r in _csv(client.get("/commissions/due?format=csv"))} == {
        str(world["a"].id), str(world["b"].id)}


def test_xlsx_export(client, login, world):
    from openpyxl import load_workbook

    login(world["admin"])
    response = client.get("/commissions/due?format=xlsx&status=never")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][:3] == ("person_id", "organisation_id", "branch_id")
    assert len(values) == 3


def test_unknown_format_is_refused(client, login, world):
    login(world["admin"])
    assert client.get("/commissions/due?format=pdf").status_code == 400


def test_add_member_and_end_term_keep_history(client, login, world, make_user):
    person = make_user(branch=world["a"], email="new.member@example.kz")
    login(world["coord_a"])
    body = world["body_a"]
    response = client.post(f"/commissions/bodies/{body.id}/members", data={
        "person": "new.member@example.kz", "role": "chair", "side": "union",
        "term_start": "2026-01-10"})
    assert response.status_code == 302
    member = db.session.scalar(db.select(Member).where(Member.user_id == person.id))
    assert (member.role.value, member.side.value, member.term_end) == ("chair", "union", None)
    # Overlapping term of the same person: refused, nothing written.
    response = client.post(f"/commissions/bodies/{body.id}/members", data={
        "person": "new.member@example.kz", "role": "member", "term_start": "2026-03-01"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Member.id)).where(
        Member.user_id == person.id)) == 1
    # A person of branch B cannot be added by A's coordinator.
    other = make_user(branch=world["b"], email="stranger@example.kz")
    response = client.post(f"/commissions/bodies/{body.id}/members", data={
        "person": other.email, "role": "member", "term_start": "2026-03-01"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(Member.id).where(Member.user_id == other.id)) is None
    end = local_today() - timedelta(days=1)
    client.post(f"/commissions/members/{member.id}/end", data={"term_end": end.isoformat()})
    db.session.expire_all()
    assert db.session.get(Member, member.id).term_end == end
    page = client.get(f"/commissions/bodies/{body.id}").get_data(as_text=True)
    assert person.full_name in page  # still shown, among past terms


def test_create_body_in_own_branch_only(client, login, world):
    login(world["coord_a"])
    response = client.post("/commissions/bodies/new", data={
        "kind": "audit_commission", "primary_org_id": world["org_a"].id})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Body).where(
        Body.primary_org_id == world["org_a"].id, Body.kind == BodyKind.audit_commission))
    response = client.post("/commissions/bodies/new", data={
        "kind": "audit_commission", "primary_org_id": world["org_b"].id})
    assert response.status_code == 200
    assert db.session.scalar(db.select(Body).where(
        Body.primary_org_id == world["org_b"].id, Body.kind == BodyKind.audit_commission)) is None


def test_admin_edits_requirements(client, login, world, make_program):
    other = make_program(code="AUDIT")
    login(world["admin"])
    response = client.post("/commissions/requirements/new", data={
        "body_kind": "audit_commission", "role": "", "program_ids": [other.id],
        "validity_months": "", "new_member_months": "3"})
    assert response.status_code == 302
    req = db.session.scalar(db.select(Requirement).where(
        Requirement.body_kind == BodyKind.audit_commission))
    assert (req.validity_months, req.new_member_months, [p.code for p in req.programs]) == (
        None, 3, ["AUDIT"])
    # The same body and role twice: refused.
    response = client.post("/commissions/requirements/new", data={
        "body_kind": "audit_commission", "role": "", "program_ids": [other.id],
        "new_member_months": "3"})
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count(Requirement.id))) == 2
    req_id = req.id
    client.post(f"/commissions/requirements/{req_id}/delete")
    db.session.expunge_all()
    assert db.session.get(Requirement, req_id) is None


def test_nominate_the_chosen_into_a_counting_event(client, login, world, make_event,
                                                    make_user, make_member, make_program):
    event = make_event(world["program"])
    second = make_member(world["body_a"], make_user(branch=world["a"],
                                                    category="conciliation_commission"))
    login(world["coord_a"])
    page = client.get("/commissions/due").get_data(as_text=True)
    assert f'value="{event.id}"' in page
    response = client.post("/commissions/due/nominate", data={
        "event_id": event.id, "member_ids": [world["member_a"].id]})
    assert response.status_code == 302
    enrolled = set(db.session.scalars(db.select(Enrollment.user_id).where(
        Enrollment.event_id == event.id)))
    assert enrolled == {world["member_a"].user_id}
    # Someone else's member: 404, nobody enrolled.
    response = client.post("/commissions/due/nominate", data={
        "event_id": event.id, "member_ids": [world["member_b"].id]})
    assert response.status_code == 404
    # An event that does not count: refused.
    other = make_event(make_program())
    client.post("/commissions/due/nominate", data={"event_id": other.id, "everyone": "1"})
    assert db.session.scalar(db.select(Enrollment.id).where(
        Enrollment.event_id == other.id)) is None
    # Everyone in the (filtered) list.
    client.post("/commissions/due/nominate", data={"event_id": event.id, "everyone": "1"})
    enrolled = set(db.session.scalars(db.select(Enrollment.user_id).where(
        Enrollment.event_id == event.id)))
    assert enrolled == {world["member_a"].user_id, second.user_id}


def test_my_panel_shows_status_and_counting_events(client, login, world, make_event):
    event = make_event(world["program"])
    login(db.session.get(Member, world["member_a"].id).user)
    page = client.get("/my").get_data(as_text=True)
    assert "commission-my" in page
    assert f"/events/{event.id}/enroll" in page
    client.post(f"/events/{event.id}/enroll", data={"next": "/my"})
    assert db.session.scalar(db.select(Enrollment.id).where(
        Enrollment.event_id == event.id, Enrollment.user_id == world["member_a"].user_id))
    page = client.get("/my").get_data(as_text=True)
    assert f"/events/{event.id}/enroll" not in page


def test_my_panel_absent_for_non_members(client, login, world):
    login(world["trainee"])
    assert "commission-my" not in client.get("/my").get_data(as_text=True)


def test_yearly_report_counts_commission_members_trained_per_region(
        client, login, world, complete, make_user):
    year = local_today().year - 1
    complete(db.session.get(Member, world["member_a"].id).user, world["program"],
             date(year, 5, 20))
    complete(db.session.get(Member, world["member_b"].id).user, world["program"],
             date(year, 9, 1))
    complete(make_user(branch=world["a"]), world["program"], date(year, 5, 20))  # no member
    login(world["admin"])
    page = client.get(f"/reports/yearly?year={year}").get_data(as_text=True)
    assert "commission-yearly" in page
    from school.commissions.reporting import trained_by_region

    figures, total = trained_by_region(year, world["admin"])
    assert total == 2
    assert sorted(f.people for f in figures) == [1, 1]
    figures, total = trained_by_region(year, world["coord_a"])
    assert total == 1 and figures[0].region.id == world["a"].region_id
    assert trained_by_region(year + 1, world["admin"]) == ([], 0)


def test_member_roles_render(client, login, world, make_member, make_user):
    make_member(world["body_a"], make_user(branch=world["a"]), role=MemberRole.chair)
    login(world["admin"])
    assert client.get(f"/commissions/bodies/{world['body_a'].id}").status_code == 200


def test_a_body_of_the_branch_itself(client, login, world):
    login(world["coord_a"])
    response = client.post("/commissions/bodies/new", data={
        "kind": "youth_council", "branch_id": world["a"].id})
    assert response.status_code == 302
    body = db.session.scalar(db.select(Body).where(Body.kind == BodyKind.youth_council))
    assert (body.branch_id, body.primary_org_id) == (world["a"].id, None)
    # Another branch's: refused; nothing chosen: refused.
    assert client.post("/commissions/bodies/new", data={
        "kind": "youth_council", "branch_id": world["b"].id}).status_code == 200
    assert client.post("/commissions/bodies/new", data={"kind": "audit_commission"}
                       ).status_code == 200
    assert db.session.scalar(db.select(db.func.count(Body.id))) == 3


def test_nominating_everyone_leaves_out_members_the_event_does_not_count_for(
        world, make_event, make_body, make_member, make_user, make_requirement, make_program):
    from school.commissions import services
    from school.commissions.status import compute

    make_requirement(BodyKind.audit_commission, programs=[make_program(code="AUDIT")])
    auditor = make_member(make_body(world["org_a"], BodyKind.audit_commission),
                          make_user(branch=world["a"], category="audit_commission"))
    event = make_event(world["program"])
    lines = compute(world["coord_a"])
    assert {ln.member_id for ln in lines} == {world["member_a"].id, auditor.id}
    enrolled, skipped = services.nominate(event, lines, world["coord_a"])
    assert [e.user_id for e in enrolled] == [world["member_a"].user_id]
    assert [(u.id, code) for u, code in skipped] == [(auditor.user_id, "not_counting")]


def test_every_post_refuses_anonymous_and_trainees(client, login, world):
    posts = [
        "/commissions/bodies/new", f"/commissions/bodies/{world['body_a'].id}/members",
        f"/commissions/members/{world['member_a'].id}/end", "/commissions/due/nominate",
        "/commissions/upload", "/commissions/upload/confirm", "/commissions/requirements/new",
        f"/commissions/requirements/{world['req'].id}",
        f"/commissions/requirements/{world['req'].id}/delete",
    ]
    for path in posts:
        response = client.post(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    login(world["trainee"])
    for path in posts:
        assert client.post(path).status_code == 403, path
    client.post("/logout")
    login(world["coord_a"])
    for path in posts[-3:]:
        assert client.post(path).status_code == 403, path
    assert db.session.get(Requirement, world["req"].id) is not None


def test_the_reports_commission_figures_are_cached_until_a_membership_changes(
        world, complete, make_member, make_user):
    """The report page reads them through the report's cache (issue 15); a new member who
    completed that year is counted at once, as a term ending before the year uncounts one."""
    from school.commissions.reporting import trained_by_region
    from school.reports import freshness
    from school.reports.services import commission_figures

    year = local_today().year - 1
    complete(db.session.get(Member, world["member_a"].id).user, world["program"],
             date(year, 5, 20))
    outsider = make_user(branch=world["a"])
    complete(outsider, world["program"], date(year, 6, 1))
    admin = world["admin"]
    figures, total = commission_figures(year, admin)
    assert total == 1 == trained_by_region(year, admin)[1]
    assert [f.region.id for f in figures] == [world["a"].region_id]
    generation = freshness.generation()

    make_member(world["body_a"], outsider)  # commits: the generation moves
    assert freshness.generation() != generation
    assert commission_figures(year, admin)[1] == 2 == trained_by_region(year, admin)[1]

    member = db.session.get(Member, world["member_a"].id)
    member.term_end = date(year - 1, 12, 31)
    db.session.commit()
    assert commission_figures(year, admin)[1] == 1 == trained_by_region(year, admin)[1]


def test_my_page_asks_nothing_more_of_a_person_on_no_body(client, login, world):
    """Most people sit on no commission: one look at their memberships, then nothing of the
    requirements or completions (issue 15)."""
    from sqlalchemy import event as sa_event

    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    login(world["trainee"])
    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get("/my").status_code == 200
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    assert [s for s in seen if "commission_member" in s]
    assert not [s for s in seen if "commission_requirement" in s]
