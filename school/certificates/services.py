"""Issuing, revoking and reissuing certificates; their numbers; who may see an enrolment's
documents; which letters an enrolment has.

Numbers: `<PREFIX>-<YYYY>-<NNNNNN>`, one sequence per calendar year of issue (Kazakhstan
time). The year's RegistryCounter row is locked (SELECT … FOR UPDATE on PostgreSQL; on
SQLite the write transaction already holds the database lock) in the same transaction that
inserts the certificates, so concurrent issuers queue and a failed issue rolls its numbers
back with it: no duplicates and no gaps.

A certificate is a document: its PDF bytes and their sha256 are stored once and never
rewritten. A correction is a revocation plus a new certificate under a new number.

The public check lives in school.certificates.verifying and the queries pages and batches
share in school.certificates.queries. This module also names `verification` and
`find_for_check`, which tests reach as `services.<name>`; code imports them from verifying.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from school import pdf, signals
from school.accounts.models import User
from school.audit.services import record
from school.catalog.models import Event
from school.certificates import documents
from school.certificates.models import Certificate, RegistryCounter
from school.certificates.queries import event_for_printing
from school.certificates.verifying import find_for_check, verification  # noqa: F401 (tests)
from school.core.iin import gender_from_iin
from school.core.text import one_line
from school.dbtypes import utcnow
from school.enrollment.models import Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.mail import send_mail
from school.permissions import issues_certificate
from school.timeutil import local_today

REGISTRY = "certificate"
# No 0/O, 1/I/L: a code read aloud over the phone or typed from paper stays unambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
REASON_MAX = 500

Renderer = Callable[[list[tuple[str, str]]], list[bytes]]


def render_here(items: list[tuple[str, str]]) -> list[bytes]:
    """Render in this process (one certificate at a time, or when no pool is wanted)."""
    return [pdf.render_pdf(html, kind) for html, kind in items]


# --- numbers and codes ------------------------------------------------------------------


def prefix() -> str:
    return str(documents.setting("CERTIFICATE_PREFIX", documents.DEFAULT_PREFIX))


def format_number(year: int, value: int) -> str:
    return f"{prefix()}-{year:04d}-{value:06d}"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def locked_counter(year: int, name: str = REGISTRY) -> RegistryCounter:
    """The year's counter row of a register (certificates, outgoing letters), created if
    missing, locked until the transaction ends."""
    query = (
        select(RegistryCounter)
        .where(RegistryCounter.name == name, RegistryCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter = db.session.scalar(query)
    if counter is None:
        # Two first issuers of a year may both miss the row: ON CONFLICT DO NOTHING lets
        # exactly one insert it, and both then lock the same row.
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(RegistryCounter)
            .values(name=name, year=year, last_value=0)
            .on_conflict_do_nothing(index_elements=["name", "year"])
        )
        counter = db.session.scalar(query)
    return counter


def allocate_numbers(year: int, count: int) -> list[str]:
    """`count` consecutive registry numbers of `year`, taken under the counter's lock."""
    counter = locked_counter(year)
    first = counter.last_value + 1
    counter.last_value += count
    db.session.flush()
    return [format_number(year, value) for value in range(first, first + count)]


# --- issuing ------------------------------------------------------------------------------


def _check_issuable(enrollment: Enrollment) -> None:
    if enrollment.status is not EnrollmentStatus.completed:
        raise DomainError(
            "not_completed", _l("A certificate is issued only for a completed training.")
        )
    existing = db.session.scalar(
        select(Certificate.id).where(
            Certificate.enrollment_id == enrollment.id, Certificate.revoked_at.is_(None)
        )
    )
    if existing is not None:
        raise DomainError("already_issued", _l("A certificate has already been issued."))


def check_allowed(by: User | None, enrollments: Iterable[Enrollment]) -> None:
    """Issuing, revoking and reissuing obey the rule for seeing the certificate
    (permissions.issues_certificate); `by` None is the system itself (the demo history)."""
    if by is None:
        return
    for enrollment in enrollments:
        if not issues_certificate(by, enrollment):
            raise DomainError("not_allowed",
                              _l("You cannot manage the certificates of this person."),
                              status=404)


