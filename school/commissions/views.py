"""Pages of the commissions register: bodies and members, the due list (with nomination
and exports), the members upload, training requirements (admins), the CLI reminder."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.catalog.models import Event
from school.commissions import (
    admin_views,  # noqa: F401  (its routes join bp)
    reporting,
    services,
)
from school.commissions import people as _people  # noqa: F401  (receivers: people merged, closed)
from school.commissions.blueprint import bp
from school.commissions.due_sql import due_page
from school.commissions.forms import (
    BodyForm,
    EndTermForm,
    MemberForm,
    NominateForm,
    kind_choices,
)
from school.commissions.models import Body, BodyKind, Member, MemberRole, Side
from school.commissions.status import Filters, Status, compute, shares
from school.core import exports, panels
from school.core.edge import attempt
from school.core.formatting import sort_by_name
from school.core.utils import get_or_404, optional_int, paginate
from school.errors import DomainError
from school.extensions import db, write_transaction
from school.orgs.models import Branch, PrimaryOrganization, Region
from school.orgs.services import region_order
from school.permissions import STAFF, allow, load, scope_to_branches
from school.timeutil import local_today

CSV_COLUMNS = ("person_id", "organisation_id", "branch_id", "body", "role", "programme",
               "status", "valid_until", "due_by")
PER_PAGE = 50


def _me() -> User:
    return current_user._get_current_object()


def _body_or_404(body_id: int) -> Body:
    """A body the current person may see; others' answer 404, like records that do not exist."""
    return load(Body, body_id, "see_branch")


def _enum_arg(cls, name: str, args=None):
    try:
        return cls((args if args is not None else request.args).get(name, ""))
    except ValueError:
        return None


def _filters(args=None) -> Filters:
    """The due list's filters from the query string (or the nomination form)."""
    args = args if args is not None else request.args
    try:
        due_before = date.fromisoformat(args.get("due_before", ""))
    except ValueError:
        due_before = None
    return Filters(
        kind=_enum_arg(BodyKind, "kind", args),
        organisation_id=optional_int(args.get("organisation_id")),
        region_id=optional_int(args.get("region_id")),
        branch_id=optional_int(args.get("branch_id")),
        due_before=due_before,
        status=_enum_arg(Status, "status", args),
    )


def _filter_choices() -> dict:
    me = _me()
    branches = sort_by_name(db.session.scalars(
        scope_to_branches(select(Branch), Branch.id, me)), lambda b: b.name)
    region_ids = {b.region_id for b in branches}
    regions = region_order(list(db.session.scalars(
        select(Region).where(Region.id.in_(region_ids)))))
    organisations = list(db.session.scalars(
        select(PrimaryOrganization).join(Body, Body.primary_org_id == PrimaryOrganization.id)
        .where(Body.branch_id.in_([b.id for b in branches])).distinct()
        .order_by(PrimaryOrganization.name_ru).limit(500)))
    organisations = sort_by_name(organisations, lambda o: o.name)
    return {"branches": branches, "regions": regions, "organisations": organisations,
            "kinds": list(BodyKind), "statuses": list(Status)}


# --- the register --------------------------------------------------------------------------


@bp.get("/")
@allow(STAFF)
def index():
    """The branches' share of trained members, then their bodies."""
    me = _me()
    kind = _enum_arg(BodyKind, "kind")
    branch_id = optional_int(request.args.get("branch_id"))
    lines = compute(me, filters=Filters(kind=kind, branch_id=branch_id))
    by_branch = shares(lines, lambda ln: ln.branch_id)
    by_body = shares(lines, lambda ln: ln.body_id)
    query = services.bodies_query(me, kind=kind, branch_id=branch_id)
    bodies, page, pages, total = paginate(query, per_page=PER_PAGE)
    return render_template(
        "commissions/index.html", by_branch=sorted(by_branch.items(), key=lambda kv: kv[1].name),
        by_body=by_body, bodies=bodies, page=page, pages=pages, total=total,
        kinds=list(BodyKind), kind=kind, branch_id=branch_id, choices=_filter_choices())


