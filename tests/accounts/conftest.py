"""Shared records for the accounts tests."""

from __future__ import annotations

import pytest

NAME = "Әбілқайырова Гауһар Ұлықбекқызы"
VALID_IIN = "850425300126"
BAD_CHECK_DIGIT_IIN = "850425300127"


@pytest.fixture
def org_tree(make_union, make_branch, make_org):
    """Two unions; union U has branches A (Shymkent) and A2 (Astana), union V has branch B."""
    u, v = make_union("u"), make_union("v")
    a = make_branch(u, "KZ-79", name_ru="Филиал А")
    a2 = make_branch(u, "KZ-71", name_ru="Филиал А2")
    b = make_branch(v, "KZ-75", name_ru="Филиал Б")
    return {
        "u": u, "v": v, "a": a, "a2": a2, "b": b,
        "org_a": make_org(a, name_ru="ППО А"),
        "org_b": make_org(b, name_ru="ППО Б"),
    }


@pytest.fixture
def registration(org_tree):
    """A function giving the POST /register fields for a valid trainee, with overrides."""

    def data(**overrides) -> dict:
        a = org_tree["a"]
        fields = {
            "email": "gauhar@example.kz",
            "password": "Qazaqstan-2026",
            "password2": "Qazaqstan-2026",
            "full_name": NAME,
            "phone": "+7 701 123 45 67",
            "iin": VALID_IIN,
            "region_id": str(a.region_id),
            "union_id": str(a.union_id),
            "branch_id": str(a.id),
            "primary_org_id": str(org_tree["org_a"].id),
            "category": "chair",
            "position": "Төраға",
            "workplace": "«Қызмет» филиалы",
            "consent": "y",
        }
        fields.update(overrides)
        return {k: v for k, v in fields.items() if v is not None}

    return data


@pytest.fixture
def outbox(app):
    """Mail sent by the app. Flask-Mailman's locmem backend appends to the app's mail state
    (app.extensions["mailman"]), not to the Mail extension object."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


@pytest.fixture
def make_app(database_url):
    """Build a second app on the test database with some settings changed.

    Flask-Limiter keeps its on/off switch and storage on the one shared Limiter object, so
    both are put back afterwards; the other app's connections are closed."""
    from school import create_app
    from school.extensions import db, limiter
    from tests.conftest import IsolatedClient

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
        }
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    try:
        yield make
    finally:
        if limiter.enabled:
            limiter.reset()
        limiter.enabled = was_enabled
        for app in apps:
            with app.app_context():
                db.engine.dispose()
