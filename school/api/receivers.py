"""Domain signals → webhook deliveries, for the subscriptions whose token's owner may see
the thing that happened (the same rules as the API's reads)."""

from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy import select

from school import signals
from school.api import delivery, serializers
from school.api.models import ApiToken, WebhookSubscription
from school.api.webhooks import EVENTS
from school.dbtypes import utcnow
from school.extensions import db
from school.permissions import sees_enrollment, sees_event

_CACHE_KEY = "api_active_subscriptions"


def _active() -> list[WebhookSubscription]:
    """Active subscriptions, read once per transaction: a bulk action (a nomination list,
    an event's cancellation) sends many signals and must not query once per row."""
    info = db.session().info
    if _CACHE_KEY not in info:
        info[_CACHE_KEY] = list(db.session.scalars(
            select(WebhookSubscription)
            .join(ApiToken, ApiToken.id == WebhookSubscription.token_id)
            .where(WebhookSubscription.active.is_(True), ApiToken.revoked_at.is_(None),
                   ApiToken.expires_at > utcnow())
        ))
    return info[_CACHE_KEY]


def forget_subscriptions() -> None:
    """After a subscription changes in this transaction (see webhooks.py)."""
    db.session().info.pop(_CACHE_KEY, None)


@sa_event.listens_for(db.session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CACHE_KEY, None)


def _subscriptions(name: str) -> list[WebhookSubscription]:
    return [r for r in _active() if name in r.event_set and EVENTS[name] in r.token.scope_set]


def _send(name: str, subscriptions, visible, data) -> None:
    payload = None
    for subscription in subscriptions:
        if not visible(subscription.token.owner):
            continue
        if payload is None:
            payload = {"event": name, "occurred_at": utcnow().isoformat(), "data": data()}
        delivery.create(subscription, name, payload)


def _json(value):
    """Dates and instants as ISO text: the payload is stored as JSON."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def _on_enrolment(name: str):
    def receiver(_sender=None, *, enrollment, **_kw):
        subscriptions = _subscriptions(name)
        if not subscriptions:
            return
        _send(name, subscriptions, lambda owner: sees_enrollment(owner, enrollment),
              lambda: _json(serializers.enrolment(enrollment)))
    return receiver


def _on_event(name: str):
    def receiver(_sender=None, *, event, what=None, **_kw):
        subscriptions = _subscriptions(name)
        if not subscriptions:
            return

        def visible(owner) -> bool:
            return sees_event(owner, event)

        def data():
            body = _json(serializers.event(event))
            if what:
                body["changed"] = what.split(",")
            return body

        _send(name, subscriptions, visible, data)
    return receiver


def _on_certificate(name: str):
    def receiver(_sender=None, *, certificate, **_kw):
        subscriptions = _subscriptions(name)
        if not subscriptions:
            return
        _send(name, subscriptions,
              lambda owner: sees_enrollment(owner, certificate.enrollment),
              lambda: _json(serializers.certificate(certificate)))
    return receiver


# Kept at module level: blinker holds receivers weakly.
RECEIVERS = [
    (signals.enrollment_confirmed, _on_enrolment("enrolment.confirmed")),
    (signals.enrollment_waitlisted, _on_enrolment("enrolment.waitlisted")),
    (signals.enrollment_pending, _on_enrolment("enrolment.pending")),
    (signals.enrollment_cancelled, _on_enrolment("enrolment.cancelled")),
    (signals.event_published, _on_event("event.published")),
    (signals.event_changed, _on_event("event.changed")),
    (signals.event_cancelled, _on_event("event.cancelled")),
    (signals.event_completed, _on_event("event.completed")),
    (signals.certificate_issued, _on_certificate("certificate.issued")),
    (signals.certificate_revoked, _on_certificate("certificate.revoked")),
]
for _signal, _receiver in RECEIVERS:
    _signal.connect(_receiver)
