"""`flask seed-demo --scale N`: a decade of history at scale, with bulk inserts.

At N=1: about 100k people, 20k completed events with 60k sessions, 1M enrolments and 3M
attendance marks. Rows go in through COPY on PostgreSQL and executemany on SQLite, with ids
assigned here so that no row needs a round trip. Certificates are not generated (a PDF per
enrolment would be gigabytes); reports and listings do not need them.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, text

from school.accounts.models import Category, User
from school.catalog.models import Event, EventFormat, EventKind, Program
from school.commissions.scale import write_members
from school.demo import FEMALE_NAMES, MALE_NAMES, SURNAMES
from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization
from school.planning.scale import write_plans
from school.timeutil import ALMATY

BATCH = 20_000
FIRST_NAMES = MALE_NAMES + FEMALE_NAMES



def _max_id(model) -> int:
    return db.session.scalar(select(func.coalesce(func.max(model.id), 0)))


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection):
        self.conn = connection
        self.dialect = connection.dialect.name
        self.counts: dict[str, int] = {}

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
        raw = self.conn.connection.dbapi_connection
        total = 0
        if self.dialect == "postgresql":
            cols = ", ".join(f'"{c}"' for c in columns)
            with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    total += 1
        else:
            sql = (
                f'INSERT INTO "{table}" ({", ".join(columns)}) '
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            cur = raw.cursor()
            for chunk in _chunks(rows, BATCH):
                cur.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in chunk])
                total += len(chunk)
            cur.close()
        self.counts[table] = self.counts.get(table, 0) + total

    def fix_sequences(self, tables: Iterable[str]) -> None:
        if self.dialect != "postgresql":
            return
        for table in tables:
            self.conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )
            )


def _sqlite_value(value):
    # The same text SQLAlchemy writes for its DateTime columns on SQLite (naive UTC).
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def generate(scale: float, *, seed: int = 2026, today: date | None = None) -> Iterator[str]:
    """Add `scale` × (100k people, 20k events, 1M enrolments, 3M marks) of past years."""
    rng = random.Random(seed)
    today = today or datetime.now(ALMATY).date()
    started = clock.perf_counter()
    n_people = max(10, int(100_000 * scale))
    n_events = max(2, int(20_000 * scale))
    per_event = 50  # enrolments per event on average: 1M / 20k

    orgs = db.session.execute(
        select(
            PrimaryOrganization.id, PrimaryOrganization.branch_id, Branch.union_id, Branch.region_id
        ).join(Branch)
    ).all()
    if not orgs:
        raise RuntimeError("run `flask seed-demo` first: there are no organisations")
    programs = db.session.execute(select(Program.id, Program.academic_hours)).all()
    if not programs:
        raise RuntimeError("run `flask seed-demo` first: there are no programmes")
    branch_region = {o.branch_id: o.region_id for o in orgs}
    branches = sorted(branch_region)
    shared = User()
    shared.set_password("scale-demo-2026")
    categories = [c.value for c in Category]
    cat_weights = [30, 8, 15, 5, 10, 12, 6, 12, 2]
    now = datetime.now(UTC)

    user0, event0, session0 = _max_id(User), _max_id(Event), _max_id_table("event_session")
    enrol0, mark0 = _max_id_table("enrollment"), _max_id_table("attendance_mark")
    grant0 = _max_id_table("role_grant")
    run_tag = f"{seed}-{user0}"
    db.session.commit()

    with db.engine.begin() as conn:
        w = Writer(conn)
        people = []  # (id, org) for snapshots

        def user_rows():
            for i in range(n_people):
                org = orgs[rng.randrange(len(orgs))]
                uid = user0 + 1 + i
                people.append((uid, org, rng.choices(categories, cat_weights)[0]))
                yield (
                    uid,
                    f"scale{run_tag}-{i}@demo.kz",
                    shared.password_hash,
                    f"{rng.choice(SURNAMES)} {rng.choice(FIRST_NAMES)}",
                    None,
                    None,
                    people[-1][2],
                    org.region_id,
                    org.union_id,
                    org.branch_id,
                    org.id,
                    "ru",
                    True,
                    now,
                )

        w.write(
            "user_account",
            (
                "id",
                "email",
                "password_hash",
                "full_name",
                "phone",
                "iin",
                "category",
                "region_id",
                "union_id",
                "branch_id",
                "primary_org_id",
                "locale",
                "active",
                "created_at",
            ),
            user_rows(),
        )
        w.write(
            "role_grant",
            ("id", "user_id", "role", "granted_at"),
            ((grant0 + 1 + i, uid, "trainee", now) for i, (uid, _o, _c) in enumerate(people)),
        )

        # Events spread over the ten years before this one, all completed.
        first_year = today.year - 10
        kinds = [k.value for k in EventKind]
        formats = [f.value for f in EventFormat]
        events, sessions = [], []
        sid = session0
        for i in range(n_events):
            eid = event0 + 1 + i
            year = first_year + i * 10 // n_events
            start = date(year, 1, 1) + timedelta(days=rng.randrange(0, 360))
            n_sessions = rng.choices([1, 2, 3, 4, 5], [10, 20, 40, 20, 10])[0]
            program_id, hours = programs[rng.randrange(len(programs))]
            branch_id = branches[rng.randrange(len(branches))]
            fmt = rng.choice(formats)
            events.append(
                (
                    eid,
                    program_id,
                    rng.choice(kinds),
                    fmt,
                    None if rng.random() < 0.1 else branch_region[branch_id],
                    None if fmt == "online" else "Демо-площадка",
                    "https://meet.example.kz/demo" if fmt != "in_person" else None,
                    start,
                    start + timedelta(days=n_sessions - 1),
                    per_event * 2,
                    "open",
                    "completed",
                    now,
                    now,
                    now,
                    branch_id,
                )
            )
            for d in range(n_sessions):
                sid += 1
                day = start + timedelta(days=d)
                begins = datetime.combine(day, time(9), tzinfo=ALMATY)
                sessions.append(
                    (sid, eid, begins, begins + timedelta(hours=8), max(1, hours // n_sessions))
                )
        w.write(
            "event",
            (
                "id",
                "program_id",
                "kind",
                "format",
                "region_id",
                "venue",
                "online_link",
                "starts_on",
                "ends_on",
                "capacity",
                "approval_mode",
                "status",
                "created_at",
                "published_at",
                "completed_at",
                "organizer_branch_id",
            ),
            ((*e[:15], e[15]) for e in events),
        )
        w.write(
            "event_session", ("id", "event_id", "starts_at", "ends_at", "academic_hours"), sessions
        )

        by_event: dict[int, list[tuple]] = {}
        for s in sessions:
            by_event.setdefault(s[1], []).append(s)

        enrolments_marks: list[tuple] = []

        def enrolment_rows():
            eid_ = enrol0
            for e in events:
                size = rng.randint(per_event // 2, per_event * 3 // 2)
                for uid, org, category in rng.sample(people, min(size, len(people))):
                    eid_ += 1
                    ev_sessions = by_event[e[0]]
                    attended = [s for s in ev_sessions if rng.random() < 0.9]
                    done = len(attended) * 100 >= 80 * len(ev_sessions)
                    enrolments_marks.append((eid_, ev_sessions, {s[0] for s in attended}))
                    finished = ev_sessions[-1][3]
                    yield (
                        eid_,
                        e[0],
                        uid,
                        "completed" if done else "not_completed",
                        finished - timedelta(days=30),
                        finished - timedelta(days=29),
                        finished,
                        len(attended),
                        sum(s[4] for s in attended),
                        org.region_id,
                        org.union_id,
                        org.branch_id,
                        org.id,
                        category,
                    )

        w.write(
            "enrollment",
            (
                "id",
                "event_id",
                "user_id",
                "status",
                "created_at",
                "confirmed_at",
                "completed_at",
                "attended_sessions",
                "attended_hours",
                "region_id",
                "union_id",
                "branch_id",
                "primary_org_id",
                "category",
            ),
            enrolment_rows(),
        )

        def mark_rows():
            mid = mark0
            for enrolment_id, ev_sessions, attended in enrolments_marks:
                for s in ev_sessions:
                    mid += 1
                    if s[0] in attended:
                        status = "late" if rng.random() < 0.05 else "present"
                    else:
                        status = "excused" if rng.random() < 0.3 else "absent"
                    yield (mid, enrolment_id, s[0], status, "sheet", s[2])

        w.write(
            "attendance_mark",
            ("id", "enrollment_id", "session_id", "status", "source", "marked_at"),
            mark_rows(),
        )
        # Commission bodies and members in proportion to the people (issue 17).
        more_tables = write_members(w, people, rng, today, now)
        # Organisations and next year's plans for the whole tree (issue 19).
        more_tables += write_plans(w, rng, scale, today, now)
        w.fix_sequences(
            [
                *more_tables,
                "user_account",
                "role_grant",
                "event",
                "event_session",
                "enrollment",
                "attendance_mark",
            ]
        )
        counts = w.counts
    # What autovacuum would do a while later: planner statistics, and the visibility map
    # that index-only scans rely on (the due list's), for the millions of rows just added.
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE " + ", ".join(f'"{t}"' for t in counts))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")

    seconds = clock.perf_counter() - started
    yield (
        f"Scale {scale:g}: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
        + f" in {seconds:.0f} s"
    )


def _max_id_table(table: str) -> int:
    return db.session.scalar(text(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"'))
