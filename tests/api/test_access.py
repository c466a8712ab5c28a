"""Every API endpoint × every token scope × every owner role → the expected status.

No token: public endpoints answer, the rest 401. A token without the endpoint's scope: 403.
With the scope: what the owner's role sees on the site (another branch's records: 404;
the report: staff only). Every route under /api/v1 must appear here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from school.api import tokens
from school.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from school.catalog.models import EventStatus
from school.extensions import db

ROLES = ("admin", "coordinator", "trainee", "instructor")
SETS = ("none", *tokens.SCOPES, "all")
STAFF = ("admin", "coordinator")


@dataclass
class Ep:
    method: str
    path: str  # the route, as in the url map
    url: str
    scope: str | None  # None: public; "*": any token; else the scope needed
    expect: Callable[[str, str], int | set]  # (role, scope set) → status
    body: dict | None = None
    needs_also: str | None = None  # a second scope (webhook events need theirs)


def ok(_role, _set):
    return 200


def _world(make_event, make_user, make_branch, make_enrollment, make_token):
    branch = make_branch()
    people = {
        "admin": make_user("admin"),
        "coordinator": make_user("coordinator", branch=branch),
        "trainee": make_user(branch=make_branch()),
        "instructor": make_user("instructor"),
    }
    member = make_user(branch=branch)
    event = make_event(instructors=[people["instructor"]])
    enrolment = make_enrollment(event, member)
    past = make_event(starts_on=date.today() - timedelta(days=60), status=EventStatus.completed)
    done = make_enrollment(past, member, status="completed", attended_hours=24,
                           attended_sessions=3)
    from school.certificates import services as certificates

    certificate = certificates.issue_certificate(done)
    db.session.commit()
    toks: dict[str, dict[str, str | None]] = {}
    for role, person in people.items():
        toks[role] = {"none": None, "all": make_token(person)}
        for scope in tokens.SCOPES:
            toks[role][scope] = make_token(person, scopes=(scope,))
    admin_all = toks["admin"]["all"]
    from school.api.models import ApiToken

    token_row = db.session.scalar(db.select(ApiToken).where(
        ApiToken.token_hash == tokens.hash_token(admin_all)))
    sub = WebhookSubscription(token_id=token_row.id, url="http://127.0.0.1:9/h", secret="s",
                              events="event.published")
    db.session.add(sub)
    db.session.flush()
    sent = WebhookDelivery(subscription_id=sub.id, uid="u-1", event="event.published",
                           payload={"event": "event.published", "data": {}},
                           status=DeliveryStatus.failed, attempts=1)
    db.session.add(sent)
    db.session.commit()
    return people, event, enrolment, certificate, sub, sent, toks


def _endpoints(event, enrolment, certificate, sub, sent, year) -> list[Ep]:
    def in_scope(role, _set):
        return 200 if role in STAFF else 404

    def own_sub(role, set_):
        return 200 if (role, set_) == ("admin", "all") else 404

    def own_sub_created(role, set_):
        return {200, 202} if (role, set_) == ("admin", "all") else 404

    return [
        Ep("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", None, ok),
        Ep("GET", "/api/v1/docs", "/api/v1/docs", None, ok),
        Ep("GET", "/api/v1/programmes", "/api/v1/programmes", None, ok),
        Ep("GET", "/api/v1/programmes/<int:program_id>",
           f"/api/v1/programmes/{event.program_id}", None, ok),
        Ep("GET", "/api/v1/events", "/api/v1/events", None, ok),
        Ep("GET", "/api/v1/events/<int:event_id>", f"/api/v1/events/{event.id}", None, ok),
        Ep("GET", "/api/v1/verify/<string:code>",
           f"/api/v1/verify/{certificate.verification_code}", None, ok),
        Ep("GET", "/api/v1/verify", "/api/v1/verify?number=NOPE-1&surname=x", None,
           lambda r, s: 404),
        Ep("GET", "/api/v1/me", "/api/v1/me", "*", ok),
        Ep("GET", "/api/v1/organisations", "/api/v1/organisations", "catalogue:read", ok),
        Ep("GET", "/api/v1/enrolments", f"/api/v1/enrolments?event_id={event.id}",
           "people:read", ok),
        Ep("GET", "/api/v1/enrolments/<int:enrolment_id>",
           f"/api/v1/enrolments/{enrolment.id}", "people:read", in_scope),
        Ep("GET", "/api/v1/attendance", f"/api/v1/attendance?event_id={event.id}",
           "people:read", ok),
        Ep("GET", "/api/v1/certificates", "/api/v1/certificates", "people:read", ok),
        Ep("GET", "/api/v1/certificates/<string:number>",
           f"/api/v1/certificates/{certificate.number}", "people:read", in_scope),
        Ep("GET", "/api/v1/reports/yearly", f"/api/v1/reports/yearly?year={year}",
           "reports:read", lambda r, s: 200 if r in STAFF else 403),
        Ep("POST", "/api/v1/enrolments", "/api/v1/enrolments", "enrolments:write",
           # Each role enrols itself once; its second token then meets already_enrolled.
           lambda r, s: 201 if s == "enrolments:write" else 400, body={"event_id": event.id}),
        Ep("POST", "/api/v1/enrolments/<int:enrolment_id>/cancel",
           f"/api/v1/enrolments/{enrolment.id}/cancel", "enrolments:write",
           lambda r, s: {200, 400} if r in STAFF else 404, body={"reason": "Болезнь"}),
        Ep("GET", "/api/v1/webhooks", "/api/v1/webhooks", "webhooks:manage", ok),
        Ep("POST", "/api/v1/webhooks", "/api/v1/webhooks", "webhooks:manage",
           lambda r, s: 201, body={"url": "http://127.0.0.1:9/x", "events": ["event.published"]},
           needs_also="catalogue:read"),
        Ep("GET", "/api/v1/webhooks/<int:subscription_id>", f"/api/v1/webhooks/{sub.id}",
           "webhooks:manage", own_sub),
        Ep("GET", "/api/v1/webhooks/<int:subscription_id>/deliveries",
           f"/api/v1/webhooks/{sub.id}/deliveries", "webhooks:manage", own_sub),
        Ep("POST",
           "/api/v1/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver",
           f"/api/v1/webhooks/{sub.id}/deliveries/{sent.id}/redeliver", "webhooks:manage",
           lambda r, s: 202 if (r, s) == ("admin", "all") else 404),
        Ep("PATCH", "/api/v1/webhooks/<int:subscription_id>", f"/api/v1/webhooks/{sub.id}",
           "webhooks:manage", own_sub_created, body={"active": False}),
        # Last: it deletes the subscription the rows above use.
        Ep("DELETE", "/api/v1/webhooks/<int:subscription_id>", f"/api/v1/webhooks/{sub.id}",
           "webhooks:manage", lambda r, s: 204 if (r, s) == ("admin", "all") else 404),
    ]


def _expected(ep: Ep, role: str, set_: str) -> int | set:
    if ep.scope is None:
        return ep.expect(role, set_)
    if set_ == "none":
        return 401
    held = set(tokens.SCOPES) if set_ == "all" else {set_}
    if ep.scope != "*" and ep.scope not in held:
        return 403
    if ep.needs_also and ep.needs_also not in held:
        return 403
    return ep.expect(role, set_)


def test_every_endpoint_by_scope_and_role(app, client, make_event, make_user, make_branch,
                                          make_enrollment, make_token, bearer):
    _people, event, enrolment, certificate, sub, sent, toks = _world(
        make_event, make_user, make_branch, make_enrollment, make_token)
    endpoints = _endpoints(event, enrolment, certificate, sub, sent, date.today().year - 1)

    # Every route under /api/v1 is in the matrix with each of its methods.
    routes = {(m, r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(ep.method, ep.path) for ep in endpoints}

    wrong = []
    for ep in endpoints:
        # Refusals first (they change nothing), then the calls that may write.
        cases = sorted(((role, set_) for role in ROLES for set_ in SETS),
                       key=lambda c: _expected(ep, *c) not in (401, 403, 404))
        for role, set_ in cases:
            expected = _expected(ep, role, set_)
            response = client.open(ep.url, method=ep.method, json=ep.body,
                                   headers=bearer(toks[role][set_]))
            allowed = expected if isinstance(expected, set) else {expected}
            if response.status_code not in allowed:
                wrong.append((ep.method, ep.url, role, set_, response.status_code, expected))
            if response.status_code >= 400:
                assert response.mimetype == "application/problem+json", (ep.url, role, set_)
    assert wrong == []
