"""The yearly report against its bare SQL aggregate, on a decade of data.

    .venv/bin/python bench/reports.py [--scale 1] [--repeat 5] [--no-postgres]

Builds a throwaway SQLite file and, when PostgreSQL answers, a database `h_reports_bench`
(dropped and created again), each with `scale` × (100k people, 20k events over the ten years
before this one, 1M enrolments, ~85% completed, 1% with a certificate of which a fifth are
revoked): bulk inserts (COPY on PostgreSQL, executemany on SQLite) through the rows writer
of `school.bigdata`. Then, for the last full year, the median of `repeat` runs of:

- bare: one GROUP BY region, category over completed enrolments joined to events
  (COUNT(*), COUNT(DISTINCT user_id)) — the floor;
- report table: `services.yearly_report` (the same aggregate with row/column/grand totals
  and the certificate-revocation rule, in one statement, plus the region list);
- report, closed year: the same for a year whose figures are stored (ClosedYearRow);
  as a federation would, every year before the last full one is closed;
- page: GET /reports/yearly (table, plan against result, trend over ten years, charts);
- CSV export: GET …&format=csv (includes writing the audit entry).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
PG_BENCH_DB = "h_reports_bench"

BARE_SQL = """
SELECT e.region_id, e.category, COUNT(*), COUNT(DISTINCT e.user_id)
FROM enrollment e JOIN event ev ON ev.id = e.event_id
WHERE e.status = 'completed' AND ev.ends_on >= :first AND ev.ends_on < :after
GROUP BY e.region_id, e.category
"""


def _postgres_url() -> str | None:
    """Create the bench database afresh; None when PostgreSQL is not reachable."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_BENCH_DB}"'))
        engine.dispose()
    except Exception as e:
        print(f"PostgreSQL skipped: {e.__class__.__name__}: {str(e).splitlines()[0]}")
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_BENCH_DB


