"""Administrators' and uploaders' pages of the register: training requirements, the
members upload, and the monthly reminder command."""

from __future__ import annotations

import click
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school.catalog.models import Program
from school.commissions import importer, reminders, services
from school.commissions.blueprint import bp
from school.commissions.forms import EndTermForm, RequirementForm, UploadForm
from school.commissions.models import BodyKind, MemberRole, Requirement
from school.core.edge import KeptUpload, apply_upload, attempt, preview_upload
from school.core.utils import get_or_404
from school.errors import DomainError
from school.extensions import db, write_transaction
from school.permissions import ADMIN, STAFF, allow


def _me():
    return current_user._get_current_object()


# --- upload ----------------------------------------------------------------------------------

_KEPT = KeptUpload("commissions", "commission_upload")


@bp.route("/upload", methods=["GET", "POST"])
@allow(STAFF)
def upload():
    """Upload → preview every row → confirm the same file (kept by its hash) → apply."""
    form = UploadForm()
    report = preview_upload(form, _KEPT, lambda data: importer.plan(data, _me()))
    return render_template("commissions/upload.html", form=form, report=report,
                           columns=_column_labels())


@bp.get("/upload/template.xlsx")
@allow(STAFF)
def upload_template():
    """The list to fill in, headers in the reader's language, drop-downs of the values."""
    from school.core import exports

    return exports.download(importer.template(), "commission-members-template.xlsx", "xlsx")


def _column_labels() -> list[str]:
    return [str(c.label) for c in importer.upload_header().columns]


@bp.post("/upload/confirm")
@allow(STAFF)
def upload_confirm():
    report = apply_upload(_KEPT, lambda data: importer.apply(data, _me()))
    if report is None:
        return redirect(url_for("commissions.upload"))
    if not report.ok:  # the database changed since the preview
        return render_template("commissions/upload.html", form=UploadForm(), report=report,
                               columns=_column_labels())
    flash(_("Members added: %(n)d.", n=report.written), "success")
    return redirect(url_for("commissions.index"))


# --- requirements (administrators) -------------------------------------------------------------


@bp.get("/requirements")
@allow(ADMIN)
def requirements():
    rows = db.session.scalars(select(Requirement).order_by(Requirement.body_kind,
                                                           Requirement.role)).all()
    return render_template("commissions/requirements.html", requirements=rows)


@bp.route("/requirements/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_requirement():
    return _edit_requirement(None)


@bp.route("/requirements/<int:requirement_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_requirement(requirement_id: int):
    return _edit_requirement(get_or_404(Requirement, requirement_id))


def _enum_or_none(cls, value):
    try:
        return cls(value)
    except ValueError:
        return None


def _edit_requirement(requirement: Requirement | None):
    form = RequirementForm(obj=requirement)
    programs = db.session.scalars(select(Program).order_by(Program.code)).all()
    form.program_ids.choices = [(p.id, f"{p.code} · {p.title}") for p in programs]
    if requirement is not None and not form.is_submitted():
        form.body_kind.data = requirement.body_kind.value
        form.role.data = requirement.role.value if requirement.role else ""
        form.program_ids.data = [p.id for p in requirement.programs]
    if form.validate_on_submit():
        with attempt(form) as done:
            body_kind = _enum_or_none(BodyKind, form.body_kind.data)
            role = _enum_or_none(MemberRole, form.role.data) if form.role.data else None
            if body_kind is None or (form.role.data and role is None):
                raise DomainError("body_invalid", _("Choose a body."), field="body_kind")
            services.save_requirement(
                requirement, _me(), body_kind=body_kind, role=role,
                validity_months=form.validity_months.data,
                new_member_months=form.new_member_months.data,
                program_ids=form.program_ids.data or [])
        if done:
            flash(_("Saved."), "success")
            return redirect(url_for("commissions.requirements"))
    return render_template("commissions/requirement_edit.html", form=form,
                           requirement=requirement)


@bp.post("/requirements/<int:requirement_id>/delete")
@allow(ADMIN)
def delete_requirement(requirement_id: int):
    requirement = get_or_404(Requirement, requirement_id)
    if EndTermForm().validate_on_submit():  # only for its CSRF token
        with attempt() as done:
            services.delete_requirement(requirement, _me())
        if done:
            flash(_("The requirement is deleted."), "success")
    return redirect(url_for("commissions.requirements"))


@bp.cli.command("send-commission-reminders")
def send_commission_reminders():
    """Mail branch coordinators who became due since the last run; run monthly (safe to
    repeat: each member and deadline is mailed once)."""
    with write_transaction():
        sent = reminders.send_reminders()
    click.echo(f"commission reminders sent: {sent}")
