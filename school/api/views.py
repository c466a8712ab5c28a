"""The JSON API under /api/v1 (flask-smorest), its OpenAPI document and reference page.

The blueprint is a flask-smorest Blueprint: the marshmallow schemas on each route validate
the request, shape the response and write the OpenAPI 3.1 document. The Api object is made
when the app registers the blueprint (school/__init__.py registers it like every feature).
"""

from __future__ import annotations

import http

from flask import current_app, jsonify, make_response, render_template
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from school.api import problems, tokens
from school.api.schemas import Problem
from school.errors import DomainError
from school.extensions import csrf, limiter
from school.permissions import PUBLIC, allow

bp = SmorestBlueprint("api", __name__, url_prefix="/api/v1",
                      description="The school's JSON API")

# The API reads no cookies (bearer tokens only, school/api/tokens.py), so a forged
# cross-site request carries no credentials: CSRF protection is off here alone.
csrf.exempt(bp)

DEFAULT_RATE_LIMIT = "300 per minute"


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


limiter.limit(_rate_limit, key_func=tokens.rate_key)(bp)


@bp.before_request
def _authenticate():
    tokens.authenticate()


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    return problems.domain_problem(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return problems.http_problem(error)


@bp.after_request
def _no_store(response):
    # Answers depend on the token: no shared cache may keep them (ETags still revalidate).
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.headers["Vary"] = "Authorization, Accept-Language"
    return response


class SchoolApi(Api):
    """flask-smorest's Api without its app-wide error handlers (the HTML pages keep
    theirs; the blueprint answers problem documents) and with error responses documented
    as application/problem+json."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, problems.CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


SECURITY = {"bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "An API token made on the API tokens page."}}


def _init_api(state) -> None:
    app = state.app
    app.config.setdefault("API_TITLE", "School of the Trade Union Leader")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", None)  # served by our own route below
    api = SchoolApi(spec_kwargs={"info": {"description": _DESCRIPTION}})
    api.init_app(app)
    from school.core.utils import MAX_ID, IdConverter

    # Ids in paths end at 2^31 - 1 (PostgreSQL integer): larger ones are no route at all.
    api.register_converter(IdConverter,
                           lambda _c: {"type": "integer", "minimum": 0, "maximum": MAX_ID})
    api.spec.components.security_scheme("bearerAuth", SECURITY["bearerAuth"])
    app.extensions["flask-smorest"]["blp_name_to_api"][bp.name] = api
    bp.register_views_in_doc(api, app, api.spec, name=bp.name, parameters=None)
    api.spec.tag({"name": bp.name, "description": bp.description})
    app.extensions["school-api"] = api


_DESCRIPTION = (
    "Read the catalogue and verify certificates anonymously; everything else needs "
    "`Authorization: Bearer <token>` with the right scope. A token sees exactly what its "
    "owner sees on the site. Errors are RFC 9457 problem documents (`code` is stable, "
    "`detail` follows Accept-Language). Webhook deliveries are signed: see the README."
)


@bp.route("/openapi.json")
@allow(PUBLIC)
@bp.doc(summary="This OpenAPI document", tags=["meta"], security=[])
@bp.response(200, content_type="application/json", description="OpenAPI 3.1 document")
def openapi():
    return jsonify(current_app.extensions["school-api"].spec.to_dict())


@bp.route("/docs")
@allow(PUBLIC)
@bp.doc(summary="A readable reference page", tags=["meta"], security=[])
@bp.response(200, content_type="text/html", description="HTML page")
def docs():
    return make_response(render_template("api/docs.html"))


# The resources: importing the modules adds their routes to `bp`.
from school.api import (  # noqa: E402
    receivers,  # noqa: F401  (webhooks connect to the domain signals)
    routes_catalog,  # noqa: F401
    routes_people,  # noqa: F401
    routes_public,  # noqa: F401
    routes_webhooks,  # noqa: F401
)

# Last: runs after the routes above are on the app, so the document sees them all.
bp.record_once(_init_api)

from school.api.pages import pages_bp  # noqa: E402


@bp.cli.command("deliver-pending")
def deliver_pending():
    """Make one attempt at every webhook delivery that is due (cron, when a process that
    held local retries was restarted); prints how many were settled."""
    import click

    from school.api import delivery

    ids = delivery.due_ids()
    settled = sum(1 for delivery_id in ids if delivery.attempt(delivery_id))
    click.echo(f"{len(ids)} due, {settled} settled")

bp.record_once(lambda state: state.app.register_blueprint(pages_bp))
