"""Approvals at scale: the waiting requests a person may decide, filtered by event, branch
and the event's dates, sorted, counted, and decided in bulk (issue 12, item 5).

Every decision still runs through `services.decide_many`, hence through `approve` and
`reject` one request at a time with the events locked: quotas, capacity, the audit trail
and the mails stay in one place. "All matching" decides the requests the filter matches
when the form is posted, refused if that is not the number the person saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from school.accounts.models import User
from school.catalog.locking import lock_event
from school.catalog.models import Event
from school.core.utils import optional_int
from school.enrollment import queries, services
from school.enrollment.models import Enrollment
from school.enrollment.rules import clean_reason
from school.errors import DomainError
from school.extensions import db
from school.i18n_fields import current_lang
from school.orgs.models import Branch

SORTS = ("requested", "name", "event", "date", "branch")


def _date(text) -> date | None:
    try:
        return date.fromisoformat(str(text or "").strip()[:10])
    except ValueError:
        return None


@dataclass(frozen=True)
class Filter:
    """What the approvals page shows: GET parameters, kept across pages, sorting and
    the decision form (it posts to the page's own address)."""

    event_id: int | None = None
    branch_id: int | None = None
    date_from: date | None = None  # the event starts on or after
    date_to: date | None = None  # ... on or before
    sort: str = "requested"
    desc: bool = False
    step: int | None = None  # two-step approval (twostep.py): 1 branch, 2 training centre

    @classmethod
    def from_args(cls, args: Mapping) -> Filter:
        sort = args.get("sort", "")
        return cls(optional_int(args.get("event_id")), optional_int(args.get("branch_id")),
                   _date(args.get("date_from")), _date(args.get("date_to")),
                   sort if sort in SORTS else "requested", args.get("dir") == "desc",
                   optional_int(args.get("step")) if args.get("step") in ("1", "2") else None)

    def args(self, page: int = 1, **changes) -> dict[str, str]:
        """The query parameters that give this filter (with `changes`), without defaults."""
        f = replace(self, **changes)
        found = {"event_id": f.event_id, "branch_id": f.branch_id,
                 "date_from": f.date_from.isoformat() if f.date_from else None,
                 "date_to": f.date_to.isoformat() if f.date_to else None,
                 "sort": f.sort if f.sort != "requested" else None,
                 "dir": "desc" if f.desc else None, "step": f.step,
                 "page": page if page > 1 else None}
        return {k: str(v) for k, v in found.items() if v}

    def sorted_by(self, column: str) -> dict[str, str]:
        """Parameters of a column header's link: that column, flipped if it is the current."""
        return self.args(sort=column, desc=not self.desc if self.sort == column else False)

    @property
    def active(self) -> bool:
        return any((self.event_id, self.branch_id, self.date_from, self.date_to, self.step))


def _order(f: Filter):
    lang = current_lang()
    title = (Event.title_kk if lang == "kk" else Event.title_ru if lang == "ru"
             else func.coalesce(Event.title_en, Event.title_ru))
    column = {"requested": Enrollment.created_at, "name": User.full_name, "event": title,
              "date": Event.starts_on, "branch": Branch.name_ru}[f.sort]
    column = column.desc() if f.desc else column.asc()
    return (column, Enrollment.created_at, Enrollment.id)


def filtered_query(actor: User, f: Filter):
    """The waiting requests `actor` may decide that match `f`, in its order."""
    q = queries.pending_query(actor, f.event_id, f.step)
    if f.branch_id:
        q = q.where(Enrollment.branch_id == f.branch_id)
    if f.date_from:
        q = q.where(Event.starts_on >= f.date_from)
    if f.date_to:
        q = q.where(Event.starts_on <= f.date_to)
    if f.sort == "name":
        q = q.join(User, User.id == Enrollment.user_id)
    elif f.sort == "branch":
        q = q.outerjoin(Branch, Branch.id == Enrollment.branch_id)
    return q.order_by(None).order_by(*_order(f))


def matching_ids(actor: User, f: Filter) -> list[int]:
    q = filtered_query(actor, f).with_only_columns(Enrollment.id).order_by(None)
    return list(db.session.scalars(q.order_by(Enrollment.created_at, Enrollment.id)))


def filter_choices(actor: User) -> tuple[list[Event], list[Branch]]:
    """The events and branches among all the actor's waiting requests, for the filter."""
    ids = queries.pending_query(actor).with_only_columns(
        Enrollment.event_id, Enrollment.branch_id).order_by(None).distinct().subquery()
    events = list(db.session.scalars(
        select(Event).where(Event.id.in_(select(ids.c.event_id)))
        .order_by(Event.starts_on, Event.id)))
    branches = list(db.session.scalars(
        select(Branch).where(Branch.id.in_(select(ids.c.branch_id))).order_by(Branch.name_ru)))
    return events, branches


# --- deciding ------------------------------------------------------------------------------


def row_reasons(form: Mapping) -> dict[int, str]:
    """Per-row reasons from a posted form (fields `reason-<id>`), the empty ones left out."""
    found = {}
    for key, value in form.items():
        name, _sep, raw = key.partition("-")
        ident = optional_int(raw) if name == "reason" else None
        if ident and str(value or "").strip():
            found[ident] = str(value)
    return found


def decide(actor: User, action: str, ids, *, reason: str = "",
           reasons: Mapping[int, str] | None = None, matching: Filter | None = None,
           expected: int | None = None) -> services.DecisionResult:
    """Decide the chosen requests, or with `matching` every request the filter matches
    (`expected`: how many the person was shown; a different number refuses, nothing
    changed). A rejection takes its row's reason from `reasons`, else the common one; a
    row with neither refuses the whole decision before anything changes."""
    if matching is not None:
        ids = matching_ids(actor, matching)
        if expected is None or expected != len(ids):
            raise DomainError("filter_changed", _l(
                "The list has changed since you opened it: check it and choose again."))
    ids = {int(i) for i in ids}
    if action != "reject" or not ids:
        return services.decide_many(ids, actor, action, reason)
    chosen = {i: r for i, r in (reasons or {}).items() if i in ids and str(r or "").strip()}
    if len(chosen) < len(ids) and not (reason or "").strip():
        raise DomainError("reason_required", _l(
            "Give a reason for each request you reject, or a common one."), field="reason")
    by_reason: dict[str, list[int]] = {}
    for ident in sorted(ids):
        text = clean_reason(chosen.get(ident) or reason)
        by_reason.setdefault(text, []).append(ident)
    # The events are locked in one order before any group is decided (as decide_many
    # does for one group), so that two bulk decisions cannot deadlock.
    for event_id in sorted(set(db.session.scalars(
            select(Enrollment.event_id).where(Enrollment.id.in_(ids))))):
        lock_event(event_id)
    result = services.DecisionResult()
    for text, group in by_reason.items():
        part = services.decide_many(group, actor, "reject", text)
        result.done.extend(part.done)
        result.skipped.extend(part.skipped)
    return result


# --- the count on the home page and in the menu -------------------------------------------


def may_approve(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.has_role("admin") or user.has_role("coordinator"))


def counted_waiting(user, f: Filter, total: int) -> None:
    """The approvals page counted every request `user` may decide (`f` narrows nothing):
    the menu's count is that number, not a second count of the same rows."""
    if not f.active and may_approve(user):
        g.approvals_waiting = (user.id, total)


def waiting_count(user) -> int | None:
    """How many requests `user` may decide now (queries.pending_query's rule): one query
    a request (kept on `g`), none at all for people who approve nothing (None)."""
    if not may_approve(user):
        return None
    cached = g.get("approvals_waiting")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    count = queries.pending_count(user)
    g.approvals_waiting = (user.id, count)
    return count


def _register_badge() -> None:
    from school.core import nav

    nav.BADGES["enrollment.approvals"] = waiting_count


_register_badge()