def _clean_name(name: str | None) -> str:
    name = one_line(name)
    if not name:
        raise DomainError("name_required", _l("Enter the holder's full name."), field="holder_name")
    if len(name) > 200:
        raise DomainError("name_too_long", _l("The name is too long."), field="holder_name")
    return name


def issue_many(
    event: Event,
    enrollments: Sequence[Enrollment],
    *,
    by: User | None = None,
    names: dict[int, str] | None = None,
    render: Renderer = render_here,
    today: date | None = None,
    issued_at: datetime | None = None,
    snapshot: dict | None = None,
) -> list[Certificate]:
    """Issue one certificate for each enrolment (all of `event`), under one counter lock.

    `render` turns [(html, kind)] into PDF bytes: in this process, or a process pool for
    bulk issuing. `today` (the printed date of issue, whose year numbers it) and
    `issued_at` default to now; the demo history passes past ones. `snapshot` is what to
    print about the training (a reissue passes the replaced certificate's). Flushes; the
    caller commits (and then mails the holders).
    """
    if not enrollments:
        return []
    check_allowed(by, enrollments)
    today = today or local_today()
    numbers = allocate_numbers(today.year, len(enrollments))
    # Checked after the lock: a concurrent issuer for the same person has committed by now.
    for enrollment in enrollments:
        if enrollment.event_id != event.id:
            raise ValueError("enrolment of another event")
        _check_issuable(enrollment)
    snapshot = snapshot or documents.certificate_snapshot(event)
    issues = plan_issues(enrollments, numbers, today, names)
    pdfs = render([(documents.certificate_html(event, issue, snapshot), "certificate")
                   for issue in issues])
    return store_issues(issues, pdfs, snapshot, by=by, issued_at=issued_at)


def plan_issues(enrollments: Sequence[Enrollment], numbers: Sequence[str], today: date,
                names: dict[int, str] | None = None) -> list[documents.Issue]:
    """What each certificate will print: holder, number, a new code, the date of issue."""
    return [
        documents.Issue(
            enrollment_id=e.id,
            holder_name=_clean_name((names or {}).get(e.id) or e.user.full_name),
            number=number,
            code=new_code(),
            issued_on=today,
            gender=gender_from_iin(e.user.iin),
        )
        for e, number in zip(enrollments, numbers, strict=True)
    ]


def store_issues(issues: Sequence[documents.Issue], pdfs: Sequence[bytes], snapshot: dict, *,
                 by: User | None, issued_at: datetime | None = None) -> list[Certificate]:
    """Insert the rendered certificates (numbers already taken), audited; flushes."""
    now = issued_at or utcnow()
    certificates = []
    for issue, data in zip(issues, pdfs, strict=True):
        certificate = Certificate(
            enrollment_id=issue.enrollment_id,
            number=issue.number,
            verification_code=issue.code,
            holder_name=issue.holder_name,
            issued_at=now,
            issued_by_id=by.id if by else None,
            pdf=data,
            sha256=hashlib.sha256(data).hexdigest(),
            snapshot=snapshot,
        )
        db.session.add(certificate)
        certificates.append(certificate)
    db.session.flush()
    for certificate in certificates:
        record(by, "certificate.issued", certificate, number=certificate.number,
               enrollment_id=certificate.enrollment_id, holder_name=certificate.holder_name)
        signals.certificate_issued.send(certificate=certificate)
    return certificates


def issue_certificate(
    enrollment: Enrollment, *, by: User | None = None, holder_name: str | None = None,
    today: date | None = None, snapshot: dict | None = None,
) -> Certificate:
    """Issue the certificate of one completed enrolment (rendered in this process)."""
    check_allowed(by, [enrollment])
    _check_issuable(enrollment)
    event = event_for_printing(enrollment.event_id)
    names = {enrollment.id: holder_name} if holder_name else None
    return issue_many(event, [enrollment], by=by, names=names, today=today,
                      snapshot=snapshot)[0]


