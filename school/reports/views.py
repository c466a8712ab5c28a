"""Pages of the reports feature: the yearly report and its exports, plans, closing a year."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from school.accounts.models import Category
from school.audit.services import record
from school.catalog.models import EventFormat, EventKind, Program
from school.core.edge import attempt
from school.core.utils import optional_int, page_arg, paginate
from school.errors import DomainError
from school.extensions import db, write_transaction
from school.orgs.models import Branch, Region, SectoralUnion
from school.permissions import ADMIN, STAFF, allow, load, scope_to_branches

# Importing the models here registers the feature's tables and indexes with the metadata
# (school/__init__.py's _init_models does not list this feature).
from school.reports import exports, page, services
from school.reports import models as _models  # noqa: F401
from school.reports import people as _people  # noqa: F401  (receivers: people merged, closed)
from school.reports.forms import ConfirmForm, PlanForm
from school.timeutil import local_today

bp = Blueprint("reports", __name__)

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PER_PAGE = 50


# --- reading the query string ----------------------------------------------------------------


def _enum_arg(name: str, enum_cls):
    value = request.args.get(name) or None
    if value is None:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        raise DomainError("bad_filter", _("Unknown filter value."), field=name) from None


def _read_args() -> tuple[int, services.Filters]:
    """The year and filters of the request; DomainError for bad input."""
    raw_year = request.args.get("year")
    if raw_year in (None, ""):
        year = services.default_year()
    else:
        year = services.check_year(optional_int(raw_year))
    filters = services.Filters(
        union_id=optional_int(request.args.get("union_id")),
        branch_id=optional_int(request.args.get("branch_id")),
        program_id=optional_int(request.args.get("program_id")),
        kind=_enum_arg("kind", EventKind),
        event_format=_enum_arg("event_format", EventFormat),
    )
    return year, filters


def _args_or_error():
    """(year, filters) or a response: 404 for another's branch, 400 with a message."""
    try:
        year, filters = _read_args()
        services.check_filters(filters, services.Scope.of(current_user))
    except DomainError as e:
        if e.status == 404:
            abort(404)
        return None, None, e
    return year, filters, None


def _filter_choices(filters: services.Filters) -> dict:
    """Options for the filter selects, limited to what the reader may see.

    Unions by their short name, as people call them; branches by union, then in the order
    of their regions (the report's order), which reads the same in every language."""
    branch_q = scope_to_branches(select(Branch), Branch.id, current_user)
    visible_unions = select(Branch.union_id).where(
        Branch.id.in_(scope_to_branches(select(Branch.id), Branch.id, current_user))
    )
    unions = sorted(
        db.session.scalars(select(SectoralUnion).where(SectoralUnion.id.in_(visible_unions))),
        key=lambda u: u.short_name.strip("«»\"").casefold(),
    )
    if filters.union_id:
        branch_q = branch_q.where(Branch.union_id == filters.union_id)
    branches = db.session.scalars(
        branch_q.join(Region, Region.id == Branch.region_id)
        .order_by(Branch.union_id, Region.sort_order, Branch.name_ru)
    ).all()
    programs = db.session.scalars(select(Program).order_by(Program.code).options(
        lazyload(Program.audience_rows), lazyload(Program.signatories))).all()  # names only
    return {"unions": unions, "branches": branches, "programs": programs,
            "kinds": list(EventKind), "formats": list(EventFormat)}


def _filters_text(filters: services.Filters) -> list[str]:
    """The filters in words, for the XLSX's About sheet."""
    out = []
    if filters.union_id:
        union = db.session.get(SectoralUnion, filters.union_id)
        out.append(f"{_('Sectoral union')}: {union.short_name if union else filters.union_id}")
    if filters.branch_id:
        branch = db.session.get(Branch, filters.branch_id)
        out.append(f"{_('Branch')}: {branch.name if branch else filters.branch_id}")
    if filters.program_id:
        program = db.session.get(Program, filters.program_id)
        out.append(f"{_('Programme')}: {program.title if program else filters.program_id}")
    if filters.kind:
        out.append(f"{_('Kind')}: {filters.kind.label}")
    if filters.event_format:
        out.append(f"{_('Format')}: {filters.event_format.label}")
    return out


def _download(content: bytes, fmt: str, name: str, details: dict) -> Response:
    """Record the export in the audit log (its own short write transaction), then send it."""
    with write_transaction():
        record(current_user, "report.exported", object_type="report", format=fmt, **details)
    return Response(content, mimetype=EXPORT_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
        "Cache-Control": "private, no-store",
    })


def _page_args(year: int) -> dict:
    """The request's filters for links (year set; no format, no page)."""
    args = {k: v for k, v in request.args.items() if k not in ("format", "page")}
    args["year"] = year
    return args


# --- the yearly report -----------------------------------------------------------------------


