"""The Alembic revisions build the same schema as the models, on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent


def _flask(args: list[str], url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "migration-test"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture
def fresh_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in database_url else "?"
    yield f"{database_url}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_upgrade_reaches_head_and_matches_models(fresh_url):
    upgrade = _flask(["db", "upgrade"], fresh_url)
    assert upgrade.returncode == 0, upgrade.stderr[-2000:]
    check = _flask(["db", "check"], fresh_url)
    assert check.returncode == 0, (check.stdout + check.stderr)[-2000:]
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_single_head():
    heads = _flask(["db", "heads"], "sqlite://")
    assert heads.returncode == 0, heads.stderr[-2000:]
    assert len([line for line in heads.stdout.splitlines() if "(head)" in line]) == 1
