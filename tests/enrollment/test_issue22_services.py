"""Issue 22 (1–5): substitution, walk-ins, transfers, held seats, two-step approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from school.attendance import walkins
from school.attendance.completion import complete_event
from school.attendance.models import AttendanceStatus
from school.attendance.services import MarkInput, save_marks
from school.attendance.sheet import load_sheet
from school.audit.models import AuditEntry
from school.catalog.models import ApprovalMode, EventQuota
from school.enrollment import holds, services, substitutions, transfers, twostep
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from tests.enrollment.conftest import statuses

S = EnrollmentStatus


def _codes(fn, *a, **kw):
    with pytest.raises(DomainError) as e:
        fn(*a, **kw)
    db.session.rollback()
    return e.value.code


def _queue(event):
    db.session.expire_all()
    return [e.user_id for e in db.session.scalars(services._queue(event.id))]


# --- 1 substitution -----------------------------------------------------------------


def test_substitution_keeps_quota_and_queue(make_event, people, tree, tx, outbox):
    event = make_event(capacity=2, quotas={tree["a"]: 2})
    a1, a2, a3, a4 = people["trainees"](4)
    with tx():
        for p in (a1, a2, a3):
            services.enroll(event, p)
    before = services.Seats.count(event)
    queue = _queue(event)
    assert queue == [a3.id] and before.by_branch[tree["a"].id] == 2
    outbox.clear()
    old = db.session.scalar(select(Enrollment).where(Enrollment.user_id == a1.id))
    with tx():
        new = substitutions.substitute(old, a4, people["coord_a"], "Болеет, едет заместитель")
    db.session.expire_all()
    after = services.Seats.count(event)
    assert (after.taken, after.by_branch) == (before.taken, before.by_branch)
    assert _queue(event) == queue  # nobody promoted, nobody moved
    assert new.status is S.confirmed and new.substituted_for_id == old.id
    assert db.session.get(Enrollment, old.id).status is S.cancelled
    assert {m.to[0] for m in outbox} >= {a1.email, a4.email}
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "enrollment.substitute")) is not None


def test_substitution_refusals(make_event, people, tree, tx):
    event = make_event(capacity=3, quotas={tree["a"]: 3})
    a1, a2 = people["trainees"](2)
    b1 = people["trainees"](1, branch=tree["b"])[0]
    with tx():
        row = services.enroll(event, a1)
        services.enroll(event, a2)
    assert _codes(substitutions.substitute, row, a2, people["admin"], "причина") == \
        "already_enrolled"
    assert _codes(substitutions.substitute, row, b1, people["admin"], "причина") == \
        "other_branch"
    assert _codes(substitutions.substitute, row, b1, people["coord_b"], "причина") == \
        "forbidden"
    assert _codes(substitutions.substitute, row, b1, people["admin"], "") == "reason_required"
    assert statuses(event) == ["confirmed", "confirmed"]


def test_substitution_during_the_event(make_event, make_enrollment, people, tx):
    start = datetime.now(UTC).date()
    event = make_event(starts_on=start, sessions=2)
    a1, a2 = people["trainees"](2)
    row = make_enrollment(event, a1)
    during = services.first_start(event) + timedelta(hours=1)
    with tx():
        new = substitutions.substitute(row, a2, people["admin"], "заместитель", now=during)
    assert new.status is S.confirmed
    after = max(s.ends_at for s in event.sessions) + timedelta(hours=1)
    assert _codes(substitutions.substitute, new, a1, people["admin"], "обратно",
                  now=after) == "event_over"


# --- 2 walk-ins -------------------------------------------------------------------------


def test_walk_in_during_event_is_on_the_sheet_and_completes(make_event, make_user, people,
                                                            make_enrollment, tx, outbox):
    instructor = make_user("instructor")
    event = make_event(starts_on=datetime.now(UTC).date(), sessions=1, capacity=1,
                       instructors=[instructor])
    session = event.sessions[0]
    during = session.starts_at + timedelta(hours=1)
    make_enrollment(event, people["trainees"](1)[0])
    with tx():
        guest = walkins.new_person(full_name="Пришёл Сам", email="walkin@example.kz",
                                   phone="", consent=True, actor=instructor)
        assert _codes(walkins.add_walk_in, event, guest, instructor, now=during) == \
            "over_capacity"
    with tx():
        guest = walkins.new_person(full_name="Пришёл Сам", email="walkin@example.kz",
                                   phone="", consent=True, actor=instructor)
        row = walkins.add_walk_in(event, guest, instructor, reason="Пришёл без записи",
                                  now=during)
    assert guest.consent_pending and row.walk_in and row.over_capacity_reason
    assert "walkin@example.kz" in {m.to[0] for m in outbox}
    assert row.id in {r.enrollment.id for r in load_sheet(event).rows}
    with tx():
        save_marks(event, instructor, [MarkInput(row.id, session.id, AttendanceStatus.present)],
                   now=during)
    with tx():
        complete_event(event, people["admin"], now=session.ends_at + timedelta(hours=1))
    assert db.session.get(Enrollment, row.id).status is S.completed


def test_walk_in_refusals(make_event, make_user, people, tx):
    event = make_event()
    stranger = make_user("instructor")
    person = people["trainees"](1)[0]
    assert _codes(walkins.add_walk_in, event, person, stranger) == "forbidden"
    assert _codes(walkins.new_person, full_name="Без Согласия", email="x@example.kz",
                  phone=None, consent=False, actor=people["admin"]) == "consent_required"
    assert _codes(walkins.new_person, full_name="Повтор", email=person.email, phone=None,
                  consent=True, actor=people["admin"]) == "email_taken"
    with tx():
        walkins.add_walk_in(event, person, people["admin"])
    assert _codes(walkins.add_walk_in, event, person, people["admin"]) == "already_enrolled"


# --- 3 transfers ------------------------------------------------------------------------


def test_transfer_confirmed_and_waitlisted(make_program, make_event, people, tx, outbox):
    program = make_program()
    first = make_event(program, capacity=1)
    second = make_event(program, capacity=1, starts_on=first.starts_on + timedelta(days=10))
    other = make_event(capacity=5)
    a1, a2, a3 = people["trainees"](3)
    with tx():
        seated = services.enroll(first, a1)
        waiting = services.enroll(first, a2)
        services.enroll(second, a3)
    joined = waiting.waitlisted_at
    assert _codes(transfers.transfer, seated, other, people["admin"], "даты") == \
        "other_program"
    # No seat there: the confirmed person keeps theirs.
    assert _codes(transfers.transfer, seated, second, people["admin"], "даты") == "no_seat"
    with tx():
        moved = transfers.transfer(waiting, second, people["coord_a"], "удобнее даты")
    assert moved.status is S.waitlisted and moved.waitlisted_at == joined
    assert moved.transferred_from_id == waiting.id
    assert statuses(first) == ["confirmed", "cancelled"]


def test_transfer_frees_the_seat_for_the_queue(make_program, make_event, people, tx):
    program = make_program()
    first = make_event(program, capacity=1)
    second = make_event(program, capacity=3, starts_on=first.starts_on + timedelta(days=7))
    a1, a2 = people["trainees"](2)
    with tx():
        seated = services.enroll(first, a1)
        services.enroll(first, a2)
    with tx():
        moved = transfers.transfer(seated, second, people["admin"], "другая дата")
    assert moved.status is S.confirmed
    assert statuses(first) == ["cancelled", "confirmed"]  # a2 promoted


# --- 4 held seats -----------------------------------------------------------------------


def _reserve(event, branch, release_on):
    quota = db.session.scalar(select(EventQuota).where(
        EventQuota.event_id == event.id, EventQuota.branch_id == branch.id))
    quota.mode, quota.release_on = holds.RESERVE, release_on
    db.session.commit()
    return quota


def test_held_seats_kept_then_released_in_order(make_event, people, tree, tx, outbox):
    event = make_event(capacity=4, quotas={tree["a"]: 3})
    _reserve(event, tree["a"], event.starts_on - timedelta(days=7))
    bs = people["trainees"](3, branch=tree["b"])
    a1 = people["trainees"](1)[0]
    with tx():
        services.enroll(event, a1)
        for p in bs:
            services.enroll(event, p)
    # One seat of A taken, two held for A: B gets the one free seat, then waits.
    assert statuses(event) == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    warn_day = datetime.combine(event.starts_on - timedelta(days=9), datetime.min.time(),
                                tzinfo=UTC) + timedelta(hours=6)
    outbox.clear()
    assert holds.release_due(now=warn_day)["warned"] == 1
    assert holds.release_due(now=warn_day)["warned"] == 0
    assert [m.to[0] for m in outbox] == [people["coord_a"].email]
    day = warn_day + timedelta(days=2)
    result = holds.release_due(now=day)
    assert result == {"warned": 0, "released": 1, "promoted": 2}
    assert statuses(event) == ["confirmed", "confirmed", "confirmed", "confirmed"]
    assert holds.release_due(now=day) == {"warned": 0, "released": 0, "promoted": 0}


def test_ceiling_mode_is_unchanged(make_event, people, tree, tx):
    event = make_event(capacity=2, quotas={tree["a"]: 1})
    a1, a2 = people["trainees"](2)
    with tx():
        services.enroll(event, a1)
        services.enroll(event, a2)
    assert statuses(event) == ["confirmed", "waitlisted"]


# --- 5 two-step approval ----------------------------------------------------------------


def test_two_step_approval_holds_the_seat(make_program, make_event, people, tree, tx, outbox):
    program = make_program(two_step_approval=True)
    event = make_event(program, capacity=1, approval_mode=ApprovalMode.branch)
    a1, a2 = people["trainees"](2)
    with tx():
        r1 = services.enroll(event, a1)
        r2 = services.enroll(event, a2)
    assert (r1.status, r1.approval_step) == (S.pending, twostep.BRANCH_STEP)
    coord, admin = people["coord_a"], people["admin"]
    assert [e.id for e in db.session.scalars(services.pending_query(coord))] == [r1.id, r2.id]
    assert list(db.session.scalars(services.pending_query(admin, step=2))) == []
    with tx():
        services.approve(r1, coord)
    db.session.expire_all()
    r1 = db.session.get(Enrollment, r1.id)
    assert (r1.status, r1.approval_step, r1.seat_held) == (S.pending, 2, True)
    assert [e.id for e in db.session.scalars(services.pending_query(coord))] == [r2.id]
    assert [e.id for e in db.session.scalars(services.pending_query(admin, step=2))] == [r1.id]
    # The coordinator cannot take the centre's step; the seat is already held.
    assert _codes(services.approve, r1, coord) == "forbidden"
    with tx():
        services.approve(r2, coord)
    db.session.expire_all()
    assert db.session.get(Enrollment, r2.id).seat_held is False  # no seat left to hold
    with tx():
        services.approve(db.session.get(Enrollment, r1.id), admin)
        services.approve(db.session.get(Enrollment, r2.id), admin)
    assert statuses(event) == ["confirmed", "waitlisted"]


def test_two_step_rejection_frees_the_held_seat(make_program, make_event, people, tx):
    program = make_program(two_step_approval=True)
    event = make_event(program, capacity=1, approval_mode=ApprovalMode.branch)
    a1 = people["trainees"](1)[0]
    with tx():
        row = services.enroll(event, a1, actor=people["coord_a"])  # nomination = step 1
    assert (row.approval_step, row.seat_held) == (2, True)
    assert services.Seats.count(event).taken == 1
    with tx():
        services.reject(row, people["admin"], "Не подходит по профилю")
    assert services.Seats.count(event).taken == 0


def test_the_release_request_follows_the_substitute(make_event, people, tree, tx):
    from school.releases.models import ReleaseRequest

    event = make_event(quotas={tree["a"]: 3})
    a1, a2 = people["trainees"](2)
    with tx():
        old = services.enroll(event, a1)
    with tx():
        new = substitutions.substitute(old, a2, people["admin"], "заместитель")
    db.session.expire_all()
    requests = {r.enrollment_id: r for r in db.session.scalars(select(ReleaseRequest))}
    assert requests[old.id].withdrawn_at is not None
    assert new.id in requests and requests[new.id].user_id == a2.id
    assert requests[new.id].withdrawn_at is None
