"""The chair's pages: their organisation's people and training, and proposals."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from school.core.edge import attempt
from school.core.utils import get_or_404, optional_int, paginate
from school.extensions import db
from school.orgs.models import PrimaryOrganization
from school.permissions import CHAIR, allow, chaired_org_id
from school.planning import chair
from school.planning.views import bp
from school.timeutil import local_today


def _org() -> PrimaryOrganization:
    org_id = chaired_org_id(current_user)
    if org_id is None:
        abort(404)
    return get_or_404(PrimaryOrganization, org_id)


@bp.get("/organisation")
@allow(CHAIR)
def organisation():
    org = _org()
    people, page, pages, total = paginate(chair.members_query(org.id), per_page=50)
    enrolments, certificates = chair.training_of(people)
    commissions = chair.commissions_of(people, local_today())
    training = chair.commission_status(org.id)
    return render_template("planning/organisation.html", org=org, people=people, page=page,
                           pages=pages, total=total, enrolments=enrolments,
                           certificates=certificates, commissions=commissions,
                           training=training)


@bp.route("/organisation/propose", methods=["GET", "POST"])
@allow(CHAIR)
def propose():
    org = _org()
    events = chair.open_events()
    people = list(db.session.scalars(chair.members_query(org.id).limit(500)))
    if request.method == "POST":
        event_id = optional_int(request.form.get("event_id"))
        event = next((e for e in events if e.id == event_id), None)
        ids = [optional_int(v) for v in request.form.getlist("user_id")]
        if event is None:
            flash(_("Choose an event that is open for enrolment."), "danger")
        else:
            with attempt(abort_on=(403,)) as done:
                made, skipped = chair.propose(event, [i for i in ids if i], current_user)
            if done:
                flash(ngettext("%(num)d person proposed.", "%(num)d people proposed.",
                               len(made)), "success")
                for person, _code, message in skipped:
                    flash(_("%(name)s was not proposed: %(reason)s", name=person.full_name,
                            reason=message), "warning")
                return redirect(url_for("planning.organisation"))
    return render_template("planning/propose.html", org=org, events=events, people=people)
