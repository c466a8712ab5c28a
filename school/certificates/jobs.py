"""Issuing a whole event's certificates in the background.

With REDIS_URL set the batch goes to an RQ queue (`rq worker certificates`, started from
the repository root with the same environment as the app); without it a thread of the web
process runs it. Either way the request that asked only records a CertificateBatch and
returns; the event page polls the batch for its progress.

The batch works in chunks, and renders with no lock held: on SQLite a write transaction
locks the whole database, and rendering a chunk takes seconds, so each chunk reads what it
will print (the next registry numbers included) in a read transaction, renders outside any
transaction, then stores in one short write transaction that locks the year's counter and
checks nothing moved meanwhile (the counter, the people still without a certificate). If
something did, the chunk is planned again (after a few tries it renders under the lock,
as a last resort). Numbers stay without gaps or duplicates. After each chunk the batch's
heartbeat moves on: a batch whose worker died goes silent, is marked failed, and asking
again resumes it (school.certificates.batches). A chunk that fails rolls back whole.
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date

from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.certificates import documents, queries, services
from school.certificates.models import (
    RESTART_NEEDED,
    BatchStatus,
    Certificate,
    CertificateBatch,
    RegistryCounter,
)
from school.certificates.render import Pool
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment
from school.extensions import db, write_transaction

log = logging.getLogger(__name__)

DEFAULT_CHUNK = 24
# The progress bar moves at least this many times: a 31-person event is issued in chunks of
# four (committed one by one), not in one of 24 and one of 7.
PROGRESS_STEPS = 8
MIN_CHUNK = 2
OPTIMISTIC_TRIES = 3
_threads: list[threading.Thread] = []
_worker_app: Flask | None = None


def enqueue(batch: CertificateBatch) -> str:
    """Start the committed `batch`: on RQ when REDIS_URL is set, else in a thread."""
    redis_url = services.documents.setting("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(queue_name(), connection=Redis.from_url(redis_url))
        job = queue.enqueue(
            "school.certificates.jobs.run_batch_job", batch.id,
            job_timeout=int(services.documents.setting("CERTIFICATE_JOB_TIMEOUT", 3600)),
            description=f"certificates for event {batch.event_id}",
        )
        return job.id
    app = current_app._get_current_object()
    thread = threading.Thread(
        target=_run_in_thread, args=(app, batch.id), name=f"certificates-{batch.id}",
        daemon=True,
    )
    _threads[:] = [t for t in _threads if t.is_alive()]
    _threads.append(thread)
    thread.start()
    return f"thread-{batch.id}"


def queue_name() -> str:
    return str(services.documents.setting("CERTIFICATE_QUEUE", "certificates"))


def wait_local(timeout: float = 120) -> None:
    """Wait for this process's batch threads (tests, and `flask seed-demo`)."""
    for thread in list(_threads):
        thread.join(timeout)


def _run_in_thread(app: Flask, batch_id: int) -> None:
    with app.app_context():
        try:
            run_batch(batch_id)
        finally:
            db.session.remove()


def run_batch_job(batch_id: int) -> int:
    """The RQ entry point: the worker builds the app from its environment once."""
    global _worker_app
    if _worker_app is None:
        from school import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        try:
            return run_batch(batch_id)
        finally:
            db.session.remove()


def run_batch(batch_id: int, *, processes: int | None = None) -> int:
    """Issue every missing certificate of the batch's event; returns how many were issued."""
    assert has_app_context()
    with write_transaction():
        batch = db.session.get(CertificateBatch, batch_id)
        if batch is None or batch.status is not BatchStatus.queued:
            return 0
        batch.status = BatchStatus.running
        batch.started_at = batch.heartbeat_at = utcnow()
        chunk = chunk_size(batch.total)
    issued = 0
    unmailed: list[int] = []

    def mail_unmailed() -> None:
        ids = unmailed[:]
        unmailed.clear()
        if ids:
            _notify(ids)

    try:
        with Pool(processes) as pool:
            # The previous chunk's holders are mailed while the pool renders the next one.
            render = functools.partial(pool.render, meanwhile=mail_unmailed)
            while True:
                ids = _issue_chunk(batch_id, chunk, render)
                if not ids:
                    break
                issued += len(ids)
                unmailed.extend(ids)
            mail_unmailed()
        with write_transaction():
            batch = db.session.get(CertificateBatch, batch_id)
            if batch.status is BatchStatus.running:
                batch.status = BatchStatus.done
                batch.finished_at = utcnow()
    except _Stopped:
        # Marked failed meanwhile (silent too long): a newer batch may be resuming it.
        db.session.rollback()
    except Exception as exc:
        log.exception("certificate batch %s failed", batch_id)
        db.session.rollback()
        with write_transaction():
            batch = db.session.get(CertificateBatch, batch_id)
            batch.status = BatchStatus.failed
            batch.error = failure_message(exc)[:500]
            batch.finished_at = utcnow()
    return issued


