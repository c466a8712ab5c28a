"""Every route declares who may reach it, and the declared rules hold (route × role)."""

from __future__ import annotations

import pytest

from school.permissions import EXEMPT_ENDPOINTS, rule_for


def test_every_route_declares_a_permission(app):
    with app.test_request_context():
        missing = sorted(
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if rule.endpoint not in EXEMPT_ENDPOINTS and rule_for(rule.endpoint) is None
        )
    assert missing == [], f"routes without a declared permission: {missing}"


def test_an_undeclared_route_is_refused(make_app):
    # A view registered without @allow must fail closed, not open.
    from flask import Blueprint

    probe_app = make_app()
    bp = Blueprint("undeclared_probe", __name__)

    @bp.get("/__undeclared_probe")
    def probe():
        return "secret"

    probe_app.register_blueprint(bp)
    response = probe_app.test_client().get("/__undeclared_probe")
    assert response.status_code == 403
    assert b"secret" not in response.data


# Route × role → expected status for GET. "login" means a redirect to the sign-in page.
MATRIX = {
    "/": {"anon": 200, "trainee": 200, "instructor": 200, "coordinator": 200, "admin": 200},
    "/healthz": {"anon": 200, "trainee": 200, "admin": 200},
    "/login": {"anon": 200},
    "/register": {"anon": 200},
    "/profile": {"anon": "login", "trainee": 200, "coordinator": 200, "admin": 200},
    "/profile/password": {"anon": "login", "trainee": 200},
    "/people": {"anon": "login", "trainee": 403, "instructor": 403, "coordinator": 200,
                "admin": 200},
    "/orgs/regions": {"anon": "login", "trainee": 403, "coordinator": 200, "admin": 200},
    "/orgs/unions": {"anon": "login", "trainee": 403, "coordinator": 200, "admin": 200},
    "/orgs/unions/new": {"anon": "login", "trainee": 403, "coordinator": 403, "admin": 200},
    "/orgs/branches": {"anon": "login", "trainee": 403, "instructor": 403, "coordinator": 200,
                       "admin": 200},
    "/orgs/branches/new": {"anon": "login", "coordinator": 403, "admin": 200},
    "/orgs/organizations": {"anon": "login", "trainee": 403, "coordinator": 200, "admin": 200},
    "/orgs/organizations/new": {"anon": "login", "trainee": 403, "coordinator": 200,
                                "admin": 200},
    "/orgs/import": {"anon": "login", "trainee": 403, "coordinator": 403, "admin": 200},
    "/orgs/api/branches": {"anon": 200},
    "/password/reset": {"anon": 200},
}


@pytest.fixture
def people(make_user, make_branch):
    branch = make_branch()
    return {
        "trainee": make_user("trainee", branch=branch),
        "instructor": make_user("instructor"),
        "coordinator": make_user("coordinator", branch=branch),
        "admin": make_user("admin"),
    }


@pytest.mark.parametrize(
    ("path", "role", "expected"),
    [(path, role, exp) for path, row in MATRIX.items() for role, exp in row.items()],
)
def test_access_matrix(client, login, people, path, role, expected):
    if role != "anon":
        login(people[role])
    response = client.get(path)
    if expected == "login":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, f"{role} GET {path}"


def test_admin_only_posts_are_refused_to_coordinators(client, login, people):
    login(people["coordinator"])
    target = people["trainee"]
    response = client.post(f"/people/{target.id}/roles", data={"role": "admin"})
    assert response.status_code == 403
    assert not target.has_role("admin")
