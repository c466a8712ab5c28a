"""The report's heavy figures, cached until what counts as trained changes (issue 15).

The ten-year trend and the default year count every completed participation of a decade
(a million rows at `--scale 1`): half a second of SQL that gives the same answer until a
participation starts or stops counting. So the database keeps one number, the report's
generation, raised in the same transaction as any change that can move a figure (see
`_relevant`), and the figures are cached under a key holding that generation: a reader
either sees the generation before the change (and the old figures, like any reader of the
old snapshot) or the new one (and computes afresh). No time-based expiry is needed for
correctness; the cache's own TTL only bounds its memory.

What can move a figure (services.py's module docstring says what counts): an enrolment
entering or leaving `completed`, or a completed one changing person, event or snapshot
(merging duplicates, corrections); a certificate issued, revoked or deleted (a reissue keeps
the person trained); an event's end date, programme, kind or format; closing or reopening
a year; a branch moving under another (a branch's figures include its local unions) or to
another region; a commission membership, body or requirement changing (the report page's
"commission members trained"); a training plan, or the name of a region, union or branch
(the page's figures are kept rendered: page.py). ORM bulk UPDATE/DELETE statements on those
tables raise it too.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import BigInteger, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from school.extensions import db

TTL_SECONDS = 3600


class ReportGeneration(db.Model):
    """One row: raised by every change that can move a report figure."""

    __tablename__ = "report_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def first_value() -> int:
    """A random start: the cache may be shared (Redis, or one process serving several
    databases, as the tests do), and two databases must never share a generation."""
    return secrets.randbelow(2**53)


@event.listens_for(ReportGeneration.__table__, "after_create")
def _first_row(table, connection, **_kw) -> None:
    # Databases built by create_all (the tests) get the row the migration inserts.
    connection.execute(insert(table).values(id=1, value=first_value()))

_WATCHED = {
    "Enrollment": ("user_id", "event_id", "region_id", "union_id", "branch_id", "category"),
    "Event": ("ends_on", "program_id", "kind", "format"),
    "Certificate": ("revoked_at", "enrollment_id"),
    "Branch": ("parent_id", "region_id", "name_ru", "name_kk", "name_en"),
    "ClosedYear": (),
    "ClosedYearRow": (),
    # The commissions' "members trained" on the report page: who sits on which body, the
    # body's kind and branch, which programmes count for it.
    "Member": (),
    "Body": (),
    "Requirement": (),
    # The report page's figures are kept rendered (page.py): the plans they compare with
    # and the names they show.
    "TrainingPlan": (),
    "Region": (),
    "SectoralUnion": (),
    "Program": ("code", "title_ru", "title_kk", "title_en"),
}
_TABLES = {"enrollment", "event", "certificate", "branch", "closed_year", "closed_year_row",
           "commission_member", "commission_body", "commission_requirement", "training_plan",
           "region", "sectoral_union", "program"}


def _changed(obj, attrs) -> bool:
    state = db.inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _relevant(obj, how: str) -> bool:
    name = type(obj).__name__
    if name not in _WATCHED:
        return False
    if name == "Enrollment":
        completed = "completed"
        status = db.inspect(obj).attrs["status"].history
        was = [str(getattr(v, "value", v)) for v in (*status.deleted, *status.unchanged)]
        now = str(getattr(obj.status, "value", obj.status))
        if how != "dirty":
            return now == completed
        if status.has_changes() and completed in (now, *was):
            return True
        return now == completed and _changed(obj, _WATCHED[name])
    if name in ("Event", "Branch") and how != "dirty":
        return False  # a new event or branch has no completed participation yet
    return how != "dirty" or not _WATCHED[name] or _changed(obj, _WATCHED[name])


@event.listens_for(Session, "before_flush")
def _note_changes(session, _flush_context, _instances) -> None:
    if session.info.get("report_changed"):
        return
    for how, objs in (("new", session.new), ("deleted", session.deleted),
                      ("dirty", session.dirty)):
        if any(_relevant(obj, how) for obj in objs):
            session.info["report_changed"] = True
            return


@event.listens_for(Session, "after_flush")
def _raise_generation(session, _flush_context) -> None:
    if session.info.pop("report_changed", False):
        bump(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statements(state) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None \
            and mapper.local_table.name in _TABLES:
        bump(state.session)


_READ = "report_generation_read"  # the generation as this transaction first read it


def bump(session) -> None:
    """Raise the generation inside the caller's transaction (it commits or rolls back
    with the change itself)."""
    session.info.pop(_READ, None)
    session.connection().execute(
        update(ReportGeneration.__table__).values(value=ReportGeneration.__table__.c.value + 1))


def generation() -> int | None:
    """Read once a transaction (a page asks for several cached figures); a bump in the
    transaction, or its end, forgets it."""
    info = db.session().info
    if _READ not in info:
        info[_READ] = db.session.scalar(
            select(ReportGeneration.value).where(ReportGeneration.id == 1))
    return info[_READ]


@event.listens_for(Session, "after_transaction_end")
def _forget_read(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_READ, None)


def cached(kind: str, key: Any, compute):
    """`compute()` (JSON-serialisable), cached per generation; computed directly when
    there is no generation row or no cache."""
    cache = current_app.extensions.get("page_cache") if has_app_context() else None
    gen = generation() if cache is not None else None
    if gen is None:
        return compute()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    name = f"report:{kind}:{gen}:{digest[:32]}"
    hit = cache.get(name)
    if hit is not None:
        return json.loads(hit[0])
    value = compute()
    cache.set(name, json.dumps(value).encode(), "application/json", TTL_SECONDS)
    return value
