"""Materials of an event or of one of its sessions: uploaded files and links."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from school.dbtypes import UTCDateTime, utcnow
from school.extensions import db

if TYPE_CHECKING:
    from school.catalog.models import Event, EventSession


class EventMaterial(db.Model):
    """A file (its bytes kept here, loaded only for a download) or a link (a recording).

    Files live in the database, like certificates: every worker on every machine behind
    the load balancer serves them, one backup holds them, and a row and its bytes cannot
    drift apart. The size limit (MATERIALS_MAX_BYTES) keeps them modest.
    """

    __tablename__ = "event_material"
    __table_args__ = (
        CheckConstraint("(content IS NULL) <> (url IS NULL)", name="file_or_link"),
        Index("ix_event_material_event", "event_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_session.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    filename: Mapped[str | None] = mapped_column(String(200))
    mimetype: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    session: Mapped[EventSession | None] = relationship()

    @property
    def is_link(self) -> bool:
        return self.url is not None
