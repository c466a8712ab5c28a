"""Administrators' and uploaders' pages of the register: training requirements, the
members upload, and the monthly reminder command."""

from __future__ import annotations

import click
from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from school.catalog.models import Program
from school.commissions import importer, reminders, services
from school.commissions.blueprint import bp
from school.commissions.forms import EndTermForm, RequirementForm, UploadForm
from school.commissions.models import BodyKind, MemberRole, Requirement
from school.core.uploads import drop_upload, keep_upload, read_upload
from school.core.utils import flash_domain_error, get_or_404
from school.errors import DomainError
from school.extensions import db, write_transaction
from school.permissions import ADMIN, STAFF, allow


def _me():
    return current_user._get_current_object()


# --- upload ----------------------------------------------------------------------------------


@bp.route("/upload", methods=["GET", "POST"])
@allow(STAFF)
def upload():
    """Upload → preview every row → confirm the same file (kept by its hash) → apply."""
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.read()
        report = importer.plan(data, _me())
        if report.ok:
            session["commission_upload"] = keep_upload("commissions", data)
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
    # The kept file is dropped only after the import committed: a failure leaves the
    # preview to confirm again (as the nominations upload does).
    digest = session.get("commission_upload")
    data = read_upload("commissions", digest)
    if data is None:
        session.pop("commission_upload", None)
        flash(_("Upload the file again: the preview has expired."), "warning")
        return redirect(url_for("commissions.upload"))
    try:
        report = importer.apply(data, _me())
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), "danger")
        return redirect(url_for("commissions.upload"))
    if not report.ok:  # the database changed since the preview
        db.session.rollback()
        return render_template("commissions/upload.html", form=UploadForm(), report=report,
                               columns=_column_labels())
    db.session.commit()
    drop_upload("commissions", digest)
    session.pop("commission_upload", None)
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


def _edit_requirement(requirement: Requirement | None):
    form = RequirementForm(obj=requirement)
    programs = db.session.scalars(select(Program).order_by(Program.code)).all()
    form.program_ids.choices = [(p.id, f"{p.code} · {p.title}") for p in programs]
    if requirement is not None and not form.is_submitted():
        form.body_kind.data = requirement.body_kind.value
        form.role.data = requirement.role.value if requirement.role else ""
        form.program_ids.data = [p.id for p in requirement.programs]
    if form.validate_on_submit():
        try:
            services.save_requirement(
                requirement, _me(), body_kind=BodyKind(form.body_kind.data),
                role=MemberRole(form.role.data) if form.role.data else None,
                validity_months=form.validity_months.data,
                new_member_months=form.new_member_months.data,
                program_ids=form.program_ids.data or [])
        except ValueError:
            form.body_kind.errors = [_("Choose a body.")]
        except DomainError as e:
            db.session.rollback()
            flash_domain_error(form, e)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("commissions.requirements"))
    return render_template("commissions/requirement_edit.html", form=form,
                           requirement=requirement)


@bp.post("/requirements/<int:requirement_id>/delete")
@allow(ADMIN)
def delete_requirement(requirement_id: int):
    requirement = get_or_404(Requirement, requirement_id)
    if EndTermForm().validate_on_submit():  # only for its CSRF token
        services.delete_requirement(requirement, _me())
        db.session.commit()
        flash(_("The requirement is deleted."), "success")
    return redirect(url_for("commissions.requirements"))


@bp.cli.command("send-commission-reminders")
def send_commission_reminders():
    """Mail branch coordinators who became due since the last run; run monthly (safe to
    repeat: each member and deadline is mailed once)."""
    with write_transaction():
        sent = reminders.send_reminders()
    click.echo(f"commission reminders sent: {sent}")
