"""API tokens, webhook subscriptions and their delivery log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.dbtypes import UTCDateTime, str_enum, utcnow
from school.extensions import db

if TYPE_CHECKING:
    from school.accounts.models import User


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is kept (the token is random, 256 bits: a slow
    hash buys nothing); the person sees the token once, when it is created. It acts as its
    owner, narrowed to `scopes`."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell tokens apart
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class WebhookSubscription(db.Model):
    """POSTs of chosen domain events to `url`, signed with `secret`, seen as the token's
    owner would see them. Disabled after too many failed deliveries in a row."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The signing key must be readable to sign; it is shown once, like the token.
    secret: Mapped[str] = mapped_column(String(64))
    events: Mapped[str] = mapped_column(String(500))  # space-separated event names
    active: Mapped[bool] = mapped_column(default=True)
    failures: Mapped[int] = mapped_column(default=0)  # failed deliveries in a row
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    token: Mapped[ApiToken] = relationship(lazy="joined")

    @property
    def event_set(self) -> frozenset[str]:
        return frozenset(self.events.split())


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # queued or waiting for its next attempt
    delivered = "delivered"
    failed = "failed"  # gave up after the last attempt


class WebhookDelivery(db.Model):
    """One event sent (or to be sent) to one subscription, with its attempts' outcome."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # X-School-Delivery
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscription: Mapped[WebhookSubscription] = relationship()
