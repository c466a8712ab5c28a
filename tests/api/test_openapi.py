"""The OpenAPI document: valid 3.1 (checked by openapi-spec-validator), and every route
under /api/v1 in it with its methods."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

PREFIX = "/api/v1/"


def _spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_valid_openapi_3_1(client):
    spec = _spec(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises on an invalid document


def test_the_validator_does_catch_a_broken_document(client):
    spec = _spec(client)
    spec["paths"]["/api/v1/events"]["get"]["responses"]["200"] = {"content": 5}
    try:
        validate(spec)
    except OpenAPIValidationError:
        return
    raise AssertionError("a broken document passed validation")


def test_every_api_route_is_documented_with_its_methods(app, client):
    paths = _spec(client)["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []
    assert len(paths) >= 20


def test_errors_are_documented_as_problem_documents(client):
    spec = _spec(client)
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == ["application/problem+json"]
    assert "code" in spec["components"]["schemas"]["Problem"]["properties"]


def test_reference_page_is_served_from_our_own_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "/static/js/api-docs.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert client.get("/static/js/api-docs.js").status_code == 200
