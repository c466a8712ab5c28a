"""Nomination lists: a coordinator uploads people (CSV or XLSX) to enrol in one event.

The whole list is checked first (`plan`): each row gets an outcome (new account, existing
account, already enrolled) or its errors with the file's line number. `apply` checks
again and writes only when no row has an error, so a bad row changes nothing. People are
matched by IIN, then by e-mail; missing accounts are created in the coordinator's branch
(or the branch of the named primary organisation) and invited to set a password. Each
row and its checks: nomination_rows.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.accounts import vocabulary as people_vocabulary
from school.accounts.models import Role, RoleGrant, User
from school.accounts.services import make_reset_token, normalize_email
from school.catalog.models import Event
from school.core import vocabulary
from school.core.sheets import read_table as read_sheet
from school.core.text import one_line
from school.core.upload_limits import Limits, UploadRefused
from school.dbtypes import utcnow
from school.enrollment import rules
from school.enrollment.bulk import audit_many, enroll_many
from school.enrollment.models import ACTIVE_STATUSES, Enrollment
from school.enrollment.nomination_rows import (
    Row,
    check_existing,
    check_fields,
    check_new,
    existing_people,
    match,
    normal_iin,
    organisations,
)
from school.errors import DomainError
from school.extensions import db
from school.mail import absolute_url, queue_mail
from school.orgs.models import Branch
from school.permissions import visible_branch_ids

COLUMNS = ("full_name", "email", "iin", "phone", "primary_org", "category")
MAX_ROWS = 2000
LIMITS = Limits(rows=MAX_ROWS, columns=12, cell=500)


@cache
def upload_header() -> vocabulary.Header:
    """The upload's columns (headers accepted in Russian, Kazakh and English)."""
    return vocabulary.Header((vocabulary.FULL_NAME, vocabulary.EMAIL, vocabulary.IIN,
                              vocabulary.PHONE, vocabulary.PRIMARY_ORG,
                              people_vocabulary.category_column()))


def column_labels() -> list[str]:
    """The headers in the reader's language, for the upload page."""
    return [str(c.label) for c in upload_header().columns]


def template() -> bytes:
    """The XLSX to fill in: headers in the reader's language, a drop-down of categories."""
    from school.core.xlsx_template import template_xlsx

    return template_xlsx(upload_header().columns, title=str(_l("Participants")),
                         rows=MAX_ROWS, notes=(
        str(_l("One person a row, from the second row on; leave the header row as it is.")),
        str(_l("Headers and categories are accepted in Kazakh, Russian or English.")),
    ))


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems with the whole file
    created: int = 0
    enrolled: list[Enrollment] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows) and all(not r.errors for r in self.rows)

    @property
    def bad_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome and not r.errors)


# --- reading the file --------------------------------------------------------------------


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return one_line(value)