def revoke(certificate: Certificate, *, by: User | None, reason: str | None) -> Certificate:
    check_allowed(by, [certificate.enrollment])
    reason = one_line(reason)
    if certificate.revoked_at is not None:
        raise DomainError("already_revoked", _l("This certificate has already been revoked."))
    if not reason:
        raise DomainError("reason_required", _l("Give the reason."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError("reason_too_long", _l("The reason is too long."), field="reason")
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = by.id if by else None
    certificate.revoke_reason = reason
    db.session.flush()
    record(by, "certificate.revoked", certificate, number=certificate.number, reason=reason)
    signals.certificate_revoked.send(certificate=certificate)
    return certificate


def reissue(
    certificate: Certificate, *, by: User | None, reason: str | None,
    today: date | None = None,
) -> Certificate:
    """Revoke `certificate` and issue a new one (new number, new code) for its enrolment;
    the old one then verifies as replaced by the new number.

    A reissue corrects the holder's name, and only that: the name is the one in the
    person's profile now (corrected there by someone allowed to), everything else is
    printed as the replaced certificate printed it."""
    check_allowed(by, [certificate.enrollment])
    name = _clean_name(certificate.enrollment.user.full_name)
    if name == certificate.holder_name:
        raise DomainError(
            "name_unchanged",
            _l("The certificate already carries the name in the person's profile: correct "
               "the name in the profile first."),
        )
    old_name = certificate.holder_name
    revoke(certificate, by=by, reason=reason)
    new = issue_certificate(certificate.enrollment, by=by, holder_name=name, today=today,
                            snapshot=certificate.snapshot)
    certificate.replaced_by_id = new.id
    db.session.flush()
    record(by, "certificate.reissued", new, replaces=certificate.number, number=new.number,
           old_name=old_name, new_name=name)
    return new


def notify_issued(certificate: Certificate) -> None:
    """Tell the holder by mail; call after the certificate is committed. A mail that
    cannot be sent is logged and does not undo the certificate."""
    user = certificate.enrollment.user
    base = current_app.config["BASE_URL"]
    try:
        send_mail(
            user.email, "certificate_issued", locale=user.locale,
            user=user, certificate=certificate, event=certificate.enrollment.event,
            download_url=f"{base}/certificates/{certificate.number}.pdf",
            verify_url=documents.verify_url(certificate.verification_code),
        )
    except Exception:
        current_app.logger.exception("could not mail certificate %s", certificate.number)


# --- letters ------------------------------------------------------------------------------

LETTER_KINDS = ("release", "participation")
LETTER_LANGS = ("ru", "kk")


def letter_available(kind: str, enrollment: Enrollment) -> bool:
    """Release letters for a held seat, before or after; a confirmation of participation
    only for a completed training (someone who did not complete it gets none: it would
    confirm «0 of 4 hours» to their employer)."""
    if kind == "release":
        return enrollment.status in (EnrollmentStatus.confirmed, EnrollmentStatus.completed)
    if kind == "participation":
        return enrollment.status is EnrollmentStatus.completed
    return False


def letter_pdf(kind: str, lang: str, enrollment: Enrollment, *, today: date | None = None) -> bytes:
    """A letter to the participant's employer, from the register of outgoing letters."""
    return letter_document(kind, lang, enrollment, today=today).pdf


# The register of outgoing letters belongs to the releases feature, which sits above this
# one: it hands its function in when it loads (school.releases.receivers), so that the
# letter route and the panels here need no import of it.
LetterSource = Callable[..., object]
_letter_source: list[LetterSource] = []


def provide_letters(source: LetterSource) -> None:
    """Set the register's `source(kind, lang, enrollment, *, today, create)`: the stored
    letter when it still holds, else — when `create` — one numbered, rendered and stored
    now; None when there is none and not `create`."""
    _letter_source[:] = [source]


def letter_document(kind: str, lang: str, enrollment: Enrollment, *, today: date | None = None,
                    issue: bool = True):
    """The registered letter: the stored one when it still holds, else — when `issue` —
    numbered, rendered and stored now (takes the register's lock: on SQLite call it inside
    a write transaction). None when there is none and not `issue`."""
    if kind not in LETTER_KINDS or lang not in LETTER_LANGS or not _letter_source:
        raise DomainError("unknown_letter", _l("There is no such letter."), status=404)
    if not letter_available(kind, enrollment):
        raise DomainError(
            "letter_not_available", _l("This letter is not available for this enrolment."),
            status=404,
        )
    return _letter_source[0](kind, lang, enrollment, today=today, create=issue)
