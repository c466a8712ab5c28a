"""Organisations: lookups for forms, editing with checks, and scoped listings."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from school.audit.services import record
from school.core.formatting import collation_key, sort_by_name
from school.core.text import one_line
from school.core.utils import contains_pattern
from school.errors import DomainError
from school.extensions import db
from school.i18n_fields import current_lang
from school.orgs.models import Branch, BranchKind, PrimaryOrganization, Region, SectoralUnion
from school.permissions import visible_branch_ids


def name_column(model):
    """The name column for sorting in the current language."""
    return {"kk": model.name_kk, "en": func.coalesce(model.name_en, model.name_ru)}.get(
        current_lang(), model.name_ru
    )


# Lists people pick from are sorted in Python by the Kazakh / Russian alphabet
# (school.core.formatting.collation_key): the databases' ORDER BY (SQLite by code point,
# PostgreSQL by its C or en_US collation) puts «Қ», «Ә», «Ө» after «я». Paginated listings
# (branch_query, organization_query) still sort in SQL, page by page.


def region_order(items: list[Region]) -> list[Region]:
    """The three cities of republican significance first (in their official order), then
    the oblasts alphabetically in the current language («область Абай» under А)."""
    def key(region: Region):
        if region.type == "city":
            return (0, region.sort_order, ())
        name = region.name
        for prefix in ("область ", "Область "):
            name = name.removeprefix(prefix)
        return (1, 0, collation_key(name))

    return sorted(items, key=key)


def regions() -> list[Region]:
    return region_order(list(db.session.scalars(select(Region))))


def unions() -> list[SectoralUnion]:
    return sort_by_name(db.session.scalars(select(SectoralUnion)), lambda u: u.name)


def branches_for(union_id: int | None, region_id: int | None) -> list[Branch]:
    q = select(Branch)
    if union_id:
        q = q.where(Branch.union_id == union_id)
    if region_id:
        q = q.where(Branch.region_id == region_id)
    return sort_by_name(db.session.scalars(q), lambda b: b.name)


def organizations_for(branch_id: int | None, search: str = "", limit: int = 500):
    if not branch_id:
        return []
    q = (
        select(PrimaryOrganization)
        .where(PrimaryOrganization.branch_id == branch_id)
        .order_by(name_column(PrimaryOrganization))
        .limit(limit)
    )
    if search:
        q = q.where(_name_matches(PrimaryOrganization, search))
    return sort_by_name(db.session.scalars(q), lambda o: o.name)


def _name_matches(model, search: str):
    pattern = contains_pattern(search)
    cols = [model.name_ru, model.name_kk, model.name_en]
    return or_(*[func.lower(c).like(pattern, escape="\\") for c in cols])




def fill_org_choices(form) -> None:
    """Choices for the region → union → branch → organisation selects of a profile form.

    Branch and organisation lists depend on what is chosen, so only those are loaded; the
    page's script reloads them when a choice changes.
    """
    blank = [(None, _l("— choose —"))]
    form.region_id.choices = blank + [(r.id, r.name) for r in regions()]
    form.union_id.choices = blank + [(u.id, u.name) for u in unions()]
    union_id, region_id = form.union_id.data, form.region_id.data
    branch_list = branches_for(union_id, region_id) if union_id else []
    form.branch_id.choices = blank + [(b.id, b.name) for b in branch_list]
    form.primary_org_id.choices = blank + [
        (o.id, o.name) for o in organizations_for(form.branch_id.data)
    ]


# --- listings -------------------------------------------------------------------------


def branch_query(user, *, search: str = "", union_id=None, region_id=None):
    return _listing(select(Branch).order_by(Branch.union_id, name_column(Branch)), Branch,
                    Branch.id, user, search, (Branch.union_id, union_id),
                    (Branch.region_id, region_id))


def organization_query(user, *, search: str = "", branch_id=None):
    return _listing(select(PrimaryOrganization).order_by(name_column(PrimaryOrganization)),
                    PrimaryOrganization, PrimaryOrganization.branch_id, user, search,
                    (PrimaryOrganization.branch_id, branch_id))


def _listing(q, model, branch_column, user, search: str, *chosen):
    """`q` within the user's branches, narrowed by each chosen (column, id) (none: not
    chosen) and by the search on the names."""
    ids = visible_branch_ids(user)
    if ids is not None:
        q = q.where(branch_column.in_(ids))
    for column, value in chosen:
        if value:
            q = q.where(column == value)
    if search:
        q = q.where(_name_matches(model, search))
    return q


# --- editing ---------------------------------------------------------------------------


def _names(data: dict, required=("name_ru", "name_kk")) -> dict:
    out = {}
    for key in ("name_ru", "name_kk", "name_en"):
        value = one_line(data.get(key))
        if key in required and not value:
            raise DomainError("name_required", _l("Enter the name in Russian and in Kazakh."),
                              field=key)
        out[key] = value[:300] or None
    return out


def save_region(region: Region, data: dict, actor) -> Region:
    for key, value in _names(data).items():
        setattr(region, key, value)
    db.session.flush()
    record(actor, "region.edit", region)
    return region


def save_union(union: SectoralUnion | None, data: dict, actor) -> SectoralUnion:
    code = (data.get("code") or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,31}", code):
        raise DomainError("code_invalid",
                          _l("The code must be 2–32 Latin letters, digits, dashes or underscores."),
                          field="code")
    clash = db.session.scalar(select(SectoralUnion.id).where(SectoralUnion.code == code))
    if clash is not None and (union is None or clash != union.id):
        raise DomainError("code_taken", _l("This code is already used."), field="code")
    union = union or SectoralUnion()
    union.code = code
    for lang in ("ru", "kk", "en"):
        short = one_line(data.get(f"short_name_{lang}"))
        setattr(union, f"short_name_{lang}", short[:100] or None)
    return _stored(union, _names(data), actor, "union.save")


def save_branch(branch: Branch | None, data: dict, actor) -> Branch:
    names = _names(data)
    union = db.session.get(SectoralUnion, data.get("union_id") or 0)
    if union is None:
        raise DomainError("union_invalid", _l("Choose a sectoral union from the list."),
                          field="union_id")
    region = db.session.get(Region, data.get("region_id") or 0)
    if region is None:
        raise DomainError("region_invalid", _l("Choose a region from the list."),
                          field="region_id")
    try:
        kind = BranchKind(data.get("kind"))
    except ValueError:
        raise DomainError("kind_invalid", _l("Choose the kind of branch."), field="kind") from None
    clash = db.session.scalar(
        select(Branch.id).where(Branch.union_id == union.id, Branch.name_ru == names["name_ru"])
    )
    if clash is not None and (branch is None or clash != branch.id):
        raise DomainError("branch_exists", _l("This union already has a branch with this name."),
                          field="name_ru")
    parent_id = _parent_for(branch, data.get("parent_id"), union.id, kind)
    branch = branch or Branch()
    branch.union_id, branch.region_id, branch.kind = union.id, region.id, kind
    branch.parent_id = parent_id
    return _stored(branch, names, actor, "branch.save")


def _stored(obj, names: dict, actor, action: str):
    """`obj` with its names set, flushed, and the change in the audit log."""
    for key, value in names.items():
        setattr(obj, key, value)
    db.session.add(obj)
    db.session.flush()
    record(actor, action, obj)
    return obj


def parent_branches() -> list[Branch]:
    """Branches a local union may sit under: top-level oblast and city branches."""
    return list(db.session.scalars(
        select(Branch).where(Branch.parent_id.is_(None), Branch.kind != BranchKind.local)
        .order_by(Branch.union_id, name_column(Branch))
    ))


def _parent_for(branch: Branch | None, parent_id, union_id: int, kind) -> int | None:
    """The tree is one level deep: a local union under an oblast or city branch of its own
    union, and nothing under a local union."""
    if not parent_id:
        return None
    parent = db.session.get(Branch, parent_id)
    if parent is None or parent.union_id != union_id or parent.parent_id is not None \
            or parent.kind is BranchKind.local:
        raise DomainError("parent_invalid",
                          _l("The parent must be an oblast or city branch of the same union."),
                          field="parent_id")
    if kind is not BranchKind.local:
        raise DomainError("parent_not_local", _l("Only a local union sits under another branch."),
                          field="parent_id")
    if branch is not None and (parent.id == branch.id or db.session.scalar(
            select(Branch.id).where(Branch.parent_id == branch.id).limit(1)) is not None):
        raise DomainError("parent_invalid",
                          _l("The parent must be an oblast or city branch of the same union."),
                          field="parent_id")
    return parent.id


def save_organization(org: PrimaryOrganization | None, data: dict, actor) -> PrimaryOrganization:
    names = _names(data, required=("name_ru",))
    names["name_kk"] = names["name_kk"] or names["name_ru"]
    branch = db.session.get(Branch, data.get("branch_id") or 0)
    if branch is None:
        raise DomainError("branch_invalid", _l("Choose a branch from the list."),
                          field="branch_id")
    ids = visible_branch_ids(actor)
    if ids is not None and branch.id not in ids:
        raise DomainError("branch_forbidden", _l("You can only manage your own branch."),
                          field="branch_id", status=403)
    bin_value = (data.get("bin") or "").strip() or None
    if bin_value is not None and not re.fullmatch(r"[0-9]{12}", bin_value):
        raise DomainError("bin_invalid", _l("The BIN must have 12 digits."), field="bin")
    clash = db.session.scalar(
        select(PrimaryOrganization.id).where(
            PrimaryOrganization.branch_id == branch.id,
            PrimaryOrganization.name_ru == names["name_ru"],
        )
    )
    if clash is not None and (org is None or clash != org.id):
        raise DomainError("org_exists",
                          _l("This branch already has an organisation with this name."),
                          field="name_ru")
    org = org or PrimaryOrganization()
    org.branch_id, org.bin = branch.id, bin_value
    return _stored(org, names, actor, "organization.save")
