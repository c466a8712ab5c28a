"""HTML → PDF through WeasyPrint, reading nothing but the app's own static files.

Written to be shared (certificates want the same): one FontConfiguration and one parsed
stylesheet per process — WeasyPrint with default arguments leaks memory per document and
renders a third slower — and a URL fetcher that refuses `file://`, remote URLs and
`data:`, so a name or a remark in the HTML cannot make the server read files or call out.
Stylesheets and fonts are named by their path under `school/static/`. WeasyPrint is
imported with this module, i.e. once per worker (gunicorn --preload), not per request.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

# A base URL that can never reach the network (.invalid is reserved, RFC 2606): relative
# URLs in our CSS resolve under it, and the fetcher maps it onto the static folder.
STATIC_BASE = "https://static.invalid/static/"
_BASE_PATH = urlsplit(STATIC_BASE).path

_lock = threading.Lock()
_font_config: FontConfiguration | None = None
_stylesheets: dict[tuple[str, str], CSS] = {}


def static_path(folder: str, url: str) -> Path | None:
    """The file under `folder` that `url` names, or None for any other URL."""
    if not url.startswith(STATIC_BASE):
        return None
    relative = unquote(urlsplit(url).path[len(_BASE_PATH):])
    joined = safe_join(folder, relative)
    if joined is None:
        return None
    path = Path(joined)
    return path if path.is_file() else None


class StaticOnlyFetcher(URLFetcher):
    """Serves files under the static folder for STATIC_BASE URLs; refuses everything else
    (WeasyPrint then logs a warning and leaves the resource out)."""

    def __init__(self, folder: str):
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.folder = folder

    def fetch(self, url, headers=None):
        path = static_path(self.folder, url)
        if path is None:
            raise ValueError(f"refused to fetch {url[:200]!r}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def _fonts() -> FontConfiguration:
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


def _stylesheet(folder: str, name: str) -> CSS:
    key = (folder, name)
    sheet = _stylesheets.get(key)
    if sheet is None:
        path = static_path(folder, STATIC_BASE + name)
        if path is None:
            raise FileNotFoundError(name)
        sheet = CSS(string=path.read_text(encoding="utf-8"), base_url=STATIC_BASE + name,
                    url_fetcher=StaticOnlyFetcher(folder), font_config=_fonts())
        _stylesheets[key] = sheet
    return sheet


def render_pdf(html: str, stylesheets: Sequence[str] = ()) -> bytes:
    """Render `html` with stylesheets given as paths under static/ (e.g.
    "css/attendance-print.css"); fonts come from @font-face rules in those sheets."""
    folder = current_app.static_folder
    assert folder is not None
    # One shared FontConfiguration: rendering is serialised rather than trusting it
    # across threads.
    with _lock:
        sheets = [_stylesheet(folder, name) for name in stylesheets]
        document = HTML(string=html, base_url=STATIC_BASE, url_fetcher=StaticOnlyFetcher(folder))
        return document.write_pdf(stylesheets=sheets, font_config=_fonts())
