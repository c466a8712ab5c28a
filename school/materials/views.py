"""Pages of the materials feature: the list of an event's materials, adding, downloading."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school.catalog.models import Event
from school.core import panels
from school.core.edge import commit_or_refuse
from school.extensions import db
from school.materials import services
from school.materials.forms import EmptyForm, FileForm, LinkForm
from school.materials.models import EventMaterial
from school.permissions import (
    SIGNED_IN,
    adds_materials,
    allow,
    load,
    load_event,
    removes_material,
    sees_materials,
)
from school.timeutil import to_local

bp = Blueprint("materials", __name__)


def _session_choices(form, event: Event) -> None:
    form.session_id.choices = [(None, _("The whole event"))] + [
        (s.id, f"{to_local(s.starts_at).strftime('%d.%m.%Y %H:%M')} {s.topic or ''}".strip())
        for s in event.sessions]


@bp.get("/events/<int:event_id>/materials")
@allow(SIGNED_IN)
def event_materials(event_id: int):
    event = load_event(event_id, "see_materials")
    manage = adds_materials(current_user, event)
    file_form, link_form = FileForm(prefix="file"), LinkForm(prefix="link")
    _session_choices(file_form, event)
    _session_choices(link_form, event)
    items = services.materials_of(event)
    by_session = {s.id: [m for m in items if m.session_id == s.id] for s in event.sessions}
    return render_template(
        "materials/event.html", event=event, manage=manage, general=[
            m for m in items if m.session_id is None], by_session=by_session,
        file_form=file_form, link_form=link_form, button=EmptyForm(),
        may_remove=lambda m: removes_material(current_user, m),
        max_mb=services.max_bytes() // (1024 * 1024))


def _back(event: Event):
    return redirect(url_for("materials.event_materials", event_id=event.id))


@bp.post("/events/<int:event_id>/materials/file")
@allow(SIGNED_IN)
def add_file(event_id: int):
    event = load_event(event_id, "add_materials")
    form = FileForm(prefix="file")
    _session_choices(form, event)
    if form.validate_on_submit():
        upload = form.file.data
        # One byte over the limit is enough to refuse: never read an unbounded stream.
        data = upload.stream.read(services.max_bytes() + 1)
        commit_or_refuse(lambda: services.add_file(
            event, current_user, filename=upload.filename or "", data=data,
            title=form.title.data, session_id=form.session_id.data),
            _("The material has been added."))
    else:
        flash(_("Choose a file to attach."), "warning")
    return _back(event)


@bp.post("/events/<int:event_id>/materials/link")
@allow(SIGNED_IN)
def add_link(event_id: int):
    event = load_event(event_id, "add_materials")
    form = LinkForm(prefix="link")
    _session_choices(form, event)
    if form.validate_on_submit():
        commit_or_refuse(lambda: services.add_link(
            event, current_user, url=form.url.data, title=form.title.data,
            session_id=form.session_id.data), _("The link has been added."))
    else:
        flash(_("Give a full web address starting with https://."), "warning")
    return _back(event)


@bp.post("/materials/<int:material_id>/remove")
@allow(SIGNED_IN)
def remove(material_id: int):
    material = load(EventMaterial, material_id, "see_material")
    if not removes_material(current_user, material):
        abort(404)
    event = material.event
    if EmptyForm().validate_on_submit():
        commit_or_refuse(lambda: services.remove(material, current_user),
                         _("The material has been removed."))
    return _back(event)


@bp.get("/materials/<int:material_id>/download")
@allow(SIGNED_IN)
def download(material_id: int):
    material = load(EventMaterial, material_id, "see_material")
    if material.is_link:
        return redirect(material.url)
    name = material.filename or "file"
    response = Response(material.content, mimetype=material.mimetype)
    # The ASCII name for old clients, the real one (Cyrillic) as RFC 5987 filename*.
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{services.ascii_filename(name)}"; '
        f"filename*=UTF-8''{quote(name, safe='')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.set_etag(material.sha256 or "")
    return response


@bp.app_template_global()
def materials_panel(event: Event) -> dict | None:
    """For the event page: how many materials, to those who may see them."""
    if not sees_materials(current_user, event):
        return None
    return _count(event)


@panels.event("materials")
def event_panel(event: Event, enrollment, user) -> dict | None:
    """How many materials the event has, for those who may see them (read from the viewer's
    active enrolment already loaded), else None."""
    if not sees_materials(user, event, enrollment):
        return None
    return _count(event)


def _count(event: Event) -> dict:
    count = db.session.scalar(
        db.select(db.func.count()).select_from(EventMaterial)
        .where(EventMaterial.event_id == event.id))
    return {"count": count}
