"""Issue 12, item 8: `pip install .` (not editable) gives a package that serves Kazakh to a
Kazakh browser: the wheel carries compiled catalogues (built by setup.py), templates,
migrations and static files; and the app refuses to start without its catalogues."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from school import resources

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import school
from school import create_app
from school.extensions import db

app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                  "RATELIMIT_ENABLED": False, "PAGE_CACHE_SECONDS": 0})
with app.app_context():
    db.create_all()
client = app.test_client()
page = client.get("/", headers={"Accept-Language": "kk"})
print(school.__file__)
print(page.status_code)
print("Кәсіподақ көшбасшысы мектебі" in page.text, "School of the Trade Union Leader" in page.text)
print(client.get("/static/css/app.css").status_code)
print(app.extensions["migrate"].directory)
"""


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_serves_kazakh(tmp_path):
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    # The wheel, built as `pip install .` builds it (isolated, setup.py's build step).
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                    str(ROOT)], check=True, cwd=tmp_path, timeout=600)
    wheel = next(dist.glob("union_school-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in ("ru", "kk", "en"):
        assert f"school/translations/{lang}/LC_MESSAGES/messages.mo" in names
    assert {"school/_templates/base.html", "school/_templates/core/index.html",
            "school/static/css/app.css", "school/data/regions.csv",
            "school/_migrations/env.py"} <= names
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", str(wheel)], check=True, timeout=300)
    # Its dependencies come from the project's environment (appended after the venv's own
    # site-packages, so `school` is the installed copy, never the working tree).
    site = subprocess.run([str(python), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    out = subprocess.run([str(python), "-c", CHECK], check=True, capture_output=True,
                         text=True, cwd=tmp_path, timeout=300).stdout.splitlines()
    assert out[0].startswith(site), out
    assert out[1:4] == ["200", "True False", "200"], out
    assert out[4].startswith(site), out


def test_the_app_refuses_to_start_without_compiled_catalogues(tmp_path):
    (tmp_path / "kk" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "kk" / "LC_MESSAGES" / "messages.po").write_text("")
    with pytest.raises(RuntimeError, match=r"scripts/i18n compile"):
        resources.require_catalogues(tmp_path)
    for lang in ("ru", "kk"):
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        (tmp_path / lang / "LC_MESSAGES" / "messages.mo").write_bytes(b"")
    resources.require_catalogues(tmp_path)  # no error


def test_templates_and_migrations_of_the_working_tree():
    assert resources.folder("templates") == ROOT / "templates"
    assert resources.folder("migrations") == ROOT / "migrations"
