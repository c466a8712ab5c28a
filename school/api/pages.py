"""API token pages for administrators and coordinators: list, create (shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, NumberRange

from school.api import tokens
from school.api.models import ApiToken
from school.core.edge import attempt
from school.dbtypes import utcnow
from school.extensions import db
from school.permissions import STAFF, allow

pages_bp = Blueprint("api_pages", __name__, url_prefix="/api-tokens")


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("Which system uses it, e.g. «the union's website»."))
    scopes = SelectMultipleField(
        _l("Scopes"), choices=[(k, v) for k, v in tokens.SCOPES.items()],
        widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput())
    days = IntegerField(_l("Valid for, days"), default=90,
                        validators=[DataRequired(), NumberRange(1, tokens.MAX_DAYS)])


class RevokeForm(FlaskForm):
    pass


@pages_bp.route("/", methods=["GET", "POST"])
@allow(STAFF)
def index():
    form = TokenForm()
    new_secret = None
    if form.validate_on_submit():
        with attempt(form) as done:
            _token, new_secret = tokens.create_token(current_user, form.name.data,
                                                    form.scopes.data, form.days.data)
        if done:
            flash(_("The token was created. Copy it now: it is shown only once."), "success")
            form = TokenForm(formdata=None)
    rows = list(db.session.scalars(tokens.tokens_query(current_user).limit(500)))
    return render_template("api/tokens.html", form=form, rows=rows, new_secret=new_secret,
                           revoke_form=RevokeForm(), now=utcnow(), scopes=tokens.SCOPES)


@pages_bp.route("/<int:token_id>/revoke", methods=["POST"])
@allow(STAFF)
def revoke(token_id: int):
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id))
    if token is None or not RevokeForm().validate_on_submit():
        abort(404)
    with attempt(category="warning", abort_on=(404,)) as done:
        tokens.revoke_token(token, current_user)
    if done:
        flash(_("The token was revoked."), "success")
    return redirect(url_for("api_pages.index"))
