"""Where a signed-in page's time goes (issue 15): set-up, the user, SQL, rendering.

    .venv/bin/python bench/profile_pages.py [--database-url URL] [--repeat 20]
        [--cprofile PAGE]

For each page of bench/signed_in.py, requests through the test client (no network, one
process) and splits the mean time of a request into:
- user: loading the signed-in person, their grants and their session row;
- SQL: executing the other statements (engine events), with their number;
- render: Jinja rendering, less the SQL run from inside templates (lazy loads: each one is
  a query the view should have issued up front; their number is shown on its own);
- rest: routing, the view's Python, Babel, CSRF, the session cookie, response handling.
`--cprofile PAGE [--sort tottime]` prints cProfile's top functions for one page instead;
`--statements PAGE` the statements one request of that page issues, with their times.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.signed_in import _PICK, DEFAULT_URL, PAGES  # noqa: E402


class Clock:
    """Per-request accumulators fed by engine, template and login events."""

    def __init__(self) -> None:
        self.reset()
        self.rendering = 0
        self.in_user = False
        self.log: list | None = None

    def reset(self) -> None:
        self.sql = self.user = self.render = self.render_sql = 0.0
        self.statements = self.template_statements = 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cprofile", metavar="PAGE")
    parser.add_argument("--statements", metavar="PAGE")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative, "
                        "tottime")
    args = parser.parse_args()

    from flask import before_render_template, template_rendered
    from sqlalchemy import event

    from school import create_app
    from school.extensions import db, login_manager

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench", "TESTING": True,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PAGE_CACHE_SECONDS": 0,
    })
    clock = Clock()
    with app.app_context():
        engine = db.engine
        namespace: dict = {}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(_PICK, namespace)  # noqa: S102 - the benchmark's own fixed code
        db.session.remove()
    event_id, mine = namespace["event"], namespace["mine"]

    @event.listens_for(engine, "before_cursor_execute")
    def _started(conn, cursor, statement, params, context, many):
        context._bench_t0 = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _done(conn, cursor, statement, params, context, many):
        spent = time.perf_counter() - context._bench_t0
        if clock.in_user:  # counted in the user's time
            return
        clock.sql += spent
        clock.statements += 1
        if clock.log is not None:
            clock.log.append((spent, " ".join(statement.split())[:150]))
        if clock.rendering:
            clock.render_sql += spent
            clock.template_statements += 1

    def _render_start(sender, template, context, **kw):
        clock.rendering += 1
        clock._render_t0 = time.perf_counter()

    def _render_done(sender, template, context, **kw):
        clock.rendering -= 1
        if not clock.rendering:
            clock.render += time.perf_counter() - clock._render_t0

    before_render_template.connect(_render_start, app)
    template_rendered.connect(_render_done, app)
    loader = login_manager._user_callback

    def timed_loader(user_id):
        started, clock.in_user = time.perf_counter(), True
        try:
            return loader(user_id)
        finally:
            clock.in_user = False
            clock.user += time.perf_counter() - started

    login_manager._user_callback = timed_loader

    print(f"where the time goes, {args.database_url.rsplit('/', 1)[1]}, mean of "
          f"{args.repeat} requests after a warm-up (test client, one process)\n")
    print("| page | as | total ms | user ms | SQL ms (statements) | render ms | "
          "queries from templates | rest ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    clients: dict = {}
    for email, name, path in PAGES:
        if (args.cprofile or args.statements) and name not in (args.cprofile, args.statements):
            continue
        if email not in clients:
            client = app.test_client()
            answer = client.post("/login", data={"email": email, "password": "demo-2026"})
            if answer.status_code != 302:
                raise SystemExit(f"login of {email} answered {answer.status_code}")
            clients[email] = client
        client, url = clients[email], path.format(event=event_id, mine=mine)
        if client.get(url).status_code != 200:
            raise SystemExit(f"{url} did not answer 200 for {email}")
        if args.statements:
            clock.log = []
            client.get(url)
            for spent, text in clock.log:
                print(f"{spent * 1000:7.2f} ms  {text}")
            return 0
        if args.cprofile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.repeat):
                client.get(url)
            profile.disable()
            pstats.Stats(profile).sort_stats(args.sort).print_stats(40)
            return 0
        rows = []
        for _ in range(args.repeat):
            clock.reset()
            started = time.perf_counter()
            client.get(url)
            total = time.perf_counter() - started
            rows.append((total, clock.user, clock.sql, clock.statements,
                         clock.render - clock.render_sql, clock.template_statements))
        mean = [statistics.mean(r[i] for r in rows) for i in range(6)]
        total, user, sql, statements, render, in_templates = mean
        rest = total - sql - render - user
        print(f"| {name} | {email.split('@')[0]} | {total * 1000:.1f} | {user * 1000:.1f} | "
              f"{sql * 1000:.1f} ({statements:.0f}) | {render * 1000:.1f} | "
              f"{in_templates:.0f} | {rest * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
