"""Pages of the certificates feature: public verification, downloads, issuing, letters."""

from __future__ import annotations

import tempfile
import zipfile

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.audit.services import record_export
from school.catalog.models import Event
from school.certificates import (
    access,
    batches,
    jobs,
    panels,
    queries,
    revoked,
    services,
    verifying,
    zipnames,
)
from school.certificates import notices as _notices  # noqa: F401  (the revocation letter)
from school.certificates import people as _people  # noqa: F401  (receivers: people merged, closed)
from school.certificates.forms import EmptyForm, ReissueForm, RevokeForm, VerifyForm
from school.certificates.models import BatchStatus, Certificate, CertificateBatch
from school.core.edge import attempt
from school.enrollment import services as enrollment_services
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db, limiter, write_transaction
from school.permissions import (
    PUBLIC,
    SIGNED_IN,
    STAFF,
    allow,
    can,
    issues_certificate,
    load_enrollment,
    load_event,
)
from school.timeutil import to_local

bp = Blueprint("certificates", __name__)


def _verify_limit() -> str:
    return str(services.documents.setting("CERTIFICATE_VERIFY_RATE_LIMIT", "30 per minute"))


# --- loaders that 404 -------------------------------------------------------------------


def _certificate_for(number: str, *, manage: bool = False) -> Certificate:
    """The certificate if the current person may see it (or manage it); else 404."""
    certificate = verifying.by_number(number)
    if certificate is None:
        abort(404)
    if not can(current_user, "issue_certificate" if manage else "see_enrollment",
               certificate.enrollment):
        abort(404)
    return certificate


# --- public verification ----------------------------------------------------------------


@bp.get("/verify/<code>")
@allow(PUBLIC)
@limiter.limit(_verify_limit)
def verify(code: str):
    certificate = verifying.by_code(code)
    if certificate is None:  # still a 404, but one that says what was not found
        return render_template("certificates/verify_unknown.html"), 404
    return render_template(
        "certificates/verify.html", v=verifying.verification(certificate), code=code
    )


@bp.route("/verify", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_verify_limit, methods=["POST"])
def verify_form():
    form = VerifyForm()
    if form.validate_on_submit():
        certificate = verifying.find_for_check(form.number.data, form.surname.data)
        if certificate is not None:
            return redirect(url_for(".verify", code=certificate.verification_code))
        page = verifying.other_document_page(form.number.data, form.surname.data)
        if page is not None:  # a release letter's number: shown here, never by URL
            return page
        flash(_("No certificate with this number and surname was found."), "warning")
    return render_template("certificates/verify_form.html", form=form)


# --- documents ----------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str, *, etag: str | None = None) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if etag:
        response.set_etag(etag)
    return response


@bp.get("/certificates/<number>.pdf")
@allow(SIGNED_IN)
def download(number: str):
    certificate = _certificate_for(number)
    if certificate.revoked_at is not None:  # stamped at download; the stored original stays
        data = revoked.marked(certificate.pdf, to_local(certificate.revoked_at).date())
        return _pdf_response(data, f"{certificate.number}-revoked.pdf",
                             etag=f"{certificate.sha256}-revoked")
    return _pdf_response(certificate.pdf, f"{certificate.number}.pdf", etag=certificate.sha256)


@bp.get("/enrollments/<int:enrollment_id>/letters/<kind>.pdf")
@allow(SIGNED_IN)
def letter(enrollment_id: int, kind: str):
    enrollment = load_enrollment(enrollment_id, "see_enrollment")
    lang = request.args.get("lang") or (
        "kk" if (current_user.locale or "") == "kk" else "ru"
    )
    try:
        letter = services.letter_document(kind, lang, enrollment, issue=False)
        if letter is None:
            # Not in the register yet: numbered, rendered and stored once, under its lock.
            with write_transaction():
                enrollment = db.session.get(Enrollment, enrollment_id)
                letter = services.letter_document(kind, lang, enrollment)
    except DomainError as e:
        abort(e.status if e.status in (404, 429) else 400)
    return _pdf_response(letter.pdf, f"{letter.number}.pdf", etag=letter.sha256)


# --- staff: one event ---------------------------------------------------------------------


@bp.get("/events/<int:event_id>/certificates")
@allow(STAFF)
def event_certificates(event_id: int):
    event = load_event(event_id, "manage")
    # The organiser's coordinator sees (and issues for) the participants of his own
    # branch or union only, as on the roster.
    enrollments = db.session.scalars(
        access.scope_enrollments(select(Enrollment), current_user)
        .where(Enrollment.event_id == event.id, Enrollment.status == EnrollmentStatus.completed)
        .options(selectinload(Enrollment.user))
    ).all()
    certificates = db.session.scalars(
        access.scope_enrollments(
            select(Certificate).join(Enrollment, Enrollment.id == Certificate.enrollment_id),
            current_user,
        )
        .where(Enrollment.event_id == event.id)
        .options(selectinload(Certificate.replaced_by))
        .order_by(Certificate.issued_at, Certificate.id)
    ).all()
    by_enrollment: dict[int, list[Certificate]] = {}
    for certificate in certificates:
        by_enrollment.setdefault(certificate.enrollment_id, []).append(certificate)
    rows = sorted(enrollments, key=lambda e: (e.user.full_name, e.id))
    return render_template(
        "certificates/event.html", event=event, rows=rows, by_enrollment=by_enrollment,
        counts=queries.event_counts(event.id), batch=batches.latest_batch(event.id),
        form=EmptyForm(),
    )


