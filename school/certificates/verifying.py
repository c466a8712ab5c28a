"""The public check of a document: by the code printed under the QR code, or by the
number and the holder's surname typed into the check page; what the public may see.

The check page also knows documents of features above this one (the releases feature's
letters): they register a checker here (`other_document`), so this package imports none
of them.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from school.certificates import documents
from school.certificates.models import Certificate
from school.core.names import canonical_number, holder_matches
from school.extensions import db
from school.i18n_fields import localized

# (number, surname) -> the page that shows the matching document, or None. Filled by the
# features whose documents carry a number the check page should recognise.
OTHER_CHECKS: list[Callable[[str, str], str | None]] = []


def other_document(check: Callable[[str, str], str | None]):
    """Register a checker for the public check page (a decorator); registering twice
    keeps one."""
    if check not in OTHER_CHECKS:
        OTHER_CHECKS.append(check)
    return check


def other_document_page(number: str, surname: str) -> str | None:
    """The page of another registered document with this number and holder, if any."""
    for check in OTHER_CHECKS:
        page = check(number, surname)
        if page is not None:
            return page
    return None


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def by_code(code: str) -> Certificate | None:
    code = normalize_code(code)
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.verification_code == code))



def by_number(number: str) -> Certificate | None:
    number = canonical_number(number)
    if not number or len(number) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number == number))


def find_for_check(number: str, surname: str) -> Certificate | None:
    """The certificate with this number whose holder's surname (first word) or full name
    matches however it was typed; None otherwise, the same answer whichever part was wrong."""
    certificate = by_number(number or "")
    if certificate is None or not holder_matches(surname, certificate.holder_name):
        return None
    return certificate


def verification(certificate: Certificate) -> dict:
    """What the public may see: never an IIN, e-mail or phone, nor why a certificate was
    revoked (the reason may say why a person was struck off; staff pages show it)."""
    enrollment = certificate.enrollment
    event = enrollment.event
    replaced_by = certificate.replaced_by
    # What the certificate said when issued (its snapshot), not today's records: renaming
    # a programme later must not rewrite what was certified.
    printed = certificate.snapshot or {}
    if not printed.get("program_ru"):  # issued before snapshots and not migrated
        printed = {**documents.certificate_snapshot(event), **printed}
    program_title = localized(_Fields(printed, "program"), "title")
    event_title = localized(_Fields(printed, "event_title"), "title") or program_title
    issuer = ({"ru": printed["issuer_ru"], "kk": printed["issuer_kk"]}
              if printed.get("issuer_ru") else
              documents.by_lang("CERTIFICATE_ISSUER", documents.ISSUER))
    return {
        "status": certificate.status,
        "number": certificate.number,
        "holder_name": certificate.holder_name,
        "program": program_title,
        "event_title": event_title,
        "dates": printed["dates"],
        "hours": printed["hours_n"],
        "issuer": issuer,
        "organizer_ru": printed["organizer_ru"],
        "organizer_kk": printed["organizer_kk"],
        "issued_at": certificate.issued_at,
        "revoked_at": certificate.revoked_at,
        "replaced_by": replaced_by.number if replaced_by is not None else None,
    }


class _Fields:
    """A snapshot's `<prefix>_ru/_kk/_en` values as `title_<lang>` attributes, for
    i18n_fields.localized."""

    def __init__(self, snapshot: dict, prefix: str):
        for lang in ("ru", "kk", "en"):
            setattr(self, f"title_{lang}", snapshot.get(f"{prefix}_{lang}"))