@bp.get("/reports/yearly")
@allow(STAFF)
def yearly():
    year, filters, error = _args_or_error()
    fmt = request.args.get("format") or "html"
    if fmt not in ("html", *EXPORT_TYPES):
        error = error or DomainError("bad_format", _("Unknown export format."))
    if error is not None:
        if fmt in EXPORT_TYPES:
            return Response(str(error.message), status=400, mimetype="text/plain")
        flash(str(error.message), "danger")
        return render_template("reports/yearly.html", error=True), 400

    if fmt in EXPORT_TYPES:
        return _yearly_export(year, filters, fmt)
    # The figures come rendered from the report's cache (page.py); a closed year's
    # differences, with the stored totals they are compared with, are worked out live.
    closed = services.closed_years([year]).get(year)
    report = services.yearly_report(year, current_user, filters) if closed else None
    diffs = services.differences(year, current_user, filters) if closed else None
    args = _page_args(year)
    return render_template(
        "reports/yearly.html", closed=closed, report=report, diffs=diffs, args=args,
        figures=page.figures(year, current_user, filters, args),
        filter_form=page.filter_form(year, current_user, filters,
                                     lambda: _filter_choices(filters)),
        filters=filters, year=year,
        this_year=local_today().year, confirm=ConfirmForm(), Category=Category,
    )


def _yearly_export(year: int, filters: services.Filters, fmt: str) -> Response:
    report = services.yearly_report(year, current_user, filters)
    if fmt == "csv":
        content = exports.yearly_csv(report)
    else:
        plan = services.plan_report(year, current_user, filters)
        diffs = services.differences(year, current_user, filters)
        content = exports.yearly_xlsx(report, plan, diffs, _filters_text(filters))
    return _download(content, fmt, f"trained-{year}", {
        "report": "yearly", "year": year, "filters": filters.as_dict(),
        "scope": services.Scope.of(current_user).describe(),
        "closed": report.closed is not None,
        "participations": report.total.participations, "people": report.total.people,
    })


@bp.get("/reports/yearly/people")
@allow(STAFF)
def people():
    """The participations behind the figures, person by person (scoped like the report)."""
    year, filters, error = _args_or_error()
    fmt = request.args.get("format") or "html"
    if error is None and fmt not in ("html", *EXPORT_TYPES):
        error = DomainError("bad_format", _("Unknown export format."))
    if error is not None:
        return Response(str(error.message), status=400, mimetype="text/plain")
    query = services.participants_query(year, current_user, filters)
    if fmt in EXPORT_TYPES:
        rows = db.session.execute(query).all()
        content = (exports.participants_csv if fmt == "csv" else exports.participants_xlsx)(rows)
        return _download(content, fmt, f"participants-{year}", {
            "report": "participants", "year": year, "filters": filters.as_dict(),
            "scope": services.Scope.of(current_user).describe(), "rows": len(rows),
        })
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(page_arg(), pages)
    items = db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("reports/people.html", items=items, page=page, pages=pages,
                           total=total, year=year, filters=filters, args=_page_args(year),
                           filters_text=_filters_text(filters),
                           coverage=services.coverage(services.Scope.of(current_user), filters),
                           closed=services.closed_years([year]).get(year))


# --- plans -----------------------------------------------------------------------------------


@bp.get("/reports/plans")
@allow(STAFF)
def plans():
    try:
        year = services.check_year(optional_int(request.args.get("year")) or local_today().year)
    except DomainError as e:
        flash(str(e.message), "danger")
        year = local_today().year
    union_id = optional_int(request.args.get("union_id"))
    query = scope_to_branches(select(Branch), Branch.id, current_user)
    if union_id:
        query = query.where(Branch.union_id == union_id)
    query = query.join(Region, Region.id == Branch.region_id)
    items, page, pages, total = paginate(
        query.order_by(Branch.union_id, Region.sort_order, Branch.name_ru), per_page=PER_PAGE)
    planned = services.plan_overview(year, [b.id for b in items])
    return render_template(
        "reports/plans.html", items=items, page=page, pages=pages, total=total, year=year,
        planned=planned, union_id=union_id, closed=services.closed_years([year]).get(year),
        unions=_filter_choices(services.Filters())["unions"],
    )


def _visible_branch(branch_id: int) -> Branch:
    return load(Branch, branch_id, "see_branch")


@bp.route("/reports/plans/<int:branch_id>/<int:year>", methods=["GET", "POST"])
@allow(STAFF)
def edit_plan(branch_id: int, year: int):
    branch = _visible_branch(branch_id)
    low, high = services.year_bounds()
    if not low <= year <= high:
        abort(404)
    form = PlanForm()
    if request.method == "GET":
        current = services.plan_for(branch, year)
        for category in Category:
            form[category.value].data = current.get(category, 0)
    closed = services.closed_years([year]).get(year)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.save_plan(branch, year, form.planned(), current_user)
        if done:
            flash(_("Plan saved."), "success")
            return redirect(url_for("reports.plans", year=year))
    status = 400 if form.errors or (request.method == "POST" and closed) else 200
    return render_template("reports/edit_plan.html", form=form, branch=branch, year=year,
                           closed=closed), status


# --- closing a year ----------------------------------------------------------------------------


@bp.post("/reports/years/<int:year>/close")
@allow(ADMIN)
def close_year(year: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt() as done:
            closed = services.close_year(year, current_user)
        if done:
            flash(_("Year %(year)d closed: %(people)d people, %(participations)d participations "
                    "stored.", year=year, people=closed.people,
                    participations=closed.participations), "success")
    return redirect(url_for("reports.yearly", year=year))


@bp.post("/reports/years/<int:year>/reopen")
@allow(ADMIN)
def reopen_year(year: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        with attempt() as done:
            services.reopen_year(year, current_user)
        if done:
            flash(_("Year %(year)d reopened: its figures are live again.", year=year), "success")
    return redirect(url_for("reports.yearly", year=year))
