"""Certificate verification (anonymous, what the public page shows) and the yearly report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from school.api import schemas as s
from school.api import serializers as out
from school.api.routes_catalog import OPTIONAL_TOKEN, TOKEN
from school.api.tokens import is_staff, rate_key, require
from school.api.views import bp
from school.catalog.models import EventFormat, EventKind
from school.certificates import verifying as certificates
from school.errors import DomainError
from school.extensions import db, limiter
from school.orgs.models import Region
from school.permissions import PUBLIC, allow
from school.reports import services as reports


def _verify_limit() -> str:
    """The public /verify page's limit: guessing numbers and surnames stays as slow here."""
    return str(certificates.documents.setting("CERTIFICATE_VERIFY_RATE_LIMIT",
                                              "30 per minute"))


def _unknown_certificate():
    return DomainError("certificate_not_found", _l("No certificate with this code or number."),
                       status=404)


@bp.route("/verify/<string:code>")
@allow(PUBLIC)
@limiter.limit(_verify_limit, key_func=rate_key, override_defaults=False)
@bp.doc(summary="Verify a certificate by its code (the QR code's)", tags=["verification"],
        security=OPTIONAL_TOKEN)
@bp.response(200, s.Verification)
@bp.alt_response(404, description="Unknown code (a problem document)")
def verify(code: str):
    certificate = certificates.by_code(code[:64])
    if certificate is None:
        raise _unknown_certificate()
    return out.verification(certificates.verification(certificate))


@bp.route("/verify")
@allow(PUBLIC)
@limiter.limit(_verify_limit, key_func=rate_key, override_defaults=False)
@bp.doc(summary="Verify a certificate by registry number and the holder's surname",
        tags=["verification"], security=OPTIONAL_TOKEN)
@bp.arguments(s.VerifyQuery, location="query", as_kwargs=True)
@bp.response(200, s.Verification)
@bp.alt_response(404, description="No such number, or the surname does not match")
def verify_by_number(number: str, surname: str):
    certificate = certificates.find_for_check(number, surname)
    if certificate is None:
        raise _unknown_certificate()
    return out.verification(certificates.verification(certificate))


@bp.route("/reports/yearly")
@allow(PUBLIC)
@bp.doc(summary="Trained activists in a year: the tidy table of the CSV export",
        description="One row per region and category (zeros included), within the token "
        "owner's scope; the same filters as the report page.",
        tags=["reports"], security=TOKEN)
@bp.arguments(s.ReportQuery, location="query", as_kwargs=True)
@bp.response(200, s.Report)
def yearly(year: int, union_id=None, branch_id=None, program_id=None, kind=None,
           format=None):
    owner = require("reports:read")
    if not is_staff(owner):
        raise DomainError("forbidden", _l("The report is for administrators and "
                                          "coordinators."), status=403)
    reports.check_year(year)
    filters = reports.Filters(
        union_id=union_id, branch_id=branch_id, program_id=program_id,
        kind=EventKind(kind) if kind else None,
        event_format=EventFormat(format) if format else None,
    )
    reports.check_filters(filters, reports.Scope.of(owner))
    report = reports.yearly_report(year, owner, filters)
    items = []
    for region in report.regions:
        region_id = region.id if region is not None else None
        for category in report.categories:
            cell = report.cell(region_id, category)
            items.append({
                "year": report.year,
                "region_code": region.code if region is not None else None,
                "region": region.name if isinstance(region, Region) else None,
                "category": category.value if category is not None else None,
                "participations": cell.participations, "people": cell.people,
            })
    db.session.rollback()
    return {"items": items}
