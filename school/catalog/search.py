"""Case-insensitive text search that knows Cyrillic and Kazakh letters on SQLite too.

SQLite's own lower() and LIKE fold ASCII only, so «шымкент» would not find «Шымкент».
`folded(column)` compiles to lower() on PostgreSQL and to a Python-backed function on SQLite.
"""

from __future__ import annotations

import re
import sqlite3

from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class folded(FunctionElement):
    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded)
def _folded_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element, compiler, **kw):
    return f"school_lower({compiler.process(element.clauses, **kw)})"


def _lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "connect")
def _register_sqlite_lower(dbapi_conn, _record) -> None:
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.create_function("school_lower", 1, _lower, deterministic=True)


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character backslash) for `text` anywhere, folded."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text.strip().lower()) + "%"
