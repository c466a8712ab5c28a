"""Issuing a whole event's certificates in the background: the batch records.

One batch per event at a time (the event row locked when one starts, a partial unique
index behind it). The worker moves `heartbeat_at` on after every chunk; a batch that stays
silent for CERTIFICATE_BATCH_STALE seconds (five minutes by default) lost its worker: it is
marked failed when someone looks (`reap_dead_batches`), and asking again resumes, issuing
only what is still missing. school.certificates.jobs runs them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.accounts.models import User
from school.catalog.models import Event
from school.certificates import documents
from school.certificates.models import BatchStatus, CertificateBatch
from school.certificates.queries import count_pending
from school.dbtypes import utcnow
from school.errors import DomainError
from school.extensions import db


def start_batch(event: Event, *, by: User | None) -> CertificateBatch:
    """Record a request to issue every missing certificate of `event` (that `by` may issue
    for) in the background. One batch per event at a time (the event row locked here, a
    partial unique index behind it); a batch whose worker died is marked failed first, and
    the new one resumes: it issues only what is still missing."""
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    reap_dead_batches(event.id)
    active = db.session.scalar(
        select(CertificateBatch.id).where(
            CertificateBatch.event_id == event.id,
            CertificateBatch.status.in_([BatchStatus.queued, BatchStatus.running]),
        )
    )
    if active is not None:
        raise DomainError(
            "batch_running", _l("Certificates for this event are being issued.")
        )
    total = count_pending(event.id, by)
    if total == 0:
        raise DomainError("nothing_to_issue", _l("Every completed participant has a certificate."))
    batch = CertificateBatch(event_id=event.id, requested_by_id=by.id if by else None,
                             total=total, status=BatchStatus.queued)
    db.session.add(batch)
    db.session.flush()
    return batch


def stale_after() -> timedelta:
    """How long a batch may go without a sign of life: a chunk takes seconds, so minutes
    of silence mean its worker died (a queued batch waits up to the job timeout)."""
    return timedelta(seconds=int(documents.setting("CERTIFICATE_BATCH_STALE", 300)))


def is_dead(batch: CertificateBatch, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if batch.status is BatchStatus.running:
        return (batch.heartbeat_at or batch.started_at or batch.created_at) < now - stale_after()
    if batch.status is BatchStatus.queued:
        timeout = timedelta(seconds=int(documents.setting("CERTIFICATE_JOB_TIMEOUT", 3600)))
        return batch.created_at < now - max(timeout, stale_after())
    return False


def reap_dead_batches(event_id: int) -> list[CertificateBatch]:
    """Mark the event's batches whose worker died as failed (resumable: a new batch issues
    what is still missing); flushes."""
    now = utcnow()
    dead = [b for b in db.session.scalars(
        select(CertificateBatch).where(
            CertificateBatch.event_id == event_id,
            CertificateBatch.status.in_([BatchStatus.queued, BatchStatus.running]),
        )
    ) if is_dead(b, now)]
    for batch in dead:
        batch.status = BatchStatus.failed
        batch.error = "worker lost"
        batch.finished_at = now
    db.session.flush()
    return dead


def latest_batch(event_id: int) -> CertificateBatch | None:
    return db.session.scalar(
        select(CertificateBatch)
        .where(CertificateBatch.event_id == event_id)
        .order_by(CertificateBatch.created_at.desc(), CertificateBatch.id.desc())
        .limit(1)
    )
