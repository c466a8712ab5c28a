"""The report's cached figures (freshness.py): served from the cache until a change that can
move a figure, and recomputed right after one (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, update

from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.reports import freshness, services
from school.reports.rows import Cell, Filters


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def h(history, admin):
    history.admin = admin
    return history


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def fresh(h, filters: Filters | None = None):
    """The trend computed now, bypassing the cache."""
    filters = filters or Filters()
    scope = services.Scope.of(h.admin)
    return dict(services._trend(scope, filters, 2026, 3))


def trend(h, filters: Filters | None = None):
    return dict(services.trend(h.admin, filters or Filters(), last=2026, span=3))


def test_the_trend_comes_from_the_cache_until_a_figure_can_change(h, statements):
    first = trend(h)
    assert first == fresh(h) and first[2025] == Cell(7, 5)
    statements.clear()
    assert trend(h) == first
    assert not [s for s in statements if "count(DISTINCT" in s]  # no counting: the cache

    h.enrollments["p5E1"].status = EnrollmentStatus.completed  # p5 completes E1 (2025)
    db.session.commit()
    statements.clear()
    after = trend(h)
    assert [s for s in statements if "count(DISTINCT" in s]
    assert after[2025] == Cell(8, 6) and after == fresh(h)


def test_a_revoked_certificate_and_a_closed_year_refresh_it(h):
    before = trend(h)
    h.certificates["p2E1"].revoked_at = datetime.now(UTC)  # p2's only certificate
    db.session.commit()
    assert trend(h)[2025] == Cell(6, 4) != before[2025]

    generation = freshness.generation()
    services.close_year(2025, h.admin)
    db.session.commit()
    assert freshness.generation() > generation
    assert trend(h) == fresh(h)


def test_changes_that_move_no_figure_keep_the_generation(h, make_enrollment, make_user):
    generation = freshness.generation()
    newcomer = make_user(branch=h.a)
    make_enrollment(h.events["E4"], newcomer, status="confirmed")  # not trained (yet)
    h.people["p1"].full_name = "Первый Переименованный"
    h.events["E1"].venue = "Шымкент, Дворец профсоюзов"
    db.session.commit()
    assert freshness.generation() == generation


def test_a_completed_participation_moved_to_another_person_refreshes_it(h):
    before = trend(h, Filters(union_id=h.u.id))
    # p4's training moved onto p1 (a merge of duplicates does this): one person fewer.
    h.enrollments["p4E5"].user_id = h.people["p1"].id
    db.session.commit()
    after = trend(h, Filters(union_id=h.u.id))
    assert after[2025].people == before[2025].people - 1
    assert after == fresh(h, Filters(union_id=h.u.id))


def test_bulk_statements_raise_the_generation(h):
    generation = freshness.generation()
    db.session.execute(update(Enrollment).where(Enrollment.id == h.enrollments["p1E1"].id)
                       .values(status=EnrollmentStatus.not_completed))
    db.session.commit()
    assert freshness.generation() > generation
    assert trend(h)[2025] == fresh(h)[2025]


def test_a_rolled_back_change_keeps_the_generation(h):
    generation = freshness.generation()
    h.enrollments["p5E1"].status = EnrollmentStatus.completed
    db.session.flush()
    db.session.rollback()
    assert freshness.generation() == generation


def test_the_yearly_page_skips_the_decade_once_cached(h, client, login, statements):
    login(h.admin)
    assert client.get("/reports/yearly?year=2025").status_code == 200
    first = len(statements)
    statements.clear()
    assert client.get("/reports/yearly?year=2025").status_code == 200
    assert len(statements) < first
    assert not [s for s in statements if "GROUP BY rows.year" in s]


def test_the_plan_comparison_counts_people_from_the_cache_until_a_figure_can_change(
        h, statements):
    from school.reports import plans

    def fresh_total():
        found = plans._people_trained(2025, services.Scope.of(h.admin), Filters())
        return next(n for level, _key, n in found if level == "total")

    first = services.plan_report(2025, h.admin).total.actual
    assert first == fresh_total() > 0
    statements.clear()
    assert services.plan_report(2025, h.admin).total.actual == first
    assert not [s for s in statements if "plan_rows" in s]  # the cache

    h.enrollments["p5E1"].status = EnrollmentStatus.completed  # p5 completes E1 (2025)
    db.session.commit()
    statements.clear()
    after = services.plan_report(2025, h.admin).total.actual
    assert [s for s in statements if "plan_rows" in s]
    assert after == fresh_total() == first + 1


def test_the_yearly_page_figures_are_kept_rendered_until_a_plan_or_a_name_changes(
        h, client, login, statements):
    """The tables and charts come rendered from the cache (page.py); a plan, a branch's
    new name and a completion each show on the very next page."""
    from school.accounts.models import Category
    from school.reports.models import TrainingPlan

    login(h.admin)
    page = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert "Филиал А2" in page
    statements.clear()
    again = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert again.count('id="yearly-table"') == 1 and 'id="plan-total"' in again
    assert not [s for s in statements if "plan_rows" in s or "training_plan" in s]

    db.session.add(TrainingPlan(branch_id=h.a2.id, year=2025, category=Category.activist,
                                planned=777))
    db.session.commit()
    assert "777" in client.get("/reports/yearly?year=2025").get_data(as_text=True)

    h.a2.name_ru = "Филиал Переименованный"
    db.session.commit()
    renamed = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert "Филиал Переименованный" in renamed and "Филиал А2" not in renamed

    total = int(renamed.split('data-people="')[1].split('"')[0])
    h.enrollments["p5E1"].status = EnrollmentStatus.completed
    db.session.commit()
    after = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert int(after.split('data-people="')[1].split('"')[0]) == total + 1


def test_each_reader_gets_the_figures_of_their_own_scope(h, client, login, make_user):
    """The rendered figures are kept per scope: a branch coordinator never gets the
    federation's, even right after an admin rendered them."""
    login(h.admin)
    whole = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    client.post("/logout")
    login(make_user("coordinator", branch=h.b))
    mine = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    people = [int(p.split('data-people="')[1].split('"')[0]) for p in (whole, mine)]
    assert people[1] < people[0]
    assert "Филиал А2" in whole and "Филиал А2" not in mine


def test_the_filters_form_is_kept_until_a_programme_or_a_name_changes(
        h, client, login, statements, make_program):
    login(h.admin)
    client.get("/reports/yearly?year=2025")
    statements.clear()
    page = client.get(f"/reports/yearly?year=2025&program_id={h.program.id}"
                      ).get_data(as_text=True)
    assert f'<option value="{h.program.id}" selected>' in page  # the choice is in the key
    statements.clear()
    client.get("/reports/yearly?year=2025")
    assert not [s for s in statements if "FROM program" in s or "FROM sectoral_union" in s]

    added = make_program(code="NEWCODE")  # commits: the generation moves
    assert f'value="{added.id}"' in client.get("/reports/yearly?year=2025").get_data(
        as_text=True)


def test_the_generation_is_read_once_a_transaction_and_again_after_a_bump(h, statements):
    db.session.commit()
    statements.clear()
    first = freshness.generation()
    assert freshness.generation() == first
    assert len([s for s in statements if "FROM report_generation" in s]) == 1
    h.enrollments["p5E1"].status = EnrollmentStatus.completed
    db.session.flush()  # bumps inside this transaction: read again
    assert freshness.generation() == first + 1
    db.session.rollback()
    assert freshness.generation() == first
