"""Signed-in pages at scale (issue 15): requests per second and p95, each beside the floor.

    .venv/bin/python bench/signed_in.py [--database-url URL] [--seconds 10] [--connections 16]

Serves the app and a bare Flask "hello" (bench/hello.py) with the same gunicorn (2 sync
workers) and drives both with wrk (2 threads × 16 connections), alternating floor and page
so that each page is compared with a floor measured minutes, not hours, apart. The database
is one built by `flask seed-demo --scale N` (default: PostgreSQL `bench_pages`, which
`bench/run --only commissions` builds).

Every page is first fetched with the exact cookie and User-Agent wrk will send, and the run
stops if the answer is not the signed-in page (a redirect to /login, or a page without the
sign-out form): a figure measured on the anonymous page would be a lie.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import Visitor, gunicorn  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://root@127.0.0.1:5432/bench_pages"
USER_AGENT = "school-bench/1"
# wrk's Lua hook: print the 95th percentile, which --latency does not show.
P95_LUA = 'done = function(s, latency, r) io.write(string.format("p95_us %d\\n", ' \
          "latency:percentile(95))) end\n"
SIGNED_IN_MARK = 'action="/logout"'

_PICK = """
from sqlalchemy import func, select
from school.accounts.models import User
from school.catalog.models import Event, event_instructor
from school.enrollment.models import Enrollment
from school.extensions import db
trainee = db.session.scalar(select(User.id).where(User.email == "trainee@demo.kz"))
teacher = db.session.scalar(select(User.id).where(User.email == "instructor@demo.kz"))
# The instructor's event with the most people: the heaviest roster and sheet of the demo.
event = db.session.scalar(
    select(Event.id).join(event_instructor, event_instructor.c.event_id == Event.id)
    .join(Enrollment, Enrollment.event_id == Event.id)
    .where(event_instructor.c.user_id == teacher)
    .group_by(Event.id).order_by(func.count().desc(), Event.id).limit(1))
mine = db.session.scalar(select(Enrollment.event_id).where(Enrollment.user_id == trainee)
                         .order_by(Enrollment.id.desc()).limit(1)) or event
print(event, mine)
"""

# (who signs in, page name, path): the pages of issue 15's table.
PAGES = [
    ("trainee@demo.kz", "catalogue", "/events"),
    ("trainee@demo.kz", "event page", "/events/{mine}"),
    ("trainee@demo.kz", "/my", "/my"),
    ("admin@demo.kz", "roster", "/events/{event}/roster"),
    ("instructor@demo.kz", "attendance sheet", "/events/{event}/attendance"),
    ("coordinator@demo.kz", "approvals", "/approvals"),
    ("admin@demo.kz", "yearly report", "/reports/yearly"),
]


def wrk(url: str, seconds: int, connections: int, headers: list[str], lua: str):
    """(requests per second, p95 in ms, share of non-2xx answers)."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", lua]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = int(re.search(r"p95_us (\d+)", out).group(1)) / 1000
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    # wrk gives up on a request after 2 s: those are failures too, and cap the p95.
    if m := re.search(r"Socket errors: .*timeout (\d+)", out):
        bad += int(m.group(1))
    return rps, p95, (bad / total if total else 0.0)


def check_signed_in(url: str, headers: list[str]) -> None:
    """Fetch the page as wrk will; stop the run if it is not the signed-in page."""
    # http only: the URL is the local gunicorn this script started.
    request = urllib.request.Request(  # noqa: S310
        url, headers=dict(h.split(": ", 1) for h in headers))

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        opener = urllib.request.build_opener(NoRedirect())
        with opener.open(request, timeout=120) as answer:
            status, page = answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, page = e.code, ""
    if status != 200 or SIGNED_IN_MARK not in page:
        raise SystemExit(f"{url} answered {status} without the sign-out form: the run would "
                         "measure the anonymous page, not the signed-in one")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--only", nargs="*", help="page names to run")
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": "bench",
           "RATELIMIT_ENABLED": "false", "PAGE_CACHE_SECONDS": "0"}
    prelude = "from school import create_app\napp = create_app()\napp.app_context().push()\n"
    picked = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", prelude + _PICK],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    if picked.returncode != 0:
        raise SystemExit(picked.stderr[-2000:])
    event, mine = picked.stdout.split()[-2:]

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(P95_LUA)
        lua = f.name
    rows = []
    print(f"signed-in pages, {args.database_url.rsplit('/', 1)[1]}, gunicorn 2 workers, "
          f"wrk 2 threads × {args.connections} connections, {args.seconds} s each", flush=True)
    try:
        with gunicorn("bench.hello:app", env) as floor_base, gunicorn("app:app", env) as base:
            cookies: dict[str, str] = {}
            for email, name, path in PAGES:
                if args.only and name not in args.only:
                    continue
                if email not in cookies:
                    visitor = Visitor(base)
                    visitor.sign_in(email, "demo-2026")
                    cookies[email] = "; ".join(f"{c.name}={c.value}" for c in visitor.jar)
                url = base + path.format(event=event, mine=mine)
                headers = [f"Cookie: {cookies[email]}", f"User-Agent: {USER_AGENT}"]
                check_signed_in(url, headers)
                floor, _, _ = wrk(floor_base + "/", args.seconds, args.connections,
                                          [f"User-Agent: {USER_AGENT}"], lua)
                rps, p95, bad = wrk(url, args.seconds, args.connections, headers, lua)
                check_signed_in(url, headers)  # still signed in after the run
                load = os.getloadavg()[0]  # the machine is shared: say how busy it was
                rows.append((name, email.split("@")[0], rps, p95, floor, rps / floor, bad,
                             load))
                print(f"  {name:<18} {rps:8.1f} req/s  p95 {p95:7.1f} ms  floor {floor:7.0f} "
                      f"req/s  {rps / floor:6.1%}  load {load:.1f}"
                      + (f"  {bad:.1%} non-2xx or timed out" if bad else ""), flush=True)
    finally:
        os.unlink(lua)
    print("\n| page (signed in) | as | req/s | p95 ms | floor req/s | share of floor | "
          "load average |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, who, rps, p95, floor, share, _bad, load in rows:
        print(f"| {name} | {who} | {rps:,.1f} | {p95:,.0f} | {floor:,.0f} | {share:.1%} | "
              f"{load:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
