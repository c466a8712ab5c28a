"""Attendance of an online session from the meeting service's participants report.

Formats read (checked against the services' documentation of their exports):
- Zoom, "Usage → Participants" export (CSV): `Name (Original Name)`, `User Email`,
  `Join Time`, `Leave Time`, `Duration (Minutes)`, one row per join;
- Microsoft Teams attendance report (CSV, UTF-16 with tabs, or UTF-8; or XLSX): a summary
  block, then a table `Full Name`, `Join Time` / `First Join`, `Leave Time` / `Last Leave`,
  `Duration` / `In-Meeting Duration` ("1h 2m 3s"), `Email` / `Participant ID (UPN)`;
- any table with the same columns under those or plain names (name, email, join, leave,
  duration), which is how a Jitsi list kept by hand (Jitsi exports no report) comes.
Times without a zone are taken as Kazakhstan time.

People are matched to the session's participants by e-mail (case-insensitive), then by
name: a name match is only proposed, and applied when the person confirms it. A person's
rows are merged (overlapping joins from two devices count once) and cut to the session's
time. Minutes attended ≥ the threshold (per event, else ONLINE_PRESENT_PERCENT of the
session) is present, or late when the first join came more than ONLINE_LATE_MINUTES after
the start; less is absent. Marks set by a person (the sheet, self check-in) are kept unless
the uploader asks to replace them; applying the same report again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.accounts.models import User
from school.attendance import services
from school.attendance.models import AttendanceMark, AttendanceStatus
from school.audit.services import record
from school.catalog.locking import lock_event
from school.catalog.models import Event, EventSession
from school.core.sheets import read_table
from school.core.text import one_line
from school.core.upload_limits import Limits, UploadRefused
from school.dbtypes import utcnow
from school.enrollment.models import SEAT_STATUSES, Enrollment
from school.errors import DomainError
from school.extensions import db
from school.timeutil import ALMATY

SOURCE = "report"
MAX_BYTES = 2 * 1024 * 1024
LIMITS = Limits(rows=5000, columns=40, cell=500)

HEADERS = {
    "name": ("name (original name)", "full name", "name", "participant", "display name",
             "фио", "имя", "аты-жөні"),
    "email": ("user email", "email", "e-mail", "participant id (upn)", "upn", "почта",
              "электронная почта"),
    "join": ("join time", "first join", "joined", "join", "время входа"),
    "leave": ("leave time", "last leave", "left", "leave", "время выхода"),
    "duration": ("duration (minutes)", "in-meeting duration", "duration", "attendance duration",
                 "длительность", "продолжительность"),
}
FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%m/%d/%y, %I:%M:%S %p", "%m/%d/%y, %H:%M:%S", "%m/%d/%Y, %I:%M:%S %p",
    "%m/%d/%Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
    "%d.%m.%Y, %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
)
_DURATION = re.compile(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?", re.I)


@dataclass
class Person:
    """One participant of the session as the report shows them."""

    enrollment: Enrollment
    by: str  # email | name
    lines: list[int] = field(default_factory=list)
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    extra_minutes: float = 0  # rows with a duration but no times
    minutes: int = 0
    first_join: datetime | None = None
    status: AttendanceStatus = AttendanceStatus.absent
    current: AttendanceMark | None = None

    @property
    def kept(self) -> bool:
        """A mark a person set differs from the report's: kept unless replacing is asked."""
        return (self.current is not None and self.current.source != SOURCE
                and self.current.status is not self.status)


@dataclass
class Unmatched:
    line: int
    name: str
    email: str


@dataclass
class Report:
    session: EventSession
    threshold: int = 0  # minutes
    people: list[Person] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    changed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def by_name(self) -> list[Person]:
        return [p for p in self.people if p.by == "name"]


def settings(event: Event) -> tuple[int, int]:
    """(percent of the session for present, minutes after the start that make late)."""
    cfg = current_app.config
    percent = event.online_present_percent or int(cfg.get("ONLINE_PRESENT_PERCENT", 75))
    late = event.online_late_minutes
    if late is None:
        late = int(cfg.get("ONLINE_LATE_MINUTES", cfg.get("ATTENDANCE_LATE_AFTER_MINUTES", 15)))
    return percent, late


