"""Programmes, events with sessions, the organisations tree, and the token itself."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from school.api import schemas as s
from school.api import serializers as out
from school.api.tokens import api_user, require
from school.api.views import bp
from school.catalog import services as catalog
from school.catalog.models import Event, Program
from school.errors import DomainError
from school.extensions import db
from school.orgs.models import Branch, PrimaryOrganization, SectoralUnion
from school.permissions import PUBLIC, allow, visible_branch_ids

OPTIONAL_TOKEN = [{}, {"bearerAuth": []}]
TOKEN = [{"bearerAuth": []}]


def _not_found():
    return DomainError("not_found", _l("Not found."), status=404)


@bp.route("/programmes")
@allow(PUBLIC)
@bp.doc(summary="Active programmes", tags=["catalogue"], security=OPTIONAL_TOKEN)
@bp.etag
@bp.response(200, s.ProgramList)
def programmes():
    return {"items": [out.program(p) for p in catalog.programs(active_only=True)]}


@bp.route("/programmes/<int:program_id>")
@allow(PUBLIC)
@bp.doc(summary="One programme", tags=["catalogue"], security=OPTIONAL_TOKEN)
@bp.etag
@bp.response(200, s.Program)
@bp.alt_response(404, description="Unknown programme")
def programme(program_id: int):
    p = db.session.get(Program, program_id)
    if p is None:
        raise _not_found()
    return out.program(p)


@bp.route("/events")
@allow(PUBLIC)
@bp.doc(summary="Upcoming published events, as in the catalogue", tags=["catalogue"],
        security=OPTIONAL_TOKEN)
@bp.arguments(s.EventFilters, location="query", as_kwargs=True)
@bp.etag
@bp.response(200, s.EventPage)
def events(limit: int = 50, cursor: str | None = None, **filters):
    query = catalog.catalogue_query(catalog.CatalogueFilters.from_args(filters))
    after = out.decode_cursor(cursor, (date.fromisoformat, out.cursor_id))
    if after is not None:
        day, last_id = after
        query = query.where(or_(Event.starts_on > day,
                                and_(Event.starts_on == day, Event.id > last_id)))
    rows = list(db.session.scalars(
        query.options(selectinload(Event.sessions)).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    counts = catalog.confirmed_counts(e.id for e in rows)
    viewer = api_user()
    return {
        "items": [out.event(e, counts=counts, viewer=viewer) for e in rows],
        "next_cursor": out.encode_cursor(rows[-1].starts_on, rows[-1].id) if more else None,
    }


@bp.route("/events/<int:event_id>")
@allow(PUBLIC)
@bp.doc(summary="One event with its sessions (drafts only for their managers)",
        tags=["catalogue"], security=OPTIONAL_TOKEN)
@bp.etag
@bp.response(200, s.Event)
@bp.alt_response(404, description="Unknown event, or a draft the caller may not see")
def event(event_id: int):
    viewer = api_user()
    e = catalog.public_event(event_id, viewer)
    if e is None:
        raise _not_found()
    return out.event(e, viewer=viewer)


@bp.route("/organisations")
@allow(PUBLIC)
@bp.doc(summary="Sectoral unions, their branches and primary organisations",
        tags=["organisations"], security=TOKEN)
@bp.arguments(s.OrgQuery, location="query", as_kwargs=True)
@bp.etag
@bp.response(200, s.OrgTree)
def organisations(union_id: int | None = None):
    """The whole tree for admins; a coordinator's token sees their own branches."""
    owner = require("catalogue:read")
    unions_q = select(SectoralUnion).order_by(SectoralUnion.code)
    branches_q = select(Branch).order_by(Branch.name_ru, Branch.id)
    visible = visible_branch_ids(owner)
    if visible is not None:
        branches_q = branches_q.where(Branch.id.in_(visible or {0}))
        unions_q = unions_q.where(SectoralUnion.id.in_(
            select(Branch.union_id).where(Branch.id.in_(visible or {0}))))
    if union_id is not None:
        unions_q = unions_q.where(SectoralUnion.id == union_id)
        branches_q = branches_q.where(Branch.union_id == union_id)
    unions = list(db.session.scalars(unions_q))
    branches = list(db.session.scalars(branches_q.options(selectinload(Branch.region))))
    orgs: dict[int, list] = {}
    ids = [b.id for b in branches]
    if ids:
        for org in db.session.scalars(
            select(PrimaryOrganization).where(PrimaryOrganization.branch_id.in_(ids))
            .order_by(PrimaryOrganization.name_ru, PrimaryOrganization.id)
        ):
            orgs.setdefault(org.branch_id, []).append(
                {"id": org.id, "name": out.lang3(org, "name")})
    by_union: dict[int, list] = {}
    for b in branches:
        by_union.setdefault(b.union_id, []).append({
            "id": b.id, "name": out.lang3(b, "name"), "kind": b.kind.value,
            "region_code": b.region.code, "parent_id": b.parent_id,
            "organisations": orgs.get(b.id, []),
        })
    return {"items": [
        {"id": u.id, "code": u.code, "name": out.lang3(u, "name"),
         "branches": by_union.get(u.id, [])}
        for u in unions
    ]}


@bp.route("/me")
@allow(PUBLIC)
@bp.doc(summary="The token: its owner, roles and scopes", tags=["meta"], security=TOKEN)
@bp.response(200, s.Me)
def me():
    from flask import g

    owner = require()
    token = g.api_token
    return {"token": token.name, "scopes": sorted(token.scope_set),
            "expires_at": token.expires_at,
            "person": {"id": owner.id, "full_name": owner.full_name},
            "roles": sorted({str(getattr(gr.role, "value", gr.role)) for gr in owner.grants})}
