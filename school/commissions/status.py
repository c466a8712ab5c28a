"""Who is trained: each current member × the requirement that applies, derived every time.

A requirement applies to a member by the body's kind and the member's role; a requirement
for the role wins over one for "any role" of the same kind. A completion counts when the
enrolment is `completed` in an event of one of the requirement's programmes, unless the
enrolment had certificates and every one of them is revoked (the yearly report's rule:
a certificate revoked and reissued still counts; one revoked without a replacement does
not). Its date is the event's last day.

  * trained  — the last counting completion is still valid (no expiry, or valid_until is
               more than the "due soon" window away);
  * due      — a deadline ahead: the validity ends within the window, or a new member who
               was never trained is still within the requirement's months for new members;
  * overdue  — the last completion expired;
  * never    — no counting completion at all, and the deadline for new members passed.

Everything is computed with a fixed number of queries whatever the number of members:
one for the members (with their body, organisation, branch and person), one for the
requirements (and their programmes), one for the last completions of those people.
"""

from __future__ import annotations

import calendar
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from school.accounts.models import User
from school.catalog.models import Event
from school.certificates.models import Certificate
from school.commissions.models import Body, BodyKind, Member, MemberRole, Requirement, Side
from school.core.queries import where_given
from school.dbtypes import LabelledEnum
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.i18n_fields import current_lang
from school.orgs.models import Branch, PrimaryOrganization
from school.permissions import scope_to_branches
from school.timeutil import local_today


class Status(LabelledEnum):
    trained = "trained", _l("Trained")
    due = "due", _l("Due")
    overdue = "overdue", _l("Overdue")
    never = "never", _l("Never trained")


# Most urgent first, for sorting lists.
URGENCY = {Status.never: 0, Status.overdue: 1, Status.due: 2, Status.trained: 3}


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_soon_days() -> int:
    """Days before expiry when a training becomes "due" (app config, else environment)."""
    value = current_app.config.get("COMMISSIONS_DUE_SOON_DAYS")
    if value is None:
        value = os.environ.get("COMMISSIONS_DUE_SOON_DAYS") or 60
    return int(value)


def evaluate(requirement: Requirement, term_start: date, last: date | None, today: date,
             window: int) -> tuple[Status, date | None, date | None]:
    """(status, valid_until, due_by) for one member under one requirement."""
    if last is not None:
        if requirement.validity_months is None:
            return Status.trained, None, None
        valid_until = add_months(last, requirement.validity_months)
        if valid_until < today:
            return Status.overdue, valid_until, valid_until
        if valid_until <= today + timedelta(days=window):
            return Status.due, valid_until, valid_until
        return Status.trained, valid_until, None
    due_by = add_months(term_start, requirement.new_member_months)
    return (Status.due if due_by >= today else Status.never), None, due_by


@dataclass(slots=True)
class Line:
    """One member × one requirement: the row of the due list and of the CSV."""

    member_id: int
    person_id: int
    full_name: str
    email: str
    body_id: int
    body_kind: BodyKind
    role: MemberRole
    side: Side | None
    organisation_id: int | None
    organisation: str
    branch_id: int
    branch: str
    region_id: int
    term_start: date
    term_end: date | None
    requirement: Requirement
    status: Status
    valid_until: date | None
    due_by: date | None
    last_completed: date | None
    today: date

    @property
    def programmes(self) -> str:
        return "|".join(p.code for p in self.requirement.programs)

    @property
    def valid(self) -> bool:
        """Holds a training that counts today (trained, or due with the validity running)."""
        return self.status is Status.trained or (
            self.status is Status.due and self.valid_until is not None
            and self.valid_until >= self.today
        )


@dataclass
class Filters:
    kind: BodyKind | None = None
    organisation_id: int | None = None
    region_id: int | None = None
    branch_id: int | None = None
    body_id: int | None = None
    due_before: date | None = None
    status: Status | None = None
    person_id: int | None = None


_COUNTING: list = []  # the condition, built once: aliasing anew costs ~5 ms a request


def counting_completion():
    """Completed, and not stripped of every certificate (see the module docstring)."""
    if _COUNTING:
        return _COUNTING[0]
    revoked, valid = aliased(Certificate), aliased(Certificate)
    stripped = exists().where(
        revoked.enrollment_id == Enrollment.id,
        revoked.revoked_at.is_not(None),
        ~exists().where(valid.enrollment_id == revoked.enrollment_id,
                        valid.revoked_at.is_(None)),
    )
    _COUNTING.append((Enrollment.status == EnrollmentStatus.completed) & ~stripped)
    return _COUNTING[0]


def _pick(lang: str, ru, kk, en) -> str:
    order = {"kk": (kk, ru, en), "en": (en, ru, kk)}.get(lang, (ru, kk, en))
    return next((v for v in order if v), "")


def members_query(viewer, today: date, filters: Filters):
    """Current terms the viewer may see (None: no scoping, for the person's own panel)."""
    q = (
        select(
            Member.id, Member.user_id, User.full_name, User.email, Body.id, Body.kind,
            Member.role, Member.side, Body.primary_org_id, PrimaryOrganization.name_ru,
            PrimaryOrganization.name_kk, PrimaryOrganization.name_en, Body.branch_id,
            Branch.name_ru, Branch.name_kk, Branch.name_en, Branch.region_id,
            Member.term_start, Member.term_end,
        )
        .join(Body, Body.id == Member.body_id)
        .join(User, User.id == Member.user_id)
        .join(Branch, Branch.id == Body.branch_id)
        .outerjoin(PrimaryOrganization, PrimaryOrganization.id == Body.primary_org_id)
        .where(Member.term_start <= today,
               or_(Member.term_end.is_(None), Member.term_end >= today))
    )
    if viewer is not None:
        q = scope_to_branches(q, Body.branch_id, viewer)
    return where_given(q, (Body.kind, filters.kind),
                       (Body.primary_org_id, filters.organisation_id),
                       (Branch.region_id, filters.region_id), (Body.branch_id, filters.branch_id),
                       (Body.id, filters.body_id), (Member.user_id, filters.person_id))


