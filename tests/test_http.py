"""HTTP as caches and browsers see it: fingerprinted, compressed static files; private
downloads that no shared cache keeps; one Date header (the server's)."""

from __future__ import annotations

import io
import re

from flask import Blueprint, send_file

from school.permissions import SIGNED_IN, allow
from tests.factories import PASSWORD


def _assets(html: str) -> list[str]:
    urls = re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js)\?[^"]*)"', html)
    return [u.replace("&amp;", "&") for u in urls]


def test_static_urls_are_fingerprinted_and_cached_for_a_year(client):
    assets = _assets(client.get("/login").get_data(as_text=True))
    assert any("bootstrap.min.css?v=" in a for a in assets)
    assert any("/static/css/app.css?v=" in a for a in assets)
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_stale_or_missing_fingerprint_is_not_cached_for_good(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        assert "immutable" not in client.get(url).headers.get("Cache-Control", "")


def test_static_text_is_compressed_but_pages_are_not(client):
    css = next(a for a in _assets(client.get("/login").get_data(as_text=True))
               if "bootstrap.min.css" in a)
    plain = client.get(css, buffered=True)
    packed = client.get(css, headers={"Accept-Encoding": "br, gzip"}, buffered=True)
    assert packed.headers["Content-Encoding"] in ("br", "gzip")
    assert len(packed.data) * 4 < len(plain.data)
    # Pages carry CSRF tokens beside echoed input: compressing them would invite BREACH.
    page = client.get("/login", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in page.headers


def test_private_downloads_are_no_store_with_one_date(make_app, make_user):
    probe_app = make_app()
    bp = Blueprint("download_probe", __name__)

    @bp.get("/__download_probe")
    @allow(SIGNED_IN)
    def probe():
        return send_file(io.BytesIO(b"PK"), mimetype="application/zip", as_attachment=True,
                         download_name="x.zip")

    probe_app.register_blueprint(bp)
    user = make_user("trainee")
    client = probe_app.test_client()
    signed_in = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    response = client.get("/__download_probe")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    # Werkzeug's send_file wrote its own Date and the server adds another.
    assert response.headers.getlist("Date") == []


def test_pages_name_a_favicon_that_is_served(client):
    html = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.get(icon)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_every_cookie_is_secure_in_production(make_app):
    secure_app = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = secure_app.test_client()
    response = client.get("/lang/kk?next=/")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("lang=") for c in cookies)
    assert all("Secure" in c for c in cookies), cookies
