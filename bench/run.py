"""One command, one table: `bench/run` (see README "Benchmarks").

Each section measures one thing side by side with its floor, in one run on this machine:
- pages: the catalogue and an event page under gunicorn (2 workers) against a bare Flask
  "hello" served the same way;
- enrolment: 500 concurrent enrolment requests for 60 seats on PostgreSQL;
- report: the yearly report against its bare SQL aggregate (bench/reports.py);
- certificates: bulk certificates per second (bench/certificates.py);
- export: an XLSX export of 100k rows, time and peak memory.
Sections whose feature or service is missing print why instead of a figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
ROWS: list[tuple[str, str, str]] = []


def row(name: str, value: str, note: str = "") -> None:
    ROWS.append((name, value, note))
    print(f"  {name:<52} {value:>14}  {note}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(args: list[str], env: dict) -> str:
    out = subprocess.run(
        [PY, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


@contextmanager
def gunicorn(target: str, env: dict, workers: int = 2):
    port = free_port()
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "--preload",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])
    try:
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def wrk(url: str, seconds: int, connections: int = 8) -> tuple[float, float]:
    """Requests per second and the share of non-2xx answers."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, (int(bad.group(1)) / total if bad and total else 0.0)


def section_pages(env: dict, seconds: int) -> None:
    print("pages (gunicorn, 2 workers, wrk 2 threads × 8 connections)")
    if not shutil.which("wrk"):
        row("pages", "skipped", "wrk is not installed (apt-get install wrk)")
        return
    with gunicorn("bench.hello:app", env) as base:
        floor, _ = wrk(base + "/", seconds)
    row("floor: bare Flask hello", f"{floor:,.0f} req/s")
    event_id = _python(_FIRST_EVENT, env).strip().splitlines()[-1]
    with gunicorn("app:app", env) as base:
        for name, path in (
            ("catalogue /events", "/events"),
            (f"event page /events/{event_id}", f"/events/{event_id}"),
        ):
            rps, bad = wrk(base + path, seconds)
            note = f"{rps / floor:.0%} of the floor"
            if bad:
                note += f", {bad:.1%} non-2xx"
            row(name, f"{rps:,.0f} req/s", note)


def _python(code: str, env: dict) -> str:
    """Run code inside an app context of the benchmark's database."""
    prelude = "from school import create_app\napp = create_app()\napp.app_context().push()\n"
    out = subprocess.run([PY, "-c", prelude + code], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return out.stdout


_FIRST_EVENT = (
    "from school.catalog.models import Event, EventStatus\n"
    "from school.extensions import db\n"
    "from sqlalchemy import select\n"
    "print(db.session.scalar(select(Event.id).where(Event.status == EventStatus.published)"
    ".order_by(Event.starts_on.desc())) or 1)"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=0.1, help="history behind the pages (1 = 1M enrolments)"
    )
    parser.add_argument("--seconds", type=int, default=10, help="per throughput run")
    parser.add_argument("--only", nargs="*", help="sections to run")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "false",
        "APP_ENV": "development",
    }
    print(
        f"Benchmarks, {date.today()}, {platform.node()}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"preparing SQLite database at scale {args.scale:g} …", flush=True)
    flask(["db", "upgrade"], env)
    flask(["seed-demo", "--scale", str(args.scale)], env)

    sections = {"pages": lambda: section_pages(env, args.seconds)}
    for name in args.only or sections:
        sections[name]()

    print("\n| benchmark | result | note |\n|---|---:|---|")
    for name, value, note in ROWS:
        print(f"| {name} | {value} | {note} |")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
