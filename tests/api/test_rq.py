"""Webhook deliveries through a real job queue: RQ on Redis, a real worker in burst mode,
RQ's own retries; the worker builds its app from the environment, as in production."""

from __future__ import annotations

import uuid

import pytest

from school.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from school.extensions import db
from tests.api.test_webhooks import Receiver

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def webhook_queue(app, monkeypatch, database_url):
    redis_mod = pytest.importorskip("redis")
    rq = pytest.importorskip("rq")
    connection = redis_mod.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis_mod.exceptions.ConnectionError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    name = f"test-webhooks-{uuid.uuid4().hex[:10]}"  # other runs may share this Redis
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "WEBHOOK_QUEUE", name)
    monkeypatch.setitem(app.config, "WEBHOOK_RETRY_DELAYS", "0,0")
    for key, value in {"DATABASE_URL": database_url, "WEBHOOK_ALLOW_PRIVATE": "1",
                       "WEBHOOK_RETRY_DELAYS": "0,0", "WEBHOOK_DISABLE_AFTER": "1",
                       "MAIL_BACKEND": "locmem", "BASE_URL": "http://school.test"}.items():
        monkeypatch.setenv(key, value)
    from school.api import delivery

    monkeypatch.setattr(delivery, "_worker_app", None)
    queue = rq.Queue(name, connection=connection)
    yield queue, rq
    queue.delete(delete_jobs=True)


def test_deliveries_are_rq_jobs_retried_by_rq_then_disabled(
        client, make_event, make_user, make_token, bearer, webhook_queue):
    queue, rq = webhook_queue
    hook = Receiver(500)
    try:
        token = make_token(make_user("admin"))
        sub = client.post("/api/v1/webhooks", json={"url": hook.url,
                                                    "events": ["enrolment.confirmed"]},
                          headers=bearer(token)).get_json()
        event = make_event()
        assert client.post("/api/v1/enrolments", json={"event_id": event.id},
                           headers=bearer(token)).status_code == 201
        assert queue.count == 1  # queued after the commit, not sent by the request
        assert hook.received == []
        rq.Worker([queue], connection=queue.connection).work(burst=True)
        db.session.rollback()
        (row,) = db.session.scalars(db.select(WebhookDelivery))
        assert (row.status, row.attempts, row.response_code) == (DeliveryStatus.failed, 3, 500)
        assert len(hook.received) == 3
        assert db.session.get(WebhookSubscription, sub["id"]).active is False
    finally:
        hook.close()


def test_deliver_pending_command_sends_what_is_due(app, client, make_user, make_token, bearer):
    from datetime import UTC, datetime, timedelta

    hook = Receiver(200)
    try:
        token = make_token(make_user("admin"))
        sub = client.post("/api/v1/webhooks", json={"url": hook.url,
                                                    "events": ["event.published"]},
                          headers=bearer(token)).get_json()
        db.session.add(WebhookDelivery(
            subscription_id=sub["id"], uid=str(uuid.uuid4()), event="event.published",
            payload={"event": "event.published", "data": {}},
            next_attempt_at=datetime.now(UTC) - timedelta(minutes=1)))
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["api", "deliver-pending"])
        assert result.exit_code == 0 and "1 due, 1 settled" in result.output
        assert len(hook.received) == 1
    finally:
        hook.close()
