"""Issued certificates (immutable documents) and the registry counters behind their numbers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.dbtypes import LabelledEnum, UTCDateTime, partial_index, str_enum, utcnow
from school.extensions import db

if TYPE_CHECKING:
    from school.enrollment.models import Enrollment


class RegistryCounter(db.Model):
    """The last number used in one registry (e.g. certificates) in one year.

    Issuing locks this row, so numbers are sequential without gaps or duplicates even
    when many are issued at once; the unique number on Certificate is the backstop.
    """

    __tablename__ = "registry_counter"
    __table_args__ = (UniqueConstraint("name", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))  # e.g. "certificate"
    year: Mapped[int]
    last_value: Mapped[int] = mapped_column(default=0)


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        # One valid certificate per enrolment; revoked ones stay as history.
        partial_index("uq_certificate_valid_enrollment", "enrollment_id",
                      where="revoked_at IS NULL", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # <PREFIX>-<YYYY>-<NNNNNN>
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    holder_name: Mapped[str] = mapped_column(String(200))  # as printed
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A certificate is listed far more often than downloaded: its PDF (~50 kB) is read
    # only when asked for (issue 15: the event page and /my loaded it for nothing).
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    # What the certificate printed about the training (programme, dates, hours, organiser,
    # signatories) when issued: /verify shows it after a programme is renamed, and a
    # reissue prints it again with only the corrected name (documents.SNAPSHOT_KEYS).
    snapshot: Mapped[dict | None] = mapped_column(JSON)

    enrollment: Mapped[Enrollment] = relationship()
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    @property
    def status(self) -> str:
        """valid, revoked, or replaced (revoked and reissued under another number)."""
        if self.replaced_by_id is not None:
            return "replaced"
        return "revoked" if self.revoked_at is not None else "valid"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class BatchStatus(LabelledEnum):
    queued = "queued", _l("Waiting to start")
    running = "running", _l("Issuing")
    done = "done", _l("Finished")
    failed = "failed", _l("Stopped with an error")

    @property
    def is_active(self) -> bool:
        return self in (BatchStatus.queued, BatchStatus.running)


# In front of CertificateBatch.error when the worker must be restarted before a batch can
# run (its code changed on disk; see jobs.failure_message).
RESTART_NEEDED = "Restart the certificate worker: "


class CertificateBatch(db.Model):
    """Issuing for a whole event in the background: what was asked and how far it got."""

    __tablename__ = "certificate_batch"
    __table_args__ = (
        Index("ix_certificate_batch_event_created", "event_id", "created_at"),
        # Two batches for one event never run at once, whatever races the web processes.
        partial_index("uq_certificate_batch_active_event", "event_id",
                      where="status IN ('queued', 'running')", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "certificate_batch_status"), default=BatchStatus.queued
    )
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moved on by the worker after every chunk: a running batch whose heartbeat is old has
    # lost its worker (services.reap_dead_batches) and can be resumed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def needs_restart(self) -> bool:
        return bool(self.error) and self.error.startswith(RESTART_NEEDED)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)
