"""Errors as RFC 9457 problem documents (application/problem+json).

`type` is a stable URI per code (tag:school,2026:problem/<code>), `code` the DomainError
code the web pages use too, `detail` the message in the language of Accept-Language.
"""

from __future__ import annotations

from flask import current_app, json, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from school.core.errors import http_errors_under
from school.errors import DomainError, DomainErrors
from school.extensions import db

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "tag:school.fprk.kz,2026:problem/"
LANGUAGES = ("ru", "kk", "en")


def request_language() -> str:
    """Accept-Language by order of preference, primary tags matched (kk-KZ → kk)."""
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].split("_")[0].lower()
        if primary in LANGUAGES:
            return primary
    return "ru"


def _http_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("This needs an API token."),
        403: _("The token may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        406: _("This representation is not available."),
        409: _("The request conflicts with the current state."),
        413: _("The request is too large."),
        415: _("Send the body as application/json."),
        422: _("Some values are not valid."),
        429: _("Too many requests. Please wait and try again."),
    }


def problem(status: int, code: str, detail, *, title: str | None = None, **extra):
    body = {"type": TYPE_BASE + code, "title": title or code.replace("_", " "),
            "status": status, "detail": str(detail), "code": code,
            "instance": request.path, **extra}
    response = current_app.response_class(json.dumps(body), status=status,
                                          mimetype=CONTENT_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    response.headers["Content-Language"] = request_language()
    return response


def domain_problem(error: DomainError):
    db.session.rollback()
    with force_locale(request_language()):
        extra = {}
        if error.field:
            extra["field"] = error.field
        if isinstance(error, DomainErrors):
            extra["errors"] = [{"code": e.code, "detail": str(e.message), "field": e.field}
                               for e in error.errors]
        status = error.status if 400 <= error.status < 500 else 400
        return problem(status, error.code, error.message, **extra)


def http_problem(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    db.session.rollback()
    status = error.code
    with force_locale(request_language()):
        detail = _http_messages().get(status, error.description or error.name)
        extra = {}
        messages = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
        if messages:
            # webargs' field errors: {"json": {"field": ["message"]}}
            extra["errors"] = messages
            status = 422 if status in (400, 422) else status
        code = {422: "invalid", 400: "bad_request", 404: "not_found", 401: "unauthorized",
                403: "forbidden", 405: "method_not_allowed", 429: "rate_limited",
                413: "too_large", 415: "unsupported_media_type"}.get(status, "http_error")
        response = problem(status, code, detail, title=error.name, **extra)
    if status == 429 and getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


# Outside the API's routes too (no such URL or method): still a problem document.
http_errors_under("/api/v1/", http_problem)
