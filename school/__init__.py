"""The application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Request, abort, g, has_request_context, request, session
from flask.globals import _cv_app
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

from school import resources
from school.config import load_config
from school.core.cache import page_cache
from school.core.static import init_static
from school.core.utils import IdConverter
from school.extensions import (
    babel,
    bootstrap,
    csrf,
    db,
    limiter,
    login_manager,
    migrate,
    set_write_intent,
)
from school.extensions import mail as mailman  # `mail` gets rebound to school.mail

ROOT = Path(__file__).resolve().parent.parent


class _WithoutNul(ImmutableMultiDict):
    """Query and form values with NUL characters removed: no name, search or remark needs
    one, and PostgreSQL refuses them in text (a 500 instead of an answer)."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [
                (key.replace("\x00", ""), value.replace("\x00", "") if isinstance(value, str)
                 else value)
                for key, value in iter_multi_items(mapping)
            ]
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = _WithoutNul


LANGUAGES = ("ru", "kk", "en")
# GET endpoints that write.
WRITE_ON_GET = {"catalog.my_feed"}


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(resources.folder("templates")),
        static_folder="static",
    )
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.request_class = CleanRequest
    app.config.update(load_config(app.instance_path, overrides))
    if app.config.get("PROXY_COUNT"):
        # Trust exactly this many proxies' X-Forwarded-* headers: the client's address is
        # then the real one (rate limits, consent records), and cannot be forged past them.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.jinja_env.add_extension("jinja2.ext.do")
    # A missing value prints as nothing, never as "None" (issue 12).
    app.jinja_env.finalize = resources.blank_none
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    resources.require_catalogues(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    logging.basicConfig(level=logging.INFO)
    # WeasyPrint reports every layout step at INFO: too chatty for a server log.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from school import accesslog

    accesslog.install()  # searched IINs and names stay out of access logs

    _init_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(resources.folder("migrations")), compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Almaty")
    _install_fast_gettext(app)
    limiter.init_app(app)
    mailman.init_app(app)
    bootstrap.init_app(app)
    page_cache.init_app(app)
    init_static(app)
    _init_login()
    _register_blueprints(app)
    _register_hooks(app)
    _register_cli(app)
    return app


def _init_models() -> None:
    # Import every feature's models so that relationships and migrations see them.
    from school.accounts import models as _accounts  # noqa: F401
    from school.accounts import sessions as _sessions  # noqa: F401
    from school.api import models as _api  # noqa: F401
    from school.attendance import models as _attendance  # noqa: F401
    from school.audit import models as _audit  # noqa: F401
    from school.catalog import models as _catalog  # noqa: F401
    from school.certificates import models as _certificates  # noqa: F401
    from school.commissions import models as _commissions  # noqa: F401
    from school.enrollment import models as _enrollment  # noqa: F401
    from school.evaluation import models as _evaluation  # noqa: F401
    from school.materials import models as _materials  # noqa: F401
    from school.orgs import models as _orgs  # noqa: F401
    from school.planning import models as _planning  # noqa: F401
    from school.releases import models as _releases  # noqa: F401
    from school.reports import models as _reports  # noqa: F401


def select_locale() -> str | None:
    """The signed-in person's choice, then this browser's choice, then Accept-Language.

    Werkzeug's best_match prefers exact tags, so `kk-KZ,ru;q=0.8` would give ru; we walk
    the header in order of preference and match primary tags instead.
    """
    if not has_request_context():
        return None  # CLI and jobs: the default locale
    # This browser's choice in this session first (set from the account at sign-in, or by
    # a language link, which does not change the account), then the account's.
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].split("_")[0].lower()
        if primary in LANGUAGES:
            return primary
    return "ru"


def current_translations():
    """The request's catalogue, found once per locale: Flask-Babel's own lookup walks the
    request context three times and formats the locale's name for each of a page's
    hundreds of `_()` calls. Kept on `g` beside the locale object it belongs to, so a
    `force_locale` block (another object) or a refresh looks it up afresh."""
    from flask_babel import get_translations

    ctx = _cv_app.get(None)
    state = getattr(ctx.g, "_flask_babel", None) if ctx is not None else None
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return get_translations()  # selects the locale first
    known = getattr(ctx.g, "_school_translations", None)
    if known is not None and known[0] is locale:
        return known[1]
    translations = get_translations()
    ctx.g._school_translations = (locale, translations)
    return translations


def _install_fast_gettext(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
    )


