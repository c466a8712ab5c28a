"""The WeasyPrint helper reads only the app's static files."""

from __future__ import annotations

import pytest

from school.attendance.pdf import STATIC_BASE, StaticOnlyFetcher, render_pdf, static_path


@pytest.fixture
def fetcher(app):
    return StaticOnlyFetcher(app.static_folder)


def test_static_files_are_served(fetcher):
    response = fetcher.fetch(STATIC_BASE + "fonts/DejaVuSans.ttf")
    assert response.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert response.headers.get_content_type() in ("font/ttf", "application/x-font-ttf",
                                                   "application/octet-stream")


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.com/x.css",
    STATIC_BASE + "../../config.py",
    STATIC_BASE + "..%2F..%2Fconfig.py",
    STATIC_BASE + "%2Fetc%2Fpasswd",
    STATIC_BASE + "fonts/",
    STATIC_BASE + "no-such-file.css",
    "data:text/css,body{}",
])
def test_anything_else_is_refused(app, fetcher, url):
    assert static_path(app.static_folder, url) is None
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_a_document_cannot_pull_in_local_or_remote_files(app):
    with app.test_request_context():
        pdf = render_pdf(
            '<p>Қазақстан</p><img src="file:///etc/passwd">'
            '<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="/etc/passwd">',
            ["css/attendance-print.css"],
        )
    assert pdf.startswith(b"%PDF")
    assert b"root:" not in pdf
