"""Possible duplicates and their merge (school/accounts/duplicates.py), for coordinators
(their branches) and administrators."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school.accounts import duplicates
from school.accounts.forms import EmptyForm
from school.accounts.views import _person_or_404, bp
from school.core.edge import attempt
from school.core.utils import optional_int
from school.permissions import STAFF, allow


@bp.get("/people/duplicates")
@allow(STAFF)
def duplicates_list():
    return render_template("accounts/duplicates.html",
                           pairs=duplicates.possible_duplicates(current_user),
                           form=EmptyForm())


@bp.post("/people/duplicates/merge")
@allow(STAFF)
def merge_people():
    form = EmptyForm()
    keep_id = optional_int(request.form.get("keep_id"))
    other_id = optional_int(request.form.get("other_id"))
    if not form.validate_on_submit() or not (keep_id and other_id):
        flash(_("Choose the account to keep."), "warning")
        return redirect(url_for("accounts.duplicates_list"))
    keep, other = _person_or_404(keep_id), _person_or_404(other_id)
    with attempt() as done:
        result = duplicates.merge(keep, other, current_user)
    if not done:
        return redirect(url_for("accounts.duplicates_list"))
    flash(_("The accounts have been merged into %(name)s.", name=keep.full_name), "success")
    for _event, kept, dropped in result.settled:
        flash(_("Both were enrolled in the same event: the better status was kept "
                "(%(kept)s), the other (%(dropped)s) cancelled.",
                kept=kept.label, dropped=dropped.label),
              "info")
    return redirect(url_for("accounts.person", user_id=keep.id))
