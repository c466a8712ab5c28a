"""Marks, audit and completion, service by service: rules and their error codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from school.attendance import services
from school.attendance.models import AttendanceChange, AttendanceMark, AttendanceStatus
from school.attendance.services import MarkInput
from school.audit.models import AuditEntry
from school.catalog.models import EventStatus
from school.enrollment.models import EnrollmentStatus
from school.errors import DomainError
from school.extensions import db

P, L, E, A = (AttendanceStatus.present, AttendanceStatus.late, AttendanceStatus.excused,
              AttendanceStatus.absent)


def _mark(ctx, actor, rows: list[list[AttendanceStatus | None]], **kw):
    """rows[i][j]: the status of participant i in session j (None: no mark)."""
    inputs = [
        MarkInput(e.id, s.id, st)
        for e, statuses in zip(ctx["enrollments"], rows, strict=False)
        for s, st in zip(ctx["sessions"], statuses, strict=True)
        if st is not None
    ]
    return services.save_marks(ctx["event"], actor, inputs, **kw)


def _changes() -> int:
    return db.session.scalar(select(func.count()).select_from(AttendanceChange))


# --- the completion rule (the "Done when") ------------------------------------


def test_completion_threshold_80_three_sessions(past_event):
    ctx = past_event(participants=3)
    _mark(ctx, ctx["instructor"], [
        [P, P, A],  # 2 of 3 = 67% → not completed
        [P, L, P],  # 3 of 3, one late → completed
        [P, P, E],  # excused does not count as attended → not completed
    ])
    result = services.complete_event(ctx["event"], ctx["admin"])
    db.session.commit()
    two_of_three, all_three, excused = ctx["enrollments"]
    for e in ctx["enrollments"]:
        db.session.refresh(e)
    assert two_of_three.status is EnrollmentStatus.not_completed
    assert all_three.status is EnrollmentStatus.completed
    assert excused.status is EnrollmentStatus.not_completed
    assert (result.completed, result.not_completed) == (1, 2)
    assert all_three.attended_sessions == 3
    assert all_three.attended_hours == Decimal("24.00")
    assert all_three.completed_at is not None
    assert two_of_three.attended_sessions == 2
    assert two_of_three.attended_hours == Decimal("16.00")
    assert two_of_three.completed_at is None
    event = ctx["event"]
    db.session.refresh(event)
    assert event.status is EventStatus.completed
    assert event.completed_at is not None
    # The waitlisted enrolment is left alone.
    assert db.session.scalar(
        select(func.count()).select_from(type(two_of_three)).where(
            type(two_of_three).status == EnrollmentStatus.waitlisted)) == 1


def test_evaluate_uses_integer_arithmetic_at_the_boundary(past_event):
    ctx = past_event(participants=1, sessions=5, threshold=80)
    outcome = services.evaluate(
        ctx["sessions"], {s.id: P for s in ctx["sessions"][:4]}, 80, 40)
    assert outcome.completed and outcome.attended == 4 and outcome.percent == 80


def test_hours_fall_back_to_the_programme_when_sessions_carry_none(past_event):
    ctx = past_event(participants=1, sessions=4)
    for s in ctx["sessions"]:
        s.academic_hours = 0
    outcome = services.evaluate(ctx["sessions"], {ctx["sessions"][0].id: P}, 80, 24)
    assert outcome.hours == Decimal("6.00")


def test_no_marks_at_all_is_not_completed(past_event):
    ctx = past_event(participants=1)
    services.complete_event(ctx["event"], ctx["admin"])
    db.session.commit()
    e = ctx["enrollments"][0]
    db.session.refresh(e)
    assert e.status is EnrollmentStatus.not_completed
    assert e.attended_sessions == 0 and e.attended_hours == Decimal("0.00")


# --- marking ---------------------------------------------------------------------------


def test_saving_twice_changes_nothing(past_event):
    ctx = past_event(participants=2)
    rows = [[P, L, A], [E, P, P]]
    first = _mark(ctx, ctx["instructor"], rows)
    db.session.commit()
    assert len(first) == 6
    second = _mark(ctx, ctx["instructor"], rows)
    db.session.commit()
    assert second == []
    assert _changes() == 6
    assert db.session.scalar(select(func.count()).select_from(AttendanceMark)) == 6


def test_every_change_is_kept_with_who_when_before_after(past_event, make_user):
    ctx = past_event(participants=1)
    e, s = ctx["enrollments"][0], ctx["sessions"][0]
    other = make_user("instructor")
    ctx["event"].instructors.append(other)
    db.session.commit()
    services.save_marks(ctx["event"], ctx["instructor"], [MarkInput(e.id, s.id, A, "ill?")])
    db.session.commit()
    services.save_marks(ctx["event"], other, [MarkInput(e.id, s.id, L, "came at 10")])
    db.session.commit()
    history = db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id)).all()
    assert [(h.before, h.after) for h in history] == [(None, "absent"), ("absent", "late")]
    assert [h.changed_by_id for h in history] == [ctx["instructor"].id, other.id]
    assert history[1].remark_before == "ill?" and history[1].remark_after == "came at 10"
    assert all(h.changed_at is not None for h in history)
    mark = db.session.scalar(select(AttendanceMark))
    assert mark.status is L and mark.marked_by_id == other.id


def test_remark_alone_can_change_and_is_cleaned(past_event):
    ctx = past_event(participants=1)
    e, s = ctx["enrollments"][0], ctx["sessions"][0]
    services.save_marks(ctx["event"], ctx["instructor"], [MarkInput(e.id, s.id, P)])
    changes = services.save_marks(ctx["event"], ctx["instructor"],
                                  [MarkInput(e.id, s.id, P, "  left\x00 early \n ")])
    assert len(changes) == 1
    assert db.session.scalar(select(AttendanceMark.remark)) == "left early"


def test_unchanged_remark_is_kept(past_event):
    ctx = past_event(participants=1)
    e, s = ctx["enrollments"][0], ctx["sessions"][0]
    services.save_marks(ctx["event"], ctx["instructor"], [MarkInput(e.id, s.id, P, "note")])
    services.save_marks(ctx["event"], ctx["instructor"], [MarkInput(e.id, s.id, L)])
    assert db.session.scalar(select(AttendanceMark.remark)) == "note"


@pytest.mark.parametrize("who", ["waitlisted", "other_event"])
def test_only_confirmed_participants_of_this_event(past_event, make_event, make_user,
                                                   make_enrollment, who):
    ctx = past_event(participants=1)
    if who == "waitlisted":
        enrollment = make_enrollment(ctx["event"], make_user(), status="waitlisted")
    else:
        enrollment = make_enrollment(make_event(), make_user())
    with pytest.raises(DomainError) as err:
        services.save_marks(ctx["event"], ctx["instructor"],
                            [MarkInput(enrollment.id, ctx["sessions"][0].id, P)])
    assert err.value.code == "not_enrolled"


def test_session_of_another_event_is_refused(past_event, make_event):
    ctx = past_event(participants=1)
    foreign = make_event().sessions[0]
    with pytest.raises(DomainError) as err:
        services.save_marks(ctx["event"], ctx["instructor"],
                            [MarkInput(ctx["enrollments"][0].id, foreign.id, E)])
    assert err.value.code == "unknown_session"


def test_present_is_refused_before_the_session_starts(make_event, make_user, make_enrollment):
    instructor = make_user("instructor")
    event = make_event(instructors=[instructor])  # starts in 30 days
    enrollment = make_enrollment(event, make_user())
    session = event.sessions[0]
    with pytest.raises(DomainError) as err:
        services.save_marks(event, instructor, [MarkInput(enrollment.id, session.id, P)])
    assert err.value.code == "session_not_started"
    # A known absence can be noted in advance.
    changes = services.save_marks(event, instructor, [MarkInput(enrollment.id, session.id, E)])
    assert len(changes) == 1


@pytest.mark.parametrize("status", [EventStatus.cancelled, EventStatus.draft])
def test_no_marks_for_cancelled_or_draft_events(past_event, status):
    ctx = past_event(participants=1)
    ctx["event"].status = status
    db.session.commit()
    with pytest.raises(DomainError) as err:
        _mark(ctx, ctx["instructor"], [[P, None, None]])
    assert err.value.code == "event_not_running"


def test_all_present_fills_only_unmarked_cells(past_event):
    ctx = past_event(participants=3)
    s = ctx["sessions"][1]
    e0 = ctx["enrollments"][0]
    services.save_marks(ctx["event"], ctx["instructor"], [MarkInput(e0.id, s.id, A)])
    changes = services.mark_all_present(ctx["event"], s, ctx["instructor"])
    assert len(changes) == 2
    statuses = dict(db.session.execute(
        select(AttendanceMark.enrollment_id, AttendanceMark.status)
        .where(AttendanceMark.session_id == s.id)).all())
    assert statuses[e0.id] is A
    assert sorted(v.value for v in statuses.values()) == ["absent", "present", "present"]
    assert services.mark_all_present(ctx["event"], s, ctx["instructor"]) == []


def test_all_present_refuses_a_session_of_another_event(past_event, make_event):
    ctx = past_event(participants=1)
    with pytest.raises(DomainError) as err:
        services.mark_all_present(ctx["event"], make_event().sessions[0], ctx["instructor"])
    assert err.value.code == "unknown_session"


# --- after completion -------------------------------------------------------------------


def _completed(ctx, rows):
    _mark(ctx, ctx["instructor"], rows)
    services.complete_event(ctx["event"], ctx["admin"])
    db.session.commit()


def test_after_completion_instructors_cannot_change_marks(past_event):
    ctx = past_event(participants=1)
    _completed(ctx, [[P, P, A]])
    with pytest.raises(DomainError) as err:
        _mark(ctx, ctx["instructor"], [[None, None, P]])
    assert err.value.code == "event_completed"


def test_after_completion_an_admin_needs_a_reason(past_event):
    ctx = past_event(participants=1)
    _completed(ctx, [[P, P, A]])
    with pytest.raises(DomainError) as err:
        _mark(ctx, ctx["admin"], [[None, None, P]], reason="   ")
    assert err.value.code == "reason_required"


def test_admin_change_after_completion_reevaluates_the_enrolment(past_event):
    ctx = past_event(participants=1)
    _completed(ctx, [[P, P, A]])
    e = ctx["enrollments"][0]
    db.session.refresh(e)
    assert e.status is EnrollmentStatus.not_completed
    changes = _mark(ctx, ctx["admin"], [[None, None, L]], reason="Sign-in sheet found")
    db.session.commit()
    assert changes[0].reason == "Sign-in sheet found"
    db.session.refresh(e)
    assert e.status is EnrollmentStatus.completed
    assert e.attended_sessions == 3 and e.completed_at is not None
    flipped = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "enrollment.completion_changed"))
    assert flipped.details == {"before": "not_completed", "after": "completed"}
    # And back down again.
    _mark(ctx, ctx["admin"], [[None, None, A]], reason="Mistake")
    db.session.commit()
    db.session.refresh(e)
    assert e.status is EnrollmentStatus.not_completed and e.completed_at is None


# --- completion refusals ----------------------------------------------------------------


def test_cannot_complete_before_the_last_session_ends(past_event):
    ctx = past_event(participants=1)
    last = ctx["sessions"][-1]
    with pytest.raises(DomainError) as err:
        services.complete_event(ctx["event"], ctx["admin"],
                                now=last.ends_at - timedelta(minutes=1))
    assert err.value.code == "event_not_finished"
    assert ctx["event"].status is EventStatus.published


def test_cannot_complete_twice_or_a_cancelled_event(past_event):
    ctx = past_event(participants=1)
    services.complete_event(ctx["event"], ctx["admin"])
    with pytest.raises(DomainError) as err:
        services.complete_event(ctx["event"], ctx["admin"])
    assert err.value.code == "already_completed"
    other = past_event(participants=1)
    other["event"].status = EventStatus.cancelled
    db.session.commit()
    with pytest.raises(DomainError) as err:
        services.complete_event(other["event"], ctx["admin"])
    assert err.value.code == "event_not_running"


def test_event_without_sessions_cannot_be_completed(make_event, make_user):
    event = make_event(sessions=0, starts_on=datetime.now(UTC).date() - timedelta(days=3))
    with pytest.raises(DomainError) as err:
        services.complete_event(event, make_user("admin"))
    assert err.value.code == "no_sessions"


def test_completion_is_audited(past_event):
    ctx = past_event(participants=2)
    services.complete_event(ctx["event"], ctx["admin"])
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.completed"))
    assert entry.actor_id == ctx["admin"].id
    assert entry.details == {"completed": 0, "not_completed": 2}


# --- who may --------------------------------------------------------------------------


def test_who_may_mark_and_complete(past_event, make_user, make_branch, make_union):
    union = make_union()
    branch = make_branch(union)
    ctx = past_event(participants=1, organizer_branch_id=branch.id)
    event = ctx["event"]
    admin = make_user("admin")
    branch_coord = make_user("coordinator", branch=branch)
    union_coord = make_user("coordinator", coordinator_of=union)
    other_coord = make_user("coordinator", branch=make_branch())
    other_instructor = make_user("instructor")
    trainee = ctx["people"][0]
    assert services.can_mark(ctx["instructor"], event)
    assert not services.can_complete(ctx["instructor"], event)
    for user in (admin, branch_coord, union_coord):
        assert services.can_mark(user, event) and services.can_complete(user, event)
    for user in (other_coord, other_instructor, trainee):
        assert not services.can_mark(user, event) and not services.can_complete(user, event)


def test_teaching_events_query_scopes_by_role(past_event, make_user, make_union, make_branch):
    union = make_union()
    branch = make_branch(union)
    mine = past_event(participants=0)
    by_branch = past_event(participants=0, organizer_branch_id=branch.id)
    by_union = past_event(participants=0, organizer_union_id=union.id)
    ids = {"mine": mine["event"].id, "branch": by_branch["event"].id,
           "union": by_union["event"].id}

    def visible(user):
        return set(db.session.scalars(
            services.teaching_events_query(user).with_only_columns(
                services.Event.id)))

    assert visible(mine["instructor"]) == {ids["mine"]}
    assert visible(make_user("coordinator", coordinator_of=union)) == {ids["branch"],
                                                                       ids["union"]}
    assert visible(make_user("coordinator", branch=branch)) == {ids["branch"]}
    assert visible(make_user("admin")) == set(ids.values())
    assert visible(make_user("instructor")) == set()
