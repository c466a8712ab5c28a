"""Error pages in the person's language, and JSON for API clients.

A feature that answers errors under its own URL prefix in its own format (the API's problem
documents) registers a handler with `http_errors_under`: it then answers that prefix's HTTP
errors even where no route matched (a mistyped URL, a wrong method).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from school.errors import DomainError
from school.extensions import db

_PREFIX_HANDLERS: dict[str, Callable[[HTTPException], object]] = {}


def http_errors_under(prefix: str, handler: Callable[[HTTPException], object]) -> None:
    """Let `handler` answer every HTTP error (4xx, 5xx) of a path starting with `prefix`."""
    _PREFIX_HANDLERS[prefix] = handler


def _wants_json() -> bool:
    return "/api/" in request.path or (
        request.accept_mimetypes.best == "application/json"
    )


def _same_site_referrer() -> str | None:
    """The Referer as a local path when it is one of our pages; None otherwise (a forged
    form on another site must not turn our refusal into a redirect to it)."""
    from urllib.parse import urlsplit

    from school.core.utils import safe_next

    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path, "") or None


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_e):
        db.session.rollback()
        flash(_("The form has expired. Please try again."), "warning")
        return redirect(_same_site_referrer() or request.path), 303

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        # Reached only when a view did not catch the rule itself.
        db.session.rollback()
        if _wants_json():
            return jsonify(error=e.code, message=str(e.message)), e.status
        return render_template("errors/error.html", code=e.status, message=e.message), e.status

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if e.code is None or e.code < 400:
            return e
        for prefix, handler in _PREFIX_HANDLERS.items():
            if request.path.startswith(prefix):
                return handler(e)
        if _wants_json():
            return jsonify(error=e.name, status=e.code), e.code
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have access to this page."),
            404: _("Page not found."),
            405: _("This action is not allowed here."),
            413: _("The file is too large."),
            429: _("Too many attempts. Please wait a minute and try again."),
        }
        message = messages.get(e.code, e.description)
        return render_template("errors/error.html", code=e.code, message=message), e.code

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        db.session.rollback()
        if app.testing and not app.config.get("RENDER_500"):
            raise e  # tests see the traceback, not a page
        message = _("Something went wrong on our side. The error has been logged.")
        if _wants_json():
            return jsonify(error="internal", status=500), 500
        return render_template("errors/error.html", code=500, message=message), 500
