"""Issue 15: every page a signed-in person uses runs the same number of SQL statements
whatever the number of rows it shows.

The pages are the GET rules of the URL map (minus those listed in NOT_SIGNED_IN_PAGES, with
why), each opened by the least powerful of the five people whose rule lets them in, on the
world of tests/scene.py at two sizes: 2 and 5 of every row (participants with marks,
certificates and release requests, trainings of the trainee, commission members, materials,
plan lines, answers, tokens). Statements are counted with a `before_cursor_execute`
listener around one request, after a warm-up request at each size (caches that a change of
data empties are refilled before counting). A page whose count grows is marked xfail with
the N+1 it has, strictly: when it is fixed, the mark must go.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event as sa_event

from school.extensions import db
from tests.factories import PASSWORD
from tests.scene import RULES, make_scene

SIZES = (2, 5)

# GET rules that are not pages a signed-in person uses, and why.
NOT_SIGNED_IN_PAGES = {
    "static": "a file", "bootstrap.static": "a file",
    "core.healthz": "the load balancer's probe",
    "core.set_language": "a redirect that sets the language",
    "accounts.login": "for people not signed in",
    "accounts.register": "for people not signed in",
    "accounts.reset_request": "for people not signed in",
    "accounts.reset_password": "for people not signed in (a mailed link)",
    "releases.answer": "the employer's mailed link, without an account",
    "catalog.personal_feed": "read by calendar programs, without a session",
}
# The API (bearer tokens, no pages) is counted by its own tests.

# The least powerful of the signed-in people whose rule lets them in.
VIEWER = {"public": "trainee", "signed_in": "trainee", "teaching": "instructor",
          "staff": "coordinator", "planning": "coordinator", "admin": "admin", "chair": "chair"}

# Pages whose statements grow with rows (endpoint -> why): strict xfails, so the mark must go
# when the page is fixed. None since issue 15 fixed the transfer, proposal and body pages.
N_PLUS_ONE: dict[str, str] = {}


def _pages():
    seen = set()
    for path, method, endpoint, declared in RULES:
        if method != "GET" or endpoint.startswith("api.") or endpoint in NOT_SIGNED_IN_PAGES:
            continue
        if (path, endpoint) in seen:
            continue
        seen.add((path, endpoint))
        marks = []
        if endpoint in N_PLUS_ONE:
            marks.append(pytest.mark.xfail(strict=True, reason=N_PLUS_ONE[endpoint]))
        yield pytest.param(path, endpoint, VIEWER[declared], id=f"{path} {VIEWER[declared]}",
                           marks=marks)


@pytest.fixture
def scene(request):
    return make_scene(request)


class Statements:
    def __init__(self):
        self.count = 0
        self.seen: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.seen.append(" ".join(statement.split())[:160])


@pytest.fixture
def statements(app):
    counter = Statements()
    sa_event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    sa_event.remove(db.engine, "before_cursor_execute", counter)


def test_every_get_rule_is_a_page_or_says_why_not():
    stale = sorted(set(NOT_SIGNED_IN_PAGES) - {e for _, _, e, _ in RULES})
    assert stale == [], f"NOT_SIGNED_IN_PAGES names routes that no longer exist: {stale}"
    stale = sorted(set(N_PLUS_ONE) - {e for _, _, e, _ in RULES})
    assert stale == [], f"N_PLUS_ONE names routes that no longer exist: {stale}"


@pytest.mark.parametrize(("path", "endpoint", "viewer"), list(_pages()))
def test_statements_do_not_grow_with_rows(app, scene, statements, path, endpoint, viewer):
    rule = next(r for r in app.url_map.iter_rules(endpoint) if r.rule == path)
    person = scene.chair if viewer == "chair" else scene.people[viewer]
    scene.event, scene.enrollment, scene.plan, scene.body  # noqa: B018 — the world's core
    client = app.test_client()
    signed_in = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    counts, statuses, seen = [], set(), []
    for size in SIZES:
        scene.add_rows(size - scene._rows)
        url = scene.url_for_rule(rule)
        client.get(url)  # warm-up: what a change of data emptied is refilled
        statements.count, statements.seen = 0, []
        response = client.get(url)
        statuses.add(response.status_code)
        counts.append(statements.count)
        seen.append(list(statements.seen))
    assert statuses <= {200, 302}, f"{url} as {viewer}: {statuses}"
    assert counts[0] == counts[1], (
        f"{url} as {viewer}: {counts[0]} statements with {SIZES[0]} rows, {counts[1]} with "
        f"{SIZES[1]}; the extra ones:\n" + "\n".join(_extra(seen[0], seen[1])))


def _extra(few: list[str], many: list[str]) -> list[str]:
    left = list(few)
    out = []
    for statement in many:
        if statement in left:
            left.remove(statement)
        else:
            out.append(statement)
    return out[:12]