def requirement_lookup() -> dict[tuple[BodyKind, MemberRole], Requirement]:
    """The requirement that applies to each (kind, role): the role's own, else 'any'."""
    found: dict[tuple[BodyKind, MemberRole], Requirement] = {}
    requirements = db.session.scalars(select(Requirement).order_by(Requirement.id)).all()
    for req in sorted(requirements, key=lambda r: r.role is not None):
        for role in ([req.role] if req.role is not None else list(MemberRole)):
            found[(req.body_kind, role)] = req
    return found


def last_completions(people_ids, program_ids: set[int]) -> dict[tuple[int, int], date]:
    """{(person, programme): last day of the latest counting completion}."""
    if not program_ids:
        return {}
    q = (
        select(Enrollment.user_id, Event.program_id, func.max(Event.ends_on))
        .join(Event, Event.id == Enrollment.event_id)
        .where(counting_completion(), Event.program_id.in_(program_ids),
               Enrollment.user_id.in_(people_ids))
        .group_by(Enrollment.user_id, Event.program_id)
    )
    return {(user_id, program_id): last for user_id, program_id, last in db.session.execute(q)}


def compute(viewer, *, today: date | None = None, filters: Filters | None = None,
            lookup: dict | None = None) -> list[Line]:
    """Every current member × applicable requirement the viewer may see, most urgent first.

    `viewer` None means unscoped (the person's own panel, the monthly reminder)."""
    today = today or local_today()
    filters = filters or Filters()
    query = members_query(viewer, today, filters)
    # Core rows, not ORM entities: ten thousand members are read at C speed. Read first:
    # most people on /my sit on no body, and then nothing else is asked (issue 15).
    rows = db.session.connection().execute(query).all()
    if not rows:
        return []
    lookup = requirement_lookup() if lookup is None else lookup
    if not lookup:
        return []
    program_ids = {p.id for req in lookup.values() for p in req.programs}
    people = query.with_only_columns(Member.user_id)
    last = last_completions(people, program_ids)
    window = due_soon_days()
    lang = current_lang()
    counting = {req.id: [p.id for p in req.programs] for req in lookup.values()}
    names: dict[tuple, str] = {}  # localized organisation and branch names, once each
    verdicts: dict[tuple, tuple] = {}  # members share dates: evaluate each case once
    lines = []
    for row in rows:
        (member_id, person_id, full_name, email, body_id, kind, role, side, org_id,
         org_ru, org_kk, org_en, branch_id, br_ru, br_kk, br_en, region_id,
         term_start, term_end) = row
        req = lookup.get((kind, role))
        if req is None:
            continue
        dates = [last[key] for key in ((person_id, p) for p in counting[req.id]) if key in last]
        latest = max(dates) if dates else None
        case = (req.id, latest, term_start if latest is None else None)
        verdict = verdicts.get(case)
        if verdict is None:
            verdict = verdicts[case] = evaluate(req, term_start, latest, today, window)
        status, valid_until, due_by = verdict
        if filters.status is not None and status is not filters.status:
            continue
        if filters.due_before is not None and (due_by is None or due_by > filters.due_before):
            continue
        org_name = names.get(("o", org_id))
        if org_name is None:
            org_name = names[("o", org_id)] = _pick(lang, org_ru, org_kk, org_en)
        branch_name = names.get(("b", branch_id))
        if branch_name is None:
            branch_name = names[("b", branch_id)] = _pick(lang, br_ru, br_kk, br_en)
        lines.append(Line(
            member_id, person_id, full_name, email, body_id, kind, role, side, org_id,
            org_name, branch_id, branch_name, region_id, term_start, term_end, req, status,
            valid_until, due_by, latest, today,
        ))
    lines.sort(key=lambda ln: (URGENCY[ln.status], ln.due_by or date.max,
                               ln.full_name.lower(), ln.member_id))
    return lines


@dataclass
class Share:
    """Members holding a valid training for every requirement that applies to them."""

    members: int = 0
    trained: int = 0
    name: str = ""
    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))

    @property
    def percent(self) -> int | None:
        return round(100 * self.trained / self.members) if self.members else None


def shares(lines: list[Line], key) -> dict:
    """Share trained grouped by `key(line)` (a branch id, a body id …)."""
    valid_by_member: dict[int, bool] = {}
    group_of: dict[int, object] = {}
    names: dict[object, str] = {}
    result: dict = defaultdict(Share)
    for ln in lines:
        valid_by_member[ln.member_id] = valid_by_member.get(ln.member_id, True) and ln.valid
        group_of[ln.member_id] = key(ln)
        names.setdefault(key(ln), ln.branch)
        result[key(ln)].counts[ln.status] += 1
    for member_id, ok in valid_by_member.items():
        share = result[group_of[member_id]]
        share.members += 1
        share.trained += ok
    for k, share in result.items():
        share.name = names.get(k, "")
    return dict(result)
