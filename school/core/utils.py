"""Small helpers that views of every feature share."""

from __future__ import annotations

from flask import abort, flash, request
from sqlalchemy import func, select

from school.extensions import db


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def optional_int(value) -> int | None:
    """WTForms coerce for selects whose empty choice means 'none'."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def page_arg() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return max(1, min(page, 10_000))


def paginate(query, per_page: int = 25):
    """A page of a select(): (items, page, pages, total) with one COUNT and one SELECT."""
    page = page_arg()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return items, page, pages, total


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def flash_domain_error(form, error) -> None:
    """Put a DomainError on its field when the form has it, else flash it."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*list(field.errors or []), str(error.message)]
    else:
        flash(str(error.message), "danger")
