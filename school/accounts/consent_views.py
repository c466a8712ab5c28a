"""The consent page a person meets at sign-in until they accept (school/accounts/consent.py),
and the person's copy of everything held about them (school/accounts/privacy.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from school.accounts import consent, privacy, privacy_cli, sessions
from school.accounts.forms import EmptyForm
from school.accounts.views import _current_session_key, bp
from school.core.edge import attempt
from school.core.utils import safe_next
from school.permissions import SIGNED_IN, allow

privacy_cli.register(bp)


@bp.app_template_global()
def consent_operator() -> SimpleNamespace:
    """The operator the consent text names, in the page's language (school/config.py)."""
    cfg = current_app.config
    lang = str(get_locale() or "ru").upper()
    return SimpleNamespace(name=cfg.get(f"OPERATOR_NAME_{lang}") or cfg["OPERATOR_NAME_RU"],
                           bin=cfg["OPERATOR_BIN"], years=cfg["RETENTION_YEARS"])


@bp.app_template_global()
def consent_state(user) -> str:
    return consent.state(user)


@bp.app_template_global()
def staff_contacts(user):
    """E-mail and phone as staff may see them (school/accounts/privacy.py `contacts`)."""
    return privacy.contacts(user)


@bp.route("/consent", methods=["GET", "POST"], endpoint="consent")
@allow(SIGNED_IN)
def consent_page():
    user = current_user._get_current_object()
    target = safe_next(request.args.get("next"), url_for("core.index"))
    if not user.consent_pending:
        return redirect(target)
    form = EmptyForm()
    if form.validate_on_submit():
        with attempt() as done:
            consent.accept(user, locale=str(get_locale() or "ru"),
                           ip_address=request.remote_addr)
        if done:
            flash(_("Thank you: your consent has been recorded."), "success")
            return redirect(target)
    return render_template("accounts/consent.html", form=form, decline_form=EmptyForm())


@bp.post("/consent/decline")
@allow(SIGNED_IN)
def consent_decline():
    user = current_user._get_current_object()
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            consent.decline(user, ip_address=request.remote_addr)
            sessions.revoke_key(_current_session_key())
        if not done:
            return redirect(url_for("core.index"))
        logout_user()
        flash(_("You have declined the consent, so you have been signed out. Your data are "
                "not used for anything else; sign in again if you change your mind."), "info")
    return redirect(url_for("core.index"))


@bp.get("/profile/my-data.json")
@allow(SIGNED_IN)
def my_data_json():
    data = privacy.personal_data(current_user._get_current_object())
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": "attachment; filename=my-data.json",
        "Cache-Control": "no-store"})


@bp.get("/profile/my-data")
@allow(SIGNED_IN)
def my_data():
    user = current_user._get_current_object()
    response = Response(render_template("accounts/my_data.html",
                                        data=privacy.personal_data(user)))
    response.headers["Cache-Control"] = "no-store"
    return response
