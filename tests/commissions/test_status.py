"""Status per member, derived from completions and certificates (a fixed clock)."""

from __future__ import annotations

from datetime import date, timedelta

from school.certificates import services as certificates
from school.commissions.models import BodyKind, MemberRole
from school.commissions.status import Filters, Status, add_months, compute, shares
from school.extensions import db
from tests.commissions.conftest import TODAY


def _only(lines):
    assert len(lines) == 1
    return lines[0]


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(date(2025, 5, 14), 12) == date(2026, 5, 14)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_trained_13_months_ago_under_12_month_rule_is_overdue_then_trained_then_revoked(
        org_tree, make_user, make_body, make_member, make_requirement, complete):
    person = make_user(branch=org_tree["a"])
    req = make_requirement(validity_months=12)
    program = req.programs[0]
    member = make_member(make_body(org_tree["org_a"]), person)
    complete(person, program, add_months(TODAY, -13))

    line = _only(compute(None, today=TODAY))
    assert line.status is Status.overdue
    assert line.valid_until == add_months(TODAY, -1)
    assert line.member_id == member.id

    # Completing a counting event: trained until a year after its last day.
    ended = date(2026, 6, 1)
    _enrollment, cert = complete(person, program, ended, certificate=True)
    line = _only(compute(None, today=TODAY))
    assert line.status is Status.trained
    assert line.valid_until == date(2027, 6, 1)
    assert line.last_completed == ended

    # Revoking its certificate (no replacement): the training no longer counts.
    certificates.revoke(cert, by=None, reason="Ошибка в фамилии")
    db.session.commit()
    line = _only(compute(None, today=TODAY))
    assert line.status is Status.overdue
    assert line.valid_until == add_months(TODAY, -1)


def test_a_completion_in_another_programme_does_not_count(
        org_tree, make_user, make_body, make_member, make_requirement, complete,
        make_program):
    person = make_user(branch=org_tree["a"])
    make_requirement(validity_months=12, new_member_months=6)
    make_member(make_body(org_tree["org_a"]), person, term_start=date(2025, 1, 1))
    complete(person, make_program(), date(2026, 5, 1))
    line = _only(compute(None, today=TODAY))
    assert line.status is Status.never
    assert line.due_by == date(2025, 7, 1)


def test_new_member_is_due_within_the_months_for_new_members(
        org_tree, make_user, make_body, make_member, make_requirement):
    person = make_user(branch=org_tree["a"])
    make_requirement(new_member_months=6)
    make_member(make_body(org_tree["org_a"]), person, term_start=date(2026, 3, 1))
    line = _only(compute(None, today=TODAY))
    assert (line.status, line.due_by, line.valid_until) == (Status.due, date(2026, 9, 1), None)


def test_validity_ending_soon_is_due_and_still_valid(
        org_tree, make_user, make_body, make_member, make_requirement, complete):
    person = make_user(branch=org_tree["a"])
    req = make_requirement(validity_months=12)
    make_member(make_body(org_tree["org_a"]), person)
    complete(person, req.programs[0], date(2025, 7, 1))  # valid until 2026-07-01
    line = _only(compute(None, today=TODAY))
    assert line.status is Status.due
    assert line.due_by == date(2026, 7, 1)
    assert line.valid


def test_one_off_course_counts_for_good(
        org_tree, make_user, make_body, make_member, make_requirement, complete):
    person = make_user(branch=org_tree["a"])
    req = make_requirement(BodyKind.audit_commission, validity_months=None)
    make_member(make_body(org_tree["org_a"], BodyKind.audit_commission), person)
    complete(person, req.programs[0], date(2015, 3, 1))
    line = _only(compute(None, today=TODAY))
    assert (line.status, line.valid_until, line.due_by) == (Status.trained, None, None)


def test_the_roles_own_requirement_wins_over_any_role(
        org_tree, make_user, make_body, make_member, make_requirement):
    body = make_body(org_tree["org_a"])
    generic = make_requirement(new_member_months=6)
    chairs = make_requirement(role=MemberRole.chair, new_member_months=1)
    chair = make_member(body, make_user(branch=org_tree["a"]), role=MemberRole.chair)
    member = make_member(body, make_user(branch=org_tree["a"]))
    by_member = {ln.member_id: ln.requirement.id for ln in compute(None, today=TODAY)}
    assert by_member == {chair.id: chairs.id, member.id: generic.id}


def test_an_ended_term_leaves_the_lists_and_a_body_without_requirement_is_not_listed(
        org_tree, make_user, make_body, make_member, make_requirement):
    make_requirement()
    make_member(make_body(org_tree["org_a"]), make_user(branch=org_tree["a"]),
                term_start=date(2022, 1, 1), term_end=date(2026, 6, 14))
    make_member(make_body(org_tree["org_a"], BodyKind.youth_council),
                make_user(branch=org_tree["a"]))
    assert compute(None, today=TODAY) == []