def read_table(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, {column: text}) for each non-empty row, or file-level errors."""
    try:
        raw = read_sheet(data, LIMITS)  # bounded: an upload bomb is refused early
    except UploadRefused as e:
        return [], [str(e.message)]
    return upload_header().people_rows(raw, ("full_name",), _clean, MAX_ROWS)


# --- checking ----------------------------------------------------------------------------


def _default_branch(actor: User) -> int | None:
    """Where a new account goes when its organisation does not say: the coordinator's
    branch, when they coordinate exactly one branch."""
    branches = [g.branch_id for g in actor.grants if g.role == Role.coordinator and g.branch_id]
    return branches[0] if len(branches) == 1 else None


def plan(event: Event, data: bytes, actor: User, *, check_open: bool = True) -> Report:
    """Check every row against the database and the rest of the file; writes nothing."""
    report = Report()
    table, errors = read_table(data)
    report.errors.extend(errors)
    try:
        if check_open:  # not for a record of a held event (school/records)
            rules.check_open(event, utcnow())
    except DomainError as e:
        report.errors.append(str(e.message))
    if report.errors:
        return report
    categories = people_vocabulary.categories()
    visible = visible_branch_ids(actor)

    for line, cells in table:
        row = Row(line, cells.get("full_name", ""), normalize_email(cells.get("email", "")),
                  normal_iin(cells.get("iin", "")), cells.get("phone", ""),
                  cells.get("primary_org", ""), cells.get("category", ""))
        report.rows.append(row)
        check_fields(row, categories)

    by_iin, by_email = existing_people(report.rows)
    orgs = organisations(report.rows, visible)
    enrolled = set(db.session.scalars(
        select(Enrollment.user_id).where(
            Enrollment.event_id == event.id,
            Enrollment.status.in_(ACTIVE_STATUSES),
            Enrollment.user_id.in_([u.id for u in (*by_iin.values(), *by_email.values())]),
        )
    ))
    default_branch = _default_branch(actor)
    seen: dict[str, int] = {}
    for row in report.rows:
        for key in (f"iin:{row.iin}" if row.iin else None,
                    f"email:{row.email}" if row.email else None):
            if key is None:
                continue
            if key in seen:
                row.errors.append(str(_l("The same person as on line %(n)d.", n=seen[key])))
            else:
                seen[key] = row.line
        if row.errors:
            continue
        match(row, by_iin, by_email, visible)
        if row.errors:
            continue
        if row.user is not None:
            check_existing(row, event, visible, enrolled)
        else:
            check_new(row, event, orgs, default_branch, visible)
    return report


# --- applying ----------------------------------------------------------------------------


def apply(event: Event, data: bytes, actor: User, *, locale: str = "ru",
          check_open: bool = True, enrol=None) -> Report:
    """Check again, then create the missing accounts and enrol everyone, or write nothing
    (returns the report with its errors). Invitations leave after the commit."""
    report = plan(event, data, actor, check_open=check_open)
    if not report.ok:
        return report
    rows = [r for r in report.rows if r.outcome != "already"]
    new_rows = [r for r in rows if r.user is None]
    branches = {b.id: b for b in db.session.scalars(
        select(Branch).where(Branch.id.in_({r.branch_id for r in new_rows})))
    } if new_rows else {}
    created = iter(_create_accounts(new_rows, actor, locale, branches))
    people = [row.user if row.user is not None else next(created) for row in rows]
    report.created = len(new_rows)
    # In bulk: a few queries for the whole list, not a dozen per person (issue 11).
    report.enrolled = (enrol or enroll_many)(event, people, actor=actor)
    return report


def _create_accounts(rows: list[Row], actor: User, locale: str,
                     branches: dict[int, Branch]) -> list[User]:
    """New accounts for `rows`, inserted together, each invited to set a password."""
    users = []
    for row in rows:
        branch = branches[row.branch_id]
        user = User(
            email=row.email,
            full_name=row.full_name[:200],
            phone=row.phone or None,
            iin=(row.iin or None) if row.iin_holder is None else None,
            category=row.category,
            branch_id=branch.id,
            union_id=branch.union_id,
            region_id=branch.region_id,
            primary_org_id=row.org.id if row.org else None,
            locale=locale if locale in ("ru", "kk", "en") else "ru",
        )
        user.primary_org = row.org
        user.grants.append(RoleGrant(role=Role.trainee, granted_by_id=actor.id))
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    audit_many(actor, "user.nominated", "user_account", [(u.id, {}) for u in users])
    for row, user in zip(rows, users, strict=True):
        if row.iin_holder is not None:
            from school.accounts import iin_claims

            iin_claims.refuse_quietly(user, row.iin_holder, actor=actor)
        token = make_reset_token(user, purpose="invite")
        link = absolute_url("accounts.reset_password", token=token, invite=1)
        queue_mail(user.email, "enrollment_invite", locale=user.locale, user=user,
                   actor=actor, link=link)
    return users
