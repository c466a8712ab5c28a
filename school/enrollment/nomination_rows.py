"""One row of a nomination list (nominations.py) and its checks: the fields, who the row
is (matched by IIN, then by e-mail, without telling a coordinator about people outside their
branches), and whether an existing person may be enrolled or a new account made."""

from __future__ import annotations

from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from school.accounts.models import Category, User
from school.catalog.models import Event
from school.core import iin as iin_rules
from school.core import vocabulary
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import PrimaryOrganization


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


def normal_iin(value: str) -> str:
    digits = iin_rules.normalize(value)
    # Excel turns an IIN into a number and drops a leading zero (born in the 2000s).
    if digits.isdigit() and len(digits) == 11:
        digits = "0" + digits
    return digits


def check_fields(row: Row, categories: vocabulary.Vocabulary) -> None:
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


def existing_people(rows: list[Row]) -> tuple[dict[str, User], dict[str, User]]:
    iins = {r.iin for r in rows if r.iin}
    emails = {r.email for r in rows if r.email}
    if not iins and not emails:
        return {}, {}
    people = db.session.scalars(
        select(User).where(or_(User.iin.in_(iins), User.email.in_(emails)))
    ).all()
    return ({u.iin: u for u in people if u.iin}, {u.email: u for u in people})


def organisations(rows: list[Row], visible: set[int] | None) -> dict[str, list]:
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


def match(row: Row, by_iin: dict, by_email: dict, visible) -> None:
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


def check_existing(row: Row, event: Event, visible, enrolled: set[int]) -> None:
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


def check_new(row: Row, event: Event, orgs: dict, default_branch: int | None,
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
