"""Small helpers that views of every feature share."""

from __future__ import annotations

import re

from flask import abort, request
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from school.extensions import db


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    # Browsers drop tabs and newlines inside URLs ("/\t/evil.example" is "//evil.example"),
    # and a newline cannot go into a Location header at all.
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    return target


# Id columns are INTEGER: PostgreSQL's ends at 2^31 - 1 and answers a larger number with an
# error (a 500), so every id from a path, a query string or a form stops here (SQLite's
# 64-bit range is wider, the narrower one decides).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs, bounded so that an absurd number is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def optional_int(value) -> int | None:
    """WTForms coerce for selects whose empty choice means 'none'."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -MAX_ID <= number <= MAX_ID else None


def record_id(value) -> int:
    """WTForms coerce for lists of record ids: anything that is not an id the database can
    hold is refused as a bad choice (a ValueError), not passed on to overflow."""
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("not a record id")
    return number


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


def get_or_404(model, ident, options=()):
    obj = db.session.get(model, ident, options=options)
    if obj is None:
        abort(404)
    return obj


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) for `text` anywhere, lower-cased.

    Compare it with func.lower(column): on SQLite lower() is replaced by a Unicode-aware
    one (school/extensions.py), so Cyrillic and Kazakh letters fold there too."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text.strip().lower()) + "%"