@bp.route("/bodies/new", methods=["GET", "POST"])
@allow(STAFF)
def new_body():
    me = _me()
    form = BodyForm()
    form.kind.choices = kind_choices()
    orgs = list(db.session.scalars(scope_to_branches(
        select(PrimaryOrganization), PrimaryOrganization.branch_id, me
    ).order_by(PrimaryOrganization.name_ru).limit(2000)))
    orgs = sort_by_name(orgs, lambda o: o.name)
    form.primary_org_id.choices = [("", "—"), *[(o.id, o.name) for o in orgs]]
    branches = sort_by_name(db.session.scalars(
        scope_to_branches(select(Branch), Branch.id, me)), lambda b: b.name)
    form.branch_id.choices = [("", "—"), *[(b.id, b.name) for b in branches]]
    if form.validate_on_submit():
        org = db.session.get(PrimaryOrganization, form.primary_org_id.data or 0)
        branch = None if org else db.session.get(Branch, form.branch_id.data or 0)
        with attempt(form) as done:
            kind = _enum_arg(BodyKind, "kind", form.data)
            if kind is None:
                raise DomainError("kind_invalid", _("Choose a body."), field="kind")
            body = services.create_body(me, kind, organisation=org, branch=branch)
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for("commissions.body", body_id=body.id))
    return render_template("commissions/body_new.html", form=form)


@bp.get("/bodies/<int:body_id>")
@allow(STAFF)
def body(body_id: int):
    body = _body_or_404(body_id)
    return _body_page(body, MemberForm())


def _body_page(body: Body, form: MemberForm, status: int = 200):
    today = local_today()
    lines = {ln.member_id: ln for ln in compute(_me(), filters=Filters(body_id=body.id))}
    # Each member's person in the same round (a list of persons loaded beside it is held
    # by nobody, so the identity map let them go and each row loaded its own: issue 15).
    members = list(db.session.scalars(
        select(Member).where(Member.body_id == body.id)
        .options(selectinload(Member.user).lazyload(User.grants))
        .order_by(Member.term_start.desc(), Member.id.desc())))
    current = [m for m in members if m.is_current(today)]
    past = [m for m in members if not m.is_current(today)]
    return render_template("commissions/body.html", body=body, form=form, current=current,
                           past=past, lines=lines, end_form=EndTermForm(),
                           share=shares(list(lines.values()), lambda ln: 0).get(0)), status


@bp.post("/bodies/<int:body_id>/members")
@allow(STAFF)
def add_member(body_id: int):
    body = _body_or_404(body_id)
    form = MemberForm()
    if not form.validate_on_submit():
        return _body_page(body, form, 400)
    me = _me()
    person = services.find_person(me, form.person.data)
    with attempt(form) as done:
        if person is None:
            raise DomainError("person_not_found", _("No person with this IIN or e-mail."),
                              field="person")
        role = _enum_arg(MemberRole, "role", form.data)
        side = _enum_arg(Side, "side", form.data) if form.side.data else None
        if role is None or (form.side.data and side is None):
            raise DomainError("role_invalid", _("Choose a role."), field="role")
        services.add_member(body, person, me, role=role, side=side,
                            term_start=form.term_start.data, term_end=form.term_end.data)
    if not done:
        return _body_page(body, form, 400)
    flash(_("Saved."), "success")
    return redirect(url_for("commissions.body", body_id=body.id))


@bp.post("/members/<int:member_id>/end")
@allow(STAFF)
def end_term(member_id: int):
    member = get_or_404(Member, member_id)
    body = _body_or_404(member.body_id)
    form = EndTermForm()
    if form.validate_on_submit():
        with attempt() as done:
            services.end_term(member, _me(), form.term_end.data)
        if done:
            flash(_("The term is closed; it stays in the history."), "success")
    return redirect(url_for("commissions.body", body_id=body.id))


