"""Enrolments (read, enrol, cancel through the web's own services), attendance marks and
certificates, each within what the token's owner may see on the site."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from school.accounts.models import User
from school.api import schemas as s
from school.api import serializers as out
from school.api.routes_catalog import TOKEN
from school.api.tokens import require
from school.api.views import bp
from school.attendance.models import AttendanceMark
from school.catalog.models import Event
from school.certificates.models import Certificate
from school.enrollment import services as enrolment
from school.enrollment.models import Enrollment
from school.errors import DomainError
from school.extensions import db
from school.permissions import (
    PUBLIC,
    allow,
    coordinator_scope,
    sees_backstage,
    sees_enrollment,
    visible_branch_ids,
)


def _ref(path: str, method: str) -> str:
    """An OpenAPI operationRef to one of our operations (for response links)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


ENROLMENT_LINKS = {
    "GetEnrolment": {"operationRef": _ref("/api/v1/enrolments/{enrolment_id}", "get"),
                     "parameters": {"enrolment_id": "$response.body#/id"}},
    "CancelEnrolment": {"operationRef": _ref("/api/v1/enrolments/{enrolment_id}/cancel",
                                             "post"),
                        "parameters": {"enrolment_id": "$response.body#/id"}},
}


def _not_found():
    return DomainError("not_found", _l("Not found."), status=404)


def visible(query, owner: User):
    """Enrolments the owner sees on the site: their own, and those they manage (admins
    all; coordinators their branches', and their union's people without a branch)."""
    branches = visible_branch_ids(owner)
    if branches is None:
        return query
    unions, _ = coordinator_scope(owner)
    return query.where(or_(
        Enrollment.user_id == owner.id,
        Enrollment.branch_id.in_(branches) if branches else false(),
        and_(Enrollment.branch_id.is_(None), Enrollment.union_id.in_(unions))
        if unions else false(),
    ))


def _load(enrollment_id: int, owner: User) -> Enrollment:
    row = db.session.get(Enrollment, enrollment_id)
    if row is None or not sees_enrollment(owner, row):
        raise _not_found()
    return row


def _with_position(rows) -> list[dict]:
    positions = enrolment.waitlist_positions(e.id for e in rows if e.status.value == "waitlisted")
    return [out.enrolment(e, positions.get(e.id)) for e in rows]


@bp.route("/enrolments")
@allow(PUBLIC)
@bp.doc(summary="Enrolments the token's owner may see, by event or person",
        tags=["enrolments"], security=TOKEN)
@bp.arguments(s.EnrolmentFilters, location="query", as_kwargs=True)
@bp.response(200, s.EnrolmentPage)
def enrolments(limit: int = 50, cursor: str | None = None, event_id=None, person_id=None):
    owner = require("people:read")
    q = visible(select(Enrollment), owner).options(
        joinedload(Enrollment.user), joinedload(Enrollment.region)).order_by(Enrollment.id)
    if event_id is not None:
        q = q.where(Enrollment.event_id == event_id)
    if person_id is not None:
        q = q.where(Enrollment.user_id == person_id)
    after = out.decode_cursor(cursor, (out.cursor_id,))
    if after is not None:
        q = q.where(Enrollment.id > after[0])
    rows = list(db.session.scalars(q.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": _with_position(rows),
            "next_cursor": out.encode_cursor(rows[-1].id) if more else None}


@bp.route("/enrolments/<int:enrolment_id>")
@allow(PUBLIC)
@bp.doc(summary="One enrolment", tags=["enrolments"], security=TOKEN)
@bp.response(200, s.Enrolment)
@bp.alt_response(404, description="Unknown, or not visible to the token's owner")
def enrolment_detail(enrolment_id: int):
    owner = require("people:read")
    return _with_position([_load(enrolment_id, owner)])[0]


@bp.route("/enrolments", methods=["POST"])
@allow(PUBLIC)
@bp.doc(summary="Enrol the owner, or nominate a person of the owner's branches",
        description="The web's own rules: capacity, waiting list, quotas, approval mode. "
        "201 with the enrolment (status confirmed, waitlisted or pending).",
        tags=["enrolments"], security=TOKEN)
@bp.arguments(s.EnrolmentCreate)
@bp.doc(responses={201: {"links": ENROLMENT_LINKS}})
@bp.response(201, s.Enrolment)
@bp.alt_response(404, description="Unknown event or person")
def enrol(data):
    owner = require("enrolments:write")
    event = db.session.get(Event, data["event_id"])
    from school.catalog.browsing import public_event

    if event is None or public_event(event.id, owner) is None:
        raise _not_found()
    person_id = data.get("person_id") or owner.id
    if person_id == owner.id:
        row = enrolment.enroll(event, owner)
    else:
        person = db.session.get(User, person_id)
        if person is None:
            raise _not_found()
        done, skipped = enrolment.nominate(event, [person], owner)
        # Refused: enrol again directly to raise the refusal with its message (nothing was
        # written; the same checks refuse in the same way).
        row = enrolment.enroll(event, person, actor=owner) if skipped else done[0]
    db.session.commit()
    return _with_position([row])[0]


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["POST"])
@allow(PUBLIC)
@bp.doc(summary="Cancel an enrolment (one's own, or as staff with a reason)",
        tags=["enrolments"], security=TOKEN)