def test_coordinator_sees_only_own_branch(
        org_tree, make_user, make_body, make_member, make_requirement):
    make_requirement()
    mine = make_member(make_body(org_tree["org_a"]), make_user(branch=org_tree["a"]))
    make_member(make_body(org_tree["org_b"]), make_user(branch=org_tree["b"]))
    coordinator = make_user("coordinator", branch=org_tree["a"])
    assert [ln.member_id for ln in compute(coordinator, today=TODAY)] == [mine.id]
    assert len(compute(make_user("admin"), today=TODAY)) == 2


def test_percent_trained_per_branch_matches_a_hand_count(
        org_tree, make_user, make_body, make_member, make_requirement, complete):
    """Branch A: 4 members with a requirement — trained (valid 11 months more), due soon
    but still valid, overdue, never — so 2 of 4 hold a valid training: 50%. Branch A2: 3
    members, one trained for good (audit), one new and due (not trained), one trained:
    2 of 3 = 67%. A youth council member (no requirement) counts nowhere."""
    concil = make_requirement(validity_months=12, new_member_months=6)
    audit = make_requirement(BodyKind.audit_commission, validity_months=None)
    a, a2 = org_tree["a"], org_tree["a2"]
    body_a = make_body(org_tree["org_a"])
    body_a2 = make_body(org_tree["org_a2"])
    audit_a2 = make_body(org_tree["org_a2"], BodyKind.audit_commission)
    p = [make_user(branch=a) for _ in range(4)] + [make_user(branch=a2) for _ in range(3)]
    for person in p[:4]:
        make_member(body_a, person, term_start=date(2024, 1, 1))
    complete(p[0], concil.programs[0], date(2026, 5, 15))
    complete(p[1], concil.programs[0], date(2025, 7, 20))
    complete(p[2], concil.programs[0], date(2025, 2, 1))
    make_member(audit_a2, p[4])
    complete(p[4], audit.programs[0], date(2020, 1, 1))
    make_member(body_a2, p[5], term_start=date(2026, 5, 1))
    make_member(body_a2, p[6])
    complete(p[6], concil.programs[0], date(2026, 1, 10))
    make_member(make_body(org_tree["org_a"], BodyKind.youth_council), make_user(branch=a))

    lines = compute(None, today=TODAY)
    assert sorted(ln.status.value for ln in lines if ln.branch_id == a.id) == [
        "due", "never", "overdue", "trained"]
    by_branch = shares(lines, lambda ln: ln.branch_id)
    assert (by_branch[a.id].members, by_branch[a.id].trained, by_branch[a.id].percent) == (
        4, 2, 50)
    assert (by_branch[a2.id].members, by_branch[a2.id].trained,
            by_branch[a2.id].percent) == (3, 2, 67)
    assert set(by_branch) == {a.id, a2.id}


def test_filters(org_tree, make_user, make_body, make_member, make_requirement, complete):
    make_requirement(new_member_months=6)
    audit = make_requirement(BodyKind.audit_commission, new_member_months=0)
    new = make_member(make_body(org_tree["org_a"]), make_user(branch=org_tree["a"]),
                      term_start=date(2026, 4, 1))
    old = make_member(make_body(org_tree["org_a2"], BodyKind.audit_commission),
                      make_user(branch=org_tree["a2"]))
    assert audit
    ids = lambda **kw: [ln.member_id for ln in compute(None, today=TODAY,  # noqa: E731
                                                        filters=Filters(**kw))]
    assert ids(kind=BodyKind.audit_commission) == [old.id]
    assert ids(organisation_id=org_tree["org_a"].id) == [new.id]
    assert ids(region_id=org_tree["a2"].region_id) == [old.id]
    assert ids(status=Status.due) == [new.id]
    assert ids(due_before=date(2026, 6, 1)) == [old.id]
    assert ids() == [old.id, new.id]  # never trained first


def test_completing_a_counting_event_through_the_attendance_service(
        org_tree, make_user, make_body, make_member, make_requirement, make_event,
        make_enrollment, complete):
    """The real completion path: a present mark, then the event completed by an admin."""
    from school.attendance import services as attendance
    from school.attendance.models import AttendanceMark, AttendanceStatus
    from school.extensions import write_transaction
    from school.timeutil import local_today

    today = local_today()
    person = make_user(branch=org_tree["a"])
    req = make_requirement(validity_months=12)
    make_member(make_body(org_tree["org_a"]), person)
    complete(person, req.programs[0], add_months(today, -13))
    assert _only(compute(None)).status is Status.overdue

    event = make_event(req.programs[0], starts_on=today - timedelta(days=3), sessions=1)
    enrollment = make_enrollment(event, person)
    db.session.add(AttendanceMark(enrollment_id=enrollment.id, session_id=event.sessions[0].id,
                                  status=AttendanceStatus.present))
    admin = make_user("admin")
    with write_transaction():
        attendance.complete_event(event, admin)
    line = _only(compute(None))
    assert line.status is Status.trained
    assert line.valid_until == add_months(event.ends_on, 12)