def set_thresholds(event: Event, actor: User, percent: int | None,
                   late_minutes: int | None) -> None:
    """The event's own thresholds (None: the config's). Raises `bad_threshold`."""
    if (percent is not None and not 1 <= percent <= 100) or (
            late_minutes is not None and not 0 <= late_minutes <= 240):
        raise DomainError("bad_threshold", _l(
            "The share must be from 1 to 100 percent and the minutes from 0 to 240."))
    event.online_present_percent, event.online_late_minutes = percent, late_minutes
    db.session.flush()
    record(actor, "event.online_thresholds", event, percent=percent, late_minutes=late_minutes)


# --- reading --------------------------------------------------------------------------------


def _as_csv(data: bytes) -> bytes:
    """Teams saves UTF-16 with tabs: hand the shared reader UTF-8 with commas."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return data
    elif data[:4] == b"PK\x03\x04":
        return data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data
    if "\t" not in text:
        return text.encode("utf-8") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
    out = io.StringIO()
    writer = csv.writer(out)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter="\t"):
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _key(text) -> str:
    return one_line(text).lower()  # a byte-order mark does not print: dropped


def _columns(header: list) -> dict[str, int]:
    keys = [_key(h) for h in header]
    found = {}
    for column, names in HEADERS.items():
        for name in names:  # the services' own header first, plain names after
            if name in keys:
                found[column] = keys.index(name)
                break
    return found


def _time(value) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        text = " ".join(str(value or "").split())
        if not text:
            return None
        moment = None
        for fmt in FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ALMATY)
    return moment


# No meeting lasts longer than a day: a longer duration is a broken cell, not attendance.
MAX_MINUTES = 24 * 60


def _minutes(value) -> float | None:
    minutes = _raw_minutes(value)
    if minutes is None or not 0 <= minutes <= MAX_MINUTES:
        return None
    return minutes


def _raw_minutes(value) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    text = str(value or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return float(text.replace(",", "."))
    if re.fullmatch(r"\d{1,2}:\d{2}:\d{2}", text):
        h, m, s = map(int, text.split(":"))
        return h * 60 + m + s / 60
    match = _DURATION.fullmatch(text)
    if match and any(match.groups()):
        h, m, s = (int(g or 0) for g in match.groups())
        return h * 60 + m + s / 60
    return None


def _name(value) -> str:
    text = one_line(value)
    return re.sub(r"\s*\([^)]*\)\s*$", "", text) or text  # Zoom: "Name (Original Name)"


def name_key(text: str) -> str:
    """A name compared loosely: case, ё/е, punctuation and word order do not matter."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")
    return " ".join(sorted(re.findall(r"\w+", text)))


