""""Your devices" on the profile: the account's signed-in sessions, each revocable."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from school.accounts import sessions
from school.accounts.views import _current_session_key, bp
from school.core.edge import attempt
from school.permissions import SIGNED_IN, allow


@bp.post("/profile/sessions/<int:session_id>/revoke")
@allow(SIGNED_IN)
def revoke_session(session_id: int):
    user = current_user._get_current_object()
    this_one = sessions.find(user.id, _current_session_key() or "")
    with attempt() as done:
        sessions.revoke_one(user, session_id)
    if not done:
        return redirect(url_for("accounts.profile"))
    if this_one is not None and this_one.id == session_id:
        logout_user()
        flash(_("You have logged out."), "info")
        return redirect(url_for("accounts.login"))
    flash(_("That device has been signed out."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/sessions/revoke-all")
@allow(SIGNED_IN)
def revoke_all_sessions():
    user = current_user._get_current_object()
    with attempt():
        sessions.sign_out_everywhere(user)
    logout_user()
    flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("accounts.login"))
