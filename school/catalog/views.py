"""The public catalogue, the event page and calendars (the management pages: manage_views.py)."""

from __future__ import annotations

import functools
from datetime import date, timedelta

from babel import dates as babel_dates
from babel.dates import get_day_names
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from school.accounts.models import Category
from school.catalog import hooks, ical, services
from school.catalog import people as _people  # noqa: F401  (receivers: people merged, closed)
from school.catalog.forms import (
    EmptyForm,
)
from school.catalog.models import (
    EventFormat,
    EventKind,
)
from school.core import formatting
from school.core.cache import cached_for_anonymous
from school.core.edge import commit_or_refuse
from school.core.utils import paginate
from school.extensions import db
from school.permissions import (
    PUBLIC,
    SIGNED_IN,
    allow,
    load_event,
    sees_backstage,
    sees_link,
)
from school.timeutil import local_today

bp = Blueprint("catalog", __name__)


def _month_label(first: date) -> str:
    return _month_label_in(first, str(get_locale()))


DAY_PATTERNS = {"ru": "EEEE, d MMMM", "kk": "d MMMM, EEEE", "en": "EEEE, MMMM d"}


def _day_label(day: date) -> str:
    return _day_label_in(day, str(get_locale()))


@functools.lru_cache(maxsize=4096)
def _day_label_in(day: date, locale: str) -> str:
    """«пятница, 13 марта», «13 наурыз, жұма», «Friday, March 13»."""
    pattern = DAY_PATTERNS.get(locale.split("_")[0], DAY_PATTERNS["ru"])
    return babel_dates.format_date(day, pattern, locale=locale)


@functools.lru_cache(maxsize=1024)
def _month_label_in(first: date, locale: str) -> str:
    return babel_dates.format_date(first, "LLLL y", locale=locale)


# --- the public catalogue -----------------------------------------------------------


@bp.get("/events")
@allow(PUBLIC)
@cached_for_anonymous
def events():
    filters = services.CatalogueFilters.from_args(request.args)
    items, page, pages, total = paginate(services.catalogue_query(filters), per_page=20)
    first = local_today().replace(day=1)
    months = []
    for _i in range(12):
        months.append((first.strftime("%Y-%m"), _month_label(first)))
        first = (first + timedelta(days=32)).replace(day=1)
    counts = services.confirmed_counts(e.id for e in items)
    return render_template(
        "catalog/events.html", items=items, page=page, pages=pages, total=total,
        filters=filters, seats={e.id: services.seats_left(e, counts) for e in items},
        mine=hooks.card_statuses(current_user, items),
        regions=services.regions(), months=months, kinds=list(EventKind),
        formats=list(EventFormat), categories=list(Category),
    )


@bp.get("/events/<int:event_id>")
@allow(PUBLIC)
@cached_for_anonymous
def event(event_id: int):
    event = load_event(event_id, "see", options=services.event_page_options())
    backstage = sees_backstage(current_user, event)
    panels = hooks.event_panels(event, current_user)  # the features' panels, loaded here
    return render_template(
        "catalog/event.html", event=event,
        seats_left=services.seats_left(event, services.confirmed_counts([event.id])),
        show_link=sees_link(current_user, event, backstage),
        backstage=backstage, panels=panels,
    )


@bp.get("/events/<int:event_id>.ics")
@allow(PUBLIC)
def event_ics(event_id: int):
    event = load_event(event_id, "see", options=services.event_page_options())
    body = ical.event_ics(event, with_link=sees_link(current_user, event))
    return _ics_response(body, f"event-{event.id}.ics")


def _ics_response(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


# --- calendars -----------------------------------------------------------------------


@bp.get("/calendar")
@allow(PUBLIC)
@cached_for_anonymous
def calendar():
    first = services.parse_month(request.args.get("month"))
    region = services.CatalogueFilters.from_args(request.args).region
    names = get_day_names("abbreviated", locale=get_locale())
    weeks = services.month_view(first, region)
    # On a phone the grid would be cut off: the days of the month that have events, listed.
    agenda = [(_day_label(d.day), d) for week in weeks for d in week if d.in_month and d.events]
    return render_template(
        "catalog/calendar.html", weeks=weeks, agenda=agenda, first=first,
        label=_month_label(first), today=local_today(),
        previous=(first - timedelta(days=1)).replace(day=1).strftime("%Y-%m"),
        next=(first + timedelta(days=32)).replace(day=1).strftime("%Y-%m"),
        day_names=[names[i] for i in range(7)], regions=services.regions(), region=region,
    )


@bp.get("/calendar/feed")
@allow(SIGNED_IN)
def my_feed():
    token = services.feed_token(current_user)
    db.session.commit()
    url = current_app.config["BASE_URL"] + url_for("catalog.personal_feed", token=token.token)
    return render_template("catalog/feed.html", url=url, form=EmptyForm())


@bp.post("/calendar/feed/regenerate")
@allow(SIGNED_IN)
def regenerate_feed():
    if EmptyForm().validate_on_submit():
        commit_or_refuse(lambda: services.regenerate_feed_token(current_user),
                         _("A new address has been made; the old one no longer works."))
    return redirect(url_for("catalog.my_feed"))


@bp.get("/calendar/<token>.ics")
@allow(PUBLIC)
def personal_feed(token: str):
    user = services.user_for_feed(token)
    if user is None:
        abort(404)
    # The owner's language, not the calendar app's Accept-Language (issue 13).
    with force_locale(user.locale if user.locale in ("ru", "kk", "en") else "ru"):
        body = ical.feed_ics(services.feed_sessions(user), _("My trainings"))
    response = _ics_response(body, "trainings.ics")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.app_template_filter("date_span")
def date_span(first: date, last: date | None = None) -> str:
    """«12–14 мар. 2027 г.», «2027 ж. 12–14 наурыз», «Mar 12 – 14, 2027»; one day, one date."""
    return formatting.date_span(first, last, str(get_locale()))
from school.catalog import home as _home  # noqa: E402,F401  (the home page's next events)
from school.catalog import manage_views as _manage  # noqa: E402,F401  (the management pages)
