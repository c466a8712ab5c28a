"""The catalogue's management pages: programmes, events, their sessions, quotas and
instructors, publishing, cancelling and cloning (routes on the catalogue's blueprint, kept
apart from the public catalogue and calendars in views.py)."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from school.catalog import people as _people  # noqa: F401  (receivers: people merged, closed)
from school.catalog import services
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
    EventSession,
    EventStatus,
    Program,
)
from school.catalog.views import bp
from school.core import formatting
from school.core.edge import commit_or_refuse
from school.core.utils import get_or_404, paginate
from school.extensions import db
from school.orgs import services as org_services
from school.permissions import (
    ADMIN,
    STAFF,
    TEACHING,
    allow,
    load_event,
    manages_event,
)
from school.timeutil import local_datetime, to_local

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
