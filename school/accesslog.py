"""Access logs without query strings.

Searches carry personal data in the query string (`/people?q=<IIN>`, names, e-mails), and
access logs are kept longer and read by more people than the database. The request line and
the Referer are logged with their query replaced by `?…`, for the development server
(werkzeug) and for gunicorn's access log (whatever its access_log_format), so no
configuration can forget it. A proxy in front keeps its own log: see README (Security).
"""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


def strip_query(text: str) -> str:
    return _QUERY.sub("?…", text)


class QueryStringFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict):  # gunicorn.access: the atoms of access_log_format
            args = dict(args)
            for key in ("r", "f"):
                if isinstance(args.get(key), str):
                    args[key] = strip_query(args[key])
            if "q" in args:
                args["q"] = ""
            record.args = args
        elif isinstance(args, tuple):  # werkzeug: ("GET /path?query HTTP/1.1", code, size)
            record.args = tuple(strip_query(a) if isinstance(a, str) else a for a in args)
        return True


def install() -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
            logger.addFilter(QueryStringFilter())
