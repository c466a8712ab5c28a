"""Issuing a whole event's certificates in the background.

With REDIS_URL set the batch goes to an RQ queue (`rq worker certificates`, started from
the repository root with the same environment as the app); without it a thread of the web
process runs it. Either way the request that asked only records a CertificateBatch and
returns; the event page polls the batch for its progress.

The batch works in chunks: each chunk locks the year's counter, takes its numbers,
renders its PDFs in the process pool, stores them and moves the progress on, all in one
transaction, then mails the holders. A chunk that fails rolls back whole (no gaps); the
batch stops and says so, and asking again issues only what is still missing.
"""

from __future__ import annotations

import functools
import logging
import threading
from concurrent.futures.process import BrokenProcessPool

from flask import Flask, current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.certificates import services
from school.certificates.models import (
    RESTART_NEEDED,
    BatchStatus,
    Certificate,
    CertificateBatch,
)
from school.certificates.render import Pool
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment
from school.extensions import db, write_transaction

log = logging.getLogger(__name__)

DEFAULT_CHUNK = 24
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
        batch.started_at = utcnow()
    chunk = int(services.documents.setting("CERTIFICATE_BATCH_CHUNK", DEFAULT_CHUNK))
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
            batch.status = BatchStatus.done
            batch.finished_at = utcnow()
    except Exception as exc:
        log.exception("certificate batch %s failed", batch_id)
        db.session.rollback()
        with write_transaction():
            batch = db.session.get(CertificateBatch, batch_id)
            batch.status = BatchStatus.failed
            batch.error = failure_message(exc)[:500]
            batch.finished_at = utcnow()
    return issued


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


def _issue_chunk(batch_id: int, size: int, render: services.Renderer) -> list[int]:
    with write_transaction():
        batch = db.session.get(CertificateBatch, batch_id)
        event = services.event_for_printing(batch.event_id)
        # Lock first, then choose: a concurrent one-by-one issue cannot slip in between.
        today = services.local_today()
        services._locked_counter(today.year)
        enrollments = list(
            db.session.scalars(
                services.pending_query(event.id)
                .options(selectinload(Enrollment.user))
                .limit(size)
            )
        )
        if not enrollments:
            return []
        by = db.session.get(User, batch.requested_by_id) if batch.requested_by_id else None
        certificates = services.issue_many(
            event, enrollments, by=by, render=render, today=today
        )
        batch.done += len(certificates)
        batch.total = max(batch.total, batch.done)
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
