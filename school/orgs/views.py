"""Reference data pages: regions, unions, branches, organisations, and the JSON lookups."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from school.core.edge import KeptUpload, apply_upload, attempt, preview_upload
from school.core.utils import get_or_404, optional_int, paginate
from school.extensions import db
from school.orgs import importer, services
from school.orgs.forms import BranchForm, ImportForm, OrganizationForm, RegionForm, UnionForm
from school.orgs.models import Branch, PrimaryOrganization, Region, SectoralUnion
from school.permissions import ADMIN, PUBLIC, STAFF, allow, can_see_branch, load

bp = Blueprint("orgs", __name__, url_prefix="/orgs")


def _form_data(form) -> dict:
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


def _save(form, save, template: str, back: str, **context):
    """The shared edit flow: validate, call the service, commit, or show the error."""
    if form.validate_on_submit():
        with attempt(form) as done:
            save(_form_data(form))
        if done:
            flash(_("Saved."), "success")
            return redirect(back)
    return render_template(template, form=form, **context)


# --- regions --------------------------------------------------------------------------


@bp.get("/regions")
@allow(STAFF)
def regions():
    return render_template("orgs/regions.html", regions=services.regions())


@bp.route("/regions/<int:region_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_region(region_id: int):
    region = get_or_404(Region, region_id)
    form = RegionForm(obj=region)
    return _save(form, lambda d: services.save_region(region, d, current_user),
                 "orgs/edit.html", url_for("orgs.regions"), title=region.name)


# --- unions ---------------------------------------------------------------------------


@bp.get("/unions")
@allow(STAFF)
def unions():
    return render_template("orgs/unions.html", unions=services.unions())


@bp.route("/unions/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_union():
    form = UnionForm()
    return _save(form, lambda d: services.save_union(None, d, current_user),
                 "orgs/edit.html", url_for("orgs.unions"), title=_("New sectoral union"))


@bp.route("/unions/<int:union_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_union(union_id: int):
    union = get_or_404(SectoralUnion, union_id)
    form = UnionForm(obj=union)
    return _save(form, lambda d: services.save_union(union, d, current_user),
                 "orgs/edit.html", url_for("orgs.unions"), title=union.name)


# --- branches -------------------------------------------------------------------------


def _branch_choices(form) -> None:
    form.union_id.choices = [(u.id, u.name) for u in services.unions()]
    form.region_id.choices = [(r.id, r.name) for r in services.regions()]
    form.parent_id.choices = [(None, _("— none —"))] + [
        (b.id, f"{b.name} ({b.union.short_name})") for b in services.parent_branches()
    ]


@bp.get("/branches")
@allow(STAFF)
def branches():
    search = request.args.get("q", "").strip()[:100]
    union_id = optional_int(request.args.get("union_id"))
    region_id = optional_int(request.args.get("region_id"))
    query = services.branch_query(current_user, search=search, union_id=union_id,
                                  region_id=region_id)
    items, page, pages, total = paginate(query, per_page=50)
    return render_template(
        "orgs/branches.html", items=items, page=page, pages=pages, total=total, q=search,
        union_id=union_id, region_id=region_id, unions=services.unions(),
        regions=services.regions(),
    )


@bp.route("/branches/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_branch():
    form = BranchForm()
    _branch_choices(form)
    return _save(form, lambda d: services.save_branch(None, d, current_user),
                 "orgs/edit.html", url_for("orgs.branches"), title=_("New branch"))


@bp.route("/branches/<int:branch_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_branch(branch_id: int):
    branch = get_or_404(Branch, branch_id)
    form = BranchForm(obj=branch)
    if request.method == "GET":
        form.kind.data = branch.kind.value
    _branch_choices(form)
    return _save(form, lambda d: services.save_branch(branch, d, current_user),
                 "orgs/edit.html", url_for("orgs.branches"), title=branch.name)


# --- primary organisations ------------------------------------------------------------


def _org_choices(form) -> None:
    query = services.branch_query(current_user)
    form.branch_id.choices = [
        (b.id, f"{b.name} ({b.union.short_name})") for b in db.session.scalars(query)
    ]


@bp.get("/organizations")
@allow(STAFF)
def organizations():
    search = request.args.get("q", "").strip()[:100]
    branch_id = optional_int(request.args.get("branch_id"))
    if branch_id and not can_see_branch(current_user, branch_id):
        abort(404)
    query = services.organization_query(current_user, search=search, branch_id=branch_id)
    items, page, pages, total = paginate(query, per_page=50)
    branch = db.session.get(Branch, branch_id) if branch_id else None
    return render_template("orgs/organizations.html", items=items, page=page, pages=pages,
                           total=total, q=search, branch=branch)


@bp.route("/organizations/new", methods=["GET", "POST"])
@allow(STAFF)
def new_organization():
    form = OrganizationForm()
    if request.method == "GET":
        form.branch_id.data = optional_int(request.args.get("branch_id"))
    _org_choices(form)
    return _save(form, lambda d: services.save_organization(None, d, current_user),
                 "orgs/edit.html", url_for("orgs.organizations"),
                 title=_("New primary organisation"))


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit_organization(org_id: int):
    org = load(PrimaryOrganization, org_id, "see_branch")
    form = OrganizationForm(obj=org)
    _org_choices(form)
    return _save(form, lambda d: services.save_organization(org, d, current_user),
                 "orgs/edit.html", url_for("orgs.organizations", branch_id=org.branch_id),
                 title=org.name)


# --- import ---------------------------------------------------------------------------

_KEPT = KeptUpload("orgs", "org_import")


@bp.route("/import", methods=["GET", "POST"])
@allow(ADMIN)
def import_orgs():
    """Upload → preview every row → confirm the same file (kept by its hash) → apply."""
    form = ImportForm()
    report = preview_upload(form, _KEPT, importer.plan_import)
    return render_template("orgs/import.html", form=form, report=report,
                           columns=_column_labels())


@bp.get("/import/template.xlsx")
@allow(ADMIN)
def import_template():
    """The list to fill in, headers in the reader's language, branch kinds as a drop-down."""
    from school.core import exports

    return exports.download(importer.template(), "organisations-template.xlsx", "xlsx")


def _column_labels() -> list[str]:
    return [str(c.label) for c in importer.upload_header().columns]


@bp.post("/import/confirm")
@allow(ADMIN)
def confirm_import():
    report = apply_upload(_KEPT, lambda data: importer.apply_import(data, current_user))
    if report is None:
        return redirect(url_for("orgs.import_orgs"))
    if not report.ok:  # the database changed since the preview
        return render_template("orgs/import.html", form=ImportForm(), report=report,
                               columns=_column_labels())
    flash(_("Imported: %(b)d new branches, %(o)d new organisations.",
            b=report.new_branches, o=report.new_organizations), "success")
    return redirect(url_for("orgs.branches"))




# --- lookups for the cascading selects ------------------------------------------------


@bp.get("/api/branches")
@allow(PUBLIC)
def api_branches():
    union_id = optional_int(request.args.get("union_id"))
    region_id = optional_int(request.args.get("region_id"))
    if not union_id:
        return jsonify([])
    return jsonify([{"id": b.id, "name": b.name}
                    for b in services.branches_for(union_id, region_id)])


@bp.get("/api/organizations")
@allow(PUBLIC)
def api_organizations():
    branch_id = optional_int(request.args.get("branch_id"))
    search = request.args.get("q", "").strip()[:100]
    return jsonify([{"id": o.id, "name": o.name}
                    for o in services.organizations_for(branch_id, search)])
