"""Demo of held seats (issue 22): the last upcoming published event keeps two seats for the
demo coordinator's branch until a week before it starts. Called by enrollment/demo.py."""

from __future__ import annotations

from sqlalchemy import select

from school.accounts.models import User
from school.catalog.models import Event, EventQuota, EventStatus
from school.enrollment.holds import RESERVE
from school.extensions import db
from school.timeutil import local_today


def seed(_rng) -> list[str]:
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.kz"))
    branch_id = coordinator.branch_id if coordinator else None
    if branch_id is None and coordinator is not None:
        branch_id = next((g.branch_id for g in coordinator.grants if g.branch_id), None)
    if branch_id is None:
        return []
    event = db.session.scalar(
        select(Event).where(Event.status == EventStatus.published,
                            Event.starts_on > local_today(), ~Event.quotas.any())
        .order_by(Event.starts_on.desc(), Event.id.desc()).limit(1))
    if event is None or db.session.scalar(select(EventQuota.id).where(
            EventQuota.mode == RESERVE).limit(1)) is not None:
        return []
    db.session.add(EventQuota(event_id=event.id, branch_id=branch_id, seats=2, mode=RESERVE))
    db.session.flush()
    return [f"Held seats: 2 for the coordinator's branch in event {event.id}"]