def _init_login() -> None:
    from flask_babel import lazy_gettext as _l

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    # No binding to the client's address ("strong" dropped the session of a phone moving
    # from Wi-Fi to mobile data, and rewrote the cookie on every response): the session is
    # a revocable server-side row instead (school/accounts/sessions.py).
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(session_id: str):
        from school.accounts import sessions

        user_id, _, rest = (session_id or "").partition(":")
        stamp, _, key = rest.partition(":")
        try:
            user = sessions.signed_in(int(user_id), key)
        except (TypeError, ValueError, OverflowError):
            return None
        if user is None or not user.active or user.session_stamp != stamp:
            return None
        user.session_key = key
        return user


def _register_blueprints(app: Flask) -> None:
    from school.accounts.views import bp as accounts_bp
    from school.api.views import bp as api_bp
    from school.attendance.online_views import bp as online_attendance_bp
    from school.attendance.views import bp as attendance_bp
    from school.catalog.views import bp as catalog_bp
    from school.certificates.views import bp as certificates_bp
    from school.commissions.views import bp as commissions_bp
    from school.core.views import bp as core_bp
    from school.enrollment.views import bp as enrollment_bp
    from school.evaluation.views import bp as evaluation_bp
    from school.materials.views import bp as materials_bp
    from school.orgs.views import bp as orgs_bp
    from school.planning.views import bp as planning_bp
    from school.records.views import bp as records_bp
    from school.releases.views import bp as releases_bp
    from school.reports.views import bp as reports_bp

    for bp in (
        core_bp,
        accounts_bp,
        orgs_bp,
        catalog_bp,
        enrollment_bp,
        attendance_bp,
        certificates_bp,
        reports_bp,
        commissions_bp,
        releases_bp,
        planning_bp,
        evaluation_bp,
        materials_bp,
        online_attendance_bp,
        records_bp,
        api_bp,
    ):
        app.register_blueprint(bp)


def _register_hooks(app: Flask) -> None:
    from school import permissions
    from school.core.errors import register_error_handlers

    @app.before_request
    def _refuse_nul_in_path():
        # No page has a NUL in its address, and PostgreSQL refuses one in a query.
        if "\x00" in request.path:
            abort(404)

    @app.before_request
    def _write_intent():
        # On SQLite, a request that may write takes the write lock when its first
        # transaction begins, so read-then-write requests queue instead of failing.
        if request.method not in ("GET", "HEAD", "OPTIONS") or request.endpoint in WRITE_ON_GET:
            g._write_token = set_write_intent(True)

    app.before_request(permissions.enforce)
    app.add_template_global(permissions.can_here, "can")  # templates ask named rules
    from school.accounts.consent import gate as consent_gate

    # After the write intent (SQLite's write lock first) and the permission check.
    app.before_request(consent_gate)

    @app.teardown_request
    def _reset_write_intent(_exc):
        token = g.pop("_write_token", None)
        if token is not None:
            from school.extensions import _write_intent

            _write_intent.reset(token)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # is_anonymous, not is_authenticated: after a view's COMMIT the person's row is
        # expired, and is_authenticated (is_active) would read it again just for this.
        if current_user and not current_user.is_anonymous and request.endpoint not in (
            "static", "bootstrap.static"
        ):
            # Everything a signed-in person is served is theirs: downloads too (send_file
            # would say no-cache, which lets a shared cache keep a copy).
            headers["Cache-Control"] = "private, no-store"
        # The server (gunicorn, Werkzeug) writes Date itself; send_file's own made two.
        headers.pop("Date", None)
        return response

    from school.timeutil import to_local

    @app.template_filter("local")
    def _local(instant, fmt: str = "%d.%m.%Y %H:%M"):
        """An instant as wall-clock time in Kazakhstan."""
        return to_local(instant).strftime(fmt) if instant else ""

    from school.core.formatting import format_hours

    app.add_template_filter(format_hours, "hours")  # «16», «1,5»: never «16.00»
    from school.core.addressing import salutation, sign_off

    app.add_template_global(salutation)  # every mail's first line
    app.add_template_global(sign_off)  # and its last
    from school.mail import send_committed

    app.after_request(send_committed)  # letters written under a lock, rendered after COMMIT

    @app.context_processor
    def _template_globals():
        from flask_babel import get_locale

        from school.core.nav import all_nav_items, count_badges, nav_groups, nav_items
        from school.i18n_fields import localized

        if has_request_context():
            # The menu's counts are read here, before the page renders: a template issues
            # no query of its own (issue 15); each count is kept for the request.
            count_badges()
        return {"current_lang": str(get_locale() or "ru"), "LANGUAGES": LANGUAGES,
                "localized": localized, "nav_items": nav_items,
                "nav_groups": nav_groups, "all_nav_items": all_nav_items}

    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    from school.cli import register

    register(app)