# --- the due list ----------------------------------------------------------------------------


@bp.get("/due")
@allow(STAFF)
def due():
    """Members not trained (or everyone, with status=trained), filtered; CSV and XLSX."""
    fmt = request.args.get("format") or "html"
    if fmt not in ("html", "csv", "xlsx"):
        abort(400)
    filters = _filters()
    if fmt != "html":
        return _export(compute(_me(), filters=filters), fmt)
    # One page in SQL: statuses, filters, the count and the order over every row there.
    lines, total, page, pages, requirements = due_page(
        _me(), filters, page=request.args.get("page", 1, type=int) or 1, per_page=PER_PAGE)
    events = services.counting_events({p.id for req in requirements for p in req.programs})
    form = NominateForm()
    form.event_id.choices = [(e.id, f"{e.starts_on:%d.%m.%Y} · {e.title}") for e in events]
    return render_template(
        "commissions/due.html", lines=lines,
        total=total, page=page, pages=pages, filters=filters, form=form,
        choices=_filter_choices(), args={k: v for k, v in request.args.items()
                                         if k not in ("page", "format")})


def _export(lines, fmt: str):
    rows = ([ln.person_id, ln.organisation_id, ln.branch_id, ln.body_kind.value,
             ln.role.value, ln.programmes, ln.status.value,
             ln.valid_until, ln.due_by] for ln in lines)  # dates: ISO in CSV, date cells
    with write_transaction():
        from school.audit.services import record

        record(_me(), "commission.exported", object_type="report", format=fmt,
               rows=len(lines))
    name = f"commissions-due-{local_today():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        return exports.download(exports.csv_bytes(CSV_COLUMNS, rows), name, "csv")
    data = exports.xlsx_bytes(CSV_COLUMNS, rows, title=_("Commission members"))
    return exports.download(data, name, "xlsx")


@bp.post("/due/nominate")
@allow(STAFF)
def nominate():
    """Enrol the chosen (or everyone in the filtered list) in one counting event."""
    form = NominateForm()
    back = url_for("commissions.due", **{k: v for k, v in request.form.items()
                                          if k in ("kind", "organisation_id", "region_id",
                                                   "branch_id", "due_before", "status")})
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "warning")
        return redirect(back)
    event = db.session.get(Event, form.event_id.data or 0)
    if event is None:
        flash(_("Choose an event."), "warning")
        return redirect(back)
    lines = [ln for ln in compute(_me(), filters=_filters(request.form))
             if ln.status is not Status.trained]
    if form.everyone.data != "1":
        chosen = set(form.member_ids.data or [])
        if chosen - {ln.member_id for ln in lines}:
            abort(404)  # someone outside the viewer's list: the same answer as not found
        lines = [ln for ln in lines if ln.member_id in chosen]
    with attempt() as done:
        enrolled, skipped = services.nominate(event, lines, _me())
    if done:
        flash(_("Enrolled: %(n)d.", n=len(enrolled)), "success")
        if skipped:
            flash(_("Not enrolled (already enrolled, another category, or enrolment "
                    "closed): %(n)d.", n=len(skipped)), "warning")
    return redirect(back)


# --- other pages' panels and the command line ----------------------------------------------


@bp.app_template_global("commission_panel")
def commission_panel():
    """The current person's memberships and training, for /my."""
    return my_commissions([], current_user)


@panels.my("commissions")
def my_commissions(enrollments, user):
    """One's memberships with their status and the events that count, for /my."""
    if not getattr(user, "is_authenticated", False):
        return []
    return reporting.my_panel(user)


@bp.app_template_global("commission_trained_by_region")
def commission_trained_by_region(year: int):
    """The yearly report's "commission members trained" by region, scoped."""
    return reporting.trained_by_region(year, _me())
