"""Bulk issuing through a real job queue: RQ on Redis, with a real worker in burst mode."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from school.certificates.models import BatchStatus, Certificate, CertificateBatch
from school.extensions import db

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_queue(app, monkeypatch, database_url):
    redis_mod = pytest.importorskip("redis")
    rq = pytest.importorskip("rq")
    connection = redis_mod.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis_mod.exceptions.ConnectionError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    # A queue of our own: other test runs may share this Redis.
    name = f"test-certificates-{uuid.uuid4().hex[:10]}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "CERTIFICATE_QUEUE", name)
    # The worker builds its own app from the environment, as in production.
    for key, value in {
        "DATABASE_URL": database_url, "BASE_URL": "http://school.test",
        "MAIL_BACKEND": "locmem", "CERTIFICATE_RENDER_PROCESSES": "1",
    }.items():
        monkeypatch.setenv(key, value)
    queue = rq.Queue(name, connection=connection)
    yield queue, rq
    queue.delete(delete_jobs=True)


def test_issue_all_goes_through_rq(client, login, redis_queue, finished_event, completed,
                                   make_user):
    queue, rq = redis_queue
    event = finished_event()
    names = ["Бекова Ұлпан", "Ағабекова Гүлнұр", "Һасенов Ілияс"]
    for name in names:
        completed(event, full_name=name)
    login(make_user("admin"))
    assert client.post(f"/events/{event.id}/certificates/issue").status_code == 302
    batch = db.session.scalar(select(CertificateBatch))
    assert batch.status is BatchStatus.queued and queue.count == 1
    assert batch.job_id == queue.job_ids[0]

    worker = rq.Worker([queue], connection=queue.connection)
    assert worker.work(burst=True)

    db.session.rollback()
    batch = db.session.get(CertificateBatch, batch.id)
    assert (batch.status, batch.done, batch.total) == (BatchStatus.done, 3, 3)
    holders = db.session.scalars(select(Certificate.holder_name).order_by(Certificate.number))
    assert list(holders) == sorted(names)
