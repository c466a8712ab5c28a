"""Issue 12, item 7: bulk issuing commits its progress chunk by chunk, so the page's bar
moves as certificates are made (not 0/31, then 31/31)."""

from __future__ import annotations

from sqlalchemy import select

from school.certificates import batches, jobs, services
from school.certificates.models import BatchStatus, CertificateBatch
from school.extensions import db


class _SeeingPool:
    """Renders in this process; before each chunk reads the batch's progress as another
    connection (the page's poll) sees it, i.e. only what was committed."""

    def __init__(self, batch_id: int):
        self.batch_id, self.seen = batch_id, []

    def __call__(self, processes=None):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def render(self, items, meanwhile=None):
        with db.engine.connect() as other:
            self.seen.append(other.scalar(
                select(CertificateBatch.done).where(CertificateBatch.id == self.batch_id)))
        if meanwhile is not None:
            meanwhile()
        return services.render_here(items)


def test_chunk_size_follows_the_batch():
    assert jobs.chunk_size(31) == 4
    assert jobs.chunk_size(1) == 2
    assert jobs.chunk_size(1000) == jobs.DEFAULT_CHUNK


def test_progress_moves_as_certificates_are_made(app, finished_event, completed, make_user,
                                                 monkeypatch):
    event = finished_event()
    for _ in range(31):
        completed(event)
    batch = batches.start_batch(event, by=make_user("admin"))
    db.session.commit()
    assert batch.total == 31
    pool = _SeeingPool(batch.id)
    monkeypatch.setattr(jobs, "Pool", pool)
    assert jobs.run_batch(batch.id) == 31
    # Eight chunks of four (the last of three), each committed before the next is drawn.
    assert pool.seen == [0, 4, 8, 12, 16, 20, 24, 28]
    db.session.rollback()
    done = db.session.get(CertificateBatch, batch.id)
    assert (done.done, done.total, done.status) == (31, 31, BatchStatus.done)
