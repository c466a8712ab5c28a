"""Bottom-up consolidation on a fixed tree, in people and in tenge, and the CSV contract."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from school.planning.consolidate import consolidate
from school.planning.models import PlanLevel, PlanState
from tests.planning.conftest import YEAR

L, A, S = PlanLevel, PlanState.approved, PlanState


def _seed(tree, make_plan):
    make_plan(tree["u"], level=L.union, people={"chair": 5}, budget={"venue": 100_000_000})
    make_plan(tree["a"], level=L.branch, people={"chair": 10}, budget={"trainers": 20_000_000})
    make_plan(tree["l"], level=L.local, people={"activist": 3}, budget={"travel": 5_000_000})
    make_plan(tree["a1"], level=L.organisation, people={"chair": 2},
              budget={"materials": 1_000_000})
    make_plan(tree["a2"], level=L.organisation, state=S.submitted, people={"chair": 100},
              budget={"materials": 999})
    make_plan(tree["l1"], level=L.organisation, people={"chair": 1, "activist": 4},
              budget={"venue": 2_000_000})
    make_plan(tree["l2"], level=L.organisation, state=S.returned, people={"chair": 40})
    make_plan(tree["b1"], level=L.organisation, people={"treasurer": 6},
              budget={"venue": 3_000_000})
    make_plan(tree["b"], level=L.branch, state=S.draft, people={"chair": 50})
    make_plan(tree["c1"], level=L.organisation, people={"chair": 7}, budget={"venue": 7})


def _people(figures) -> dict:
    return {k[0]: v[0] for k, v in figures.items() if k[0]}


def _money(figures) -> dict:
    return {k[2]: v[1] for k, v in figures.items() if k[2]}


def test_union_equals_sum_of_branches_which_equal_sums_of_organisations(tree, make_plan):
    _seed(tree, make_plan)
    cons = consolidate(YEAR)
    unit = {name: (lvl, tree[name].id) for name, lvl in
            (("u", L.union), ("a", L.branch), ("b", L.branch), ("l", L.local))}
    c = {name: cons.consolidated[u] for name, u in unit.items()}

    # The local union: its own approved lines plus its approved organisation (l2 returned).
    assert _people(c["l"]) == {"activist": 7, "chair": 1}
    assert _money(c["l"]) == {"travel": 5_000_000, "venue": 2_000_000}
    # Branch A: own + a1 (a2 only submitted) + the local union.
    assert _people(c["a"]) == {"chair": 13, "activist": 7}
    assert _money(c["a"]) == {"trainers": 20_000_000, "materials": 1_000_000,
                              "travel": 5_000_000, "venue": 2_000_000}
    # Branch B: its own plan is a draft, so only its approved organisation.
    assert _people(c["b"]) == {"treasurer": 6}
    assert _money(c["b"]) == {"venue": 3_000_000}
    # The union: own + its branches' consolidated figures; union V's organisation stays out.
    assert _people(c["u"]) == {"chair": 18, "activist": 7, "treasurer": 6}
    assert cons.totals(c["u"]) == (31, 131_000_000)  # 1 310 000 tenge
    own_u = cons.plans[unit["u"]].own
    for key in set(c["u"]) | set(c["a"]) | set(c["b"]):
        expected = [own_u.get(key, [0, 0])[i] + c["a"].get(key, [0, 0])[i]
                    + c["b"].get(key, [0, 0])[i] for i in (0, 1)]
        assert c["u"][key] == expected
    assert cons.totals(cons.consolidated[(L.union, tree["v"].id)]) == (7, 7)


def test_progress_counts_submitted_children(tree, make_plan):
    _seed(tree, make_plan)
    cons = consolidate(YEAR)
    a = (L.branch, tree["a"].id)
    assert cons.progress[a][L.organisation] == [2, 1]  # a1 approved, a2 submitted
    assert cons.children_total(a, L.organisation) == 2
    assert cons.children_total(a, L.local) == 1
    assert cons.children_total(a, "organisation") == 2  # as the template asks
    assert cons.children_total((L.union, tree["u"].id), "branch") == 2
    assert cons.progress[(L.local, tree["l"].id)][L.organisation] == [1, 1]
    assert cons.tree.orgs_under(a) == 4


def _read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_follows_the_contract(tree, make_plan, make_user, login, client):
    _seed(tree, make_plan)
    login(make_user("admin"))
    rows = _read_csv(client.get(f"/plans/consolidated?year={YEAR}&format=csv"))
    assert list(rows[0]) == ["level", "unit_id", "parent_id", "state", "category",
                             "programme_id", "people", "budget_line", "amount_tiyn"]
    assert {r["level"] for r in rows} == {"union", "branch", "local", "organisation"}
    assert {r["state"] for r in rows} <= {"draft", "submitted", "approved", "returned",
                                          "consolidated"}
    assert {"draft", "submitted", "approved", "returned", "consolidated"} == {
        r["state"] for r in rows}

    def key(r):
        return (r["category"], r["programme_id"], r["budget_line"])

    figures = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # (level, id, state) → key
    parents = {}
    for r in rows:
        cell = figures[(r["level"], r["unit_id"], r["state"])][key(r)]
        cell[0] += int(r["people"] or 0)
        cell[1] += int(r["amount_tiyn"] or 0)
        parents[(r["level"], r["unit_id"])] = r["parent_id"]
    child_levels = {"union": ("branch",), "branch": ("local", "organisation"),
                    "local": ("organisation",)}
    checked = 0
    for (level, unit_id, state), got in figures.items():
        if state != "consolidated":
            continue
        expected = defaultdict(lambda: [0, 0])
        for k, v in figures.get((level, unit_id, "approved"), {}).items():
            expected[k][0] += v[0]
            expected[k][1] += v[1]
        for (c_level, c_id), parent in parents.items():
            if c_level in child_levels[level] and parent == unit_id:
                c_state = "approved" if c_level == "organisation" else "consolidated"
                for k, v in figures.get((c_level, c_id, c_state), {}).items():
                    expected[k][0] += v[0]
                    expected[k][1] += v[1]
        assert dict(got) == {k: v for k, v in expected.items() if v != [0, 0] or k in got}
        checked += 1
    assert checked >= 5
    union_rows = [r for r in rows if r["level"] == "union" and r["state"] == "consolidated"
                  and r["unit_id"] == str(tree["u"].id)]
    assert sum(int(r["amount_tiyn"] or 0) for r in union_rows) == 131_000_000
    assert sum(int(r["people"] or 0) for r in union_rows) == 31


def test_branch_coordinator_gets_only_their_subtree(tree, make_plan, make_user, login, client):
    _seed(tree, make_plan)
    login(make_user("coordinator", branch=tree["a"]))
    rows = _read_csv(client.get(f"/plans/consolidated?year={YEAR}&format=csv"))
    assert rows
    assert {r["level"] for r in rows} <= {"branch", "local", "organisation"}
    branch_ids = {str(tree[n].id) for n in ("a", "l")}
    for r in rows:
        if r["level"] == "organisation":
            assert r["parent_id"] in branch_ids
        else:
            assert r["unit_id"] in branch_ids
    page = client.get(f"/plans/consolidated?year={YEAR}")
    assert page.status_code == 200
    assert "Филиал Б".encode() not in page.data


def test_xlsx_has_a_sheet_per_level_with_totals_and_frozen_headers(tree, make_plan, make_user,
                                                                   login, client):
    from openpyxl import load_workbook

    _seed(tree, make_plan)
    login(make_user("admin", locale="en"))
    response = client.get(f"/plans/consolidated?year={YEAR}&format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 4
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
    union_sheet = book.worksheets[0]
    last = list(union_sheet.iter_rows(values_only=True))[-1]
    # The total of the union sheet: both unions' consolidated figures (tenge, exact).
    assert last[6] == 31 + 7
    assert float(last[8]) == 1_310_000.07


def test_pages_sum_organisations_in_sql_to_the_same_figures(tree, make_plan):
    """The pages' consolidation (organisations summed by the database, not read one by
    one) gives the same consolidated figures and progress, whole and within a scope."""
    _seed(tree, make_plan)
    for scope in ({}, {"union_ids": {tree["u"].id}},
                  {"union_ids": {tree["u"].id}, "branch_ids": {tree["a"].id, tree["l"].id}}):
        full = consolidate(YEAR, **scope)
        summed = consolidate(YEAR, **scope, organisations=False)
        assert summed.consolidated == full.consolidated
        assert {u: dict(p) for u, p in summed.progress.items()} == {
            u: dict(p) for u, p in full.progress.items()}
        assert all(u[0] is not L.organisation for u in summed.plans)
