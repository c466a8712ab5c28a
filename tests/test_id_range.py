"""Issue 11, item 6: an id past the INTEGER columns' range (2^31 and above) is a 404 or a
refused choice on every route, never a 500 (PostgreSQL refuses such a number in a query)."""

from __future__ import annotations

import re

import pytest

from school.core.utils import MAX_ID, optional_int, record_id

TOO_BIG = 2**31  # one past PostgreSQL's INTEGER
ID_ARGS = ("event_id", "branch_id", "union_id", "region_id", "program_id", "employer_id",
           "organisation_id", "user_id", "unit_id", "plan_id")


def test_the_guard_matches_the_columns():
    assert MAX_ID == 2**31 - 1
    assert optional_int(str(TOO_BIG)) is None
    assert optional_int(str(MAX_ID)) == MAX_ID
    with pytest.raises(ValueError):
        record_id(str(TOO_BIG))


def _paths(app) -> list[tuple[str, str]]:
    """Every route with an <int:…> part, that part set past the range."""
    found = []
    for rule in app.url_map.iter_rules():
        if not any(type(c).__name__ == "IdConverter" for c in rule._converters.values()):
            continue
        path = rule.rule
        for name, converter in rule._converters.items():
            value = str(TOO_BIG) if type(converter).__name__ == "IdConverter" else "x"
            path = re.sub(rf"<[^>]*:?{name}>", value, path)
        method = "GET" if "GET" in rule.methods else "POST"
        found.append((method, path))
    return found


@pytest.fixture
def admin_client(client, login, make_user):
    login(make_user("admin"))
    return client


def test_every_id_route_answers_404_past_the_range(app, admin_client, client):
    paths = _paths(app)
    assert len(paths) > 30
    anonymous = app.test_client()
    for method, path in paths:
        for who in (admin_client, anonymous):
            response = who.open(path, method=method)
            assert response.status_code in (302, 303, 403, 404, 405), (method, path)
            if who is admin_client and method == "GET":
                assert response.status_code == 404, path


def test_query_string_ids_past_the_range_are_ignored(app, admin_client):
    query = {name: str(TOO_BIG) for name in ID_ARGS}
    for rule in app.url_map.iter_rules():
        if rule.arguments or "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        response = admin_client.get(rule.rule, query_string=query)
        assert response.status_code < 500, rule.rule
