"""Nomination lists: a coordinator uploads people (CSV or XLSX) to enrol in one event.

The whole list is checked first (`plan`): each row gets an outcome (new account, existing
account, already enrolled) or its errors with the file's line number. `apply` checks
again and writes only when no row has an error, so a bad row changes nothing. People are
matched by IIN, then by e-mail; missing accounts are created in the coordinator's branch
(or the branch of the named primary organisation) and invited to set a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from school.accounts import vocabulary as people_vocabulary
from school.accounts.models import Category, Role, RoleGrant, User
from school.accounts.services import make_reset_token, normalize_email
from school.catalog.models import Event
from school.core import iin as iin_rules
from school.core import vocabulary
from school.core.sheets import read_table as read_sheet
from school.core.text import one_line
from school.core.upload_limits import Limits, UploadRefused
from school.dbtypes import utcnow
from school.enrollment import services
from school.enrollment.bulk import audit_many, enroll_many
from school.enrollment.models import ACTIVE_STATUSES, Enrollment
from school.errors import DomainError
from school.extensions import db
from school.mail import absolute_url, queue_mail
from school.orgs.models import Branch, PrimaryOrganization
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
class Row:
    line: int
    full_name: str = ""
    email: str = ""
    iin: str = ""
    phone: str = ""
    primary_org: str = ""
    category_text: str = ""
    category: Category | None = None
    outcome: str = ""  # new | existing | already
    user: User | None = None
    # An account outside the coordinator's branches that holds this row's IIN: the row is
    # treated as if the IIN were free (no "registered" answer), and the IIN not stored.
    iin_holder: User | None = None
    org: PrimaryOrganization | None = None
    branch_id: int | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
    if not raw:
        return [], [str(_l("The file has no rows."))]
    _header_line, header = raw[0]
    columns = upload_header()
    keys = columns.keys(header)
    missing = [columns.labels(["full_name"])] if "full_name" not in keys else []
    if "iin" not in keys and "email" not in keys:
        missing.append(" / ".join((columns.labels(["iin"]), columns.labels(["email"]))))
    if missing:
        return [], [str(_l("Missing columns: %(cols)s", cols=", ".join(missing)))]
    rows = []
    for line, values in raw[1:]:
        cells = {}
        for key, value in zip(keys, values, strict=False):
            if key and key not in cells:
                cells[key] = _clean(value)
        if any(cells.values()):
            rows.append((line, cells))
        if len(rows) > MAX_ROWS:
            return [], [str(_l("The file has more than %(n)d rows.", n=MAX_ROWS))]
    if not rows:
        return [], [str(_l("The file has no rows."))]
    return rows, []


# --- checking ----------------------------------------------------------------------------


def _normal_iin(value: str) -> str:
    digits = iin_rules.normalize(value)
    # Excel turns an IIN into a number and drops a leading zero (born in the 2000s).
    if digits.isdigit() and len(digits) == 11:
        digits = "0" + digits
    return digits


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
            services._check_open(event, utcnow())
    except DomainError as e:
        report.errors.append(str(e.message))
    if report.errors:
        return report
    categories = people_vocabulary.categories()
    visible = visible_branch_ids(actor)

    for line, cells in table:
        row = Row(line, cells.get("full_name", ""), normalize_email(cells.get("email", "")),
                  _normal_iin(cells.get("iin", "")), cells.get("phone", ""),
                  cells.get("primary_org", ""), cells.get("category", ""))
        report.rows.append(row)
        _check_fields(row, categories)

    by_iin, by_email = _existing_people(report.rows)
    orgs = _organisations(report.rows, visible)
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
        _match(row, by_iin, by_email, visible)
        if row.errors:
            continue
        if row.user is not None:
            _check_existing(row, event, visible, enrolled)
        else:
            _check_new(row, event, orgs, default_branch, visible)
    return report


def _check_fields(row: Row, categories: vocabulary.Vocabulary) -> None:
    if row.iin and not iin_rules.is_valid(row.iin):
        row.errors.append(str(_l("The IIN %(iin)s is not valid.", iin=row.iin)))
    if not row.iin and not row.email:
        row.errors.append(str(_l("Give an IIN or an e-mail.")))
    if row.email:
        try:
            validate_email(row.email, check_deliverability=False)
        except EmailNotValidError:
            row.errors.append(str(_l("The e-mail %(email)s is not valid.", email=row.email)))
    if row.phone:
        digits = [c for c in row.phone if c.isdigit()]
        if not 10 <= len(digits) <= 15 or any(c not in "+0123456789 ()-" for c in row.phone):
            row.errors.append(str(_l("The phone number is not valid.")))
    if row.category_text:
        row.category = categories.lookup(row.category_text)
        if row.category is None:
            row.errors.append(categories.unknown(row.category_text))


def _existing_people(rows: list[Row]) -> tuple[dict[str, User], dict[str, User]]:
    iins = {r.iin for r in rows if r.iin}
    emails = {r.email for r in rows if r.email}
    if not iins and not emails:
        return {}, {}
    people = db.session.scalars(
        select(User).where(or_(User.iin.in_(iins), User.email.in_(emails)))
    ).all()
    return ({u.iin: u for u in people if u.iin}, {u.email: u for u in people})


def _organisations(rows: list[Row], visible: set[int] | None) -> dict[str, list]:
    names = {r.primary_org.lower() for r in rows if r.primary_org}
    if not names:
        return {}
    q = select(PrimaryOrganization).where(
        or_(func.lower(PrimaryOrganization.name_ru).in_(names),
            func.lower(PrimaryOrganization.name_kk).in_(names))
    )
    if visible is not None:
        q = q.where(PrimaryOrganization.branch_id.in_(visible or {-1}))
    found: dict[str, list] = {}
    for org in db.session.scalars(q):
        for name in {org.name_ru.lower(), (org.name_kk or "").lower()} & names:
            found.setdefault(name, []).append(org)
    return found


def _match(row: Row, by_iin: dict, by_email: dict, visible) -> None:
    user = by_iin.get(row.iin) if row.iin else None
    other = by_email.get(row.email) if row.email else None
    if user is not None and visible is not None and user.branch_id not in visible:
        # An IIN on an account the coordinator cannot see answers exactly as a free one
        # would (any "cannot be nominated" would confirm that the number is registered).
        row.iin_holder, user = user, None
    # Someone outside the coordinator's branches gets one neutral answer, before any
    # comparison of IIN and e-mail: otherwise a list would confirm strangers' e-mails.
    outsiders = [u for u in (user, other)
                 if u is not None and visible is not None and u.branch_id not in visible]
    if outsiders:
        row.errors.append(str(_l("This person cannot be nominated by you.")))
        return
    if user is not None and other is not None and other.id != user.id:
        row.errors.append(str(_l("The IIN and the e-mail belong to two different accounts.")))
        return
    if user is None and other is not None:
        if row.iin and other.iin and other.iin != row.iin:
            row.errors.append(
                str(_l("The account with this e-mail has a different IIN."))
            )
            return
        user = other
    row.user = user
    if user is not None and row.email and user.email != row.email:
        row.notes.append(str(_l("Found by IIN; the account's e-mail is kept.")))


def _check_existing(row: Row, event: Event, visible, enrolled: set[int]) -> None:
    user = row.user
    if visible is not None and user.branch_id not in visible:
        row.errors.append(str(_l("This person belongs to another branch.")))
        return
    if user.id in enrolled:
        row.outcome = "already"
        return
    if user.consent_withdrawn_at is not None or user.anonymised_at is not None:
        # The row says so in the preview (issue 13); the enrolment would be refused anyway.
        from school.accounts.privacy import check_may_nominate

        try:
            check_may_nominate(user)
        except DomainError as e:
            row.errors.append(str(e.message))
            return
    if not event.program.is_for(user.category):
        row.errors.append(str(_l("This programme is meant for other participant categories.")))
        return
    row.outcome = "existing"


def _check_new(row: Row, event: Event, orgs: dict, default_branch: int | None,
               visible) -> None:
    if not row.email:
        row.errors.append(str(_l("A new account needs an e-mail.")))
    if len(row.full_name) < 3:
        row.errors.append(str(_l("Enter the full name.")))
    if not event.program.is_for(row.category):
        row.errors.append(str(_l("This programme is meant for other participant categories.")))
    candidates = orgs.get(row.primary_org.lower(), []) if row.primary_org else []
    if len(candidates) > 1 and default_branch is not None:
        candidates = [o for o in candidates if o.branch_id == default_branch] or candidates
    if len(candidates) == 1:
        row.org = candidates[0]
        row.branch_id = row.org.branch_id
    elif len(candidates) > 1:
        row.errors.append(str(_l("Several organisations have this name; make it exact.")))
    else:
        if row.primary_org:
            row.notes.append(str(_l("Organisation not found: the field is left empty.")))
        row.branch_id = default_branch
        if row.branch_id is None:
            row.errors.append(
                str(_l("Name a primary organisation of your branches: it decides the "
                       "person's branch."))
            )
    if row.branch_id is not None and visible is not None and row.branch_id not in visible:
        row.errors.append(str(_l("This person belongs to another branch.")))
    if not row.errors:
        row.outcome = "new"


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
