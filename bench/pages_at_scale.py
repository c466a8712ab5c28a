"""The commissions' due list (issue 17) and the consolidated plan (issue 19) at scale.

    .venv/bin/python bench/pages_at_scale.py [--only commissions plans] [--repeat 7]
        [--database-url postgresql+psycopg://root@127.0.0.1:5432/h_bench] [--build 1]

Times pages through the Flask test client, signed in as the admin (every branch) and as the
demo branch coordinator (one branch), on a database built by `flask seed-demo --scale N`
(`--build N` drops and builds it first: 2–4 minutes at N=1; without it the database given
is used as it is). For each page: the median of `repeat` runs after one warm-up, with the
time spent in SQL (statement execution, measured by engine events) beside the total and
the number of statements. Targets: the due list under 300 ms, the consolidated plan of the
full tree under 500 ms, on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/h_bench"
PEOPLE = (("admin", "admin@demo.kz"), ("branch coordinator", "coordinator@demo.kz"))
PAGES = {
    "commissions": [
        ("due list /commissions/due", "/commissions/due", 300),
        ("due list, overdue only", "/commissions/due?status=overdue", 300),
        ("commissions overview /commissions/", "/commissions/", None),
    ],
    "plans": [
        ("consolidated plan /plans/consolidated", "/plans/consolidated", 500),
    ],
}


def build(url: str, scale: float) -> None:
    """Drop and build the database with the ordinary commands (upgrade, seed-demo)."""
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0].replace("+psycopg", "") + "/postgres"
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    subprocess.run([*flask, "seed-demo", "--scale", str(scale)], cwd=ROOT, env=env,
                   check=True)


class SqlClock:
    """Seconds spent executing statements, and how many (engine events)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.seconds, self.count = 0.0, 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, params, context, many):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, params, context, many):
        self.seconds += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
        self.count += 1


def measure(url: str, parts: list[str], repeat: int) -> list[tuple[str, str, float, float, int,
                                                                    int | None]]:
    from sqlalchemy import func, select

    from school import create_app
    from school.commissions.models import Member
    from school.extensions import db
    from school.orgs.models import PrimaryOrganization
    from school.planning.models import Plan

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PAGE_CACHE_SECONDS": 0,
    })
    results = []
    with app.app_context():
        sizes = (db.session.scalar(select(func.count()).select_from(Member)),
                 db.session.scalar(select(func.count()).select_from(PrimaryOrganization)),
                 db.session.scalar(select(func.count()).select_from(Plan)))
        db.session.remove()
        print(f"{sizes[0]:,} commission members, {sizes[1]:,} organisations, "
              f"{sizes[2]:,} plans", flush=True)
        clock = SqlClock(db.engine)
    # Requests outside that app context: inside it, every request would share its `g` and
    # so the first person signed in (flask-login keeps the user there).
    for who, email in PEOPLE:
        client = app.test_client()
        answer = client.post("/login", data={"email": email, "password": "demo-2026"})
        if answer.status_code != 302:
            raise SystemExit(f"login of {email} answered {answer.status_code}")
        for part in parts:
            for name, path, target in PAGES[part]:
                totals, sqls, counts = [], [], []
                for attempt in range(repeat + 1):
                    clock.seconds, clock.count = 0.0, 0
                    started = time.perf_counter()
                    status = client.get(path).status_code
                    elapsed = time.perf_counter() - started
                    if status != 200:
                        raise SystemExit(f"{path} as {who} answered {status}")
                    if attempt:  # the first is the warm-up
                        totals.append(elapsed * 1000)
                        sqls.append(clock.seconds * 1000)
                        counts.append(clock.count)
                results.append((who, name, statistics.median(totals),
                                statistics.median(sqls), max(counts), target))
                print(f"  {who:<20} {name:<40} {results[-1][2]:8.1f} ms "
                      f"(SQL {results[-1][3]:6.1f} ms, {results[-1][4]} statements)",
                      flush=True)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(PAGES), default=sorted(PAGES))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 DEFAULT_URL))
    parser.add_argument("--build", type=float, help="drop and seed the database at this scale")
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", "bench")
    if args.build:
        build(args.database_url, args.build)
    backend = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    results = measure(args.database_url, args.only, args.repeat)
    print(f"\nPages at scale, {backend} (median of {args.repeat} runs after a warm-up)\n")
    print("| signed in as | page | ms | SQL ms | statements | target |\n"
          "|---|---|---:|---:|---:|---|")
    for who, name, total, sql, count, target in results:
        verdict = "" if target is None else (f"< {target} ms: "
                                              + ("met" if total < target else "over"))
        print(f"| {who} | {name} | {total:,.1f} | {sql:,.1f} | {count} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
