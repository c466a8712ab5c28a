"""Uploading members (CSV or XLSX): previewed, then applied all or nothing.

Columns (the first row names them): organisation (its id or exact name), body, role, iin
or email (the person's account), term_start, term_end, and optionally side. `plan` checks
every row against the database and the rest of the file and writes nothing; `apply`
checks again and writes only when no row has an error. A missing body of an organisation
is created with its first member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from school.accounts.models import User
from school.accounts.services import normalize_email
from school.commissions import services
from school.commissions.models import BodyKind, MemberRole, Side
from school.commissions.vocabulary import commission_columns, commission_vocabularies
from school.core import iin as iin_rules
from school.core import vocabulary
from school.core.sheets import read_table as read_sheet
from school.core.text import one_line
from school.core.upload_limits import Limits, UploadRefused
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import PrimaryOrganization
from school.permissions import visible_branch_ids

COLUMNS = ("organisation", "body", "role", "iin", "email", "term_start", "term_end", "side")
REQUIRED = ("organisation", "body", "role", "term_start")
MAX_ROWS = 5000


@cache
def upload_header() -> vocabulary.Header:
    """Headers in Russian, Kazakh or English (school/core/vocabulary.py)."""
    return vocabulary.Header(commission_columns())


def template() -> bytes:
    """The XLSX to fill in: headers in the reader's language, drop-downs of the values."""
    from school.core.xlsx_template import template_xlsx

    return template_xlsx(upload_header().columns, title=str(_l("Commission members")),
                         rows=MAX_ROWS, notes=(
        str(_l("One member a row, from the second row on; leave the header row as it is.")),
        str(_l("Headers and values are accepted in Kazakh, Russian or English.")),
    ))


@dataclass
class Row:
    line: int
    cells: dict
    org: PrimaryOrganization | None = None
    kind: BodyKind | None = None
    role: MemberRole | None = None
    side: Side | None = None
    person: User | None = None
    term_start: date | None = None
    term_end: date | None = None
    new_body: bool = False
    errors: list[str] = field(default_factory=list)


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows) and not self.bad_rows

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return one_line(value)


def _raw_rows(data: bytes) -> tuple[list[tuple[int, list]], list[str]]:
    # The shared bounded reader (issue 11): an upload bomb is refused before it grows.
    try:
        return read_sheet(data, Limits(rows=MAX_ROWS, columns=30, cell=500)), []
    except UploadRefused as e:
        return [], [str(e.message)]


