"""Charts drawn on the server as inline SVG: no script, no CDN, and they print.

This module only does the geometry; templates/reports/_charts.html draws it (autoescaped).
Each chart has a <title> and <desc> (read through aria-labelledby), dark text on white,
bars with an outline so they survive a black-and-white printer, and the value written next
to every bar; the page shows the same numbers in a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_number
from flask_babel import gettext as _


def axis(value: int, ticks: int = 4) -> tuple[int, int]:
    """A round axis for values up to `value`: (top, step), step 1, 2, 2.5 or 5 × 10^n."""
    if value <= 0:
        return ticks, 1
    raw = value / ticks
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(int(m * magnitude) for m in (1, 2, 2.5, 5, 10)
                if m * magnitude >= raw and float(m * magnitude).is_integer())
    return step * -(-value // step), step


@dataclass
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    bold: bool = False
    size: int = 12


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    light: bool = False


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    dashed: bool = False


@dataclass
class Chart:
    id: str
    width: int
    height: int
    title: str
    desc: str
    texts: list[Text] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    grid: list[Line] = field(default_factory=list)
    marks: list[Line] = field(default_factory=list)  # plan ticks and the legend's dash
    legend: list[tuple[float, float, bool]] = field(default_factory=list)  # swatches


def region_bars(items: list[tuple[str, int]], *, title: str, chart_id: str = "chart-regions"):
    """Horizontal bars, one per region: (label, value) pairs in display order."""
    width, label_w, row_h, top = 760, 250, 22, 10
    bar_w = width - label_w - 70
    height = top + row_h * max(len(items), 1) + 24
    top_value, step = axis(max((v for _l, v in items), default=0))
    desc = _("Bar chart, one bar per region; %(count)d regions.", count=len(items))
    if any(v for _l, v in items):
        best = max(items, key=lambda it: it[1])
        desc += " " + _("Highest: %(label)s, %(value)s.", label=best[0],
                        value=format_number(best[1]))
    chart = Chart(chart_id, width, height, title, desc)
    for tick in range(0, top_value + 1, step):  # light vertical grid, scale at the bottom
        x = label_w + bar_w * tick / top_value
        chart.grid.append(Line(x, top, x, height - 22))
        chart.texts.append(Text(x, height - 8, format_number(tick), "middle"))
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        w = bar_w * value / top_value
        chart.texts.append(Text(label_w - 8, y + 15, label[:42], "end"))
        if value:
            chart.bars.append(Bar(label_w, y + 3, w, row_h - 6))
        chart.texts.append(Text(label_w + w + 6, y + 15, format_number(value), bold=True))
    return chart


def trend_columns(items: list[tuple[int, int, int, int | None]], *, title: str,
                  chart_id: str = "chart-trend"):
    """Columns per year: people (dark) and participations (light), a dashed plan tick.

    items: (year, people, participations, planned or None), oldest first.
    """
    width, height, left, top, bottom = 760, 300, 56, 40, 36
    plot_h = height - top - bottom
    plot_w = width - left - 16
    top_value, step = axis(max((max(p, n, plan or 0) for _y, p, n, plan in items), default=0))
    slot = plot_w / max(len(items), 1)
    bar = min(28.0, slot / 3)
    first, last = (items[0][0], items[-1][0]) if items else (0, 0)
    desc = _("Column chart of people trained and participations per year, %(first)d to "
             "%(last)d.", first=first, last=last)
    chart = Chart(chart_id, width, height, title, desc)
    chart.legend = [(left, 8, False), (left + 170, 8, True)]
    chart.texts += [Text(left + 18, 18, _("People trained")),
                    Text(left + 188, 18, _("Participations")),
                    Text(left + 356, 18, _("Plan"))]
    chart.marks.append(Line(left + 330, 14, left + 350, 14, dashed=True))
    for tick in range(0, top_value + 1, step):
        y = top + plot_h - plot_h * tick / top_value
        chart.grid.append(Line(left, y, width - 16, y))
        chart.texts.append(Text(left - 6, y + 4, format_number(tick), "end"))
    base = top + plot_h
    for i, (year, people, participations, planned) in enumerate(items):
        cx = left + slot * i + slot / 2
        for j, value in enumerate((people, participations)):
            h = plot_h * value / top_value
            x = cx - bar + j * bar
            if value:
                chart.bars.append(Bar(x, base - h, bar, h, light=bool(j)))
            if j == 0:
                chart.texts.append(Text(x + bar / 2, base - h - 4, format_number(value),
                                        "middle", size=10))
        if planned:
            y = base - plot_h * planned / top_value
            chart.marks.append(Line(cx - bar - 4, y, cx + bar + 4, y, dashed=True))
        chart.texts.append(Text(cx, height - 14, str(year), "middle"))
    return chart
