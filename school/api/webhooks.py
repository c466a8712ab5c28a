"""Webhook subscriptions: the events one can subscribe to, the SSRF guard, signatures.

A delivery is a POST of JSON with these headers (documented in the README):

    X-School-Event: enrolment.confirmed
    X-School-Delivery: <uuid of this delivery>
    X-School-Timestamp: <unix seconds>
    X-School-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

A receiver recomputes the HMAC over the raw body, compares in constant time, and refuses a
timestamp older than its replay window (we suggest 5 minutes; `verify_signature` below).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.api.models import ApiToken, WebhookDelivery, WebhookSubscription
from school.audit.services import record
from school.dbtypes import utcnow
from school.errors import DomainError
from school.extensions import db

# Event name → the token scope needed to receive it.
EVENTS = {
    "enrolment.confirmed": "people:read",
    "enrolment.waitlisted": "people:read",
    "enrolment.pending": "people:read",
    "enrolment.cancelled": "people:read",
    "event.published": "catalogue:read",
    "event.changed": "catalogue:read",
    "event.cancelled": "catalogue:read",
    "event.completed": "catalogue:read",
    "certificate.issued": "people:read",
    "certificate.revoked": "people:read",
}
SIGNATURE_HEADER = "X-School-Signature"
TIMESTAMP_HEADER = "X-School-Timestamp"
EVENT_HEADER = "X-School-Event"
DELIVERY_HEADER = "X-School-Delivery"
REPLAY_WINDOW = 300  # seconds


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify_signature(secret: str, headers, body: bytes, *, now: float | None = None,
                     window: int = REPLAY_WINDOW) -> bool:
    """What a receiver does (and what the tests do): HMAC over timestamp and body, compared
    in constant time, within the replay window."""
    try:
        timestamp = int(headers.get(TIMESTAMP_HEADER, ""))
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - timestamp) > window:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), headers.get(SIGNATURE_HEADER, ""))


# --- the SSRF guard ---------------------------------------------------------------------------


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_url(url: str) -> str:
    """An http(s) URL whose host resolves only to public addresses; loopback, private,
    link-local and reserved ones are refused unless WEBHOOK_ALLOW_PRIVATE is set (tests)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise DomainError("url_invalid", _l("Give an http or https address."), field="url")
    if parts.username or parts.password:
        raise DomainError("url_invalid", _l("Give an http or https address."), field="url")
    if current_app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        return url
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise DomainError("url_unresolvable", _l("This address cannot be resolved."),
                          field="url") from None
    if not infos or any(_private(info[4][0]) for info in infos):
        raise DomainError("url_private",
                          _l("Webhooks cannot be sent to local or private addresses."),
                          field="url")
    return url


# --- subscriptions ------------------------------------------------------------------------------


def subscribe(token: ApiToken, url: str, events) -> tuple[WebhookSubscription, str]:
    """A new subscription of `token` (it must hold webhooks:manage and each event's scope);
    returns it with its signing secret (shown once)."""
    chosen = sorted(set(events or ()))
    if not chosen or any(e not in EVENTS for e in chosen):
        raise DomainError("events_invalid", _l("Choose at least one known event."),
                          field="events")
    missing = sorted({EVENTS[e] for e in chosen} - token.scope_set)
    if missing:
        raise DomainError("insufficient_scope",
                          _l("The token lacks the scope %(scope)s.", scope=", ".join(missing)),
                          status=403)
    secret = secrets.token_hex(32)
    row = WebhookSubscription(token_id=token.id, url=check_url(url), secret=secret,
                              events=" ".join(chosen), created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    _changed()
    record(token.owner, "webhook.subscribe", row, events=chosen)
    return row, secret


def subscriptions_query(token: ApiToken):
    """A token manages the subscriptions made with it (and only those)."""
    return (select(WebhookSubscription).where(WebhookSubscription.token_id == token.id)
            .order_by(WebhookSubscription.id))


def get_subscription(token: ApiToken, subscription_id: int) -> WebhookSubscription:
    row = db.session.get(WebhookSubscription, subscription_id)
    if row is None or row.token_id != token.id:
        raise DomainError("not_found", _l("Not found."), status=404)
    return row


def set_active(row: WebhookSubscription, active: bool) -> WebhookSubscription:
    row.active = active
    if active:
        row.failures, row.disabled_at = 0, None
    else:
        row.disabled_at = utcnow()
    db.session.flush()
    _changed()
    return row


def unsubscribe(row: WebhookSubscription) -> None:
    record(row.token.owner, "webhook.unsubscribe", row)
    db.session.delete(row)
    db.session.flush()
    _changed()


def _changed() -> None:
    from school.api.receivers import forget_subscriptions

    forget_subscriptions()


def get_delivery(row: WebhookSubscription, delivery_id: int) -> WebhookDelivery:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != row.id:
        raise DomainError("not_found", _l("Not found."), status=404)
    return delivery
