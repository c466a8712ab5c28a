"""Sending webhook deliveries: queued after the commit that caused them, retried with
backoff, logged, and the subscription disabled after repeated failures.

With REDIS_URL set each delivery is an RQ job on the `webhooks` queue (run
`rq worker webhooks --with-scheduler`: the scheduler runs the delayed retries); without it
a thread of this process makes the attempts (like school/certificates/jobs.py).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import event

from school.api import webhooks
from school.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from school.dbtypes import utcnow
from school.extensions import db, write_transaction

_QUEUE_KEY = "api_webhook_deliveries"
_threads: list[threading.Thread] = []
_worker_app: Flask | None = None
DEFAULT_DELAYS = (10, 60, 300, 1800, 7200)  # seconds before attempts 2, 3, …


def delays() -> list[float]:
    value = current_app.config.get("WEBHOOK_RETRY_DELAYS", DEFAULT_DELAYS)
    if isinstance(value, str):
        value = [float(v) for v in value.split(",") if v.strip()]
    return [float(v) for v in value]


def max_attempts() -> int:
    return len(delays()) + 1


def create(subscription: WebhookSubscription, name: str, payload: dict) -> WebhookDelivery:
    """A pending delivery, sent after the current transaction commits."""
    delivery = WebhookDelivery(subscription_id=subscription.id, uid=str(uuid.uuid4()),
                               event=name, payload=payload, next_attempt_at=utcnow(),
                               created_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    db.session().info.setdefault(_QUEUE_KEY, []).append(delivery.id)
    return delivery


def redeliver(old: WebhookDelivery) -> WebhookDelivery:
    """Send the same event again (same payload and event id, a new delivery id)."""
    return create(old.subscription, old.event, old.payload)


@event.listens_for(db.session, "after_commit")
def _dispatch_after_commit(session) -> None:
    if session.in_nested_transaction():
        # SQLAlchemy calls after_commit for a SAVEPOINT's release too (enroll() uses one per
        # person): the rows are not committed yet, keep them for the real commit.
        return
    ids = session.info.pop(_QUEUE_KEY, None)
    for delivery_id in ids or ():
        try:
            enqueue(delivery_id)
        except Exception:  # a queue hiccup must not undo the committed change
            current_app.logger.exception("could not queue webhook delivery %s", delivery_id)


@event.listens_for(db.session, "after_transaction_end")
def _drop_unsent(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_QUEUE_KEY, None)


def enqueue(delivery_id: int) -> None:
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue, Retry

        steps = delays()
        name = current_app.config.get("WEBHOOK_QUEUE") or "webhooks"
        Queue(name, connection=Redis.from_url(redis_url)).enqueue(
            "school.api.delivery.run_job", delivery_id,
            retry=Retry(max=len(steps), interval=[int(s) for s in steps]) if steps else None,
            job_timeout=60, description=f"webhook delivery {delivery_id}",
        )
        return
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run_locally, args=(app, delivery_id),
                              name=f"webhook-{delivery_id}", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()]
    _threads.append(thread)
    thread.start()


def wait_local(timeout: float = 30) -> None:
    """Wait for this process's delivery threads (tests)."""
    deadline = time.monotonic() + timeout
    for thread in list(_threads):
        thread.join(max(0.0, deadline - time.monotonic()))


def _run_locally(app: Flask, delivery_id: int) -> None:
    with app.app_context():
        try:
            steps = delays()
            while not attempt(delivery_id):
                delivery = db.session.get(WebhookDelivery, delivery_id)
                if delivery is None or delivery.status is not DeliveryStatus.pending:
                    return
                time.sleep(steps[min(delivery.attempts, len(steps)) - 1])
        finally:
            db.session.remove()


class DeliveryFailed(Exception):
    """Raised in an RQ job so that RQ schedules the next attempt."""


def run_job(delivery_id: int) -> None:
    global _worker_app
    if _worker_app is None:
        from school import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            if not attempt(delivery_id):
                delivery = db.session.get(WebhookDelivery, delivery_id)
                if delivery is not None and delivery.status is DeliveryStatus.pending:
                    raise DeliveryFailed(f"delivery {delivery_id}: {delivery.response_code}")
        finally:
            db.session.remove()


def due_ids(now=None, limit: int = 500) -> list[int]:
    """Pending deliveries whose next attempt is due (e.g. left by a restarted process)."""
    from sqlalchemy import select

    now = now or utcnow()
    return list(db.session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.status == DeliveryStatus.pending,
                                         WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str | None]:
    """(status code, error text). Redirects are not followed (they could lead inside)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    # The scheme was checked to be http(s) when the subscription was made.
    request = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310
                                     method="POST")
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT", 10))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as e:
        return e.code, None
    except (urllib.error.URLError, OSError, ValueError) as e:
        return None, str(e)[:300]


def attempt(delivery_id: int) -> bool:
    """One attempt: True when the delivery is settled (sent, given up, or moot)."""
    with write_transaction():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.pending:
            return True
        subscription = delivery.subscription
        if not subscription.active:
            delivery.status, delivery.error = DeliveryStatus.failed, "subscription disabled"
            return True
        url, secret = subscription.url, subscription.secret
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        name, uid = delivery.event, delivery.uid
    try:
        webhooks.check_url(url)  # again: the name may resolve elsewhere by now
        error = None
    except Exception as e:  # DomainError: refused address
        code, error = None, str(getattr(e, "message", e))
    if error is None:
        timestamp = int(time.time())
        code, error = _post(url, body, {
            "Content-Type": "application/json", "User-Agent": "fprk-school-webhooks/1",
            webhooks.EVENT_HEADER: name, webhooks.DELIVERY_HEADER: uid,
            webhooks.TIMESTAMP_HEADER: str(timestamp),
            webhooks.SIGNATURE_HEADER: webhooks.sign(secret, timestamp, body),
        })
    return _settle(delivery_id, code, error)


def _settle(delivery_id: int, code: int | None, error: str | None) -> bool:
    now = utcnow()
    with write_transaction():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        subscription = delivery.subscription
        delivery.attempts += 1
        delivery.response_code, delivery.error = code, error
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at = DeliveryStatus.delivered, now
            delivery.next_attempt_at = None
            subscription.failures = 0
            return True
        steps = delays()
        if delivery.attempts <= len(steps):
            delivery.next_attempt_at = now + timedelta(seconds=steps[delivery.attempts - 1])
            return False
        delivery.status, delivery.next_attempt_at = DeliveryStatus.failed, None
        subscription.failures += 1
        limit = int(current_app.config.get("WEBHOOK_DISABLE_AFTER", 5))
        if subscription.active and subscription.failures >= limit:
            subscription.active, subscription.disabled_at = False, now
        return True