def _rows(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    if len(data) > MAX_BYTES:
        return [], [str(_l("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))]
    try:
        table = read_table(_as_csv(data), LIMITS)
    except UploadRefused as e:
        return [], [str(e.message)]
    for index, (_line, values) in enumerate(table):
        columns = _columns(values)
        if "name" in columns and ("join" in columns or "duration" in columns):
            rows = []
            for line, cells in table[index + 1:]:
                if _columns(cells).keys() == columns.keys():
                    continue  # a repeated header (a second report pasted below)
                rows.append((line, {key: cells[i] if i < len(cells) else None
                                    for key, i in columns.items()}))
            return rows, []
    return [], [str(_l("No participants table was found: the report needs at least the "
                       "name and the join time or the duration."))]


# --- planning -------------------------------------------------------------------------------


def _participants(event: Event) -> list[Enrollment]:
    return list(db.session.scalars(
        select(Enrollment).options(joinedload(Enrollment.user))
        .where(Enrollment.event_id == event.id, Enrollment.status.in_(SEAT_STATUSES))))


def _merged_minutes(intervals: list[tuple[datetime, datetime]]) -> float:
    total, end = 0.0, None
    for start, stop in sorted(intervals):
        if end is not None and start < end:
            start = end
        if stop > start:
            total += (stop - start).total_seconds() / 60
            end = stop if end is None else max(end, stop)
    return total


def plan(event: Event, session: EventSession, data: bytes) -> Report:
    """Read the report and decide every participant's mark for the session; writes nothing."""
    percent, late_minutes = settings(event)
    length = (session.ends_at - session.starts_at).total_seconds() / 60
    report = Report(session=session, threshold=int(-(-length * percent // 100)))
    rows, report.errors = _rows(data)
    if report.errors:
        return report
    enrollments = _participants(event)
    by_email = {e.user.email.lower(): e for e in enrollments if e.user.email}
    by_name: dict[str, list[Enrollment]] = {}
    for e in enrollments:
        by_name.setdefault(name_key(e.user.full_name), []).append(e)
    people: dict[int, Person] = {}
    for line, cells in rows:
        name, email = _name(cells.get("name")), str(cells.get("email") or "").strip().lower()
        if not name and not email:
            continue
        enrollment, by = by_email.get(email), "email"
        if enrollment is None:
            candidates = by_name.get(name_key(name), [])
            enrollment, by = (candidates[0], "name") if len(candidates) == 1 else (None, "")
        if enrollment is None:
            report.unmatched.append(Unmatched(line, name, email))
            continue
        person = people.setdefault(enrollment.id, Person(enrollment, by))
        if by == "email":
            person.by = "email"  # one row with the address is enough to be sure
        person.lines.append(line)
        joined, left = _time(cells.get("join")), _time(cells.get("leave"))
        if joined and not left:
            spent = _minutes(cells.get("duration"))
            try:
                left = joined + timedelta(minutes=spent) if spent is not None else None
            except OverflowError:  # a join time at the end of the calendar
                left = None
        if joined and left:
            start, stop = max(joined, session.starts_at), min(left, session.ends_at)
            if stop > start:
                person.intervals.append((start, stop))
                if person.first_join is None or joined < person.first_join:
                    person.first_join = joined
        elif not joined:
            person.extra_minutes += _minutes(cells.get("duration")) or 0
    current = {m.enrollment_id: m for m in db.session.scalars(
        select(AttendanceMark).where(AttendanceMark.session_id == session.id,
                                     AttendanceMark.enrollment_id.in_(list(people))))}
    late_after = session.starts_at + timedelta(minutes=late_minutes)
    for person in people.values():
        person.minutes = int(min(length, _merged_minutes(person.intervals)
                                 + person.extra_minutes))
        if person.minutes >= report.threshold:
            late = person.first_join is not None and person.first_join > late_after
            person.status = AttendanceStatus.late if late else AttendanceStatus.present
        person.current = current.get(person.enrollment.id)
    report.people = sorted(people.values(), key=lambda p: p.enrollment.user.full_name)
    return report


def apply(event: Event, session: EventSession, data: bytes, actor: User, *,
          accept_names: set[int] = frozenset(), replace_own: bool = False,
          now: datetime | None = None) -> Report:
    """Plan again and write the marks: e-mail matches, the name matches the person accepted
    (enrolment ids), and over a person's own mark only with `replace_own`. Audited."""
    now = now or utcnow()
    event = lock_event(event.id)
    services._check_writable(event, actor, None)
    if session.event_id != event.id:
        raise DomainError("unknown_session", _l("This session is not part of the event."))
    if now < session.starts_at:
        raise DomainError("session_not_started",
                          _l("A session that has not started yet cannot be marked present "
                             "or late."))
    report = plan(event, session, data)
    if not report.ok:
        return report
    inputs = [
        services.MarkInput(p.enrollment.id, session.id, p.status)
        for p in report.people
        if (p.by == "email" or p.enrollment.id in accept_names)
        and (replace_own or not p.kept)
    ]
    changes = services._write(inputs, actor=actor, mode=services.Mode.set, source=SOURCE,
                              reason=None, now=now)
    report.changed = len(changes)
    record(actor, "attendance.online_report", event, session_id=session.id,
           matched=len(report.people), applied=len(inputs), changed=len(changes),
           unmatched=len(report.unmatched), replaced_own=replace_own,
           after_the_fact=bool(event.recorded_after))
    return report
