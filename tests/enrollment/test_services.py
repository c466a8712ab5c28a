"""Enrolment rules, service first: results, codes, queue order, quotas, approvals, mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from school.catalog.models import ApprovalMode, EventStatus
from school.enrollment import services
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from tests.enrollment.conftest import statuses

S = EnrollmentStatus


def _code(fn, *args, **kw) -> str:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    db.session.rollback()
    return info.value.code


def _subjects(outbox, email=None):
    return [m.subject for m in outbox if email is None or m.to == [email]]


# --- enrolling -------------------------------------------------------------------------------


def test_three_seats_five_trainees_then_a_cancellation_promotes_the_head(
    make_event, people, tx, outbox
):
    event = make_event(capacity=3)
    trainees = people["trainees"](5)
    results = []
    for t in trainees:
        with tx():
            e = services.enroll(event, t)
            results.append((e.id, e.status, services.waitlist_position(e)))
    assert [r[1] for r in results] == [S.confirmed] * 3 + [S.waitlisted] * 2
    assert [r[2] for r in results] == [None, None, None, 1, 2]
    assert len(outbox) == 5  # three confirmations, two waiting-list letters

    outbox.clear()
    with tx():
        promoted = services.cancel(db.session.get(Enrollment, results[1][0]), trainees[1])
        assert [p.user_id for p in promoted] == [trainees[3].id]
    assert statuses(event) == ["confirmed", "cancelled", "confirmed", "confirmed", "waitlisted"]
    assert services.waitlist_position(db.session.get(Enrollment, results[4][0])) == 1
    # The person who cancelled gets a receipt (issue 16); the head of the queue, the seat.
    others = [m for m in outbox if m.to != [trainees[1].email]]
    assert [m.to for m in others] == [[trainees[3].email]]
    assert "seat" in others[0].body.lower() or "мест" in others[0].body.lower()


def test_enrolment_keeps_a_snapshot_of_the_person(make_event, people, tree, tx):
    event = make_event()
    (person,) = people["trainees"](1, primary_org_id=tree["org_a"].id)
    with tx():
        enrollment = services.enroll(event, person)
    enrollment = db.session.get(Enrollment, enrollment.id)
    assert (enrollment.region_id, enrollment.union_id, enrollment.branch_id) == (
        tree["a"].region_id, tree["a"].union_id, tree["a"].id)
    assert enrollment.primary_org_id == tree["org_a"].id
    assert enrollment.category == person.category
    # Moving branch later does not move the enrolment.
    person.branch_id = tree["b"].id
    db.session.commit()
    assert db.session.get(Enrollment, enrollment.id).branch_id == tree["a"].id


@pytest.mark.parametrize(
    ("event_kw", "code"),
    [
        ({"status": EventStatus.draft}, "event_not_open"),
        ({"status": EventStatus.cancelled}, "event_not_open"),
        ({"enrol_opens_at": datetime.now(UTC) + timedelta(days=1)}, "enrol_not_open"),
        ({"enrol_closes_at": datetime.now(UTC) - timedelta(minutes=1)}, "enrol_closed"),
        ({"enrol_closes_at": None, "starts_on": datetime.now(UTC).date() - timedelta(days=1)},
         "enrol_closed"),
    ],
)
def test_enrolment_only_while_open(make_event, people, event_kw, code):
    event = make_event(**event_kw)
    (person,) = people["trainees"](1)
    assert _code(services.enroll, event, person) == code


def test_no_window_bounds_mean_always_open(make_event, people, tx):
    event = make_event(enrol_opens_at=None, enrol_closes_at=None)
    (person,) = people["trainees"](1)
    with tx():
        assert services.enroll(event, person).status is S.confirmed


def test_category_must_be_in_the_audience(make_event, make_program, people, tx):
    event = make_event(make_program(audience=["treasurer", "youth_council"]))
    chair, treasurer = people["trainees"](1)[0], people["trainees"](1, category="treasurer")[0]
    assert _code(services.enroll, event, chair) == "not_in_audience"
    with tx():
        assert services.enroll(event, treasurer).status is S.confirmed


def test_twice_is_refused_but_again_after_cancelling_is_fine(make_event, people, tx):
    event = make_event()
    (person,) = people["trainees"](1)
    with tx():
        first = services.enroll(event, person)
    assert _code(services.enroll, event, person) == "already_enrolled"
    with tx():
        services.cancel(db.session.get(Enrollment, first.id), person)
    with tx():
        assert services.enroll(event, person).status is S.confirmed


def test_the_database_index_backs_the_duplicate_rule(make_event, people, monkeypatch):
    event = make_event()
    (person,) = people["trainees"](1)
    services.enroll(event, person)
    db.session.commit()
    # As if the check had raced: the partial unique index still refuses the second row.
    monkeypatch.setattr(services, "active_enrollment", lambda *a: None)
    assert _code(services.enroll, event, person) == "already_enrolled"
    assert statuses(event) == ["confirmed"]


def test_approval_mode_makes_requests_pending(make_event, people, tx, outbox):
    event = make_event(approval_mode=ApprovalMode.branch)
    (person,) = people["trainees"](1)
    with tx():
        assert services.enroll(event, person).status is S.pending
    assert [m.to for m in outbox] == [[person.email]]  # the receipt (issue 12): no seat yet


# --- mail follows the commit ------------------------------------------------------------------


def test_mail_leaves_only_after_commit(make_event, people, outbox):
    event = make_event()
    a, b = people["trainees"](2)
    services.enroll(event, a)
    assert outbox == []
    db.session.rollback()
    assert outbox == []
    assert statuses(event) == []
    services.enroll(event, b)
    db.session.commit()
    assert [m.to for m in outbox] == [[b.email]]


def test_mail_is_in_the_recipients_language(make_event, people, tx, outbox):
    event = make_event(title_ru="Семинар по охране труда", title_kk="Еңбекті қорғау семинары")
    kk, en = people["trainees"](1, locale="kk")[0], people["trainees"](1, locale="en")[0]
    with tx():
        services.enroll(event, kk)
        services.enroll(event, en)
    by_to = {m.to[0]: m for m in outbox}
    assert "Еңбекті қорғау семинары" in by_to[kk.email].subject
    assert "Семинар по охране труда" not in by_to[kk.email].body
    assert by_to[en.email].subject.startswith("You are enrolled")


# --- quotas ----------------------------------------------------------------------------------


def test_a_branch_never_holds_more_than_its_quota(make_event, people, tree, tx):
    event = make_event(capacity=5, quotas={tree["a"]: 2})
    from_a = people["trainees"](3, branch=tree["a"])
    from_b = people["trainees"](2, branch=tree["b"])
    got = []
    for t in from_a + from_b:
        with tx():
            got.append(services.enroll(event, t).status)
    assert got == [S.confirmed, S.confirmed, S.waitlisted, S.confirmed, S.confirmed]
    # A seat is still free, but not for branch A.
    late_a = people["trainees"](1, branch=tree["a"])[0]
    with tx():
        assert services.enroll(event, late_a).status is S.waitlisted


def test_promotion_skips_people_whose_branch_quota_is_full(make_event, people, tree, tx):
    event = make_event(capacity=3, quotas={tree["a"]: 1})
    a1, a2 = people["trainees"](2, branch=tree["a"])
    b1, b2, b3 = people["trainees"](3, branch=tree["b"])
    with tx():
        for t in (a1, b1, b2, a2, b3):  # a2 and b3 wait, a2 first
            services.enroll(event, t)
    rows = {e.user_id: e for e in db.session.scalars(select(Enrollment))}
    assert rows[a2.id].status is S.waitlisted and rows[b3.id].status is S.waitlisted
    with tx():
        promoted = services.cancel(rows[b1.id], b1)
    # a2 is first in the queue, but branch A's one seat is taken: b3 gets it.
    assert [p.user_id for p in promoted] == [b3.id]
    with tx():
        promoted = services.cancel(db.session.get(Enrollment, rows[a1.id].id), a1)
    assert [p.user_id for p in promoted] == [a2.id]


def test_zero_quota_means_everyone_from_that_branch_waits(make_event, people, tree, tx):
    event = make_event(capacity=5, quotas={tree["b"]: 0})
    (person,) = people["trainees"](1, branch=tree["b"])
    with tx():
        assert services.enroll(event, person).status is S.waitlisted


def test_fill_free_seats_after_capacity_grows(make_event, people, tx, outbox):
    event = make_event(capacity=1)
    trainees = people["trainees"](3)
    with tx():
        for t in trainees:
            services.enroll(event, t)
    outbox.clear()
    with tx():
        event.capacity = 2
        promoted = services.fill_free_seats(event)
    assert [p.user_id for p in promoted] == [trainees[1].id]
    assert [m.to for m in outbox] == [[trainees[1].email]]


# --- approvals -------------------------------------------------------------------------------


def test_branch_coordinator_approves_into_a_seat_or_the_queue(make_event, people, tx, outbox):
    event = make_event(capacity=1, approval_mode=ApprovalMode.branch)
    x, y = people["trainees"](2)
    with tx():
        ex, ey = services.enroll(event, x), services.enroll(event, y)
    outbox.clear()  # the two receipts (issue 12)
    with tx():
        assert services.approve(ex, people["coord_a"]).status is S.confirmed
    with tx():
        approved = services.approve(db.session.get(Enrollment, ey.id), people["coord_u"])
        assert approved.status is S.waitlisted
        assert services.waitlist_position(approved) == 1
    assert len(outbox) == 2 and all("approved" in m.subject.lower() or "утвержд" in
                                    m.subject.lower() for m in outbox)
    row = db.session.get(Enrollment, ex.id)
    assert row.decided_by_id == people["coord_a"].id and row.decided_at is not None


def test_coordinator_of_branch_b_cannot_approve_people_of_branch_a(make_event, people, tx):
    event = make_event(approval_mode=ApprovalMode.branch)
    (person,) = people["trainees"](1)
    with tx():
        enrollment = services.enroll(event, person)
    assert _code(services.approve, enrollment, people["coord_b"]) == "forbidden"
    assert _code(services.reject, enrollment, people["coord_b"], "no room") == "forbidden"
    assert statuses(event) == ["pending"]


def test_centre_mode_is_decided_by_admins_only(make_event, people, tx):
    event = make_event(approval_mode=ApprovalMode.centre)
    (person,) = people["trainees"](1)
    with tx():
        enrollment = services.enroll(event, person)
    assert _code(services.approve, enrollment, people["coord_a"]) == "forbidden"
    with tx():
        assert services.approve(enrollment, people["admin"]).status is S.confirmed


def test_reject_needs_a_reason_and_mails_it(make_event, people, tx, outbox):
    event = make_event(approval_mode=ApprovalMode.branch)
    (person,) = people["trainees"](1)
    with tx():
        enrollment = services.enroll(event, person)
    outbox.clear()  # the receipt (issue 12)
    assert _code(services.reject, enrollment, people["coord_a"], "  ") == "reason_required"
    with tx():
        services.reject(enrollment, people["coord_a"], "Квота филиала исчерпана")
    assert statuses(event) == ["rejected"]
    assert "Квота филиала исчерпана" in outbox[0].body
    assert _code(services.approve, enrollment, people["coord_a"]) == "not_pending"


def test_bulk_decisions_skip_what_is_not_yours(make_event, people, tree, tx):
    event = make_event(capacity=10, approval_mode=ApprovalMode.branch)
    mine = people["trainees"](2, branch=tree["a"])
    other = people["trainees"](1, branch=tree["b"])[0]
    with tx():
        ids = [services.enroll(event, t).id for t in (*mine, other)]
    with tx():
        result = services.decide_many(ids, people["coord_a"], "approve")
        assert len(result.done) == 2
        assert [(e.user_id, code) for e, code in result.skipped] == [(other.id, "forbidden")]
    assert statuses(event) == ["confirmed", "confirmed", "pending"]
    assert _code(services.decide_many, [ids[2]], people["coord_b"], "reject", "") == (
        "reason_required")
    assert _code(services.decide_many, [], people["coord_b"], "approve") == "nothing_chosen"


def test_pending_query_is_scoped(make_event, people, tree, tx):
    branch_event = make_event(approval_mode=ApprovalMode.branch)
    centre_event = make_event(approval_mode=ApprovalMode.centre)
    a = people["trainees"](1, branch=tree["a"])[0]
    b = people["trainees"](1, branch=tree["b"])[0]
    with tx():
        for ev in (branch_event, centre_event):
            for t in (a, b):
                services.enroll(ev, t)

    def seen(user):
        return {(e.event_id, e.user_id) for e in db.session.scalars(services.pending_query(user))}

    assert seen(people["coord_a"]) == {(branch_event.id, a.id)}
    assert seen(people["coord_b"]) == {(branch_event.id, b.id)}
    assert len(seen(people["admin"])) == 4


def test_nomination_by_a_deciding_coordinator_is_approved_at_once(make_event, people, tx):
    event = make_event(approval_mode=ApprovalMode.branch)
    (person,) = people["trainees"](1)
    with tx():
        enrolled, skipped = services.nominate(event, [person], people["coord_a"])
    assert skipped == [] and enrolled[0].status is S.confirmed
    row = db.session.scalar(select(Enrollment))
    assert row.nominated_by_id == people["coord_a"].id


def test_coordinator_cannot_nominate_people_of_another_branch(make_event, people, tree):
    event = make_event()
    (outsider,) = people["trainees"](1, branch=tree["b"])
    assert _code(services.nominate, event, [outsider], people["coord_a"]) == "forbidden"
    assert statuses(event) == []


# --- cancelling ------------------------------------------------------------------------------


def test_trainee_cancels_until_the_first_session_only(make_event, people, tx):
    event = make_event()
    (person,) = people["trainees"](1)
    with tx():
        enrollment = services.enroll(event, person)
    after_start = services.first_start(event) + timedelta(minutes=1)
    assert _code(services.cancel, enrollment, person, now=after_start) == "too_late"
    # Staff may still, with a reason.
    assert _code(services.cancel, enrollment, people["coord_a"], "", now=after_start) == (
        "reason_required")
    with tx():
        services.cancel(enrollment, people["coord_a"], "Не явился", now=after_start)
    assert statuses(event) == ["cancelled"]


def test_staff_cancellation_is_mailed_and_scoped(make_event, people, tx, outbox):
    event = make_event()
    (person,) = people["trainees"](1)
    with tx():
        enrollment = services.enroll(event, person)
    assert _code(services.cancel, enrollment, people["coord_b"], "нет") == "forbidden"
    assert _code(services.cancel, enrollment, people["trainees"](1)[0], "x") == "forbidden"
    outbox.clear()
    with tx():
        services.cancel(enrollment, people["admin"], "Мероприятие перенесено для вас")
    assert outbox[0].to == [person.email] and "перенесено" in outbox[0].body
    assert _code(services.cancel, enrollment, people["admin"], "again") == "not_cancellable"


def test_cancelling_a_waitlisted_place_promotes_nobody(make_event, people, tx):
    event = make_event(capacity=1)
    a, b, c = people["trainees"](3)
    with tx():
        for t in (a, b, c):
            services.enroll(event, t)
    eb = db.session.scalar(select(Enrollment).where(Enrollment.user_id == b.id))
    with tx():
        assert services.cancel(eb, b) == []
    ec = db.session.scalar(select(Enrollment).where(Enrollment.user_id == c.id))
    assert services.waitlist_position(ec) == 1


def test_event_cancelled_cancels_and_tells_everyone_active(make_event, people, tx, outbox):
    event = make_event(capacity=1)
    a, b = people["trainees"](2)
    with tx():
        services.enroll(event, a)
        services.enroll(event, b)
    outbox.clear()
    with tx():
        event.status, event.cancel_reason = EventStatus.cancelled, "Карантин"
        assert services.notify_event_cancelled(event) == 2
    assert statuses(event) == ["cancelled", "cancelled"]
    assert sorted(m.to[0] for m in outbox) == sorted([a.email, b.email])
    assert all("Карантин" in m.body for m in outbox)


# --- reminders -------------------------------------------------------------------------------


def test_reminders_go_once_to_confirmed_people_of_tomorrows_events(
    app, make_event, people, tx, outbox
):
    from school.timeutil import local_today

    tomorrow = local_today() + timedelta(days=1)
    soon = make_event(starts_on=tomorrow, capacity=1, enrol_closes_at=None)
    later = make_event(starts_on=tomorrow + timedelta(days=3))
    a, b, c = people["trainees"](3)
    with tx():
        services.enroll(soon, a)
        services.enroll(soon, b)  # waitlisted: no reminder
        services.enroll(later, c)
    outbox.clear()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "reminders sent: 1" in result.output
    assert [m.to for m in outbox] == [[a.email]]
    result = runner.invoke(args=["send-reminders"])
    assert "reminders sent: 0" in result.output
    assert len(outbox) == 1


def test_cancelling_ones_own_enrolment_sends_a_receipt(make_event, people, tx, outbox):
    event = make_event(capacity=1)
    a, b = people["trainees"](2)
    with tx():
        mine = services.enroll(event, a)
        services.enroll(event, b)
    outbox.clear()
    with tx():
        promoted = services.cancel(mine, a)
    assert [p.user_id for p in promoted] == [b.id]
    receipts = [m for m in outbox if m.to == [a.email]]
    assert len(receipts) == 1 and f"/events/{event.id}" in receipts[0].body
    assert any(m.to == [b.email] for m in outbox)  # the promoted person is told too
