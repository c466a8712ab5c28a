"""Issue 11, item 8: bulk issuing renders with no write lock held (others write meanwhile,
and numbers stay without gaps), a batch whose worker died is detected and resumed, and two
batches for one event never run at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from school.certificates import batches, jobs, services
from school.certificates.models import BatchStatus, Certificate, CertificateBatch
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.extensions import db, write_transaction


class _WriterDuringRender:
    """A stand-in process pool that renders in this process, but first lets another
    thread issue a certificate of another event (it needs the write lock on SQLite and the
    year's counter everywhere) and measures how long that took."""

    def __init__(self, app, other_ids: list[int]):
        self.app, self.other_ids, self.waits = app, other_ids, []

    def __call__(self, processes=None):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def render(self, items, meanwhile=None):
        if self.other_ids:
            enrollment_id = self.other_ids.pop()
            done = threading.Event()

            quick: list[float] = []

            def other():
                with self.app.app_context():
                    started = time.perf_counter()
                    with write_transaction():  # any write: a login, a mark
                        enrollment = db.session.get(Enrollment, enrollment_id)
                        enrollment.user.phone = "+7 701 000 00 00"
                    quick.append(time.perf_counter() - started)
                    with write_transaction():  # moves the counter under the batch's feet
                        services.issue_certificate(db.session.get(Enrollment, enrollment_id))
                    db.session.remove()
                done.set()

            thread = threading.Thread(target=other)
            thread.start()
            finished = done.wait(10)
            self.waits.append(quick[0] if finished else None)
            thread.join(60)
        if meanwhile is not None:
            meanwhile()
        return services.render_here(items)


def test_others_write_while_a_batch_renders(app, finished_event, completed, make_user,
                                             monkeypatch):
    event, other_event = finished_event(), finished_event()
    for _ in range(5):
        completed(event)
    others = [completed(other_event).id for _ in range(2)]
    pool = _WriterDuringRender(app, others)
    monkeypatch.setattr(jobs, "Pool", pool)
    monkeypatch.setitem(app.config, "CERTIFICATE_BATCH_CHUNK", 3)
    batch = batches.start_batch(event, by=make_user("admin"))
    db.session.commit()
    assert jobs.run_batch(batch.id) == 5
    # Each writer got through while the batch was rendering, in well under a second.
    assert pool.waits and all(w is not None and w < 1 for w in pool.waits), pool.waits
    db.session.rollback()
    numbers = sorted(db.session.scalars(select(Certificate.number)))
    year = services.local_today().year
    assert numbers == [services.format_number(year, n) for n in range(1, 8)]
    assert db.session.get(CertificateBatch, batch.id).status is BatchStatus.done


def test_a_dead_batch_is_detected_and_resumed(app, client, login, finished_event, completed,
                                              make_user):
    admin = make_user("admin")
    event = finished_event()
    for _ in range(3):
        completed(event)
    dead = batches.start_batch(event, by=admin)
    dead.status, dead.started_at = BatchStatus.running, utcnow() - timedelta(minutes=30)
    dead.heartbeat_at, dead.done = utcnow() - timedelta(minutes=10), 1
    db.session.commit()
    login(admin)
    state = client.get(f"/certificates/batches/{dead.id}").get_json()
    assert state["status"] == "failed" and state["active"] is False
    # A running batch that shows signs of life still blocks a second one.
    alive = db.session.get(CertificateBatch, dead.id)
    alive.heartbeat_at = utcnow()
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        batches.start_batch(event, by=admin)
    assert caught.value.code == "batch_running"
    db.session.rollback()
    alive = db.session.get(CertificateBatch, dead.id)
    alive.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    fresh = batches.start_batch(event, by=admin)  # resumes: what is still missing
    db.session.commit()
    assert db.session.get(CertificateBatch, dead.id).status is BatchStatus.failed
    assert jobs.run_batch(fresh.id) == 3
    # The old worker, were it only slow, stops quietly instead of running alongside.
    assert jobs.run_batch(dead.id) == 0


def test_a_reaped_batch_stops_between_chunks(app, finished_event, completed, make_user,
                                             monkeypatch):
    event = finished_event()
    for _ in range(4):
        completed(event)
    batch = batches.start_batch(event, by=make_user("admin"))
    db.session.commit()
    monkeypatch.setitem(app.config, "CERTIFICATE_BATCH_CHUNK", 2)
    real = jobs._store_chunk

    def store_then_reap(batch_id, chunk, pdfs):
        ids = real(batch_id, chunk, pdfs)
        with write_transaction():
            db.session.get(CertificateBatch, batch_id).status = BatchStatus.failed
        return ids

    monkeypatch.setattr(jobs, "_store_chunk", store_then_reap)
    assert jobs.run_batch(batch.id) == 2
    db.session.rollback()
    assert db.session.get(CertificateBatch, batch.id).status is BatchStatus.failed


def test_two_batches_for_one_event_cannot_be_active(app, finished_event, completed,
                                                    make_user):
    event = finished_event()
    completed(event)
    db.session.add_all([CertificateBatch(event_id=event.id, status=BatchStatus.queued),
                        CertificateBatch(event_id=event.id, status=BatchStatus.running)])
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_concurrent_starts_make_one_batch(app, finished_event, completed, make_user):
    event = finished_event()
    completed(event)
    admin_id, event_id = make_user("admin").id, event.id
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def start():
        from school.accounts.models import User
        from school.catalog.models import Event

        with app.app_context():
            barrier.wait()
            try:
                with write_transaction():
                    batches.start_batch(db.session.get(Event, event_id),
                                        by=db.session.get(User, admin_id))
                outcomes.append("started")
            except DomainError as e:
                outcomes.append(e.code)
            except IntegrityError:
                outcomes.append("index")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["batch_running"] * 3 + ["started"]
