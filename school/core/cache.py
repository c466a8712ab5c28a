"""A few seconds of caching for public pages seen by anonymous visitors.

When registration for a national seminar opens, thousands of people reload the same
catalogue and event pages at once. For anonymous visitors those pages are the same for
everyone in one language, so each worker (or all of them, through Redis when REDIS_URL
is set) renders a page once per PAGE_CACHE_SECONDS. Signed-in people, pages that set a
cookie and pages with a message to flash are never cached. Seats left may lag by at most
those few seconds; enrolment itself always counts the rows.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections import OrderedDict

from flask import Response, current_app, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

_LOCAL_LIMIT = 2000


class PageCache:
    def __init__(self) -> None:
        self._local: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()
        self._redis = None

    def init_app(self, app) -> None:
        app.extensions["page_cache"] = self
        if app.config.get("REDIS_URL"):
            import redis

            self._redis = redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=0.2)

    def get(self, key: str) -> tuple[bytes, str] | None:
        if self._redis is not None:
            try:
                raw = self._redis.get(key)
            except Exception:
                return None
            if raw is None:
                return None
            mimetype, _, body = raw.partition(b"\n")
            return body, mimetype.decode()
        hit = self._local.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1], hit[2]

    def set(self, key: str, body: bytes, mimetype: str, ttl: float) -> None:
        if self._redis is not None:
            # Caching is best effort: a cache that is down only costs a render.
            with contextlib.suppress(Exception):
                self._redis.set(key, mimetype.encode() + b"\n" + body, px=int(ttl * 1000))
            return
        self._local[key] = (time.monotonic() + ttl, body, mimetype)
        self._local.move_to_end(key)
        while len(self._local) > _LOCAL_LIMIT:
            self._local.popitem(last=False)

    def clear(self) -> None:
        self._local.clear()


page_cache = PageCache()


def cached_for_anonymous(view):
    """Serve the decorated GET view from the page cache to anonymous visitors."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        ttl = current_app.config.get("PAGE_CACHE_SECONDS", 0)
        if (not ttl or request.method != "GET" or current_user.is_authenticated
                or session.get("_flashes")):
            return view(*args, **kwargs)
        # The host too: a page's links are built from it.
        key = f"page:{request.host}:{get_locale()}:{request.full_path}"
        hit = page_cache.get(key)
        if hit is not None:
            return Response(hit[0], mimetype=hit[1])
        response = make_response(view(*args, **kwargs))
        # A page that touched the session (a CSRF token, a message) belongs to one person.
        if response.status_code == 200 and not session.modified and not response.direct_passthrough:
            page_cache.set(key, response.get_data(), response.mimetype, ttl)
        return response

    return wrapper
