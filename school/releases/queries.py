"""Lists, the export and an event's readiness, scoped to what the viewer may see."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school.catalog.models import Event
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.extensions import db
from school.permissions import scope_to_branches
from school.releases.models import Agreement, Employer, ReleaseRequest, ReleaseState

CSV_COLUMNS = ("enrollment_id", "event_id", "person_id", "employer_bin", "state", "days",
               "days_used_this_year", "cap")
LIVE = (EnrollmentStatus.confirmed, EnrollmentStatus.completed, EnrollmentStatus.not_completed)


def requests_query(viewer, *, event_id: int | None = None, employer_id: int | None = None,
                   state: ReleaseState | None = None):
    """Requests of live enrolments (cancelled ones are withdrawn), newest events first."""
    query = (
        select(ReleaseRequest)
        .join(Enrollment, Enrollment.id == ReleaseRequest.enrollment_id)
        .where(ReleaseRequest.withdrawn_at.is_(None), Enrollment.status.in_(LIVE))
        .options(
            selectinload(ReleaseRequest.user),
            selectinload(ReleaseRequest.employer),
            selectinload(ReleaseRequest.agreement),
            selectinload(ReleaseRequest.event).selectinload(Event.program),
        )
        .order_by(ReleaseRequest.first_day.desc(), ReleaseRequest.id)
    )
    if viewer is not None:  # None: no scoping (one's own requests)
        query = scope_to_branches(query, ReleaseRequest.branch_id, viewer)
    if event_id is not None:
        query = query.where(ReleaseRequest.event_id == event_id)
    if employer_id is not None:
        query = query.where(ReleaseRequest.employer_id == employer_id)
    if state is not None:
        query = query.where(ReleaseRequest.state == state)
    return query


def own_requests(user_id: int, *, events_loaded: bool = False) -> list[ReleaseRequest]:
    """One's live requests that need a letter (the newest 20 events), for /my: what its panel
    shows loaded; `events_loaded` when the person's enrolments came with their events (then
    each request's event is taken from the session, no statement)."""
    query = (
        select(ReleaseRequest)
        .join(Enrollment, Enrollment.id == ReleaseRequest.enrollment_id)
        .where(ReleaseRequest.user_id == user_id, ReleaseRequest.withdrawn_at.is_(None),
               Enrollment.status.in_(LIVE), ReleaseRequest.state != ReleaseState.not_needed)
        .options(selectinload(ReleaseRequest.employer))
        .order_by(ReleaseRequest.first_day.desc(), ReleaseRequest.id)
        .limit(20)
    )
    if not events_loaded:
        query = query.options(selectinload(ReleaseRequest.event))
    return list(db.session.scalars(query))


def released_days(requests: list[ReleaseRequest]) -> dict[tuple, int]:
    """Days released per (person, year, agreement) for the people in `requests`: one query."""
    people = {r.user_id for r in requests}
    if not people:
        return {}
    rows = db.session.execute(
        select(ReleaseRequest.user_id, ReleaseRequest.year, ReleaseRequest.agreement_id,
               func.sum(ReleaseRequest.days))
        .where(ReleaseRequest.user_id.in_(people),
               ReleaseRequest.state == ReleaseState.released,
               ReleaseRequest.withdrawn_at.is_(None))
        .group_by(ReleaseRequest.user_id, ReleaseRequest.year, ReleaseRequest.agreement_id)
    )
    return {(u, y, a): int(n or 0) for u, y, a, n in rows}


def csv_rows(requests: list[ReleaseRequest]):
    used = released_days(requests)
    for r in requests:
        yield (
            r.enrollment_id, r.event_id, r.user_id, r.employer.bin if r.employer else "",
            r.state.value, r.days, used.get((r.user_id, r.year, r.agreement_id), 0),
            r.agreement.paid_days if r.agreement else "",
        )


def event_readiness(event_id: int, viewer=None) -> dict:
    """How many confirmed participants are released, refused, waiting; `viewer` scopes."""
    query = (
        select(ReleaseRequest.state, func.count())
        .join(Enrollment, Enrollment.id == ReleaseRequest.enrollment_id)
        .where(ReleaseRequest.event_id == event_id, ReleaseRequest.withdrawn_at.is_(None),
               Enrollment.status.in_(LIVE))
        .group_by(ReleaseRequest.state)
    )
    if viewer is not None:
        query = scope_to_branches(query, ReleaseRequest.branch_id, viewer)
    counts = Counter({state: n for state, n in db.session.execute(query)})
    needed = sum(n for s, n in counts.items() if s is not ReleaseState.not_needed)
    return {
        "total": needed,
        "released": counts[ReleaseState.released],
        "refused": counts[ReleaseState.refused],
        "waiting": counts[ReleaseState.sent] + counts[ReleaseState.no_answer],
        "no_answer": counts[ReleaseState.no_answer],
        "to_send": counts[ReleaseState.to_send],
        "not_needed": counts[ReleaseState.not_needed],
    }


def employers_page_query(search: str | None = None):
    query = select(Employer).order_by(Employer.name_ru)
    if search:
        from school.core.utils import contains_pattern

        pattern = contains_pattern(search)
        query = query.where(
            func.lower(Employer.name_ru).like(pattern, escape="\\")
            | func.lower(Employer.name_kk).like(pattern, escape="\\")
            | Employer.bin.like(pattern, escape="\\")
        )
    return query


def agreements():
    return db.session.scalars(
        select(Agreement).options(selectinload(Agreement.union), selectinload(Agreement.employer))
        .order_by(Agreement.union_id, Agreement.id)
    ).all()