def read_table(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    raw, errors = _raw_rows(data)
    if errors:
        return [], errors
    return upload_header().people_rows(raw, REQUIRED, _clean, MAX_ROWS)


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if 1990 <= day.year <= 2100 else None
    return None


def plan(data: bytes, actor: User) -> Report:
    """Check every row; writes nothing."""
    report = Report()
    table, errors = read_table(data)
    report.errors.extend(errors)
    if errors:
        return report
    kinds, roles, sides = commission_vocabularies()
    visible = visible_branch_ids(actor)
    report.rows = [Row(line, cells) for line, cells in table]
    orgs = _organisations(report.rows, visible)
    people = _people(report.rows, visible)
    seen: dict[tuple, int] = {}
    for row in report.rows:
        _check(row, kinds, roles, sides, orgs, people)
        if row.errors:
            continue
        key = (row.org.id, row.kind, row.person.id)
        if key in seen:
            row.errors.append(str(_l("The same person in the same body as on line %(n)d.",
                                     n=seen[key])))
            continue
        seen[key] = row.line
        _check_against_database(row)
    return report


def _check(row: Row, kinds, roles, sides, orgs, people) -> None:
    c = row.cells
    for column in REQUIRED:
        if not c.get(column):
            row.errors.append(str(_l("The column %(col)s is empty.", col=column)))
    if row.errors:
        return
    row.org = orgs.get(c["organisation"].lower())
    if row.org is None:
        row.errors.append(str(_l("Organisation not found among your branches: %(name)s",
                                 name=c["organisation"])))
    elif row.org is _AMBIGUOUS:
        row.org = None
        row.errors.append(str(_l("Several organisations have this name; give its id.")))
    row.kind = kinds.lookup(c["body"])
    if row.kind is None:
        row.errors.append(kinds.unknown(c["body"]))
    row.role = roles.lookup(c["role"])
    if row.role is None:
        row.errors.append(roles.unknown(c["role"]))
    if c.get("side"):
        row.side = sides.lookup(c["side"])
        if row.side is None:
            row.errors.append(sides.unknown(c["side"]))
    row.term_start = _date(c["term_start"])
    if row.term_start is None:
        row.errors.append(str(_l("Not a date: %(text)s.", text=c["term_start"])))
    if c.get("term_end"):
        row.term_end = _date(c["term_end"])
        if row.term_end is None:
            row.errors.append(str(_l("Not a date: %(text)s.", text=c["term_end"])))
    iin = iin_rules.normalize(c.get("iin", ""))
    if iin and len(iin) == 11 and iin.isdigit():
        iin = "0" + iin  # Excel drops the leading zero of people born in the 2000s
    email = normalize_email(c.get("email", ""))
    if not iin and not email:
        row.errors.append(str(_l("Give an IIN or an e-mail.")))
        return
    if iin and not iin_rules.is_valid(iin):
        row.errors.append(str(_l("The IIN %(iin)s is not valid.", iin=iin)))
        return
    row.person = people.get(f"iin:{iin}") if iin else people.get(f"email:{email}")
    if row.person is None:
        # One answer for "no such account" and "someone else's": a list must not confirm
        # strangers' IINs.
        row.errors.append(str(_l("No person of your branches with this IIN or e-mail.")))


def _check_against_database(row: Row) -> None:
    body = services.find_body(row.kind, organisation=row.org)
    row.new_body = body is None
    try:
        services._check_term(row.term_start, row.term_end)
        if row.side is not None and row.kind is not BodyKind.conciliation_commission:
            raise DomainError("side_not_applicable",
                              _l("Only conciliation commission members sit for a side."))
        if body is not None and services._overlaps(body, row.person.id, row.term_start,
                                                   row.term_end):
            raise DomainError("already_member",
                              _l("This person is already a member of the body for these "
                                 "dates."))
    except DomainError as e:
        row.errors.append(str(e.message))


_AMBIGUOUS = object()  # marks a name shared by several organisations


def _organisations(rows: list[Row], visible) -> dict[str, PrimaryOrganization]:
    texts = {r.cells.get("organisation", "").lower() for r in rows} - {""}
    ids = {int(t) for t in texts if t.isdigit() and len(t) < 12}
    if not texts:
        return {}
    q = select(PrimaryOrganization).where(or_(
        PrimaryOrganization.id.in_(ids),
        func.lower(PrimaryOrganization.name_ru).in_(texts),
        func.lower(PrimaryOrganization.name_kk).in_(texts),
    ))
    if visible is not None:
        q = q.where(PrimaryOrganization.branch_id.in_(visible or {-1}))
    found: dict[str, PrimaryOrganization] = {}
    for org in db.session.scalars(q):
        if str(org.id) in texts:
            found[str(org.id)] = org
        for name in {org.name_ru.lower(), (org.name_kk or "").lower()} & texts:
            found[name] = _AMBIGUOUS if name in found and found[name] is not org else org
    return found


def _people(rows: list[Row], visible) -> dict[str, User]:
    iins = {iin_rules.normalize(r.cells.get("iin", "")) for r in rows} - {""}
    iins |= {"0" + i for i in iins if len(i) == 11}
    emails = {normalize_email(r.cells.get("email", "")) for r in rows} - {""}
    if not iins and not emails:
        return {}
    q = select(User).where(or_(User.iin.in_(iins), User.email.in_(emails)))
    if visible is not None:
        q = q.where(User.branch_id.in_(visible or {-1}))
    found = {}
    for person in db.session.scalars(q):
        if person.iin:
            found[f"iin:{person.iin}"] = person
        found[f"email:{person.email}"] = person
    return found


def apply(data: bytes, actor: User) -> Report:
    """Check again, then write every row, or nothing (returns the report with errors)."""
    report = plan(data, actor)
    if not report.ok:
        return report
    for row in report.rows:
        body = services.find_body(row.kind, organisation=row.org)
        if body is None:
            body = services.create_body(actor, row.kind, organisation=row.org)
        services.add_member(body, row.person, actor, role=row.role, side=row.side,
                            term_start=row.term_start, term_end=row.term_end)
        report.written += 1
    return report
