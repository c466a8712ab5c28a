"""The server-drawn charts: round axes, every value written, names escaped."""

from __future__ import annotations

import re

import pytest

from school.extensions import db
from school.reports.charts import axis, region_bars, trend_columns


@pytest.mark.parametrize("value", [0, 1, 3, 7, 38, 50, 99, 101, 723, 1234, 8385, 99_999])
def test_axis_is_round_and_covers_the_value(value):
    top, step = axis(value)
    assert top >= value and top % step == 0 and 1 <= top // step <= 5
    assert str(step).strip("0") in {"1", "2", "25", "5"}


def test_every_bar_has_its_number(app):
    with app.test_request_context():
        chart = region_bars([("Астана", 12), ("Алматы", 0), ("Шымкент", 7)], title="t")
        assert len(chart.bars) == 2  # a zero draws no bar but still shows its 0
        assert [t.text for t in chart.texts if t.bold] == ["12", "0", "7"]
        trend = trend_columns([(2024, 5, 8, 10), (2025, 6, 9, None)], title="t")
        assert len(trend.bars) == 4 and len([m for m in trend.marks if m.dashed]) == 2
        assert "2024" in trend.desc and "2025" in trend.desc


def test_names_in_charts_are_escaped(client, login, make_user, history):
    region = next(r for r in db.session.query(type(history.a.region)).all()
                  if r.code == "KZ-79")
    region.name_ru = "<script>alert(1)</script>"
    db.session.commit()
    login(make_user("admin"))
    html = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    svg = re.search(r'<svg [^>]*id="chart-regions".*?</svg>', html, re.S).group(0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
