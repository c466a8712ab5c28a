"""Concurrent marking loses no mark: threads against the real database (SQLite file or
PostgreSQL from TEST_DATABASE_URL), each in its own app context and transaction."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

from sqlalchemy import func, select

from school.accounts.models import User
from school.attendance import checkin, services
from school.attendance.models import AttendanceChange, AttendanceMark, AttendanceStatus
from school.attendance.services import MarkInput
from school.catalog.models import Event, EventSession
from school.enrollment.models import Enrollment
from school.extensions import db, write_transaction

P, L, A = AttendanceStatus.present, AttendanceStatus.late, AttendanceStatus.absent


def _run_together(app, jobs) -> list[BaseException]:
    """Run each job(…) in its own thread and app context, all released at once.

    Jobs must capture plain ids, not the test's objects: touching an expired object of the
    test's session from a thread would open a transaction on the test's connection."""
    db.session.commit()
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with write_transaction():
                    job()
            except BaseException as e:
                errors.append(e)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    db.session.rollback()  # end the test's own read snapshot: see what the threads wrote
    return errors


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _marker(event_id: int, user_id: int, inputs: list[MarkInput], mode=services.Mode.set):
    def job():
        event = db.session.get(Event, event_id)
        actor = db.session.get(User, user_id)
        services.save_marks(event, actor, inputs, mode=mode)

    return job


def test_two_instructors_marking_one_event_lose_no_mark(app, past_event, make_user):
    ctx = past_event(participants=8)
    second = make_user("instructor")
    ctx["event"].instructors.append(second)
    db.session.commit()
    event_id = ctx["event"].id
    instructors = [ctx["instructor"].id, second.id]
    jobs = []
    # Each instructor marks half of the people, for every session, one request per person.
    for i, e in enumerate(ctx["enrollments"]):
        inputs = [MarkInput(e.id, s.id, L if i % 3 == 0 else P) for s in ctx["sessions"]]
        jobs.append(_marker(event_id, instructors[i % 2], inputs))
    errors = _run_together(app, jobs)
    assert errors == []
    expected = 8 * len(ctx["sessions"])
    assert _count(AttendanceMark) == expected
    assert _count(AttendanceChange) == expected


def test_the_same_cell_from_both_instructors_gives_one_mark_and_full_history(
        app, past_event, make_user):
    ctx = past_event(participants=1)
    second = make_user("instructor")
    ctx["event"].instructors.append(second)
    db.session.commit()
    e, s = ctx["enrollments"][0], ctx["sessions"][0]
    jobs = [
        _marker(ctx["event"].id, ctx["instructor"].id, [MarkInput(e.id, s.id, P, "first")]),
        _marker(ctx["event"].id, second.id, [MarkInput(e.id, s.id, A, "second")]),
    ] * 3
    errors = _run_together(app, jobs)
    assert errors == []
    marks = db.session.scalars(select(AttendanceMark)).all()
    assert len(marks) == 1
    history = db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id)).all()
    # Every write is in the history, each one's "before" the previous one's "after".
    assert history[0].before is None
    for earlier, later in itertools.pairwise(history):
        assert later.before == earlier.after
    assert history[-1].after == marks[0].status.value


def test_all_present_racing_with_check_ins_and_exceptions(app, running_event, make_user,
                                                         make_enrollment):
    ctx = running_event()
    people = [ctx["trainee"]] + [make_user() for _ in range(9)]
    for person in people[1:]:
        make_enrollment(ctx["event"], person)
    code = checkin.open_checkin(ctx["session"], ctx["instructor"])
    db.session.commit()
    event_id, session_id = ctx["event"].id, ctx["session"].id
    absent_one = db.session.scalar(
        select(Enrollment.id).where(Enrollment.user_id == people[-1].id))

    def check_in(user_id):
        def job():
            checkin.check_in(db.session.get(User, user_id), code)
        return job

    instructor_id = ctx["instructor"].id

    def all_present():
        event = db.session.get(Event, event_id)
        services.mark_all_present(event, db.session.get(EventSession, session_id),
                                  db.session.get(User, instructor_id))

    jobs = [check_in(p.id) for p in people[:-1]]
    jobs.append(all_present)
    jobs.append(_marker(event_id, ctx["instructor"].id,
                        [MarkInput(absent_one, session_id, A)]))
    errors = _run_together(app, jobs)
    assert errors == []
    statuses = dict(db.session.execute(
        select(AttendanceMark.enrollment_id, AttendanceMark.status)).all())
    assert len(statuses) == len(people)  # one mark each, none lost, none doubled
    # In any order: "all present" fills only empty cells and the exception overrides it,
    # so the absent person stays absent; everyone else is present.
    assert statuses.pop(absent_one) is A
    assert set(statuses.values()) == {P}


def test_without_the_event_lock_the_unique_constraint_and_retry_still_save_the_mark(
        app, past_event, make_user, monkeypatch):
    """Belt and braces: a writer that skips the event lock collides on the unique
    (enrollment, session) constraint; the savepoint retry turns the insert into an update."""
    ctx = past_event(participants=1)
    e, s = ctx["enrollments"][0], ctx["sessions"][0]
    real_existing = services._existing_marks
    calls = {"n": 0}

    def stale_read(cells):
        calls["n"] += 1
        if calls["n"] == 1:
            return {}  # as if another transaction inserted the cell after we looked
        return real_existing(cells)

    services.save_marks(ctx["event"], ctx["instructor"], [MarkInput(e.id, s.id, A)])
    db.session.commit()
    monkeypatch.setattr(services, "_existing_marks", stale_read)
    changes = services.save_marks(ctx["event"], ctx["instructor"], [MarkInput(e.id, s.id, P)])
    db.session.commit()
    assert calls["n"] == 2
    assert len(changes) == 1 and changes[0].before == "absent"
    assert db.session.scalar(select(AttendanceMark.status)) is P
    assert _count(AttendanceMark) == 1


def test_unlocked_writers_racing_on_one_cell_still_end_with_one_mark(
        app, past_event, make_user, monkeypatch):
    ctx = past_event(participants=1)
    e, s = ctx["enrollments"][0], ctx["sessions"][0]

    def unlocked(event_id):
        return db.session.get(Event, event_id)

    monkeypatch.setattr(services, "lock_event", unlocked)
    jobs = [_marker(ctx["event"].id, ctx["instructor"].id,
                    [MarkInput(e.id, s.id, P if i % 2 else L)]) for i in range(6)]
    errors = _run_together(app, jobs)
    assert errors == []
    assert _count(AttendanceMark) == 1


def test_check_in_late_does_not_race_an_instructors_present(app, running_event):
    ctx = running_event()
    code = checkin.open_checkin(ctx["session"], ctx["instructor"])
    db.session.commit()
    s = ctx["session"]
    late = s.starts_at + timedelta(minutes=20)
    trainee_id = ctx["trainee"].id

    def check_in():
        checkin.check_in(db.session.get(User, trainee_id), code, now=late)

    jobs = [check_in, _marker(ctx["event"].id, ctx["instructor"].id,
                              [MarkInput(ctx["enrollment"].id, s.id, P)])]
    assert _run_together(app, jobs) == []
    # Whatever the order, the instructor's "present" wins over a late check-in.
    assert db.session.scalar(select(AttendanceMark.status)) is P
