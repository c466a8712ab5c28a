"""Materials of events and sessions: who sees them, what may be uploaded, adding, removing.

Who sees them is one rule, the one the online link follows (school.permissions): the
event's staff (managers and instructors) and its confirmed or completed participants.
Anyone else gets a 404, as for a certificate. A file is accepted by what its first bytes
say it is, not by its name: a renamed executable is refused.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.audit.services import record
from school.catalog.models import Event, EventSession
from school.core.text import one_line
from school.core.xlsx_reader import BROKEN_ZIP
from school.errors import DomainError
from school.extensions import db
from school.materials.models import EventMaterial

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
MAX_PER_EVENT = 100


@dataclass(frozen=True)
class Kind:
    mimetype: str
    magic: str  # pdf | ooxml:<folder> | ole | odf


KINDS = {
    "pdf": Kind("application/pdf", "pdf"),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "ooxml:word/"),
    "pptx": Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 "ooxml:ppt/"),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "ooxml:xl/"),
    "doc": Kind("application/msword", "ole"),
    "ppt": Kind("application/vnd.ms-powerpoint", "ole"),
    "xls": Kind("application/vnd.ms-excel", "ole"),
    "odt": Kind("application/vnd.oasis.opendocument.text", "odf"),
    "odp": Kind("application/vnd.oasis.opendocument.presentation", "odf"),
}


def max_bytes() -> int:
    return int(current_app.config.get("MATERIALS_MAX_BYTES", DEFAULT_MAX_BYTES))


def materials_of(event: Event) -> list[EventMaterial]:
    return list(db.session.scalars(
        select(EventMaterial).where(EventMaterial.event_id == event.id)
        .order_by(EventMaterial.session_id.is_not(None), EventMaterial.session_id,
                  EventMaterial.id)))


def _zip_names(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()[:5000]
    except BROKEN_ZIP:
        return []


def _matches(data: bytes, kind: Kind) -> bool:
    if kind.magic == "pdf":
        return data.startswith(b"%PDF-")
    if kind.magic == "ole":
        return data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if not data.startswith(b"PK\x03\x04"):
        return False
    names = _zip_names(data)
    if kind.magic == "odf":
        return "mimetype" in names and "content.xml" in names
    folder = kind.magic.split(":", 1)[1]
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


def safe_filename(name: str) -> str:
    """A file name fit for a header: no path, no control or quote characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r'[\x00-\x1f\x7f"\';<>|*?:]', "", name).strip(" .")
    return name[:150] or "file"


def ascii_filename(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("_.")
    return plain or "file"


def _clean_title(title: str | None, fallback: str) -> str:
    title = one_line(title, 200)
    return title or fallback[:200]


def _session_of(event: Event, session_id: int | None) -> EventSession | None:
    if session_id is None:
        return None
    session = next((s for s in event.sessions if s.id == session_id), None)
    if session is None:
        raise DomainError("unknown_session", _l("This session is not part of the event."))
    return session


def _check_room(event: Event) -> None:
    if event.status.value == "cancelled":
        raise DomainError("event_cancelled",
                          _l("Materials cannot be added to a cancelled event."))
    count = db.session.scalar(
        select(db.func.count()).select_from(EventMaterial)
        .where(EventMaterial.event_id == event.id))
    if count >= MAX_PER_EVENT:
        raise DomainError("too_many_materials",
                          _l("An event can have at most %(n)d materials.", n=MAX_PER_EVENT))


def add_file(event: Event, actor, *, filename: str, data: bytes, title: str | None = None,
             session_id: int | None = None) -> EventMaterial:
    """Attach an uploaded file. Raises `file_empty`, `file_too_large`, `file_type`
    (an extension we do not take, or bytes that are not what the extension says),
    `unknown_session`, `event_cancelled`, `too_many_materials`."""
    session = _session_of(event, session_id)
    _check_room(event)
    name = safe_filename(filename)
    if not data:
        raise DomainError("file_empty", _l("The file is empty."), field="file")
    if len(data) > max_bytes():
        raise DomainError("file_too_large", _l("The file is larger than %(n)d MB.",
                                               n=max_bytes() // (1024 * 1024)), field="file")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = KINDS.get(extension)
    if kind is None or not _matches(data, kind):
        raise DomainError(
            "file_type",
            _l("Only PDF, Word, PowerPoint, Excel and OpenDocument files can be attached, "
               "and the file must really be one."),
            field="file",
        )
    material = EventMaterial(
        event_id=event.id, session_id=session.id if session else None,
        title=_clean_title(title, name), filename=name, mimetype=kind.mimetype,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
        added_by_id=actor.id,
    )
    db.session.add(material)
    db.session.flush()
    record(actor, "material.added", material, event_id=event.id, session_id=material.session_id,
           filename=name, size=len(data), sha256=material.sha256)
    return material


def add_link(event: Event, actor, *, url: str, title: str | None = None,
             session_id: int | None = None) -> EventMaterial:
    """Attach a link (a recording). Raises `bad_link` (not an http(s) address)."""
    session = _session_of(event, session_id)
    _check_room(event)
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500 \
            or any(c.isspace() or not c.isprintable() for c in url):
        raise DomainError("bad_link", _l("Give a full web address starting with https://."),
                          field="url")
    material = EventMaterial(
        event_id=event.id, session_id=session.id if session else None,
        title=_clean_title(title, parts.netloc), url=url, added_by_id=actor.id,
    )
    db.session.add(material)
    db.session.flush()
    record(actor, "material.added", material, event_id=event.id, session_id=material.session_id,
           url=url)
    return material


def remove(material: EventMaterial, actor) -> None:
    record(actor, "material.removed", material, event_id=material.event_id,
           title=material.title, filename=material.filename, url=material.url)
    db.session.delete(material)
    db.session.flush()
