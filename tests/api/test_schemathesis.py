"""Schemathesis against the OpenAPI document: for every operation, generated requests
(with an admin's token holding every scope) never get a 5xx, and every response conforms
to the document (status code, content type, headers, body schema). In CI (`CI` set) the
examples are derandomised, so a landing never depends on a new random draw."""

from __future__ import annotations

import contextvars
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from school.extensions import db

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance)




def _document() -> dict:
    """The document as the app serves it (an app of its own: collection happens before
    the session's test app exists; the document needs no database)."""
    from school import create_app

    spec_app = create_app({"TESTING": True, "SECRET_KEY": "spec",
                           "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False})
    return spec_app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture
def isolated(app):
    def call(environ, start_response):
        # Each call in its own context (own app context and session), as in production.
        db.session.commit()
        return contextvars.Context().run(app, environ, start_response)

    return call


@pytest.fixture(autouse=True)
def _no_outbound_webhooks(monkeypatch):
    """Generated subscriptions point anywhere: deliveries never leave this process."""
    from school.api import delivery

    monkeypatch.setattr(delivery, "_post", lambda url, body, headers: (204, None))


@pytest.fixture
def world(make_event, make_user, make_branch, make_enrollment, make_token):
    """Something to find: events, an enrolment, a token with every scope."""
    branch = make_branch()
    admin = make_user("admin")
    event = make_event()
    make_event(region_code="KZ-71", sessions=2)
    make_enrollment(event, make_user(branch=branch))
    token = make_token(admin)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)
# One pytest item per operation with its own id ("GET /api/v1/events"): pytest-xdist tells
# items apart by id, and schemathesis' own parametrisation gives them all the same one.
OPERATIONS = sorted((method.upper(), path) for path, item in DOCUMENT["paths"].items()
                    for method in item if method in ("get", "post", "patch", "put", "delete"))


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_error_and_responses_conform(method, path, world, isolated):
    operation = schema[path][method]

    @settings(max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "20")), deadline=None,
              derandomize=bool(os.environ.get("CI")), database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call(headers=world, app=isolated)
        case.validate_response(response, checks=CHECKS)

    check()


# Schemathesis' state machine adapts its choices to earlier answers (link calibration), which
# Hypothesis can report as inconsistent generation. That is the generator's, not a finding
# about the API: tolerated; any failed check or server error still fails the test.
@pytest.mark.xfail(raises=FlakyStrategyDefinition, strict=False,
                   reason="schemathesis' adaptive state machine vs Hypothesis' replay")
def test_stateful_links(app, world, isolated, make_event):
    """Stateful: enrol, then read or cancel what was made; subscribe, then read, page the
    log, change or delete it (the OpenAPI links) — still no 5xx, still conforming."""
    from hypothesis.stateful import run_state_machine_as_test

    seen: list[tuple[str, str, int]] = []

    class Workflow(schema.as_state_machine()):
        def setup(self):
            # Every scenario starts from the same database: what a scenario can do next
            # depends on what its calls made, and Hypothesis replays scenarios.
            from school.api.models import WebhookDelivery, WebhookSubscription

            db.session.rollback()
            db.session.execute(db.delete(WebhookDelivery))
            db.session.execute(db.delete(WebhookSubscription))
            db.session.commit()
            self.event_id = make_event(capacity=3).id  # nobody enrolled yet

        def get_call_kwargs(self, case):
            if case.operation.path == "/api/v1/enrolments" and case.method == "POST" \
                    and isinstance(case.body, dict):
                case.body["event_id"] = self.event_id  # a real event: links have targets
                case.body.pop("person_id", None)
            return {"headers": world, "app": isolated}

        def validate_response(self, response, case, **kwargs):
            seen.append((case.method, case.operation.path, response.status_code))
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(Workflow, settings=settings(
        max_examples=int(os.environ.get("API_STATEFUL_EXAMPLES", "30")), deadline=None,
        derandomize=bool(os.environ.get("CI")), database=None, stateful_step_count=10,
        suppress_health_check=list(HealthCheck)))
    # The links were followed: something made was then read or changed through them.
    followed = {(m, p) for m, p, code in seen if code < 400 and "{" in p}
    assert followed, sorted(set(seen))[:20]