@bp.arguments(s.CancelRequest)
@bp.response(200, s.CancelResult)
@bp.alt_response(404, description="Unknown, or not visible to the token's owner")
def cancel(data, enrolment_id: int):
    owner = require("enrolments:write")
    row = _load(enrolment_id, owner)
    promoted = enrolment.cancel(row, owner, data.get("reason"))
    db.session.commit()
    row = db.session.get(Enrollment, enrolment_id)
    return {"enrolment": _with_position([row])[0], "promoted": [p.id for p in promoted]}


@bp.route("/attendance")
@allow(PUBLIC)
@bp.doc(summary="Attendance marks of an event", description="Managers and instructors of "
        "the event see every mark; others the marks of enrolments they may see.",
        tags=["attendance"], security=TOKEN)
@bp.arguments(s.EventQuery, location="query", as_kwargs=True)
@bp.response(200, s.MarkList)
@bp.alt_response(404, description="Unknown event")
def attendance(event_id: int):
    owner = require("people:read")
    event = db.session.get(Event, event_id)
    if event is None:
        raise _not_found()
    q = (select(AttendanceMark).join(Enrollment, Enrollment.id == AttendanceMark.enrollment_id)
         .where(Enrollment.event_id == event_id)
         .order_by(AttendanceMark.enrollment_id, AttendanceMark.session_id))
    if not sees_backstage(owner, event):
        q = visible(q, owner)
    return {"items": [
        {"enrolment_id": m.enrollment_id, "session_id": m.session_id,
         "status": m.status.value, "source": m.source, "marked_at": m.marked_at}
        for m in db.session.scalars(q)
    ]}


def _certificates():
    return select(Certificate).join(Enrollment, Enrollment.id == Certificate.enrollment_id) \
        .options(selectinload(Certificate.replaced_by))


@bp.route("/certificates")
@allow(PUBLIC)
@bp.doc(summary="Certificates the token's owner may see", tags=["certificates"],
        security=TOKEN)
@bp.arguments(s.CertificateFilters, location="query", as_kwargs=True)
@bp.response(200, s.CertificateList)
def certificates(event_id=None, person_id=None):
    owner = require("people:read")
    q = visible(_certificates(), owner).order_by(Certificate.id)
    if event_id is not None:
        q = q.where(Enrollment.event_id == event_id)
    if person_id is not None:
        q = q.where(Enrollment.user_id == person_id)
    return {"items": [out.certificate(c) for c in db.session.scalars(q.limit(1000))]}


@bp.route("/certificates/<string:number>")
@allow(PUBLIC)
@bp.doc(summary="One certificate by its registry number", tags=["certificates"],
        security=TOKEN)
@bp.response(200, s.Certificate)
@bp.alt_response(404, description="Unknown, or not visible to the token's owner")
def certificate(number: str):
    owner = require("people:read")
    row = db.session.scalar(visible(_certificates(), owner)
                            .where(Certificate.number == number[:40]))
    if row is None:
        raise _not_found()
    return out.certificate(row)
