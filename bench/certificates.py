"""Certificates per second for a 500-person event: a naive loop against the tuned batch.

    .venv/bin/python bench/certificates.py [--count 500] [--processes 2] [--only naive,tuned]

Builds a throwaway SQLite database (or uses BENCH_DATABASE_URL) with one finished event
and `count` completed enrolments per mode, then issues every certificate, end to end —
registry number under the counter lock, HTML, PDF, sha256, row stored and committed, mail
to the holder (in-memory backend) — three ways:

- naive: one at a time in this process, WeasyPrint called with default arguments (a new
  font configuration and a freshly parsed stylesheet for every document);
- tuned, 1 process: the same loop with one font configuration and one parsed stylesheet
  for the process (school.pdf);
- tuned, N processes: the background batch itself (school.certificates.jobs.run_batch):
  chunks under one lock each, rendered by a pool of N processes that each keep one font
  configuration and stylesheet.

Prints a table: seconds, certificates per second, and how this process's resident memory
grew (naive rendering leaks; the tuned paths stay flat — the pool's workers run the same
tuned renderer, and are replaced after 100 tasks in any case).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = ["Әбілқайырова", "Ұңғарова", "Өмірбеков", "Қоңырбаев", "Ғабитов", "Иванова",
            "Һасенов", "Іскаков", "Сүлейменова", "Нұрланов", "Ким", "Жақсылықов"]
FIRST = ["Гауһар", "Әсемгүл", "Ерлан", "Айгерім", "Нұрсұлтан", "Елена", "Бауыржан", "Ұлпан"]
PATRONYMIC = ["Серікқызы", "Маратұлы", "Петровна", "Ғалымжанқызы", "Өмірбекұлы", ""]


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build(app, count: int, modes: list[str]) -> dict[str, int]:
    """One finished event per mode, each with `count` completed enrolments."""
    from school.accounts.models import User
    from school.catalog.models import (
        Event,
        EventFormat,
        EventKind,
        EventSession,
        EventStatus,
        Program,
        ProgramSignatory,
    )
    from school.demo import seed_regions
    from school.enrollment.models import Enrollment, EnrollmentStatus
    from school.extensions import db
    from school.timeutil import local_datetime

    with app.app_context():
        db.drop_all()
        db.create_all()
        regions = seed_regions()
        program = Program(
            code="BENCH", academic_hours=24,
            title_ru="Основы деятельности председателя первичной профсоюзной организации",
            title_kk="Бастауыш кәсіподақ ұйымы төрағасы қызметінің негіздері",
            certificate_title_ru="о повышении квалификации",
            certificate_title_kk="біліктілікті арттыру туралы",
        )
        program.signatories = [ProgramSignatory(
            position=0, name_ru="Сейтқали А. М.", name_kk="Сейтқали А. М.",
            title_ru="Директор Учебного центра ФПРК", title_kk="ҚРКФ Оқу орталығының директоры",
        )]
        db.session.add(program)
        users = []
        for i in range(count):
            name = " ".join(filter(None, [
                SURNAMES[i % len(SURNAMES)], FIRST[(i // 3) % len(FIRST)],
                PATRONYMIC[(i // 7) % len(PATRONYMIC)],
            ]))
            users.append(User(email=f"bench{i}@example.kz", full_name=name, locale="ru"))
        db.session.add_all(users)
        events = {}
        start = date(2026, 3, 2)
        for mode in modes:
            event = Event(program=program, kind=EventKind.seminar,
                          format=EventFormat.in_person, region_id=regions["KZ-79"].id,
                          starts_on=start, ends_on=start + timedelta(days=2), capacity=count,
                          status=EventStatus.completed)
            for d in range(3):
                day = start + timedelta(days=d)
                event.sessions.append(EventSession(
                    starts_at=local_datetime(day, time_(9)), academic_hours=8,
                    ends_at=local_datetime(day, time_(17)),
                ))
            db.session.add(event)
            db.session.flush()
            db.session.add_all(
                Enrollment(event_id=event.id, user_id=u.id, status=EnrollmentStatus.completed,
                           attended_hours=24, attended_sessions=3)
                for u in users
            )
            events[mode] = event.id
        db.session.commit()
        return events


def time_(hour: int):
    from datetime import time

    return time(hour, 0)


def naive_render(items):
    from weasyprint import HTML

    from school import pdf

    css = str(pdf.STATIC_ROOT / pdf.STYLESHEETS["certificate"])
    return [HTML(string=html, base_url=pdf.STATIC_URL).write_pdf(stylesheets=[css])
            for html, _kind in items]


def one_by_one(app, event_id: int, render) -> int:
    """Issue every certificate of the event one at a time, each in its own transaction."""
    from sqlalchemy.orm import selectinload

    from school.certificates import queries, services
    from school.enrollment.models import Enrollment
    from school.extensions import db, write_transaction

    issued = 0
    with app.app_context():
        event = queries.event_for_printing(event_id)
        ids = [e.id for e in db.session.scalars(queries.pending_query(event_id))]
        for enrollment_id in ids:
            with write_transaction():
                enrollment = db.session.scalars(
                    queries.pending_query(event_id).where(Enrollment.id == enrollment_id)
                    .options(selectinload(Enrollment.user))
                ).one()
                event = queries.event_for_printing(event_id)
                certificate = services.issue_many(event, [enrollment], render=render)[0]
            services.notify_issued(certificate)
            issued += 1
    return issued


def batch(app, event_id: int, processes: int) -> int:
    from school.certificates import batches, jobs, queries
    from school.extensions import db

    with app.app_context():
        b = batches.start_batch(queries.event_for_printing(event_id), by=None)
        db.session.commit()
        return jobs.run_batch(b.id, processes=processes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", default="naive,tuned1,tuned")
    args = parser.parse_args()
    modes = [m.strip() for m in args.only.split(",") if m.strip()]

    from school import create_app

    tmp = tempfile.mkdtemp(prefix="bench-certs-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    app = create_app({
        "TESTING": False, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "MAIL_BACKEND": "locmem", "BASE_URL": "https://school.fprk.kz",
        "RATELIMIT_ENABLED": False,
    })
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    events = build(app, args.count, modes)
    print(f"{args.count} certificates per run; {os.cpu_count()} CPUs; database {url.split(':')[0]}")

    from school.certificates import services

    results = []
    for mode in modes:
        before = rss_mb()
        started = time.perf_counter()
        if mode == "naive":
            label, n = "naive loop (default WeasyPrint), 1 process", one_by_one(
                app, events[mode], naive_render)
        elif mode == "tuned1":
            label, n = "tuned (shared fonts + CSS), 1 process", one_by_one(
                app, events[mode], services.render_here)
        else:
            label = f"tuned batch, {args.processes} processes"
            n = batch(app, events[mode], args.processes)
        seconds = time.perf_counter() - started
        results.append((label, n, seconds, rss_mb() - before))
        print(f"  {label}: {n} in {seconds:.1f} s", flush=True)

    print()
    print(f"| {'mode':<44} | {'certificates':>12} | {'seconds':>7} | {'per second':>10} "
          f"| {'RSS growth':>10} |")
    print(f"|{'-' * 46}|{'-' * 14}|{'-' * 9}|{'-' * 12}|{'-' * 12}|")
    for label, n, seconds, grown in results:
        print(f"| {label:<44} | {n:>12} | {seconds:>7.1f} | {n / seconds:>10.1f} "
              f"| {grown:>7.1f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
