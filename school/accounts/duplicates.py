"""Possible duplicate people and merging them (issue 13, item 6).

A pair is suspect when (a) one account tried to take the other's IIN (the IIN is unique, so
the second account was created without it: the audit log remembers the attempt), (b) both
have the same full name and the same birth date (the IIN's first seven digits: date and
century), or (c) their e-mails differ only in case. Coordinators see pairs whose two people
are both in their branches; administrators see all.

`merge(keep, other, actor)` moves everything of `other` to `keep` in the caller's
transaction: enrolments (with their marks, certificates, attempts), release requests and
letters, commission terms, feedback invitations and answers, closed-year report rows and
consent records; then `other` is closed. Two enrolments in the same event keep the better
one (the worse, if still cancellable, is cancelled through the enrolment service, which
promotes the queue); a conflict that cannot be settled that way refuses the whole merge.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from school.accounts.models import Role, RoleGrant, User
from school.audit.services import record
from school.errors import DomainError
from school.extensions import db
from school.permissions import visible_branch_ids

REASONS = {
    "iin": _l("The same IIN was entered for both"),
    "name_birth": _l("Same full name and birth date"),
    "email_case": _l("E-mails differ only in case"),
}

# Better first: which of two enrolments in one event a merge keeps.
STATUS_RANK = ("completed", "not_completed", "confirmed", "pending", "waitlisted",
               "cancelled", "rejected")
STAFF = (Role.admin, Role.coordinator, Role.instructor)


@dataclass
class Pair:
    first: User
    second: User
    reason: str

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])


def _visible(viewer: User, *people: User) -> bool:
    ids = visible_branch_ids(viewer)
    return ids is None or all(p.branch_id in ids for p in people)


def possible_duplicates(viewer: User, limit: int = 200) -> list[Pair]:
    """Suspect pairs the viewer may see, each pair once, lowest ids first."""
    from school.audit.models import AuditEntry

    a, b = aliased(User), aliased(User)
    live = (a.anonymised_at.is_(None), b.anonymised_at.is_(None), a.active.is_(True),
            b.active.is_(True))
    ids = visible_branch_ids(viewer)
    scope = () if ids is None else (a.branch_id.in_(ids), b.branch_id.in_(ids))
    found: dict[tuple[int, int], Pair] = {}

    def add(rows, reason):
        for first, second in rows:
            key = (min(first.id, second.id), max(first.id, second.id))
            if key not in found and first.id != second.id:
                lo, hi = sorted((first, second), key=lambda u: u.id)
                found[key] = Pair(lo, hi, reason)

    add(db.session.execute(
        select(a, b).join(b, (func.lower(a.email) == func.lower(b.email)) & (a.id < b.id))
        .where(*live, *scope).limit(limit)).all(), "email_case")
    add(db.session.execute(
        select(a, b).join(b, (func.lower(a.full_name) == func.lower(b.full_name))
                          & (func.substr(a.iin, 1, 7) == func.substr(b.iin, 1, 7))
                          & (a.id < b.id))
        .where(*live, *scope, a.iin.is_not(None), b.iin.is_not(None)).limit(limit)).all(),
        "name_birth")
    conflicts = db.session.execute(
        select(AuditEntry.object_id, AuditEntry.details)
        .where(AuditEntry.action == "user.iin_conflict").order_by(AuditEntry.id.desc())
        .limit(limit)).all()
    pairs = {(holder, (details or {}).get("claimant_id")) for holder, details in conflicts}
    wanted = {i for pair in pairs for i in pair if isinstance(i, int)}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
    add([(people[h], people[c]) for h, c in pairs
         if h in people and c in people and _visible(viewer, people[h], people[c])
         and all(people[i].active and people[i].anonymised_at is None for i in (h, c))],
        "iin")
    return sorted(found.values(), key=lambda p: (p.first.full_name.lower(), p.first.id))[:limit]


def suspected(a: User, b: User) -> set[str]:
    """Why `a` and `b` look like one person (REASONS keys): possible_duplicates' rules for
    one pair."""
    reasons = set()
    if a.email and b.email and a.email.lower() == b.email.lower():
        reasons.add("email_case")
    if a.iin and b.iin and a.iin[:7] == b.iin[:7] \
            and a.full_name.casefold() == b.full_name.casefold():
        reasons.add("name_birth")
    if _iin_claimant(a, b) or _iin_claimant(b, a):
        reasons.add("iin")
    return reasons


def _iin_claimant(claimant: User, holder: User) -> bool:
    """Did `claimant` try to take `holder`'s IIN (the audit log's user.iin_conflict)?"""
    from school.audit.models import AuditEntry

    entries = db.session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "user.iin_conflict",
                                         AuditEntry.object_id == holder.id)).all()
    return any((details or {}).get("claimant_id") == claimant.id for details in entries)


@dataclass
class MergeResult:
    moved: dict[str, int]
    settled: list[tuple[int, str, str]]  # (event id, kept status, dropped status)


def merge(keep: User, other: User, actor: User) -> MergeResult:
    """Move `other`'s records to `keep` and close `other` (flushes; the caller commits)."""
    from school.commissions.models import Member
    from school.enrollment import services as enrolment
    from school.enrollment.models import Enrollment
    from school.evaluation.models import Invitation, Response
    from school.releases.models import EmployerOverride, OutgoingLetter, ReleaseRequest
    from school.reports.models import ClosedYearRow

    if keep.id == other.id:
        raise DomainError("merge_same", _l("Choose two different people."))
    if not _visible(actor, keep, other):
        raise DomainError("forbidden", _l("You can merge only people of your branches."),
                          status=404)
    if actor.id in (keep.id, other.id):
        raise DomainError("merge_self", _l("Your own account cannot be merged by you."))
    if any(other.has_role(r) for r in STAFF):
        raise DomainError("merge_staff", _l(
            "The account to be merged away holds a staff role: merge the other way round."))
    if not actor.has_role("admin") and any(keep.has_role(r) for r in STAFF):
        raise DomainError("merge_staff", _l(
            "Only an administrator may merge a person into a staff account."))
    if other.anonymised_at is not None or not other.active:
        raise DomainError("merge_closed", _l("This account is already closed."))
    # Only a pair the list suspects: a merge is not a way to move any person's records.
    reasons = suspected(keep, other)
    if not reasons:
        raise DomainError("merge_not_duplicates", _l(
            "These two accounts are not on the list of possible duplicates."))
    if reasons == {"iin"} and _iin_claimant(keep, other):
        # Anyone can register with someone's IIN: its holder's account is the one kept.
        raise DomainError("merge_keep_iin", _l(
            "Keep the account that holds the IIN: the other one only tried to take it."))

    # Every event either person is enrolled in is locked first, in id order (as transfers
    # and bulk decisions lock theirs): no deadlock with them, and no enrolment of either
    # person slips in between the checks and the move.
    from school.catalog.locking import lock_event

    for event_id in sorted(set(db.session.scalars(select(Enrollment.event_id).where(
            Enrollment.user_id.in_((keep.id, other.id)),
            Enrollment.status.in_(enrolment.CANCELLABLE))))):
        lock_event(event_id)
    # Two enrolments in one event: keep the better, settle the worse before moving rows.
    mine = {e.event_id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == keep.id))}
    settled: list[tuple[int, str, str]] = []
    for theirs in db.session.scalars(
            select(Enrollment).where(Enrollment.user_id == other.id).order_by(Enrollment.id)):
        ours = mine.get(theirs.event_id)
        if ours is None:
            continue
        better, worse = sorted((ours, theirs), key=lambda e: STATUS_RANK.index(e.status.value))
        if worse.status.value in ("completed", "not_completed"):
            raise DomainError("merge_conflict", _l(
                "Both people completed the same event (no. %(id)d): revoke one of the "
                "certificates and correct the attendance first.", id=theirs.event_id))
        settled.append((theirs.event_id, better.status.value, worse.status.value))
        if worse.status in enrolment.CANCELLABLE:
            enrolment.cancel(worse, actor, str(_l("Duplicate account merged.")))
        if better is theirs:
            mine[theirs.event_id] = theirs

    moved = {}
    for model, column in ((Enrollment, Enrollment.user_id), (ReleaseRequest,
                          ReleaseRequest.user_id), (OutgoingLetter, OutgoingLetter.user_id),
                          (Member, Member.user_id), (Response, Response.user_id),
                          (ClosedYearRow, ClosedYearRow.user_id)):
        result = db.session.execute(update(model).where(column == other.id)
                                    .values({column.key: keep.id})
                                    .execution_options(synchronize_session=False))
        moved[model.__tablename__] = result.rowcount
    # Feedback invitations are one per person and event: keep ours where both exist.
    have = set(db.session.scalars(select(Invitation.event_id).where(
        Invitation.user_id == keep.id)))
    result = db.session.execute(update(Invitation).where(
        Invitation.user_id == other.id, Invitation.event_id.not_in(have or {0}))
        .values(user_id=keep.id).execution_options(synchronize_session=False))
    moved[Invitation.__tablename__] = result.rowcount
    if db.session.get(EmployerOverride, keep.id) is None:
        db.session.execute(update(EmployerOverride).where(EmployerOverride.user_id == other.id)
                           .values(user_id=keep.id))
    # A chair's grant (their primary organisation's planning) follows the person.
    if not keep.has_role(Role.chair):
        for grant in [g for g in other.grants if g.role is Role.chair]:
            other.grants.remove(grant)
            db.session.flush()
            keep.grants.append(RoleGrant(role=Role.chair, primary_org_id=grant.primary_org_id,
                                         granted_by_id=grant.granted_by_id))
    if keep.consent_pending and not other.consent_pending:
        keep.consent_pending = False  # the same person consented on the other account
    for consent in list(other.consents):  # the proof of what the person accepted stays
        consent.user_id = keep.id
    _fill_profile(keep, other)
    _close(other, keep)
    db.session.flush()
    db.session.expire_all()
    record(actor, "user.merged", keep, other_id=other.id, moved=moved,
           settled=[list(s) for s in settled])
    return MergeResult(moved, settled)


_PROFILE = ("phone", "iin", "category", "region_id", "union_id", "branch_id",
            "primary_org_id", "locale")


def _fill_profile(keep: User, other: User) -> None:
    """Fields `keep` lacks are taken from `other` (the IIN moves: it is unique)."""
    from school.accounts.privacy import free_text_columns

    taken = {k: getattr(other, k) for k in (*_PROFILE, *free_text_columns())
             if getattr(keep, k) in (None, "") and getattr(other, k) not in (None, "")}
    if other.consent_withdrawn_at is not None:
        taken.pop("phone", None)  # contacts a withdrawn person took back are not reused
    if "iin" in taken:
        other.iin = None
        db.session.flush()
    for key, value in taken.items():
        setattr(keep, key, value)


def _close(other: User, keep: User) -> None:
    from school.accounts.sessions import UserSession
    from school.catalog.models import CalendarToken

    other.active = False
    other.iin = None
    other.email = f"merged-{other.id}-into-{keep.id}@invalid"
    other.password_hash = None
    db.session.execute(UserSession.__table__.delete().where(UserSession.user_id == other.id))
    db.session.execute(CalendarToken.__table__.delete().where(
        CalendarToken.user_id == other.id))