def build(scale: float, seed: int = 2026) -> str:
    """Reference data and demo accounts, then the decade of enrolments in bulk."""
    from sqlalchemy import func, select

    from school.accounts.models import Category, User
    from school.bigdata import Writer
    from school.catalog import demo as catalog_demo
    from school.catalog.models import Event, EventFormat, EventKind, Program
    from school.certificates.models import Certificate
    from school.demo import seed_accounts, seed_orgs, seed_regions
    from school.enrollment.models import Enrollment
    from school.extensions import db
    from school.orgs.models import Branch, PrimaryOrganization
    from school.reports import demo as reports_demo

    # Reference data, demo accounts, programmes and plans; not the other features' demos.
    seed_orgs(seed_regions())
    seed_accounts()
    catalog_demo.seed(random.Random(1))
    reports_demo.seed(random.Random(2))
    db.session.commit()
    rng = random.Random(seed)
    started = time.perf_counter()
    n_people, n_events = max(10, int(100_000 * scale)), max(10, int(20_000 * scale))
    per_event = 50
    orgs = db.session.execute(
        select(PrimaryOrganization.id, PrimaryOrganization.branch_id, Branch.union_id,
               Branch.region_id).join(Branch)
    ).all()
    programs = db.session.scalars(select(Program.id)).all()
    categories = [c.value for c in Category]
    weights = [30, 8, 15, 5, 10, 12, 6, 12, 2]
    def max_id(model) -> int:
        return db.session.scalar(select(func.coalesce(func.max(model.id), 0)))

    user0, event0 = max_id(User), max_id(Event)
    enrol0, cert0 = max_id(Enrollment), max_id(Certificate)
    now = datetime.now(UTC)
    this_year = date.today().year
    db.session.commit()

    with db.engine.begin() as conn:
        w = Writer(conn)
        people = []

        def users():
            for i in range(n_people):
                org = orgs[rng.randrange(len(orgs))]
                uid = user0 + 1 + i
                people.append((uid, org, rng.choices(categories, weights)[0]))
                yield (uid, f"bench{i}@bench.kz", f"Участник {i}", people[-1][2], org.region_id,
                       org.union_id, org.branch_id, org.id, "ru", True, now)

        w.write("user_account", ("id", "email", "full_name", "category", "region_id",
                                 "union_id", "branch_id", "primary_org_id", "locale", "active",
                                 "created_at"), users())
        events = []
        for i in range(n_events):
            year = this_year - 10 + i * 10 // n_events
            start = date(year, 1, 1) + timedelta(days=rng.randrange(0, 365))
            days = rng.choice([1, 2, 3, 3, 5])
            events.append((event0 + 1 + i, rng.choice(programs), rng.choice(list(EventKind)).value,
                           rng.choice(list(EventFormat)).value, start,
                           start + timedelta(days=days - 1), 100, "open", "completed", now))
        w.write("event", ("id", "program_id", "kind", "format", "starts_on", "ends_on",
                          "capacity", "approval_mode", "status", "created_at"), events)

        certificates = []

        def enrolments():
            eid = enrol0
            for ev in events:
                for uid, org, category in rng.sample(people, min(len(people), rng.randint(
                        per_event // 2, per_event * 3 // 2))):
                    eid += 1
                    done = rng.random() < 0.85
                    if done and rng.random() < 0.01:
                        certificates.append((eid, rng.random() < 0.2))
                    yield (eid, ev[0], uid, "completed" if done else "not_completed", now,
                           org.region_id, org.union_id, org.branch_id, org.id, category)

        w.write("enrollment", ("id", "event_id", "user_id", "status", "created_at", "region_id",
                               "union_id", "branch_id", "primary_org_id", "category"),
                enrolments())
        w.write("certificate", ("id", "enrollment_id", "number", "verification_code",
                                "holder_name", "issued_at", "pdf", "sha256", "revoked_at"),
                ((cert0 + i + 1, eid, f"B-{i + 1:08d}", f"v{i + 1:015d}", "—", now, b"",
                  "0" * 64, now if revoked else None)
                 for i, (eid, revoked) in enumerate(certificates)))
        w.fix_sequences(["user_account", "event", "enrollment", "certificate"])
        counts = w.counts
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return (", ".join(f"{v:,} {k}" for k, v in counts.items())
            + f" in {time.perf_counter() - started:.0f} s")


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm caches and the connection pool
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(url: str, scale: float, repeat: int) -> list[tuple[str, str, float]]:
    from sqlalchemy import select, text

    from school import create_app
    from school.accounts.models import User
    from school.extensions import db
    from school.reports import services

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    with app.app_context():
        db.drop_all()
        db.create_all()
        print(f"{backend}: building … ", end="", flush=True)
        print(build(scale), flush=True)
        year = date.today().year - 1
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.kz"))
        # As the federation would: every year before the last one is closed.
        closed_year = year - 1
        for past in range(year - 10, year):
            services.close_year(past, admin)
        db.session.commit()
        params = {"first": date(year, 1, 1), "after": date(year + 1, 1, 1)}
        plan = db.session.execute(
            text(("EXPLAIN QUERY PLAN " if backend == "SQLite" else "EXPLAIN ") + BARE_SQL),
            params).all()
        print("  plan of the bare aggregate:")
        for line in plan:
            print("   ", line[-1])
        rows_in_year = db.session.execute(text(
            "SELECT COUNT(*) FROM enrollment e JOIN event ev ON ev.id = e.event_id "
            "WHERE e.status = 'completed' AND ev.ends_on >= :first AND ev.ends_on < :after"),
            params).scalar()
        db.session.commit()

        def bare():
            db.session.execute(text(BARE_SQL), params).all()
            db.session.rollback()

        def report(y):
            def run():
                services.yearly_report(y, admin)
                db.session.rollback()
            return run

        client = app.test_client()
        client.post("/login", data={"email": "admin@demo.kz", "password": "demo-2026"})

        def page():
            assert client.get(f"/reports/yearly?year={year}").status_code == 200

        def csv_export():
            assert client.get(f"/reports/yearly?year={year}&format=csv").status_code == 200

        results = [
            (backend, f"bare aggregate, {year} ({rows_in_year:,} completed)",
             _median_ms(bare, repeat)),
            (backend, f"report table, {year}", _median_ms(report(year), repeat)),
            (backend, f"report table, {closed_year} (closed, stored rows)",
             _median_ms(report(closed_year), repeat)),
            (backend, "page /reports/yearly (table, plans, 10-year trend, charts)",
             _median_ms(page, repeat)),
            (backend, "CSV export (with its audit entry)", _median_ms(csv_export, repeat)),
        ]
        db.session.remove()
        db.engine.dispose()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1M enrolments")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", "bench")

    tmp = Path(tempfile.mkdtemp(prefix="h_reports_bench-"))
    urls = [f"sqlite:///{tmp / 'bench.db'}"]
    if not args.no_postgres and (pg := _postgres_url()):
        urls.append(pg)
    results = []
    for url in urls:
        results += measure(url, args.scale, args.repeat)
    print(f"\nYearly report, scale {args.scale:g} (median of {args.repeat} runs)\n")
    print("| database | measured | ms | × bare |\n|---|---|---:|---:|")
    bare = {}
    for backend, name, ms in results:
        bare.setdefault(backend, ms)
        print(f"| {backend} | {name} | {ms:,.1f} | {ms / bare[backend]:.1f} |")
    for path in tmp.iterdir():
        path.unlink()
    tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
