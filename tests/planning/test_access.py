"""Every planning route × role → status (a fresh world for each, POSTs included)."""

from __future__ import annotations

import pytest

from school.extensions import db
from school.planning.models import PlanLevel, PlanState

ROLES = ("anonymous", "trainee", "instructor", "chair", "coord_a", "coord_b", "admin")


@pytest.fixture
def world(tree, make_chair, make_user, make_plan, make_event):
    people = {
        "trainee": make_user("trainee", branch=tree["a"]),
        "instructor": make_user("instructor"),
        "chair": make_chair(tree["a1"]),
        "coord_a": make_user("coordinator", branch=tree["a"]),
        "coord_b": make_user("coordinator", branch=tree["b"]),
        "admin": make_user("admin"),
    }
    draft = make_plan(tree["a1"], level=PlanLevel.organisation, state=PlanState.draft,
                      people={"chair": 1})
    submitted = make_plan(tree["l1"], level=PlanLevel.organisation,
                          state=PlanState.submitted, people={"chair": 1})
    approved = make_plan(tree["a1"], level=PlanLevel.organisation, year=2026,
                         people={"chair": 1})
    event = make_event(organizer_branch_id=tree["a"].id)
    return {"tree": tree, "people": people, "draft": draft, "submitted": submitted,
            "approved": approved, "event": event,
            "line": draft.headcounts[0].id}


OK, REDIRECT, FORBIDDEN, MISSING = 200, 302, 403, 404
# (method, path, form data, statuses for trainee, instructor, chair, coord_a, coord_b, admin)
CASES = [
    ("GET", "/plans/", None, (403, 403, 200, 200, 200, 200)),
    ("POST", "/plans/open", {"year": 2027, "level": "organisation", "unit_id": "{a1}"},
     (403, 403, 302, 302, 404, 302)),
    ("GET", "/plans/{draft}", None, (403, 403, 200, 200, 404, 200)),
    ("POST", "/plans/{draft}/lines/headcount",
     {"h-category": "treasurer", "h-people": "2"}, (403, 403, 302, 302, 404, 302)),
    ("POST", "/plans/{draft}/lines/headcount/{line}/delete", {},
     (403, 403, 302, 302, 404, 302)),
    ("POST", "/plans/{draft}/submit", {}, (403, 403, 302, 302, 404, 302)),
    ("POST", "/plans/{submitted}/approve", {}, (403, 403, 404, 302, 404, 302)),
    ("POST", "/plans/{submitted}/return", {"comment": "Исправьте"},
     (403, 403, 404, 302, 404, 302)),
    ("POST", "/plans/{approved}/reopen", {"reason": "Новые данные"},
     (403, 403, 302, 302, 404, 302)),
    ("GET", "/plans/consolidated?year=2027", None, (403, 403, 403, 200, 200, 200)),
    ("GET", "/plans/consolidated?year=2027&format=csv", None, (403, 403, 403, 200, 200, 200)),
    ("GET", "/plans/consolidated?year=2027&format=xlsx", None, (403, 403, 403, 200, 200, 200)),
    ("GET", "/plans/progress/{a}?year=2027", None, (403, 403, 403, 200, 404, 200)),
    ("GET", "/plans/actuals?year=2027", None, (403, 403, 403, 200, 200, 200)),
    ("GET", "/plans/actuals?year=2027&format=xlsx", None, (403, 403, 403, 200, 200, 200)),
    ("GET", "/plans/actuals?year=2027&format=csv", None, (403, 403, 403, 200, 200, 200)),
    ("GET", "/plans/events/{event}/costs", None, (403, 403, 403, 200, 404, 200)),
    ("POST", "/plans/events/{event}/costs", {"venue": "100000"},
     (403, 403, 403, 302, 404, 302)),
    ("GET", "/plans/calendar?year=2027", None, (403, 403, 200, 200, 200, 200)),
    ("POST", "/plans/calendar", {"year": 2027, "organisation": "2026-12-01"},
     (403, 403, 403, 403, 403, 302)),
    ("GET", "/plans/organisation", None, (403, 403, 200, 403, 403, 403)),
    ("GET", "/plans/organisation/propose", None, (403, 403, 200, 403, 403, 403)),
    ("POST", "/plans/organisation/propose", {"event_id": "0"}, (403, 403, 200, 403, 403, 403)),
]


def _path(template: str, w) -> str:
    t = w["tree"]
    return template.format(draft=w["draft"].id, submitted=w["submitted"].id,
                           approved=w["approved"].id, line=w["line"], event=w["event"].id,
                           a=t["a"].id, a1=t["a1"].id)


GETS = [c for c in CASES if c[0] == "GET"]
POSTS = [c for c in CASES if c[0] == "POST"]


def _check(client, login, world, role, method, path, data, expected):
    url = _path(path, world)
    form = {k: (_path(v, world) if isinstance(v, str) else v) for k, v in (data or {}).items()}
    if role != "anonymous":
        login(world["people"][role])
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    assert response.status_code == expected[ROLES.index(role) - 1], (role, url)
    db.session.rollback()


# Pages change nothing: every role in one world. Actions change it: a fresh world each.
@pytest.mark.parametrize(("method", "path", "data", "expected"), GETS,
                         ids=[c[1] for c in GETS])
def test_get_access(world, client, login, method, path, data, expected):
    for role in ROLES:
        _check(client, login, world, role, method, path, data, expected)
        client.post("/logout")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "data", "expected"), POSTS,
                         ids=[c[1] for c in POSTS])
def test_post_access(world, client, login, role, method, path, data, expected):
    _check(client, login, world, role, method, path, data, expected)


def test_every_planning_route_is_in_the_matrix(app):
    covered = {(c[0], c[1].split("?")[0]) for c in CASES}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("planning."):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", "*").replace(f"<{name}>", "*")
            assert any(m == method and _same(path, p) for m, p in covered), (method, rule.rule)


def _same(pattern: str, path: str) -> bool:
    a, b = pattern.strip("/").split("/"), path.strip("/").split("/")
    return len(a) == len(b) and all(x == "*" or x == y or y.startswith("{") or
                                    (x == "*" and y) for x, y in zip(a, b, strict=True))