@bp.post("/events/<int:event_id>/certificates/issue")
@allow(STAFF)
def issue_event(event_id: int):
    event = load_event(event_id, "manage")
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt(category="warning") as done:
        batch = batches.start_batch(event, by=current_user)
    if not done:
        return redirect(_back(event))
    with attempt():  # queued only once committed: the worker reads the batch's rows
        batch.job_id = jobs.enqueue(batch)
    flash(_("Issuing %(count)d certificates has started.", count=batch.total), "info")
    return redirect(_back(event))


@bp.post("/enrollments/<int:enrollment_id>/certificate")
@allow(STAFF)
def issue_one(enrollment_id: int):
    enrollment = load_enrollment(enrollment_id, "issue_certificate")
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt(category="warning") as done:
        certificate = services.issue_certificate(enrollment, by=current_user)
    if not done:
        return redirect(url_for(".event_certificates", event_id=enrollment.event_id))
    services.notify_issued(certificate)
    flash(_("Certificate %(number)s has been issued.", number=certificate.number), "success")
    return redirect(url_for(".event_certificates", event_id=enrollment.event_id))


@bp.get("/certificates/batches/<int:batch_id>")
@allow(STAFF)
def batch_status(batch_id: int):
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None:
        abort(404)
    load_event(batch.event_id, "manage")
    # A batch whose worker died reads as stopped (the next request to issue resumes it).
    status = BatchStatus.failed if batches.is_dead(batch) else batch.status
    return jsonify(
        id=batch.id, status=status.value, label=status.label, total=batch.total,
        done=batch.done, percent=batch.percent, active=status.is_active,
    )


@bp.get("/events/<int:event_id>/certificates.zip")
@allow(STAFF)
def event_zip(event_id: int):
    event = load_event(event_id, "manage")
    # PDFs are compressed already: store them. The archive is spooled to disk past a few
    # megabytes and the rows are read in slices, so a large event does not fill memory.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    count = 0
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        query = access.scope_enrollments(
            queries.valid_certificates(event.id), current_user
        ).with_only_columns(Certificate.number, Certificate.holder_name, Certificate.pdf)
        taken: set[str] = set()  # files named by holder and number (zipnames)
        for number, holder, data in db.session.execute(query.execution_options(yield_per=50)):
            archive.writestr(zipnames.archive_name(holder, number, taken), data)
            count += 1
    if not count:
        spool.close()
        flash(_("No certificates have been issued for this event yet."), "warning")
        return redirect(_back(event))
    record_export("certificates.exported", event, format="zip", rows=count)
    spool.seek(0)
    return send_file(
        spool, mimetype="application/zip", as_attachment=True,
        download_name=f"certificates-event-{event.id}.zip",
    )


def _back(event: Event) -> str:
    return url_for(".event_certificates", event_id=event.id)


# --- staff: one certificate ---------------------------------------------------------------


@bp.get("/certificates/<number>")
@allow(STAFF)
def detail(number: str):
    certificate = _certificate_for(number)
    return render_template(
        "certificates/detail.html", certificate=certificate,
        v=verifying.verification(certificate),
        manage=issues_certificate(current_user, certificate.enrollment),
        revoke_form=RevokeForm(prefix="revoke"), reissue_form=ReissueForm(prefix="reissue"),
    )


@bp.post("/certificates/<number>/revoke")
@allow(STAFF)
def revoke(number: str):
    certificate = _certificate_for(number, manage=True)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        with attempt(form) as done:
            services.revoke(certificate, by=current_user, reason=form.reason.data)
        if done:
            flash(_("Certificate %(number)s has been revoked.", number=number), "success")
            return redirect(url_for(".detail", number=number))
    else:
        flash(_("Give the reason."), "warning")
    return redirect(url_for(".detail", number=number))


@bp.post("/certificates/<number>/reissue")
@allow(STAFF)
def reissue(number: str):
    certificate = _certificate_for(number, manage=True)
    form = ReissueForm(prefix="reissue")
    if not form.validate_on_submit():
        flash(_("Give the reason."), "warning")
        return redirect(url_for(".detail", number=number))
    with attempt() as done:
        new = services.reissue(certificate, by=current_user, reason=form.reason.data)
    if not done:
        return redirect(url_for(".detail", number=number))
    services.notify_issued(new)
    flash(
        _("Certificate %(old)s has been replaced by %(new)s.", old=number, new=new.number),
        "success",
    )
    return redirect(url_for(".detail", number=new.number))


# --- panels for the event page and /my ----------------------------------------------------


@bp.app_template_global()
def certificate_panel(event: Event) -> dict | None:
    """What templates/certificates/_event_panel.html shows to the current person."""
    if not current_user.is_authenticated:
        return None
    return panels.event_panel(
        event, enrollment_services.active_enrollment(event.id, current_user.id), current_user)


@bp.app_template_global()
def my_certificates() -> dict:
    """What templates/certificates/_my_panel.html shows: one's certificates and letters."""
    if not current_user.is_authenticated:
        return {"certificates": [], "letters": []}
    return panels.my_certificates(enrollment_services.my_enrollments(current_user),
                                  current_user)
