"""The sign-in sheet goes through the app's one PDF renderer, which reads nothing but the
app's own static files."""

from __future__ import annotations

from school.pdf import render_pdf


def test_a_document_cannot_pull_in_local_or_remote_files(app):
    pdf = render_pdf(
        '<p>Қазақстан</p><img src="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="/etc/passwd">',
        "attendance",
    )
    assert pdf.startswith(b"%PDF")
    assert b"root:" not in pdf