def chunk_size(total: int) -> int:
    """Certificates per chunk: CERTIFICATE_BATCH_CHUNK at most, and small enough that the
    progress (committed after every chunk) moves about PROGRESS_STEPS times."""
    largest = int(services.documents.setting("CERTIFICATE_BATCH_CHUNK", DEFAULT_CHUNK))
    steps = -(-max(total, 1) // PROGRESS_STEPS)
    return max(1, min(largest, max(MIN_CHUNK, steps)))


def failure_message(exc: BaseException) -> str:
    """What a failed batch records (staff see a plain-words version of it).

    The render processes are spawned, not forked: each one imports the application's
    modules from disk when it starts, and the pool replaces its workers every
    TASKS_PER_WORKER tasks. When the code is updated while the web server (or the RQ
    worker) keeps running, the running process and the files on disk no longer match, and a
    batch fails on an import: ModuleNotFoundError or ImportError raised here or in a render
    task, or — when a spawned worker cannot even import what it was sent — the worker dies
    and the pool reports BrokenProcessPool. Only a restart of the worker mends that, so such
    a failure is recorded with RESTART_NEEDED in front and the page says to restart; asking
    again afterwards issues only what is still missing.
    """
    text = f"{type(exc).__name__}: {exc}"
    if _needs_restart(exc):
        return RESTART_NEEDED + text
    return text


def _needs_restart(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ImportError | BrokenProcessPool):
            return True
        current = current.__cause__ or current.__context__
    return False


class _Stopped(Exception):
    """The batch is no longer running (its worker was taken for dead): stop quietly."""


@dataclass
class _Chunk:
    event_id: int
    by_id: int | None
    today: date
    base: int  # the counter's value the numbers follow
    issues: list
    snapshot: dict
    items: list[tuple[str, str]]  # (html, kind) to render


def _running_batch(batch_id: int) -> CertificateBatch:
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.status is not BatchStatus.running:
        raise _Stopped
    return batch


def _issue_chunk(batch_id: int, size: int, render: services.Renderer) -> list[int]:
    """Issue up to `size` missing certificates; [] when none is missing."""
    for _try in range(OPTIMISTIC_TRIES):
        chunk = _plan_chunk(batch_id, size)
        if chunk is None:
            return []
        pdfs = render(chunk.items)  # no transaction open: nobody waits for the rendering
        ids = _store_chunk(batch_id, chunk, pdfs)
        if ids is not None:
            return ids
    return _issue_chunk_locked(batch_id, size, render)


def _plan_chunk(batch_id: int, size: int) -> _Chunk | None:
    """Read what the next chunk will print, in a read transaction that ends here."""
    db.session.rollback()
    try:
        batch = _running_batch(batch_id)
        event = queries.event_for_printing(batch.event_id)
        by = db.session.get(User, batch.requested_by_id) if batch.requested_by_id else None
        enrollments = list(db.session.scalars(
            queries.pending_query(event.id, by).options(selectinload(Enrollment.user))
            .limit(size)
        ))
        if not enrollments:
            return None
        services.check_allowed(by, enrollments)
        today = services.local_today()
        base = db.session.scalar(select(RegistryCounter.last_value).where(
            RegistryCounter.name == services.REGISTRY, RegistryCounter.year == today.year)) or 0
        numbers = [services.format_number(today.year, base + n)
                   for n in range(1, len(enrollments) + 1)]
        snapshot = documents.certificate_snapshot(event)
        issues = services.plan_issues(enrollments, numbers, today)
        items = [(documents.certificate_html(event, issue, snapshot), "certificate")
                 for issue in issues]
        return _Chunk(event.id, by.id if by else None, today, base, issues, snapshot, items)
    finally:
        db.session.rollback()  # SQLite: no read snapshot held while rendering


def _store_chunk(batch_id: int, chunk: _Chunk, pdfs: list[bytes]) -> list[int] | None:
    """Store a rendered chunk in one short write transaction; None when another issuer
    moved the counter or issued for one of these people meanwhile (plan again)."""
    with write_transaction():
        batch = _running_batch(batch_id)
        counter = services.locked_counter(chunk.today.year)
        if counter.last_value != chunk.base:
            return None
        ids = [issue.enrollment_id for issue in chunk.issues]
        still = set(db.session.scalars(
            queries.pending_query(chunk.event_id).with_only_columns(Enrollment.id)
            .where(Enrollment.id.in_(ids))
        ))
        if still != set(ids):
            return None
        counter.last_value += len(ids)
        by = db.session.get(User, chunk.by_id) if chunk.by_id else None
        certificates = services.store_issues(chunk.issues, pdfs, chunk.snapshot, by=by)
        batch.done += len(certificates)
        batch.total = max(batch.total, batch.done)
        batch.heartbeat_at = utcnow()
        db.session.flush()
        return [c.id for c in certificates]


def _issue_chunk_locked(batch_id: int, size: int, render: services.Renderer) -> list[int]:
    """The last resort under contention: lock, choose, render and store in one go."""
    with write_transaction():
        batch = _running_batch(batch_id)
        event = queries.event_for_printing(batch.event_id)
        # Lock first, then choose: a concurrent one-by-one issue cannot slip in between.
        today = services.local_today()
        services.locked_counter(today.year)
        by = db.session.get(User, batch.requested_by_id) if batch.requested_by_id else None
        enrollments = list(
            db.session.scalars(
                queries.pending_query(event.id, by)
                .options(selectinload(Enrollment.user))
                .limit(size)
            )
        )
        if not enrollments:
            return []
        certificates = services.issue_many(
            event, enrollments, by=by, render=render, today=today
        )
        batch.done += len(certificates)
        batch.total = max(batch.total, batch.done)
        batch.heartbeat_at = utcnow()
        db.session.flush()
        return [c.id for c in certificates]


def _notify(certificate_ids: list[int]) -> None:
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.id.in_(certificate_ids))
        .options(
            selectinload(Certificate.enrollment).selectinload(Enrollment.user),
            selectinload(Certificate.enrollment).selectinload(Enrollment.event),
        )
    )
    for certificate in certificates:
        services.notify_issued(certificate)
