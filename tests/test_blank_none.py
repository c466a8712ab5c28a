"""Issue 12, item 7: a missing value prints as nothing in any template, never "None"."""

from flask import render_template_string


def test_none_prints_as_nothing(app):
    with app.test_request_context():
        assert render_template_string("[{{ x }}|{{ y }}|{{ z or '—' }}]", x=None, y=0,
                                      z=None) == "[|0|—]"
