"""Webhooks end to end: a receiver on 127.0.0.1 gets a signed delivery for a confirmed
enrolment; a receiver answering 500 gets retries, then the subscription is disabled."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from school.api import delivery, webhooks
from school.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from school.extensions import db


class Receiver:
    """A tiny HTTP server in a thread, answering `status`, keeping what it was sent."""

    def __init__(self, status: int = 200):
        self.status = status
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(status=200):
        r = Receiver(status)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def _subscribe(client, bearer, token, url, events):
    response = client.post("/api/v1/webhooks", json={"url": url, "events": events},
                           headers=bearer(token))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_signed_delivery_for_a_confirmed_enrolment(
        client, make_event, make_user, make_branch, make_token, bearer, receiver):
    branch = make_branch()
    coordinator = make_user("coordinator", branch=branch)
    token = make_token(coordinator)
    hook = receiver(200)
    sub = _subscribe(client, bearer, token, hook.url, ["enrolment.confirmed"])
    event = make_event()
    person = make_user(branch=branch)
    response = client.post("/api/v1/enrolments", json={"event_id": event.id,
                                                       "person_id": person.id},
                           headers=bearer(token))
    assert response.status_code == 201
    enrolment_id = response.get_json()["id"]
    delivery.wait_local()
    assert _wait_for(lambda: len(hook.received) == 1)
    headers, body = hook.received[0]
    assert webhooks.verify_signature(sub["secret"], headers, body)
    # Someone without the secret, or a replay outside the window, fails the same check.
    assert not webhooks.verify_signature("0" * 64, headers, body)
    assert not webhooks.verify_signature(sub["secret"], headers, body + b" ")
    assert not webhooks.verify_signature(sub["secret"], headers, body,
                                         now=time.time() + webhooks.REPLAY_WINDOW + 5)
    payload = json.loads(body)
    assert headers["X-School-Event"] == "enrolment.confirmed"
    assert payload["event"] == "enrolment.confirmed"
    assert payload["data"]["id"] == enrolment_id and payload["data"]["status"] == "confirmed"
    log = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=bearer(token))
    (entry,) = log.get_json()["items"]
    assert entry["status"] == "delivered" and entry["response_code"] == 200
    assert entry["uid"] == headers["X-School-Delivery"]


def test_a_receiver_answering_500_gets_retries_then_the_subscription_is_disabled(
        app, client, make_event, make_user, make_token, bearer, receiver):
    saved = app.config.get("WEBHOOK_DISABLE_AFTER")
    app.config["WEBHOOK_DISABLE_AFTER"] = 2
    try:
        admin = make_user("admin")
        token = make_token(admin)
        hook = receiver(500)
        sub = _subscribe(client, bearer, token, hook.url, ["enrolment.confirmed"])
        event = make_event()
        for _ in range(2):
            person = make_user()
            assert client.post("/api/v1/enrolments", json={"event_id": event.id,
                                                           "person_id": person.id},
                               headers=bearer(token)).status_code == 201
            delivery.wait_local()
        attempts = 1 + len(delivery.delays())
        assert len(hook.received) == 2 * attempts  # every attempt reached the receiver
        rows = list(db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)))
        assert [(d.status, d.attempts, d.response_code) for d in rows] == [
            (DeliveryStatus.failed, attempts, 500)] * 2
        subscription = db.session.get(WebhookSubscription, sub["id"])
        assert subscription.active is False and subscription.disabled_at is not None
        # Disabled: the next enrolment sends nothing.
        person = make_user()
        client.post("/api/v1/enrolments", json={"event_id": event.id, "person_id": person.id},
                    headers=bearer(token))
        delivery.wait_local()
        assert len(hook.received) == 2 * attempts
        shown = client.get(f"/api/v1/webhooks/{sub['id']}", headers=bearer(token)).get_json()
        assert shown["active"] is False and shown["failures"] == 2
    finally:
        app.config["WEBHOOK_DISABLE_AFTER"] = saved


def test_manual_redelivery_and_re_enabling(client, make_event, make_user, make_token, bearer,
                                           receiver):
    admin = make_user("admin")
    token = make_token(admin)
    hook = receiver(500)
    sub = _subscribe(client, bearer, token, hook.url, ["event.cancelled", "event.changed"])
    event = make_event()
    from school.catalog import services as catalog

    catalog.cancel_event(event, "no hall", admin)
    db.session.commit()
    delivery.wait_local()
    (entry,) = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries",
                          headers=bearer(token)).get_json()["items"]
    assert entry["status"] == "failed" and entry["event"] == "event.cancelled"
    hook.status = 204
    again = client.post(f"/api/v1/webhooks/{sub['id']}/deliveries/{entry['id']}/redeliver",
                        headers=bearer(token))
    assert again.status_code == 202
    delivery.wait_local()
    log = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries",
                     headers=bearer(token)).get_json()["items"]
    assert log[0]["status"] == "delivered" and log[0]["response_code"] == 204
    assert log[0]["payload"] == entry["payload"] and log[0]["uid"] != entry["uid"]
    patched = client.patch(f"/api/v1/webhooks/{sub['id']}", json={"active": False},
                           headers=bearer(token))
    assert patched.status_code == 200 and patched.get_json()["active"] is False


def test_deliveries_follow_what_the_owner_may_see(
        client, make_event, make_user, make_branch, make_token, bearer, receiver):
    mine, other = make_branch(), make_branch()
    coordinator = make_user("coordinator", branch=mine)
    hook = receiver(200)
    _subscribe(client, bearer, make_token(coordinator), hook.url, ["enrolment.confirmed"])
    admin_token = make_token(make_user("admin"))
    event = make_event()
    stranger = make_user(branch=other)
    assert client.post("/api/v1/enrolments", json={"event_id": event.id,
                                                   "person_id": stranger.id},
                       headers=bearer(admin_token)).status_code == 201
    delivery.wait_local()
    assert hook.received == []  # not the coordinator's branch: nothing sent


def test_subscribing_needs_the_events_scope_and_a_public_address(
        app, client, make_user, make_token, bearer):
    admin = make_user("admin")
    only_hooks = make_token(admin, scopes=("webhooks:manage",))
    refused = client.post("/api/v1/webhooks", json={"url": "https://example.org/h",
                                                    "events": ["enrolment.confirmed"]},
                          headers=bearer(only_hooks))
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "insufficient_scope"
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    token = make_token(admin)
    for url in ("http://127.0.0.1:8080/h", "http://10.0.0.5/h", "http://[::1]/h",
                "http://169.254.169.254/latest", "ftp://example.org/h", "http://user:pw@x.org/"):
        response = client.post("/api/v1/webhooks", json={"url": url,
                                                         "events": ["event.published"]},
                               headers=bearer(token))
        assert response.status_code == 400, url
        assert response.get_json()["code"] in ("url_private", "url_invalid"), url
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookSubscription)) == 0


def test_signature_is_hmac_sha256_over_timestamp_and_body():
    import hashlib
    import hmac

    body = b'{"a":1}'
    expected = hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.sign("k", 1700000000, body) == "v1=" + expected


def test_a_bulk_action_reads_subscriptions_once(client, make_event, make_user, make_branch,
                                                make_token, bearer, receiver):
    """Many signals in one transaction (a nomination list): one subscriptions query."""
    from sqlalchemy import event as sa_event

    from school.enrollment import services

    branch = make_branch()
    coordinator = make_user("coordinator", branch=branch)
    hook = receiver(200)
    _subscribe(client, bearer, make_token(coordinator), hook.url, ["enrolment.confirmed"])
    event = make_event(capacity=50)
    people = [make_user(branch=branch) for _ in range(12)]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        done, skipped = services.nominate(event, people, coordinator)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    db.session.commit()  # the deliveries leave after this, in their own thread
    assert len(done) == 12 and skipped == []
    reads = [s for s in statements if "FROM webhook_subscription" in s]
    assert len(reads) == 1
    delivery.wait_local()
    assert _wait_for(lambda: len(hook.received) == 12)


def test_nothing_leaves_when_the_transaction_rolls_back(client, make_event, make_user,
                                                        make_token, bearer, receiver):
    from school.enrollment import services

    admin = make_user("admin")
    hook = receiver(200)
    _subscribe(client, bearer, make_token(admin), hook.url, ["enrolment.confirmed"])
    event = make_event()
    services.enroll(event, make_user(), actor=admin)
    db.session.rollback()
    delivery.wait_local()
    time.sleep(0.2)
    assert hook.received == []
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookDelivery)) == 0
