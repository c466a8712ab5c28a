"""Webhook subscriptions of the calling token, their delivery log and redelivery."""

from __future__ import annotations

from flask import g
from marshmallow import fields as f
from marshmallow import validate as v
from sqlalchemy import select

from school.api import delivery, webhooks
from school.api.models import WebhookDelivery
from school.api.routes_catalog import TOKEN
from school.api.routes_people import _ref
from school.api.schemas import Id, Schema
from school.api.tokens import require
from school.api.views import bp
from school.extensions import db
from school.permissions import PUBLIC, allow


class SubscriptionIn(Schema):
    url = f.String(required=True, validate=v.Length(1, 500))
    events = f.List(f.String(validate=v.OneOf(sorted(webhooks.EVENTS))), required=True,
                    validate=v.Length(1, len(webhooks.EVENTS)))


class SubscriptionPatch(Schema):
    active = f.Boolean(required=True)


class Subscription(Schema):
    id = f.Integer(required=True)
    url = f.String(required=True)
    events = f.List(f.String(), required=True)
    active = f.Boolean(required=True)
    failures = f.Integer(required=True, metadata={"description": "Failed deliveries in a row"})
    disabled_at = f.AwareDateTime(allow_none=True, required=True)
    created_at = f.AwareDateTime(required=True)


class NewSubscription(Subscription):
    secret = f.String(required=True, metadata={
        "description": "The signing key (HMAC-SHA256): shown once, keep it"})


class SubscriptionList(Schema):
    items = f.List(f.Nested(Subscription), required=True)


class Delivery(Schema):
    id = f.Integer(required=True)
    uid = f.String(required=True)
    event = f.String(required=True)
    status = f.String(required=True)
    attempts = f.Integer(required=True)
    response_code = f.Integer(allow_none=True, required=True)
    error = f.String(allow_none=True, required=True)
    created_at = f.AwareDateTime(required=True)
    delivered_at = f.AwareDateTime(allow_none=True, required=True)
    next_attempt_at = f.AwareDateTime(allow_none=True, required=True)
    payload = f.Dict(required=True)


class DeliveryList(Schema):
    items = f.List(f.Nested(Delivery), required=True)


class DeliveryQuery(Schema):
    limit = f.Integer(load_default=50, validate=v.Range(1, 200))
    before_id = Id(metadata={"description": "Older deliveries than this id (paging)"})


def _subscription(row) -> dict:
    return {"id": row.id, "url": row.url, "events": sorted(row.event_set),
            "active": row.active, "failures": row.failures, "disabled_at": row.disabled_at,
            "created_at": row.created_at}


def _delivery(d) -> dict:
    return {k: getattr(d, k) for k in ("id", "uid", "event", "attempts", "response_code",
                                       "error", "created_at", "delivered_at",
                                       "next_attempt_at", "payload")} | {
        "status": d.status.value}


@bp.route("/webhooks")
@allow(PUBLIC)
@bp.doc(summary="The token's webhook subscriptions", tags=["webhooks"], security=TOKEN)
@bp.response(200, SubscriptionList)
def subscriptions():
    require("webhooks:manage")
    rows = db.session.scalars(webhooks.subscriptions_query(g.api_token))
    return {"items": [_subscription(r) for r in rows]}


@bp.route("/webhooks", methods=["POST"])
@allow(PUBLIC)
@bp.doc(summary="Subscribe a URL to events", description="Each event needs its scope on "
        "the token too (enrolment.* and certificate.*: people:read; event.*: "
        "catalogue:read). Loopback and private addresses are refused.",
        tags=["webhooks"], security=TOKEN)
@bp.arguments(SubscriptionIn)
@bp.doc(responses={201: {"links": {
    name: {"operationRef": _ref(path, method),
           "parameters": {"subscription_id": "$response.body#/id"}}
    for name, path, method in (
        ("GetSubscription", "/api/v1/webhooks/{subscription_id}", "get"),
        ("GetDeliveries", "/api/v1/webhooks/{subscription_id}/deliveries", "get"),
        ("UpdateSubscription", "/api/v1/webhooks/{subscription_id}", "patch"),
        ("DeleteSubscription", "/api/v1/webhooks/{subscription_id}", "delete"),
    )}}})
@bp.response(201, NewSubscription)
def subscribe(data):
    require("webhooks:manage")
    row, secret = webhooks.subscribe(g.api_token, data["url"], data["events"])
    db.session.commit()
    return _subscription(row) | {"secret": secret}


@bp.route("/webhooks/<int:subscription_id>")
@allow(PUBLIC)
@bp.doc(summary="One subscription", tags=["webhooks"], security=TOKEN)
@bp.response(200, Subscription)
@bp.alt_response(404, description="Not a subscription of this token")
def subscription(subscription_id: int):
    require("webhooks:manage")
    return _subscription(webhooks.get_subscription(g.api_token, subscription_id))


@bp.route("/webhooks/<int:subscription_id>", methods=["PATCH"])
@allow(PUBLIC)
@bp.doc(summary="Enable or disable a subscription (enabling resets its failures)",
        tags=["webhooks"], security=TOKEN)
@bp.arguments(SubscriptionPatch)
@bp.response(200, Subscription)
@bp.alt_response(404, description="Not a subscription of this token")
def update_subscription(data, subscription_id: int):
    require("webhooks:manage")
    row = webhooks.set_active(webhooks.get_subscription(g.api_token, subscription_id),
                              data["active"])
    db.session.commit()
    return _subscription(row)


@bp.route("/webhooks/<int:subscription_id>", methods=["DELETE"])
@allow(PUBLIC)
@bp.doc(summary="Delete a subscription and its delivery log", tags=["webhooks"],
        security=TOKEN)
@bp.response(204)
@bp.alt_response(404, description="Not a subscription of this token")
def delete_subscription(subscription_id: int):
    require("webhooks:manage")
    row = webhooks.get_subscription(g.api_token, subscription_id)
    db.session.execute(db.delete(WebhookDelivery).where(WebhookDelivery.subscription_id
                                                         == row.id))
    webhooks.unsubscribe(row)
    db.session.commit()
    return ""


@bp.route("/webhooks/<int:subscription_id>/deliveries")
@allow(PUBLIC)
@bp.doc(summary="The delivery log, newest first", tags=["webhooks"], security=TOKEN)
@bp.arguments(DeliveryQuery, location="query", as_kwargs=True)
@bp.response(200, DeliveryList)
@bp.alt_response(404, description="Not a subscription of this token")
def deliveries(subscription_id: int, limit: int = 50, before_id: int | None = None):
    require("webhooks:manage")
    row = webhooks.get_subscription(g.api_token, subscription_id)
    q = select(WebhookDelivery).where(WebhookDelivery.subscription_id == row.id)
    if before_id is not None:
        q = q.where(WebhookDelivery.id < before_id)
    rows = db.session.scalars(q.order_by(WebhookDelivery.id.desc()).limit(limit))
    return {"items": [_delivery(d) for d in rows]}


@bp.route("/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver",
          methods=["POST"])
@allow(PUBLIC)
@bp.doc(summary="Send a delivery again (a new delivery of the same event)",
        tags=["webhooks"], security=TOKEN)
@bp.response(202, Delivery)
@bp.alt_response(404, description="Not a delivery of this token's subscription")
def redeliver(subscription_id: int, delivery_id: int):
    require("webhooks:manage")
    row = webhooks.get_subscription(g.api_token, subscription_id)
    new = delivery.redeliver(webhooks.get_delivery(row, delivery_id))
    db.session.commit()
    return _delivery(new)


