"""The approvals page (enrollment.approvals): filter, sort, decide chosen rows or every
request the filter matches, a reason per row. Rules: school/enrollment/approvals.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school.core.edge import attempt
from school.core.utils import optional_int, page_arg, paginate
from school.enrollment import approvals as rules
from school.enrollment.forms import DecisionForm
from school.enrollment.views import bp
from school.permissions import STAFF, allow, load_enrollment

PER_PAGE = 50


@bp.route("/approvals", methods=["GET", "POST"])
@allow(STAFF)
def approvals():
    me = current_user._get_current_object()
    form = DecisionForm()
    chosen = rules.Filter.from_args(request.args)
    if form.validate_on_submit():
        return _decide(me, form, chosen)
    items, page, pages, total = paginate(rules.filtered_query(me, chosen), per_page=PER_PAGE)
    rules.counted_waiting(me, chosen, total)
    events, branches = rules.filter_choices(me)
    return render_template(
        "enrollment/approvals.html", items=items, page=page, pages=pages, total=total,
        form=form, f=chosen, events=events, branches=branches,
        waiting=rules.waiting_count(me) or 0)


def _decide(me, form: DecisionForm, chosen: rules.Filter):
    back = url_for("enrollment.approvals", **chosen.args(page=page_arg()))
    single = request.form.get("single", "")
    everything = request.form.get("all", "")
    matching = expected = None
    if single:
        action, _sep, raw_id = single.partition("-")
        enrollment = load_enrollment(optional_int(raw_id) or 0, "manage_enrollment")
        ids = [enrollment.id]
    elif everything:
        action, ids, matching = everything, [], chosen
        expected = optional_int(request.form.get("expected"))
    else:
        action, ids = form.action.data, form.ids.data or []
    with attempt() as done:
        result = rules.decide(me, action, ids, reason=form.reason.data or "",
                              reasons=rules.row_reasons(request.form), matching=matching,
                              expected=expected)
    if not done:
        return redirect(back)
    if result.done:
        message = (_("Approved: %(n)d.", n=len(result.done)) if action == "approve"
                   else _("Rejected: %(n)d.", n=len(result.done)))
        flash(message, "success")
    if result.skipped:
        flash(_("Not changed (already decided or not yours): %(n)d.",
                n=len(result.skipped)), "warning")
    return redirect(back)
