"""The approvers' daily digest: new requests awaiting THEIR decision, once a day.

Who decides is the approvals page's rule (queries.pending_query, which scopes coordinators
with permissions.visible_branch_ids): a branch's coordinators get the requests of their
branches for events in branch mode; the training centre's administrators those of events
the organisers approve, second steps of two-step approvals, and people without a branch,
whom no coordinator can decide.

A digest is claimed by a row (approver, day) under a unique constraint before its letter is
queued, in the same transaction: two runs at once (cron and a queue worker, two workers)
send it once; the loser's insert waits for the winner's COMMIT and then fails.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Date, ForeignKey, UniqueConstraint, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from school.accounts.models import Role, RoleGrant, User
from school.catalog.models import ApprovalMode, Event
from school.dbtypes import UTCDateTime, utcnow
from school.enrollment import queries, twostep
from school.enrollment.models import Enrollment
from school.extensions import db, write_transaction
from school.mail import absolute_url, queue_mail
from school.permissions import visible_branch_ids
from school.timeutil import to_local

DIGEST_LIMIT = 50  # requests listed in one letter; the rest are counted


class ApprovalDigest(db.Model):
    """One digest sent to one approver on one day (Kazakhstan time)."""

    __tablename__ = "approval_digest"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requests: Mapped[int] = mapped_column(default=0)


def decidable_query(approver: User):
    """Pending requests whose decision is the approver's to make, oldest first."""
    query = queries.pending_query(approver)
    if visible_branch_ids(approver) is None:
        # Administrators can decide anything; their digest carries what waits for the
        # training centre: the organisers' approvals, and people no coordinator covers.
        query = query.where(or_(
            Enrollment.approval_step == twostep.CENTRE_STEP,
            and_(Event.approval_mode == ApprovalMode.centre, Enrollment.approval_step.is_(None)),
            Enrollment.branch_id.is_(None)))
    return query


def approvers() -> list[User]:
    """Everyone who may have requests to decide: coordinators and administrators."""
    ids = select(RoleGrant.user_id).where(RoleGrant.role.in_((Role.coordinator, Role.admin)))
    return list(db.session.scalars(
        select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.id)))


def _since(approver: User, now: datetime) -> datetime:
    """New means: after the approver's previous digest (at most a week back)."""
    last = db.session.scalar(
        select(func.max(ApprovalDigest.sent_at)).where(ApprovalDigest.user_id == approver.id))
    floor = now - timedelta(days=7)
    return max(last, floor) if last is not None else now - timedelta(days=1)


def digest_rows(approver: User, now: datetime) -> tuple[list[Enrollment], int]:
    """(the new requests, how many wait in all) for one approver."""
    query = decidable_query(approver)
    waiting = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if not waiting:
        return [], 0
    since = _since(approver, now)
    rows = list(db.session.scalars(query.where(Enrollment.created_at > since)).unique())
    return rows, waiting


def send_digest(approver_id: int, now: datetime) -> bool:
    """Claim and queue one approver's digest for today; False when none is due."""
    day = to_local(now).date()
    with write_transaction():
        approver = db.session.get(User, approver_id)
        if approver is None:
            return False
        if db.session.scalar(select(ApprovalDigest.id).where(
                ApprovalDigest.user_id == approver_id, ApprovalDigest.day == day)):
            return False
        rows, waiting = digest_rows(approver, now)
        if not rows:
            return False
        try:
            with db.session.begin_nested():
                db.session.add(ApprovalDigest(user_id=approver_id, day=day, sent_at=now,
                                              requests=len(rows)))
                db.session.flush()
        except IntegrityError:
            return False  # another run has sent today's
        queue_mail(approver.email, "notice_approval_digest", locale=approver.locale,
                   user=approver, rows=rows[:DIGEST_LIMIT], new=len(rows),
                   more=max(0, len(rows) - DIGEST_LIMIT), waiting=waiting,
                   approvals_link=absolute_url("enrollment.approvals"))
    return True


def send_digests(*, now: datetime | None = None) -> int:
    """Every approver's digest for today, from DIGEST_HOUR (Kazakhstan time) on; safe to
    run every hour and from several places at once. Returns how many were sent."""
    now = now or utcnow()
    hour = current_app.config.get("DIGEST_HOUR", os.environ.get("DIGEST_HOUR", 8))
    if to_local(now).hour < int(hour):
        return 0
    day = to_local(now).date()
    done = set(db.session.scalars(select(ApprovalDigest.user_id).where(ApprovalDigest.day == day)))
    ids = [u.id for u in approvers() if u.id not in done]
    db.session.rollback()
    return sum(1 for approver_id in ids if send_digest(approver_id, now))
