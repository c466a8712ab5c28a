"""HTML → PDF through WeasyPrint, the one way this app makes PDFs.

Each process keeps one FontConfiguration and one parsed stylesheet per document kind,
built on first use: parsing the CSS and loading the fonts on every document costs a third
of the time and leaks memory. A certificate is also rendered without WeasyPrint's HTML
user-agent stylesheet (OWN_DEFAULTS): its stylesheet declares the few defaults it needs.
The fetcher serves only files under school/static (fonts, images); everything else —
http(s), other files — is refused, so a value printed on a certificate can never make the
renderer read the disk or the network.

This module imports nothing from Flask or the database: worker processes of the render
pool import it alone.
"""

from __future__ import annotations

import atexit
import html as html_lib
import mimetypes
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

STATIC_ROOT = (Path(__file__).resolve().parent / "static").resolve()
STATIC_URL = STATIC_ROOT.as_uri() + "/"
STYLESHEETS = {
    "certificate": "css/certificate.css",
    "letter": "css/letter.css",
    "attendance": "css/attendance-print.css",
}

# Kinds whose stylesheet declares every HTML default its page relies on (display, bold,
# the heading's bookmark): WeasyPrint's user-agent stylesheet, hundreds of selectors
# matched against every element, is left out for them. It was a fifth of a certificate's
# rendering; the page comes out the same to the pixel and to the letter.
OWN_DEFAULTS = {"certificate"}

_lock = threading.Lock()
# Pango's font map is not known to be thread-safe: threads of one process take turns.
_render_lock = threading.Lock()
_font_config = None
_stylesheets: dict[str, object] = {}
_fetcher = None


class AssetsOnly:
    """Builds the WeasyPrint fetcher lazily so importing this module stays cheap."""

    @staticmethod
    def make():
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class _Fetcher(URLFetcher):
            def fetch(self, url, headers=None):
                path = static_path(url)
                if path is None:
                    raise ValueError(f"refused to fetch {url[:80]!r}: not an app asset")
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    path.as_uri(), path.read_bytes(), {"Content-Type": mime}
                )

        return _Fetcher(allowed_protocols=("file",), allow_redirects=False)


def static_path(url: str) -> Path | None:
    """The file under school/static that `url` names, or None when it names anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        path = Path(unquote(parts.path)).resolve()
    except (OSError, ValueError):
        return None
    if not path.is_relative_to(STATIC_ROOT) or not path.is_file():
        return None
    return path


def _setup(kind: str):
    global _font_config, _fetcher
    with _lock:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        if _font_config is None:
            _font_config = FontConfiguration()
            _fetcher = AssetsOnly.make()
        css = _stylesheets.get(kind)
        if css is None:
            path = STATIC_ROOT / STYLESHEETS[kind]
            css = CSS(
                string=path.read_text(encoding="utf-8"),
                base_url=path.as_uri(),
                font_config=_font_config,
                url_fetcher=_fetcher,
            )
            _stylesheets[kind] = css
        return _font_config, css, _fetcher


@atexit.register
def _release() -> None:
    # Drop the font configuration while the interpreter is still whole: its finaliser
    # fails noisily if it runs during shutdown.
    global _font_config
    _stylesheets.clear()
    _font_config = None


def warm_up(*kinds: str) -> None:
    """Load fonts and parse stylesheets now (a pool worker calls this when it starts)."""
    for kind in kinds or tuple(STYLESHEETS):
        _setup(kind)


# <div class="qr" data-qr="URL"></div> in a document becomes the URL's QR code as inline
# SVG here, in the rendering process: building it costs as much as a tenth of a render, and
# in a bulk batch the calling process would otherwise do it while the pool waits.
QR_MARKER = re.compile(r'<div class="qr-code" data-qr="([^"<>]*)"></div>')


def _qr_svg(match: re.Match) -> str:
    import segno

    url = html_lib.unescape(match.group(1))
    # One fixed mask: any of the eight makes a valid code that scanners read, and choosing
    # the "best" one scores all eight, which cost as much as a fifth of a certificate.
    return segno.make(url, error="m", mask=0).svg_inline(scale=4, border=0, dark="#1d2330")


def render_pdf(html: str, kind: str = "certificate") -> bytes:
    """A PDF of `html` with the stylesheet of `kind`, fonts embedded as subsets."""
    from weasyprint import HTML

    html = QR_MARKER.sub(_qr_svg, html)
    font_config, css, fetcher = _setup(kind)
    cls = _without_ua_stylesheet() if kind in OWN_DEFAULTS else HTML
    with _render_lock:
        document = cls(string=html, base_url=STATIC_URL, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[css], font_config=font_config)


_html_without_ua = None


def _without_ua_stylesheet():
    """weasyprint.HTML with no user-agent stylesheet. `_ua_stylesheets` is a private
    method of WeasyPrint (70): should a later version rename it, the override goes unused
    and certificates render as before, only slower (the stylesheet's own rules win)."""
    global _html_without_ua
    if _html_without_ua is None:
        from weasyprint import HTML

        class WithoutUAStylesheet(HTML):
            def _ua_stylesheets(self, forms=False):
                return []

        _html_without_ua = WithoutUAStylesheet
    return _html_without_ua


def render_many(items: list[tuple[str, str]]) -> list[bytes]:
    """Render several (html, kind) pairs: one task of the process pool."""
    return [render_pdf(html, kind) for html, kind in items]
