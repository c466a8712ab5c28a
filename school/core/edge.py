"""The view edge: how a POST ends, written once.

A POST view loads, checks, validates, then runs its service calls inside `attempt()`:

    with attempt(form) as done:
        enrollment = services.enrol(event, user)
    if done:
        flash(_("You are enrolled."), "success")
        return redirect(...)
    status = 400

The block commits once when it succeeds. A refusal (DomainError) rolls back, lands on the
form field it names (else it is flashed) and does not propagate, so the view goes on to
render the form or redirect. Anything else propagates: the request fails and its session
is discarded. On SQLite a POST request already holds the write lock (school/__init__.py).

Imports that are previewed, then confirmed, share `KeptUpload`, `preview_upload` and
`apply_upload` (the file is kept by its hash between the two steps: school/core/uploads.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import abort, flash, session
from flask_babel import gettext as _

from school.core.uploads import drop_upload, keep_upload, read_upload
from school.errors import DomainError
from school.extensions import db


def flash_domain_error(form, error: DomainError, category: str = "danger") -> None:
    """Put each refusal (a DomainError, or DomainErrors holding several) on its field when
    the form has it, else flash it."""
    for one in getattr(error, "errors", [error]):
        field = getattr(form, one.field, None) if (form is not None and one.field) else None
        if field is not None:
            message = str(one.message)
            if message not in (field.errors or []):
                field.errors = [*list(field.errors or []), message]
        else:
            flash(str(one.message), category)


class attempt:  # lower case: it reads as a statement, `with attempt(form) as done:`
    """Commit the block on success; on a DomainError roll back and show it (see the module).

    `category` is the flash category of refusals that have no field on the form.
    `abort_on` lists the error statuses that are an HTTP answer rather than a message (a
    service's "not found" is the page's 404). `show=False` only rolls back: the view looks at
    `done.error` and shows it (`done.show_error()`) or answers otherwise.
    Truthy when the block succeeded; `error` holds the refusal.
    """

    def __init__(self, form=None, *, category: str = "danger", abort_on: Iterable[int] = (),
                 show: bool = True):
        self.form = form
        self.category = category
        self.abort_on = tuple(abort_on)
        self.show = show
        self.error: DomainError | None = None

    def __enter__(self) -> attempt:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            db.session.commit()
            return False
        if not issubclass(exc_type, DomainError):
            return False
        db.session.rollback()
        self.error = exc
        if exc.status in self.abort_on:
            abort(exc.status)
        if self.show:
            self.show_error()
        return True

    def show_error(self) -> None:
        """What `show=True` does, for a view that first looked at the refusal."""
        flash_domain_error(self.form, self.error, self.category)

    def __bool__(self) -> bool:
        return self.error is None


def commit_or_refuse(action: Callable[[], object], success: str, form=None) -> bool:
    """`attempt` around one service call: True, with `success` flashed, once it committed."""
    with attempt(form) as done:
        action()
    if done:
        flash(success, "success")
    return bool(done)


# --- upload → preview → confirm ------------------------------------------------------------


class KeptUpload:
    """The file previewed on a page, kept for its confirmation.

    The session holds its digest under `key`, with the `scope` it was previewed for (an
    event, a session of it): a file kept for another page reads as none.
    """

    def __init__(self, kind: str, key: str, **scope: Any):
        self.kind = kind
        self.key = key
        self.scope = scope

    def _entry(self) -> dict | None:
        kept = session.get(self.key)
        if isinstance(kept, dict) and all(kept.get(k) == v for k, v in self.scope.items()):
            return kept
        return None

    @property
    def digest(self) -> str | None:
        kept = self._entry()
        return kept.get("digest") if kept else None

    def keep(self, data: bytes) -> None:
        session[self.key] = {**self.scope, "digest": keep_upload(self.kind, data)}

    def read(self) -> bytes | None:
        return read_upload(self.kind, self.digest)

    def forget(self) -> None:
        if self._entry() is not None:
            session.pop(self.key, None)

    def drop(self) -> None:
        drop_upload(self.kind, self.digest)
        self.forget()


def preview_upload(form, kept: KeptUpload, plan: Callable[[bytes], Any]):
    """The preview step: the uploaded file checked row by row (`plan(data)`, a report with
    `.ok`) and kept for the confirmation when it may be applied. None without a valid form."""
    if not form.validate_on_submit():
        return None
    data = form.file.data.read()
    report = plan(data)
    if report.ok:
        kept.keep(data)
    return report


def apply_upload(kept: KeptUpload, apply: Callable[[bytes], Any]):
    """The confirmation: `apply(data)` on the kept file, in one transaction.

    None when nothing was applied: the preview expired or a rule refused (either is
    flashed). Else the report: committed and the file dropped when `report.ok`; rolled back
    when not (the database changed since the preview), for the page to show.
    The file is dropped only once the import committed: a failure leaves the preview to
    confirm again.
    """
    data = kept.read()
    if data is None:
        kept.forget()
        flash(_("Upload the file again: the preview has expired."), "warning")
        return None
    try:
        report = apply(data)
    except DomainError as e:
        db.session.rollback()
        flash_domain_error(None, e)
        return None
    if not report.ok:
        db.session.rollback()
        return report
    db.session.commit()
    kept.drop()
    return report
