"""The yearly figures against numbers computed by hand (see conftest.History)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from school.accounts.models import Category
from school.audit.models import AuditEntry
from school.catalog.models import EventFormat, EventKind
from school.enrollment.models import EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.reports import services
from school.reports.models import ClosedYearRow, TrainingPlan
from school.reports.rows import Cell, Filters

CHAIR, TREASURER = Category.chair, Category.treasurer
ACTIVIST, YOUTH = Category.activist, Category.youth_council


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def h(history, admin):
    history.admin = admin
    return history


def ids(h):
    report = services.yearly_report(2025, h.admin)
    return {r.code: r.id for r in report.regions if r is not None}


def test_2025_equals_the_hand_computed_table(h):
    report = services.yearly_report(2025, h.admin)
    r = ids(h)
    assert report.cell(r["KZ-79"], CHAIR) == Cell(3, 2)  # p1 twice, the mover once
    assert report.cell(r["KZ-79"], TREASURER) == Cell(1, 1)
    assert report.cell(r["KZ-71"], ACTIVIST) == Cell(1, 1)  # the event ended on 1 January
    assert report.cell(r["KZ-75"], CHAIR) == Cell(1, 1)  # the mover, after moving
    assert report.cell(r["KZ-75"], YOUTH) == Cell(1, 1)  # p8 reissued; p7 revoked: out
    assert report.region_total(r["KZ-79"]) == Cell(4, 3)
    assert report.region_total(r["KZ-75"]) == Cell(2, 2)
    assert report.category_total(CHAIR) == Cell(4, 2)
    assert report.total == Cell(7, 5)
    # Distinct people are counted, not summed: the mover is in two regions, once in total.
    assert sum(report.region_total(i).people for i in r.values()) == 6
    filled = {k for k, c in report.cells.items() if c.participations}
    assert len(filled) == 5


def test_the_snapshot_counts_not_where_the_person_is_now(h):
    mover = h.people["p3"]
    assert mover.branch_id == h.b.id  # moved after E3
    report = services.yearly_report(2025, h.admin, Filters(branch_id=h.a.id))
    assert report.total == Cell(4, 3)  # p1 ×2, p2, and the mover's E3


def test_an_event_ending_on_1_january_counts_in_that_year(h):
    r = ids(h)
    before = services.yearly_report(2024, h.admin)
    assert before.total == Cell(1, 1)  # only p6, whose event ended on 31 December
    assert before.region_total(r["KZ-71"]) == Cell(0, 0)


def test_filters(h):
    def total(**kw):
        return services.yearly_report(2025, h.admin, Filters(**kw)).total

    assert total(union_id=h.v.id) == Cell(2, 2)
    assert total(union_id=h.u.id) == Cell(5, 4)
    assert total(branch_id=h.a2.id) == Cell(1, 1)
    assert total(program_id=h.other_program.id) == Cell(1, 1)
    assert total(kind=EventKind.training) == Cell(1, 1)
    assert total(event_format=EventFormat.online) == Cell(1, 1)
    assert total(kind=EventKind.seminar, union_id=h.u.id) == Cell(4, 4)


def test_coordinators_see_their_branch_or_union(h, make_user):
    branch_coordinator = make_user("coordinator", branch=h.b)
    assert services.yearly_report(2025, branch_coordinator).total == Cell(2, 2)
    union_coordinator = make_user("coordinator", coordinator_of=h.u)
    assert services.yearly_report(2025, union_coordinator).total == Cell(5, 4)
    with pytest.raises(DomainError) as e:
        services.check_filters(Filters(branch_id=h.a.id), services.Scope.of(branch_coordinator))
    assert e.value.code == "out_of_scope"
    with pytest.raises(DomainError) as e:
        services.check_filters(Filters(union_id=h.u.id), services.Scope.of(branch_coordinator))
    assert e.value.code == "out_of_scope"
    services.check_filters(Filters(union_id=h.v.id), services.Scope.of(branch_coordinator))


def test_a_coordinator_without_a_scope_sees_nothing(h, make_user, make_union):
    nobody = make_user("coordinator", coordinator_of=make_union())
    assert services.yearly_report(2025, nobody).total == Cell(0, 0)


def test_bad_year(h):
    for year in (None, 1999, 3000):
        with pytest.raises(DomainError) as e:
            services.check_year(year)
        assert e.value.code == "bad_year"


def test_the_number_of_queries_does_not_grow_with_rows(h, make_user, make_enrollment, app):
    def count_queries():
        seen = []

        def listener(*args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            services.yearly_report(2025, h.admin)
            services.plan_report(2025, h.admin)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    before = count_queries()
    for _ in range(15):
        make_enrollment(h.events["E4"], make_user(branch=h.a2, category=Category.staff),
                        status="completed")
    assert count_queries() == before
    assert services.yearly_report(2025, h.admin).total == Cell(22, 20)


# --- plans ----------------------------------------------------------------------------------


def test_save_plan_and_compare(h, make_user):
    coordinator = make_user("coordinator", branch=h.a)
    services.save_plan(h.a, 2025, {"chair": 4, "treasurer": 2, "activist": 0}, coordinator)
    services.save_plan(h.b, 2025, {"chair": 1, "youth_council": 3}, h.admin)
    db.session.commit()
    assert services.plan_for(h.a, 2025) == {CHAIR: 4, TREASURER: 2}
    plan = services.plan_report(2025, h.admin)
    assert (plan.total.planned, plan.total.actual) == (10, 5)
    by_branch = {line.key: line for line in plan.branches}
    assert (by_branch[h.a.id].planned, by_branch[h.a.id].actual) == (6, 3)
    assert by_branch[h.a.id].percent == 50
    assert (by_branch[h.b.id].planned, by_branch[h.b.id].actual) == (4, 2)
    assert (by_branch[h.a2.id].planned, by_branch[h.a2.id].actual) == (0, 1)
    assert by_branch[h.a2.id].percent is None
    by_union = {line.key: line for line in plan.unions}
    assert (by_union[h.u.id].planned, by_union[h.u.id].actual) == (6, 4)
    by_category = {line.key: line for line in plan.categories}
    assert (by_category[CHAIR].planned, by_category[CHAIR].actual) == (5, 2)
    # A coordinator's comparison covers their branch only.
    mine = services.plan_report(2025, coordinator)
    assert (mine.total.planned, mine.total.actual) == (6, 3)
    assert [line.key for line in mine.branches] == [h.a.id]


def test_plan_rules(h):
    with pytest.raises(DomainError) as e:
        services.save_plan(h.a, 2025, {"chair": -1}, h.admin)
    assert e.value.code == "bad_planned"
    with pytest.raises(DomainError) as e:
        services.save_plan(h.a, 1990, {"chair": 1}, h.admin)
    assert e.value.code == "bad_year"
    services.save_plan(h.a, 2025, {"chair": 3}, h.admin)
    services.save_plan(h.a, 2025, {"chair": 0}, h.admin)  # zero removes the row
    db.session.commit()
    assert db.session.scalars(select(TrainingPlan)).all() == []
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "report.plan_saved")).all()
    assert [a.details["after"] for a in audit] == [{"chair": 3}, {}]


# --- closing a year -------------------------------------------------------------------------


def test_closing_2025_then_revoking_keeps_the_totals_and_lists_the_difference(h):
    closed = services.close_year(2025, h.admin)
    db.session.commit()
    assert (closed.participations, closed.people) == (7, 5)
    assert db.session.query(ClosedYearRow).count() == 7

    # A late revocation of p2's 2025 certificate, without a replacement.
    h.certificates["p2E1"].revoked_at = datetime.now(UTC)
    db.session.commit()

    report = services.yearly_report(2025, h.admin)
    assert report.closed is not None
    assert report.total == Cell(7, 5)  # unchanged
    r = ids(h)
    assert report.cell(r["KZ-79"], TREASURER) == Cell(1, 1)
    diffs = services.differences(2025, h.admin)
    assert diffs.live_total == Cell(6, 4)
    assert [(d.kind, d.reason, d.full_name) for d in diffs.items] == [
        ("removed", "revoked", "Второй Казначей")]
    # Live figures (what it would be without closing) do change.
    live = services.rows(2025, 2025, services.Scope(None), live_only=True).subquery()
    assert db.session.query(live).count() == 6


def test_other_late_changes_are_listed_too(h, make_user, make_enrollment):
    services.close_year(2025, h.admin)
    db.session.commit()
    h.enrollments["p1E2"].status = EnrollmentStatus.not_completed
    h.enrollments["p4E5"].category = Category.staff
    late = make_enrollment(h.events["E4"], make_user(branch=h.b, full_name="Поздний Участник"),
                           status="completed")
    db.session.commit()
    diffs = services.differences(2025, h.admin)
    got = sorted((d.kind, d.reason, d.full_name) for d in diffs.items)
    assert got == [
        ("added", "added", "Поздний Участник"),
        ("changed", "changed", "Четвёртый Активист"),
        ("removed", "status", "Первый Председатель"),
    ]
    assert services.yearly_report(2025, h.admin).total == Cell(7, 5)
    assert late.id
    # A coordinator of branch B sees only B's differences.
    coordinator = make_user("coordinator", branch=h.b)
    assert [d.full_name for d in services.differences(2025, coordinator).items] == [
        "Поздний Участник"]


def test_close_rules_and_reopen(h):
    with pytest.raises(DomainError) as e:
        services.close_year(services.year_bounds()[1] - 1, h.admin)  # this year
    assert e.value.code == "year_not_over"
    services.close_year(2025, h.admin)
    db.session.commit()
    with pytest.raises(DomainError) as e:
        services.close_year(2025, h.admin)
    assert e.value.code == "year_already_closed"
    with pytest.raises(DomainError) as e:
        services.save_plan(h.a, 2025, {"chair": 1}, h.admin)
    assert e.value.code == "year_closed"

    h.certificates["p2E1"].revoked_at = datetime.now(UTC)
    services.reopen_year(2025, h.admin)
    db.session.commit()
    assert services.yearly_report(2025, h.admin).total == Cell(6, 4)
    assert db.session.query(ClosedYearRow).count() == 0
    with pytest.raises(DomainError) as e:
        services.reopen_year(2025, h.admin)
    assert e.value.code == "year_not_closed"
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["report.year_closed", "report.year_reopened"]


def test_trend_reads_closed_years_from_their_rows(h):
    services.close_year(2025, h.admin)
    h.certificates["p2E1"].revoked_at = datetime.now(UTC)
    db.session.commit()
    trend = dict(services.trend(h.admin, last=2026, span=3))  # stored totals
    assert trend == {2024: Cell(1, 1), 2025: Cell(7, 5), 2026: Cell(0, 0)}
    filtered = dict(services.trend(h.admin, Filters(union_id=h.u.id), last=2025, span=2))
    assert filtered == {2024: Cell(1, 1), 2025: Cell(5, 4)}  # stored rows, p2 still in
