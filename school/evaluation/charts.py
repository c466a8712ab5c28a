"""Offline SVG charts of average scores, drawn like the yearly report's
(school/reports/charts.py geometry, templates/reports/_charts.html markup)."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from school.reports.charts import Bar, Chart, Line, Text


def score_bars(items: list[tuple[str, float | None]], *, title: str,
               chart_id: str = "chart-scores", top: float = 5.0) -> Chart:
    """Horizontal bars on a fixed 0..`top` axis: (label, average or None) pairs."""
    width, label_w, row_h, top_pad = 760, 280, 22, 10
    bar_w = width - label_w - 70
    height = top_pad + row_h * max(len(items), 1) + 24
    desc = _("Bar chart of average scores from 1 to 5; %(count)d bars.", count=len(items))
    chart = Chart(chart_id, width, height, title, desc)
    steps = 5 if top == 5.0 else 4
    for i in range(steps + 1):
        tick = top * i / steps
        x = label_w + bar_w * tick / top
        chart.grid.append(Line(x, top_pad, x, height - 22))
        chart.texts.append(Text(x, height - 8, format_decimal(round(tick, 1)), "middle"))
    for i, (label, value) in enumerate(items):
        y = top_pad + i * row_h
        chart.texts.append(Text(label_w - 8, y + 15, label[:46], "end"))
        if value is None:
            chart.texts.append(Text(label_w + 6, y + 15, "—"))
            continue
        w = bar_w * min(value, top) / top
        chart.bars.append(Bar(label_w, y + 3, w, row_h - 6))
        chart.texts.append(Text(label_w + w + 6, y + 15, format_decimal(value), bold=True))
    return chart
