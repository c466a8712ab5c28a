"""Catalogue pages, event management, programmes and calendars."""

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
    flash,
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
    CancelForm,
    CloneForm,
    DailySessionsForm,
    EmptyForm,
    EventForm,
    InstructorsForm,
    ProgramForm,
    QuotaForm,
    SessionForm,
)
from school.catalog.models import (
    Event,
    EventFormat,
    EventKind,
    EventSession,
    EventStatus,
    Program,
)
from school.core import formatting
from school.core.cache import cached_for_anonymous
from school.core.edge import commit_or_refuse
from school.core.utils import get_or_404, paginate
from school.extensions import db
from school.orgs import services as org_services
from school.permissions import (
    ADMIN,
    PUBLIC,
    SIGNED_IN,
    STAFF,
    TEACHING,
    allow,
    load_event,
    manages_event,
    sees_backstage,
    sees_link,
)
from school.timeutil import local_datetime, local_today, to_local

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


# --- programmes ----------------------------------------------------------------------


@bp.get("/manage/programs")
@allow(ADMIN)
def programs():
    return render_template("catalog/programs.html", programs=services.programs())


def _program_data(form: ProgramForm) -> services.ProgramData:
    return services.ProgramData(
        code=form.code.data or "", title_ru=form.title_ru.data or "",
        title_kk=form.title_kk.data or "", title_en=form.title_en.data,
        description_ru=form.description_ru.data, description_kk=form.description_kk.data,
        description_en=form.description_en.data, academic_hours=form.academic_hours.data,
        audience=list(form.audience.data or []),
        completion_threshold=form.completion_threshold.data,
        certificate_title_ru=form.certificate_title_ru.data,
        certificate_title_kk=form.certificate_title_kk.data,
        signatories=[services.SignatoryData(**row.data) for row in form.signatories],
        active=form.active.data,
    )


def _edit_program(program: Program | None):
    form = ProgramForm(obj=program)
    if request.method == "GET" and program is not None:
        form.audience.data = [c.value for c in program.audience]
        while len(form.signatories) < len(program.signatories) + 1 and len(
                form.signatories) < form.signatories.max_entries:
            form.signatories.append_entry()
    if form.validate_on_submit() and commit_or_refuse(
        lambda: services.save_program(program, _program_data(form), current_user),
        _("The programme has been saved."), form,
    ):
        return redirect(url_for("catalog.programs"))
    return render_template("catalog/program_edit.html", form=form, program=program)


