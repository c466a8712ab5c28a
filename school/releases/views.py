"""Pages of the releases feature: requests by event and employer with their export, the
employer's answer page (no account), employers, agreements, one's own employer."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school.catalog.models import Event
from school.core import panels
from school.core.edge import attempt
from school.core.exports import csv_bytes, download
from school.core.formatting import sort_by_name
from school.core.utils import get_or_404, optional_int, paginate
from school.errors import DomainError
from school.extensions import db, limiter
from school.orgs.models import SectoralUnion
from school.permissions import ADMIN, PUBLIC, SIGNED_IN, STAFF, allow, load
from school.releases import queries, receivers, requests, services
from school.releases.forms import AgreementForm, AnswerForm, EmployerForm, OwnEmployerForm, SendForm
from school.releases.models import (
    Agreement,
    Employer,
    EmployerOverride,
    ReleaseRequest,
    ReleaseState,
)

# cli_group=None: `flask send-release-reminders`.
bp = Blueprint("releases", __name__, url_prefix=None, cli_group=None)
bp.cli.add_command(receivers.send_release_reminders_command)
bp.after_app_request(receivers.dispatch_after_request)


def _answer_limit() -> str:
    return str(requests._setting("RELEASE_ANSWER_RATE_LIMIT", "20 per minute"))


def _request_or_404(request_id: int) -> ReleaseRequest:
    return load(ReleaseRequest, request_id, "see_branch")


# --- requests -------------------------------------------------------------------------------


@bp.get("/releases")
@allow(STAFF)
def index():
    state = request.args.get("state") or None
    try:
        state_value = ReleaseState(state) if state else None
    except ValueError:
        state_value = None
    event_id = optional_int(request.args.get("event_id"))
    employer_id = optional_int(request.args.get("employer_id"))
    query = queries.requests_query(current_user, event_id=event_id, employer_id=employer_id,
                                   state=state_value)
    if request.args.get("format") == "csv":
        rows = db.session.scalars(query).all()
        data = csv_bytes(queries.CSV_COLUMNS, queries.csv_rows(rows))
        from school.audit.services import record

        record(current_user, "releases.exported", object_type="release_request",
               rows=len(rows))
        db.session.commit()
        return download(data, "releases.csv", "csv")
    items, page, pages, total = paginate(query)
    used = queries.released_days(items)
    event = db.session.get(Event, event_id) if event_id else None
    employer = db.session.get(Employer, employer_id) if employer_id else None
    return render_template(
        "releases/index.html", items=items, page=page, pages=pages, total=total, used=used,
        states=list(ReleaseState), state=state_value, event=event, employer=employer,
        readiness=queries.event_readiness(event.id, current_user) if event else None,
        csv_url=url_for(".index", format="csv", event_id=event_id, employer_id=employer_id,
                        state=state_value.value if state_value else None),
    )


@bp.get("/releases/<int:request_id>")
@allow(STAFF)
def detail(request_id: int):
    release = _request_or_404(request_id)
    return render_template(
        "releases/detail.html", r=release, days_left=requests.days_left(release),
        form=SendForm(), deadline=requests.local_deadline(release),
    )


@bp.post("/releases/<int:request_id>/send")
@allow(STAFF)
def send(request_id: int):
    release = _request_or_404(request_id)
    form = SendForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt(category="warning") as done:
        requests.send(release, actor=current_user, force=bool(form.force.data))
    if done:
        flash(_("The request has been sent to the employer."), "success")
    return redirect(url_for(".detail", request_id=request_id))


# --- the employer's answer (no account) ------------------------------------------------------


def _link_error(e: DomainError):
    return render_template("releases/answer_error.html", error=e), e.status


@bp.route("/releases/answer/<int:request_id>/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_answer_limit)
def answer(request_id: int, token: str):
    try:
        release = requests.request_for_token(request_id, token)
    except DomainError as e:
        return _link_error(e)
    form = AnswerForm()
    if request.method == "GET" and release.answer is not None:
        form.choice.data = release.answer.value
        form.reason.data = release.answer_reason
        form.proposed_name.data = release.proposed_name
    if form.validate_on_submit():
        with attempt(form, show=False) as done:
            requests.answer(release, form.choice.data, reason=form.reason.data,
                            proposed_name=form.proposed_name.data,
                            address=request.remote_addr)
        if done:
            flash(_("Thank you: your answer has been recorded."), "success")
            return redirect(url_for(".answer", request_id=request_id, token=token))
        if done.error.field is None:
            return _link_error(done.error)
        done.show_error()
    agreement = release.agreement
    used = None
    if agreement is not None:
        used = requests.days_counted(release.user_id, release.year, agreement.id,
                                     states=(ReleaseState.released,))
    return render_template(
        "releases/answer.html", r=release, form=form, used=used, agreement=agreement,
        deadline=requests.local_deadline(release),
    ), 200, {"Referrer-Policy": "no-referrer", "Cache-Control": "private, no-store"}


# --- employers and agreements ------------------------------------------------------------------


@bp.get("/releases/employers")
@allow(STAFF)
def employers():
    search = (request.args.get("q") or "").strip()[:100]
    items, page, pages, total = paginate(queries.employers_page_query(search))
    return render_template("releases/employers.html", items=items, page=page, pages=pages,
                           total=total, q=search)


@bp.route("/releases/employers/new", methods=["GET", "POST"])
@bp.route("/releases/employers/<int:employer_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_employer(employer_id: int | None = None):
    employer = get_or_404(Employer, employer_id) if employer_id else None
    form = EmployerForm(obj=employer)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.save_employer(
                employer, bin=form.bin.data, name_ru=form.name_ru.data,
                name_kk=form.name_kk.data, address=form.address.data,
                hr_emails=form.hr_emails.data, language=form.language.data, actor=current_user,
            )
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for(".employers"))
    return render_template("releases/employer_edit.html", form=form, employer=employer)


@bp.get("/releases/agreements")
@allow(STAFF)
def agreements():
    return render_template("releases/agreements.html", items=queries.agreements())


@bp.route("/releases/agreements/new", methods=["GET", "POST"])
@bp.route("/releases/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_agreement(agreement_id: int | None = None):
    agreement = get_or_404(Agreement, agreement_id) if agreement_id else None
    form = AgreementForm(obj=agreement)
    unions = sort_by_name(db.session.scalars(select(SectoralUnion)), lambda u: u.short_name)
    form.union_id.choices = [(u.id, u.short_name) for u in unions]
    employers_list = sort_by_name(db.session.scalars(
        select(Employer).order_by(Employer.name_ru).limit(500)), lambda e: e.name)
    form.employer_id.choices = [("", _("All employers"))] + [
        (e.id, f"{e.name} ({e.bin})") for e in employers_list
    ]
    if form.validate_on_submit():
        with attempt(form) as done:
            if db.session.get(SectoralUnion, form.union_id.data or 0) is None:
                raise DomainError("union_required", _("Choose the union."), field="union_id")
            if form.employer_id.data and db.session.get(Employer, form.employer_id.data) is None:
                raise DomainError("employer_unknown", _("Unknown employer."),
                                  field="employer_id")
            services.save_agreement(
                agreement, union_id=form.union_id.data, employer_id=form.employer_id.data,
                name_ru=form.name_ru.data, name_kk=form.name_kk.data,
                clause_ru=form.clause_ru.data, clause_kk=form.clause_kk.data,
                paid_days=form.paid_days.data, active=bool(form.active.data),
                actor=current_user,
            )
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for(".agreements"))
    return render_template("releases/agreement_edit.html", form=form, agreement=agreement)


# --- one's own employer ------------------------------------------------------------------------


@bp.route("/releases/my-employer", methods=["GET", "POST"])
@allow(SIGNED_IN)
def my_employer():
    override = db.session.get(EmployerOverride, current_user.id)
    form = OwnEmployerForm()
    if request.method == "GET" and override is not None:
        form.bin.data = override.employer.bin
    if form.validate_on_submit():
        with attempt(form) as done:
            services.set_own_employer(current_user, form.bin.data)
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for(".my_employer"))
    from school.releases.letters import employer_of

    return render_template("releases/my_employer.html", form=form,
                           employer=employer_of(current_user), override=override)


# --- the panel on an event's management page -----------------------------------------------------


@bp.app_template_global()
def release_panel(event) -> dict | None:
    """What templates/releases/_event_panel.html shows: the event's readiness."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    if not (current_user.has_role("admin") or current_user.has_role("coordinator")):
        return None
    readiness = queries.event_readiness(event.id, current_user)
    if not readiness["total"]:
        return None
    return readiness


@bp.app_template_global()
def my_releases() -> dict:
    """What templates/releases/_my_panel.html shows: one's live requests and employer."""
    return my_releases_of([], current_user)


@panels.my("releases")
def my_releases_of(enrollments, user) -> dict:
    """One's live release requests (the newest 20) and employer, for /my."""
    if not getattr(user, "is_authenticated", False):
        return {"requests": [], "employer": False}
    from school.releases.letters import employer_of

    rows = queries.own_requests(user.id, events_loaded=bool(enrollments))
    # The panel shows only with requests: without any, the employer is not looked up.
    return {"requests": rows, "employer": employer_of(user) if rows else False}
