"""Home page, health check and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from school import LANGUAGES
from school.core.cache import cached_for_anonymous
from school.core.edge import attempt
from school.core.utils import safe_next
from school.extensions import db
from school.permissions import PUBLIC, allow

bp = Blueprint("core", __name__)


@bp.get("/")
@allow(PUBLIC)
@cached_for_anonymous
def index():
    return render_template("core/index.html")


@bp.get("/healthz")
@allow(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        database = "error"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "degraded", database=database), status


@bp.get("/lang/<lang>")
@bp.post("/lang")
@allow(PUBLIC)
def set_language(lang: str | None = None):
    # A plain link (GET) too, for visitors: pages with a language switch but no form can be
    # cached for everyone. A link changes only this browser's language; the account's stored
    # language (that of its mail) changes only by the POST form (CSRF-checked), so a link on
    # another site cannot change it.
    lang = lang or request.form.get("lang", "")
    target = safe_next(request.values.get("next"))
    if lang not in LANGUAGES:
        return redirect(target)
    session["lang"] = lang
    if current_user.is_authenticated and request.method == "POST":
        with attempt():
            current_user.locale = lang
    response = redirect(target)
    response.set_cookie("lang", lang, max_age=3600 * 24 * 365, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
