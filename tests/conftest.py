"""Fixtures: a real database per test run (SQLite file, or PostgreSQL from
TEST_DATABASE_URL), emptied between tests, and factories for the common records."""

from __future__ import annotations

import contextvars
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import text

from school import create_app
from school.extensions import db

ROOT = Path(__file__).resolve().parent.parent

# The factories (make_user, make_event, …) are fixtures of their own plugin module.
pytest_plugins = ["tests.factories"]

# In CI the fuzz tests replay a fixed set of examples, so a landing never hangs on a new
# random draw; on a developer's machine they keep exploring (and remember what failed).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _compile_catalogs() -> None:
    # Tests read translated pages; build the .mo files when they are missing or stale.
    tdir = ROOT / "school" / "translations"
    for po in tdir.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(
                [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(tdir)],
                check=True, capture_output=True,
            )
            return


class IsolatedClient(FlaskClient):
    """Each request runs in its own context, as in production: its own app context,
    session and `g`, so nothing leaks from the test's session into the request or back.

    The test's session commits before the request and starts afresh after it, so it sees
    what the request wrote (and its stale objects are reloaded)."""

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect being followed, already isolated
            return super().open(*args, **kwargs)
        db.session.commit()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            db.session.rollback()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _worker_database(url: str, worker: str) -> str:
    """With pytest -n, each PostgreSQL worker gets a database of its own (test_gw0, …)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(database_url):
    _compile_catalogs()
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "locmem",
        "BASE_URL": "http://school.test",
        "SERVER_NAME": None,
        "PAGE_CACHE_SECONDS": 0,
        "CERTIFICATE_DEMO_LIMIT": 60,  # the whole seed runs in tests: keep its PDFs few
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
    # Rows a migration inserts (create_all inserts them too): put them back.
    from school.reports.freshness import ReportGeneration, first_value

    db.session.add(ReportGeneration(id=1, value=first_value()))
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_db(app):
    """A fresh, empty database for every test; commits are real (threads see them)."""
    with app.app_context():
        app.extensions["mailman"].outbox = []
        yield
        # Every mail any test made must be one a mail client reads without a defect.
        from tests.mailcheck import mail_problems

        sent = list(getattr(app.extensions["mailman"], "outbox", []))
        problems = [(m.subject, p) for m in sent for p in mail_problems(m)]
        db.session.remove()
        _empty_tables()
        assert not problems, f"mail with problems: {problems}"


@pytest.fixture
def make_app(database_url):
    """Build a second app on the test database with some settings changed.

    Flask-Limiter keeps its on/off switch and storage on the one shared Limiter object, so
    both are put back afterwards; the other app's connections are closed."""
    from school.extensions import limiter

    was_enabled = limiter.enabled
    apps = []

    def make(**overrides):
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_BACKEND": "locmem",
            "BASE_URL": "http://school.test",
            "PAGE_CACHE_SECONDS": 0,
        }
        config.update(overrides)
        new_app = create_app(config)
        if config["RATELIMIT_ENABLED"]:
            limiter.reset()  # counts left by an earlier app would leak into this test
        new_app.test_client_class = IsolatedClient
        apps.append(new_app)
        return new_app

    try:
        yield make
    finally:
        if limiter.enabled:
            limiter.reset()
        limiter.enabled = was_enabled
        for other in apps:
            with other.app_context():
                db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """Mail sent by the app. Flask-Mailman's locmem backend appends to the app's mail state
    (app.extensions["mailman"]), not to the Mail extension object."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox

