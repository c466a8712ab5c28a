"""Demo programmes and a year of events around today (half past, half upcoming).

Programmes are looked up by code and kept up to date; events are made once (a second run
finds the demo programmes' events and leaves them alone). Past events stay `published`:
the attendance feature completes them with their marks. What they are: demo_data.py.
"""

from __future__ import annotations

import csv
from datetime import date, time, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select

from school.accounts.models import Category, Role, RoleGrant, User
from school.catalog import hooks
from school.catalog.demo_data import (
    INSTRUCTORS,
    PLAN,
    PROGRAMS,
    REGION_WEIGHTS,
    SIGNATORIES,
    VENUES,
    ProgramSpec,
)
from school.catalog.models import (
    ApprovalMode,
    Event,
    EventFormat,
    EventKind,
    EventSession,
    EventStatus,
    Program,
    ProgramAudience,
    ProgramSignatory,
)
from school.demo import DEMO_PASSWORD
from school.extensions import db
from school.orgs.models import Branch, Region, SectoralUnion
from school.timeutil import local_datetime, local_today, now

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"

def _cities() -> dict[str, tuple[str, str]]:
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        r["iso_3166_2"]: (r["name_ru"], r["name_kk"]) if r["type"] == "city"
        else (r["admin_centre_ru"], r["admin_centre_kk"])
        for r in rows
    }


def _seed_programs() -> dict[str, tuple[Program, ProgramSpec]]:
    result = {}
    for spec in PROGRAMS:
        program = db.session.scalar(select(Program).where(Program.code == spec.code))
        if program is None:
            program = Program(code=spec.code)
            db.session.add(program)
        program.title_ru, program.title_kk, program.title_en = (
            spec.title_ru, spec.title_kk, spec.title_en)
        program.description_ru, program.description_kk = spec.description_ru, spec.description_kk
        program.academic_hours = spec.hours
        program.completion_threshold = 80
        program.certificate_title_ru, program.certificate_title_kk = (
            spec.certificate_ru, spec.certificate_kk)
        program.active = True
        have = {r.category for r in program.audience_rows}
        program.audience_rows = [r for r in program.audience_rows if r.category in spec.audience]
        program.audience_rows += [ProgramAudience(category=c) for c in spec.audience
                                  if c not in have]
        if not program.signatories:
            program.signatories = [
                ProgramSignatory(position=i, name_ru=n_ru, name_kk=n_kk, title_ru=t_ru,
                                 title_kk=t_kk)
                for i, (n_ru, n_kk, t_ru, t_kk) in enumerate(SIGNATORIES)
            ]
        result[spec.code] = (program, spec)
    db.session.flush()
    return result


def _seed_instructors() -> list[User]:
    people = []
    shared_hash = None
    for email, name in [("instructor@demo.kz", None), *INSTRUCTORS]:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            if name is None:
                continue  # the lead's demo accounts come first; nothing to do without them
            user = User(email=email, full_name=name, locale="ru")
            if shared_hash is None:
                user.set_password(DEMO_PASSWORD)
                shared_hash = user.password_hash
            else:
                user.password_hash = shared_hash
            user.grants.append(RoleGrant(role=Role.trainee))
            db.session.add(user)
        if not user.has_role(Role.instructor):
            user.grants.append(RoleGrant(role=Role.instructor))
        people.append(user)
    db.session.flush()
    return people


def _session_days(spec: ProgramSpec, start: date) -> list[date]:
    if spec.kind is EventKind.online_course:
        # Twice a week for two weeks: Tuesday and Thursday evenings.
        return [start, start + timedelta(days=2), start + timedelta(days=7),
                start + timedelta(days=9)]
    return [start + timedelta(days=i) for i in range(spec.days)]


def _start_day(day: date, spec: ProgramSpec) -> date:
    """Move a start to a weekday that leaves the whole event inside the working week."""
    if spec.kind is EventKind.online_course:
        return day + timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday
    latest = 4 - (spec.days - 1)  # the last weekday the event can start on
    while day.weekday() > latest:
        day += timedelta(days=1)
    return day


def _organizer(rng, spec: ProgramSpec, region: Region, branches: dict, unions: dict):
    """(union id, branch id): the centre, a sectoral union, or the union's branch there."""
    if spec.code in ("SPL", "SK-159", "KD") and rng.random() < 0.4:
        return None, None
    union_code = "kazsvyaz" if rng.random() < 0.3 else "kyzmet"
    branch = branches.get((union_code, region.id))
    if branch is not None and rng.random() < 0.75:
        return None, branch.id
    union = unions.get(union_code)
    return (union.id if union else None), None


def _make_event(rng, program: Program, spec: ProgramSpec, start: date, region: Region | None,
                organizer, cities, instructors: list[User], status=EventStatus.published):
    days = _session_days(spec, start)
    fmt = rng.choice(spec.formats)
    city_ru, city_kk = cities[region.code] if region else (None, None)
    venue = rng.choice(VENUES)
    event = Event(
        program_id=program.id, kind=spec.kind, format=fmt,
        organizer_union_id=organizer[0], organizer_branch_id=organizer[1],
        region_id=region.id if region else None, city_ru=city_ru, city_kk=city_kk,
        venue=venue[0] if fmt is not EventFormat.online else None,
        venue_kk=venue[1] if fmt is not EventFormat.online else None,
        online_link=(f"https://meet.jit.si/fprk-{spec.code.lower()}-{start:%Y%m%d}"
                     if fmt is not EventFormat.in_person else None),
        starts_on=days[0], ends_on=days[-1], capacity=rng.choice(spec.capacity),
        enrol_opens_at=local_datetime(days[0] - timedelta(days=45), time(9)),
        enrol_closes_at=local_datetime(days[0] - timedelta(days=2), time(18)),
        approval_mode=spec.approval, status=status,
        published_at=(min(now(), local_datetime(days[0] - timedelta(days=50), time(9)))
                      if status is not EventStatus.draft else None),
    )
    topics = spec.topics
    for i, day in enumerate(days):
        topic = topics[i % len(topics)]
        event.sessions.append(EventSession(
            starts_at=local_datetime(day, spec.start), ends_at=local_datetime(day, spec.end),
            topic_ru=topic[0], topic_kk=topic[1], academic_hours=spec.hours_a_session,
        ))
    event.instructors = instructors
    db.session.add(event)
    return event


HISTORY_PER_YEAR = 10
OPEN_SEMINAR_DAYS_AHEAD = 14  # enrolment is open from 45 days before to 2 days before


class _Calendar:
    """Which programme meets where and when, so that no region gets two events of one
    programme on overlapping days (national events count as one more 'region')."""

    def __init__(self, today: date):
        self.today = today
        self.busy: dict[tuple[str, int | None], list[tuple[date, date]]] = {}

    def clashes(self, spec: ProgramSpec, region_id: int | None, start: date) -> bool:
        span = _session_days(spec, start)
        return any(span[0] <= last and span[-1] >= first
                   for first, last in self.busy.get((spec.code, region_id), []))

    def settle(self, spec: ProgramSpec, region_id: int | None, start: date) -> date:
        """The first start from `start` on (later only) that clashes with nothing and is
        not under way today."""
        while True:
            span = _session_days(spec, start)
            if span[0] <= self.today + timedelta(days=3) and span[-1] >= self.today - timedelta(
                    days=1):
                start = _start_day(self.today + timedelta(days=5), spec)  # nothing running today
            elif self.clashes(spec, region_id, start):
                start = _start_day(start + timedelta(days=7), spec)
            else:
                return start

    def book(self, event: Event, spec: ProgramSpec) -> None:
        self.busy.setdefault((spec.code, event.region_id), []).append(
            (event.starts_on, event.ends_on))


def open_seminar_for_chairs(instant=None, *, with_seats: bool = True) -> Event | None:
    """A published seminar for chairs, open to anyone (no approval), whose enrolment is
    open right now (and, `with_seats`, that has free seats): what a newcomer enrols in at
    once. The enrolment demo leaves seats free in it."""
    instant = instant or now()
    candidates = list(db.session.scalars(
        select(Event).join(Program, Event.program_id == Program.id)
        .where(Event.status == EventStatus.published, Event.kind == EventKind.seminar,
               Event.approval_mode == ApprovalMode.open,
               or_(Event.enrol_opens_at.is_(None), Event.enrol_opens_at <= instant),
               or_(Event.enrol_closes_at.is_(None), Event.enrol_closes_at > instant),
               Event.starts_on > local_today())
        .order_by(Event.starts_on, Event.id)
    ))
    taken = hooks.confirmed_counts(e.id for e in candidates) if with_seats else {}
    return next((e for e in candidates if e.program.is_for(Category.chair)
                 and (not with_seats or taken.get(e.id, 0) < e.capacity)), None)


def _add_open_seminar(rng, programs, regions: dict[str, Region], cities, calendar: _Calendar,
                      instructors: list[User]) -> Event | None:
    """The training centre's open School of the Trade Union Leader in Almaty, two weeks
    ahead: enrolment open now, plenty of seats, no approval needed."""
    if "SPL" not in programs or "KZ-75" not in regions:
        return None
    program, spec = programs["SPL"]
    region = regions["KZ-75"]
    start = calendar.settle(spec, region.id, _start_day(
        local_today() + timedelta(days=OPEN_SEMINAR_DAYS_AHEAD), spec))
    event = _make_event(rng, program, spec, start, region, (None, None), cities, instructors)
    event.approval_mode = ApprovalMode.open
    event.capacity = 40
    event.format = EventFormat.in_person
    event.online_link = None
    if not event.venue_ru:
        event.venue_ru, event.venue_kk = VENUES[0]
    calendar.book(event, spec)
    return event


def _calendar_of_existing(today: date, programs) -> _Calendar:
    calendar = _Calendar(today)
    specs = {code: spec for code, (_program, spec) in programs.items()}
    rows = db.session.execute(
        select(Program.code, Event.region_id, Event.starts_on, Event.ends_on)
        .join(Program, Event.program_id == Program.id)
        .where(Event.status != EventStatus.cancelled, Program.code.in_(list(specs)))
    )
    for code, region_id, first, last in rows:
        calendar.busy.setdefault((code, region_id), []).append((first, last))
    return calendar


def seed(rng) -> list[str]:
    programs = _seed_programs()
    instructors = _seed_instructors()
    demo_codes = [spec.code for spec in PROGRAMS]
    existing = db.session.scalar(
        select(func.count(Event.id)).join(Program).where(Program.code.in_(demo_codes)))
    if existing:
        # Kept as they are; but a newcomer must always find a seminar to enrol in today.
        lines = [f"Catalogue: {len(programs)} programmes, {existing} demo events kept as they are"]
        if open_seminar_for_chairs() is None:
            regions = {r.code: r for r in db.session.scalars(select(Region))}
            added = _add_open_seminar(rng, programs, regions, _cities(),
                                      _calendar_of_existing(local_today(), programs),
                                      instructors[:1])
            if added is not None:
                db.session.flush()
                lines.append(f"Catalogue: an open seminar for chairs added ({added.starts_on})")
        return lines

    regions = {r.code: r for r in db.session.scalars(select(Region))}
    unions = {u.code: u for u in db.session.scalars(select(SectoralUnion))}
    branches = {(b.union.code, b.region_id): b
                for b in db.session.scalars(select(Branch).join(SectoralUnion))}
    cities = _cities()
    region_codes = [c for c in REGION_WEIGHTS if c in regions]
    weights = [REGION_WEIGHTS[c] for c in region_codes]
    lead = next((u for u in instructors if u.email == "instructor@demo.kz"), None)
    others = [u for u in instructors if u is not lead]

    today = local_today()
    calendar = _Calendar(today)
    plan = [code for code, n in PLAN.items() for _ in range(n)]
    rng.shuffle(plan)
    # Spread starts evenly over six months back and six months ahead.
    step = 364 / len(plan)
    made: list[Event] = []

    def place(i: int, code: str, start: date) -> None:
        program, spec = programs[code]
        national = spec.kind is EventKind.online_course or (code == "KD" and rng.random() < 0.2)
        region = None
        if not national:
            # Another region when this one has the programme on those days already.
            for _attempt in range(10):
                region = regions[rng.choices(region_codes, weights)[0]]
                if not calendar.clashes(spec, region.id, start):
                    break
        start = calendar.settle(spec, region.id if region else None, start)
        organizer = ((None, None) if region is None
                     else _organizer(rng, spec, region, branches, unions))
        teachers = []
        if lead is not None and (i % 3 == 0 or code == "SK-159"):
            teachers.append(lead)
        if others:
            teachers.append(others[i % len(others)])
        event = _make_event(rng, program, spec, start, region, organizer, cities, teachers)
        calendar.book(event, spec)
        made.append(event)

    for i, code in enumerate(plan):
        spec = programs[code][1]
        place(i, code, _start_day(today - timedelta(days=182) + timedelta(days=round(i * step)),
                                  spec))

    # The two previous calendar years, so that reports, charts and certificates have a past.
    for year in (today.year - 2, today.year - 1):
        for j in range(HISTORY_PER_YEAR):
            code = plan[(j * 5 + year) % len(plan)]
            spec = programs[code][1]
            start = _start_day(date(year, 1, 15) + timedelta(days=j * 340 // HISTORY_PER_YEAR),
                               spec)
            place(len(plan) + j, code, start)

    # The Shymkent city branch of «Қызмет» (coordinator@demo.kz) has a seminar and a draft
    # ahead; one upcoming round table was cancelled.
    shymkent = regions.get("KZ-79")
    branch = branches.get(("kyzmet", shymkent.id)) if shymkent else None
    if branch is not None:
        program, spec = programs["SPL"]
        for days, status in ((30, EventStatus.published), (60, EventStatus.draft)):
            start = calendar.settle(spec, shymkent.id,
                                    _start_day(today + timedelta(days=days), spec))
            event = _make_event(rng, program, spec, start, shymkent, (None, branch.id), cities,
                                [lead] if lead else [], status=status)
            calendar.book(event, spec)
            made.append(event)
        program, spec = programs["RT"]
        cancelled = _make_event(
            rng, program, spec,
            calendar.settle(spec, shymkent.id, _start_day(today + timedelta(days=20), spec)),
            shymkent, (None, branch.id), cities, [])
        cancelled.status = EventStatus.cancelled
        cancelled.cancelled_at = now()
        cancelled.cancel_reason = "Перенесён на следующий квартал по просьбе филиала"
        made.append(cancelled)
    # A newcomer (trainee@demo.kz is a chair) can enrol at once.
    open_seminar = _add_open_seminar(rng, programs, regions, cities, calendar,
                                     [lead] if lead else [])
    if open_seminar is not None:
        made.append(open_seminar)
    db.session.flush()
    past = sum(1 for e in made if e.ends_on < today)
    return [
        f"Catalogue: {len(programs)} programmes, {len(made)} events "
        f"({past} past, {len(made) - past} upcoming); instructors: "
        + ", ".join(u.email for u in instructors),
    ]
