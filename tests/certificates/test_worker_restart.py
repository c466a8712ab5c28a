"""A batch that failed after a code update says the worker needs a restart."""

from __future__ import annotations

import importlib
import sys

from school.certificates import batches, jobs
from school.certificates.models import BatchStatus, Certificate, CertificateBatch
from school.extensions import db

# --- a batch after a code update says the worker needs a restart -------------------


def _failed_batch(event, people_admin, monkeypatch, error: Exception):
    class Broken:
        def __init__(self, processes=None):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def render(self, items, meanwhile=None):
            raise error

    monkeypatch.setattr(jobs, "Pool", Broken)
    batch = batches.start_batch(event, by=people_admin)
    db.session.commit()
    assert jobs.run_batch(batch.id) == 0
    db.session.rollback()
    return db.session.get(CertificateBatch, batch.id)


def test_an_import_error_says_the_worker_needs_a_restart(
    client, login, finished_event, completed, make_user, monkeypatch
):
    event = finished_event()
    completed(event)
    admin = make_user("admin")
    error = ModuleNotFoundError("No module named 'school.certificates.pdf'")
    batch = _failed_batch(event, admin, monkeypatch, error)
    assert batch.status is BatchStatus.failed and batch.needs_restart
    assert "ModuleNotFoundError: No module named 'school.certificates.pdf'" in batch.error
    login(admin)
    page = client.get(f"/events/{event.id}/certificates",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Restart the worker" in page


def test_other_errors_do_not_ask_for_a_restart(
    client, login, finished_event, completed, make_user, monkeypatch
):
    event = finished_event()
    completed(event)
    admin = make_user("admin")
    batch = _failed_batch(event, admin, monkeypatch, ValueError("bad value"))
    assert batch.status is BatchStatus.failed and not batch.needs_restart
    assert batch.error == "ValueError: bad value"
    login(admin)
    page = client.get(f"/events/{event.id}/certificates",
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Restart the worker" not in page and "Start it again" in page


def test_an_import_error_wrapped_by_another_counts_too():
    try:
        try:
            raise ImportError("cannot import name 'render_many' from 'school.pdf'")
        except ImportError as inner:
            raise RuntimeError("render failed") from inner
    except RuntimeError as outer:
        assert jobs.failure_message(outer).startswith(jobs.RESTART_NEEDED)


def test_a_spawned_worker_that_cannot_import_its_code(
    app, finished_event, completed, make_user, tmp_path, monkeypatch
):
    """The real thing: the render module the pool was told to use is gone from disk (as
    after an update), so its spawned workers die on import and the pool breaks."""
    from school.certificates import render

    module = tmp_path / "cert_renderer_gone.py"
    module.write_text(
        "from school import pdf\n"
        "def warm_up():\n    pdf.warm_up()\n"
        "def render_many(items):\n    return pdf.render_many(items)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        # Loaded here, as by a web process started before the update; then gone from disk.
        gone = importlib.import_module("cert_renderer_gone")
        module.unlink()
        monkeypatch.setattr(render, "pdf", gone)
        event = finished_event()
        completed(event)
        completed(event)
        batch = batches.start_batch(event, by=make_user("admin"))
        db.session.commit()
        assert jobs.run_batch(batch.id, processes=2) == 0
    finally:
        sys.modules.pop("cert_renderer_gone", None)
    db.session.rollback()
    batch = db.session.get(CertificateBatch, batch.id)
    assert batch.status is BatchStatus.failed and batch.needs_restart, batch.error
    assert "BrokenProcessPool" in batch.error
    assert db.session.query(Certificate).count() == 0
