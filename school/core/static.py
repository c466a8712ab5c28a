"""Static files: fingerprinted URLs cached for a year, compressed when a browser accepts it.

Every `url_for('static', …)` (and Bootstrap-Flask's own static files) carries `?v=<hash of
the file's bytes>`, so a file's URL changes whenever its content does and the response may
be cached as immutable. Compression is Flask-Compress's, limited to static text types:
compressing pages that hold CSRF tokens beside reflected input would invite BREACH.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request
from flask_compress import Compress

STATIC_ENDPOINTS = {"static": None, "bootstrap.static": "bootstrap"}
YEAR = 365 * 24 * 3600
COMPRESSED_TYPES = [
    "text/css", "text/javascript", "application/javascript", "image/svg+xml",
    "font/ttf", "application/x-font-ttf", "application/vnd.ms-fontobject",
]

compress = Compress()
_hashes: dict[tuple[str, int, int], str] = {}


def _folder(app: Flask, endpoint: str) -> str | None:
    blueprint = STATIC_ENDPOINTS.get(endpoint)
    if blueprint is None:
        return app.static_folder
    bp = app.blueprints.get(blueprint)
    return bp.static_folder if bp else None


def fingerprint(app: Flask, endpoint: str, filename: str) -> str | None:
    """The first 12 hex digits of the file's sha256 (cached by path, size and mtime)."""
    folder = _folder(app, endpoint)
    if not folder or not filename:
        return None
    path = os.path.realpath(os.path.join(folder, filename))
    if not path.startswith(os.path.realpath(folder) + os.sep):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (path, stat.st_mtime_ns, stat.st_size)
    digest = _hashes.get(key)
    if digest is None:
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:12]
        _hashes[key] = digest
    return digest


class _StaticCache:
    """Compressed bytes of fingerprinted files, once per process: only static types are
    compressed, their versioned URLs name exact contents, and there are a few dozen."""

    def __init__(self):
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if len(self._data) < 512:
            self._data[key] = value


def _cache_key(req) -> str:
    return req.full_path


def init_static(app: Flask) -> None:
    app.config.setdefault("COMPRESS_CACHE_BACKEND", _StaticCache)
    app.config.setdefault("COMPRESS_CACHE_KEY", _cache_key)
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 512)
    compress.init_app(app)

    # Once a file's digest is known it is kept for the process, unless templates reload
    # (development): finding it anew cost two realpath()s and a stat per URL, seven URLs
    # on every page (issue 15). A deployment restarts the processes with the new files.
    known: dict[tuple[str, str], str | None] = {}

    @app.url_defaults
    def _versioned(endpoint, values):
        if endpoint in STATIC_ENDPOINTS and "v" not in values:
            filename = values.get("filename", "")
            digest = known.get((endpoint, filename))
            if digest is None:
                digest = fingerprint(app, endpoint, filename)
                if digest and not (app.debug or app.config.get("TEMPLATES_AUTO_RELOAD")) \
                        and len(known) < 512:
                    known[(endpoint, filename)] = digest
            if digest:
                values["v"] = digest

    @app.after_request
    def _static_cache(response):
        endpoint = request.endpoint
        if endpoint in STATIC_ENDPOINTS and response.status_code == 200:
            version = request.args.get("v")
            if version and version == fingerprint(
                app, endpoint, (request.view_args or {}).get("filename", "")
            ):
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response