@bp.route("/manage/programs/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_program():
    return _edit_program(None)


@bp.route("/manage/programs/<int:program_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def edit_program(program_id: int):
    return _edit_program(get_or_404(Program, program_id))


# --- event management ----------------------------------------------------------------


@bp.get("/manage/events")
@allow(TEACHING)
def manage_events():
    status = request.args.get("status", "")
    search = request.args.get("q", "").strip()[:100]
    query = services.managed_events_query(current_user, status=status, search=search)
    items, page, pages, total = paginate(query, per_page=30)
    return render_template(
        "catalog/manage_events.html", items=items, page=page, pages=pages, total=total,
        status=status, q=search, statuses=EventStatus.labels(),
        counts=services.confirmed_counts(e.id for e in items),
        may_create=current_user.is_admin or current_user.has_role("coordinator"),
    )


def _local_naive(instant):
    return to_local(instant).replace(tzinfo=None) if instant else None


def _aware(naive):
    return local_datetime(naive.date(), naive.time()) if naive else None


def _event_choices(form: EventForm, event: Event | None) -> None:
    programs = services.programs(active_only=True)
    if event is not None and event.program not in programs:
        programs.insert(0, event.program)
    form.program_id.choices = [(None, _("— choose —"))] + [
        (p.id, f"{p.code} — {p.title}") for p in programs]
    form.region_id.choices = [(None, _("National (all regions)"))] + [
        (r.id, r.name) for r in services.regions()]
    form.organizer.choices = services.organizer_choices(current_user)


def _event_data(form: EventForm) -> services.EventData:
    return services.EventData(
        program_id=form.program_id.data, kind=form.kind.data or "", format=form.format.data or "",
        organizer=form.organizer.data or "", title_ru=form.title_ru.data,
        title_kk=form.title_kk.data, title_en=form.title_en.data,
        region_id=form.region_id.data, city_ru=form.city_ru.data, city_kk=form.city_kk.data,
        venue=form.venue.data, venue_kk=form.venue_kk.data, venue_en=form.venue_en.data,
        online_link=form.online_link.data,
        starts_on=form.starts_on.data, ends_on=form.ends_on.data, capacity=form.capacity.data,
        enrol_opens_at=_aware(form.enrol_opens_at.data),
        enrol_closes_at=_aware(form.enrol_closes_at.data),
        approval_mode=form.approval_mode.data or "",
    )


def _daily_from(form: EventForm) -> services.DailySessions | None:
    if not (form.daily_starts.data or form.daily_ends.data):
        return None
    return services.DailySessions(starts=form.daily_starts.data, ends=form.daily_ends.data,
                                  academic_hours=form.daily_hours.data)


@bp.route("/manage/events/new", methods=["GET", "POST"])
@allow(STAFF)
def new_event():
    form = EventForm()
    if request.method == "GET":
        form.capacity.data = 30
    _event_choices(form, None)
    created: list[Event] = []
    if form.validate_on_submit() and commit_or_refuse(
        lambda: created.append(services.save_event(
            None, _event_data(form), current_user, daily=_daily_from(form))),
        _("The event has been saved as a draft."), form,
    ):
        return redirect(url_for("catalog.manage_event", event_id=created[0].id))
    return render_template("catalog/event_edit.html", form=form, event=None)


@bp.route("/manage/events/<int:event_id>/edit", methods=["GET", "POST"])
@allow(STAFF)
def edit_event(event_id: int):
    event = load_event(event_id, "manage")
    form = EventForm(obj=event)
    if request.method == "GET":
        form.organizer.data = services.organizer_value(event)
        form.venue.data = event.venue_ru  # `venue` reads in the page's language
        form.enrol_opens_at.data = _local_naive(event.enrol_opens_at)
        form.enrol_closes_at.data = _local_naive(event.enrol_closes_at)
    _event_choices(form, event)
    if form.validate_on_submit() and commit_or_refuse(
        lambda: services.save_event(event, _event_data(form), current_user),
        _("The event has been saved."), form,
    ):
        return redirect(url_for("catalog.manage_event", event_id=event.id))
    return render_template("catalog/event_edit.html", form=form, event=event)


@bp.get("/manage/events/<int:event_id>")
@allow(TEACHING)
def manage_event(event_id: int):
    event = load_event(event_id, "see_backstage")
    can_manage = manages_event(current_user, event)
    daily = DailySessionsForm(first_day=event.starts_on, last_day=event.ends_on)
    quota_form = QuotaForm()
    instructors_form = InstructorsForm()
    if can_manage:
        branches = formatting.sort_by_name(
            db.session.scalars(org_services.branch_query(current_user)), lambda b: b.name)
        quota_form.branch_id.choices = [
            (b.id, f"{b.name} ({b.union.short_name})") for b in branches]
        instructors_form.instructor_ids.choices = [
            (u.id, u.full_name) for u in services.instructor_candidates()]
        instructors_form.instructor_ids.data = [u.id for u in event.instructors]
    return render_template(
        "catalog/manage_event.html", event=event, can_manage=can_manage,
        actions=services.event_actions(current_user, event, can_manage=can_manage),
        taken=services.confirmed_counts([event.id]).get(event.id, 0),
        session_form=SessionForm(day=event.starts_on), daily_form=daily,
        quota_form=quota_form, instructors_form=instructors_form,
        cancel_form=CancelForm(), clone_form=CloneForm(), button=EmptyForm(),
    )


def _back(event: Event):
    return redirect(url_for("catalog.manage_event", event_id=event.id))


def _session_data(form: SessionForm) -> services.SessionData:
    return services.SessionData(
        day=form.day.data, starts=form.starts.data, ends=form.ends.data,
        topic_ru=form.topic_ru.data, topic_kk=form.topic_kk.data, topic_en=form.topic_en.data,
        academic_hours=form.academic_hours.data,
    )


def _form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors if isinstance(errors, list) else [errors]:
            flash(str(error), "danger")


@bp.post("/manage/events/<int:event_id>/sessions")
@allow(STAFF)
def add_session(event_id: int):
    event = load_event(event_id, "manage")
    form = SessionForm()
    if form.validate_on_submit():
        commit_or_refuse(lambda: services.add_session(event, _session_data(form), current_user),
                         _("The session has been added."))
    else:
        _form_errors(form)
    return _back(event)


@bp.post("/manage/events/<int:event_id>/sessions/daily")
@allow(STAFF)
def add_daily_sessions(event_id: int):
    event = load_event(event_id, "manage")
    form = DailySessionsForm()
    if form.validate_on_submit():
        daily = services.DailySessions(
            starts=form.starts.data, ends=form.ends.data, first_day=form.first_day.data,
            last_day=form.last_day.data, academic_hours=form.academic_hours.data,
            topic_ru=form.topic_ru.data, topic_kk=form.topic_kk.data,
        )
        commit_or_refuse(lambda: services.add_daily_sessions(event, daily, current_user),
                         _("The sessions have been added."))
    else:
        _form_errors(form)
    return _back(event)


def _session_or_404(event: Event, session_id: int) -> EventSession:
    session = db.session.get(EventSession, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


@bp.route("/manage/events/<int:event_id>/sessions/<int:session_id>/edit",
          methods=["GET", "POST"])
@allow(STAFF)
def edit_session(event_id: int, session_id: int):
    event = load_event(event_id, "manage")
    session = _session_or_404(event, session_id)
    form = SessionForm(obj=session)
    if request.method == "GET":
        start, end = to_local(session.starts_at), to_local(session.ends_at)
        form.day.data, form.starts.data, form.ends.data = start.date(), start.time(), end.time()
    if form.validate_on_submit() and commit_or_refuse(
        lambda: services.update_session(session, _session_data(form), current_user),
        _("The session has been saved."), form,
    ):
        return _back(event)
    return render_template("catalog/session_edit.html", form=form, event=event,
                           session=session)


@bp.post("/manage/events/<int:event_id>/sessions/<int:session_id>/delete")
@allow(STAFF)
def delete_session(event_id: int, session_id: int):
    event = load_event(event_id, "manage")
    session = _session_or_404(event, session_id)
    if EmptyForm().validate_on_submit():
        commit_or_refuse(lambda: services.remove_session(session, current_user),
                         _("The session has been removed."))
    return _back(event)


@bp.post("/manage/events/<int:event_id>/quotas")
@allow(STAFF)
def save_quota(event_id: int):
    event = load_event(event_id, "manage")
    form = QuotaForm()
    if form.validate_on_submit():
        commit_or_refuse(
            lambda: services.set_quota(event, form.branch_id.data, form.seats.data,
                                       current_user),
            _("The quota has been saved."))
    else:
        _form_errors(form)
    return _back(event)


@bp.post("/manage/events/<int:event_id>/instructors")
@allow(STAFF)
def save_instructors(event_id: int):
    event = load_event(event_id, "manage")
    form = InstructorsForm()
    if form.validate_on_submit():
        commit_or_refuse(
            lambda: services.set_instructors(event, form.instructor_ids.data or [],
                                             current_user),
            _("The instructors have been saved."))
    else:
        _form_errors(form)
    return _back(event)


@bp.post("/manage/events/<int:event_id>/publish")
@allow(STAFF)
def publish_event(event_id: int):
    event = load_event(event_id, "manage")
    if EmptyForm().validate_on_submit():
        # An event that has ended is published only when the page's second question (a
        # record of an event that was held?) was answered yes.
        as_record = request.form.get("as_record") == "1"
        commit_or_refuse(lambda: services.publish_event(event, current_user,
                                                        as_record=as_record),
                         _("The event has been recorded as held.") if as_record
                         else _("The event has been published."))
    return _back(event)


@bp.post("/manage/events/<int:event_id>/cancel")
@allow(STAFF)
def cancel_event(event_id: int):
    event = load_event(event_id, "manage")
    form = CancelForm()
    if form.validate_on_submit():
        commit_or_refuse(lambda: services.cancel_event(event, form.reason.data, current_user),
                         _("The event has been cancelled."))
    return _back(event)


@bp.post("/manage/events/<int:event_id>/clone")
@allow(STAFF)
def clone_event(event_id: int):
    event = load_event(event_id, "manage")
    form = CloneForm()
    copies: list[Event] = []
    if form.validate_on_submit() and commit_or_refuse(
        lambda: copies.append(services.clone_event(event, form.starts_on.data, current_user)),
        _("A draft copy has been made: check it and publish it."),
    ):
        return redirect(url_for("catalog.manage_event", event_id=copies[0].id))
    _form_errors(form)
    return _back(event)


@bp.app_template_filter("date_span")
def date_span(first: date, last: date | None = None) -> str:
    """«12–14 мар. 2027 г.», «2027 ж. 12–14 наурыз», «Mar 12 – 14, 2027»; one day, one date."""
    return formatting.date_span(first, last, str(get_locale()))
from school.catalog import home as _home  # noqa: E402,F401  (the home page's next events)
