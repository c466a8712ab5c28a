"""The yearly report page's figures, rendered once per generation (issue 15).

Tables, charts, the ten-year trend and plan against result are the same for every reader
with the same scope, filters, year and language until a figure can move; so they are
rendered once and kept with the report's cached figures (freshness.py, whose generation
also moves with training plans, programmes and the names of regions, unions and branches
shown here); so is the filters' form. What is a reader's own stays outside: the menu, the
form tokens (closing a year), a closed year's differences.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from school.accounts.models import User
from school.i18n_fields import current_lang
from school.reports import charts, exports, freshness, services
from school.timeutil import local_today


def _key(year: int, user: User, filters: services.Filters) -> dict:
    scope = services.Scope.of(user)
    return {"year": year, "scope": scope.describe(), "unions": sorted(scope.whole_unions),
            "filters": filters.as_dict(), "lang": current_lang(),
            "today": local_today().isoformat(), "root": request.script_root}


def figures(year: int, user: User, filters: services.Filters, args: dict) -> Markup:
    return Markup(freshness.cached(  # noqa: S704 - our own template's output
        "yearly-figures", _key(year, user, filters),
        lambda: _render(year, user, filters, args)))


def filter_form(year: int, user: User, filters: services.Filters,
                choices: Callable[[], dict]) -> Markup:
    """The filters' form; `choices()` (the view's, scoped to the reader) only when it is
    rendered afresh."""
    return Markup(freshness.cached(  # noqa: S704 - our own template's output
        "yearly-filters", _key(year, user, filters),
        lambda: render_template("reports/_yearly_filters.html", choices=choices(),
                                filters=filters, year=year, this_year=local_today().year)))


def _render(year: int, user: User, filters: services.Filters, args: dict) -> str:
    report = services.yearly_report(year, user, filters)
    trend = services.trend_years(user, filters, last=year)
    region_chart = charts.region_bars(
        [(exports._region_name(r), report.region_total(r.id if r else None).people)
         for r in report.regions],
        title=_("People trained in %(year)d by region", year=year),
    ) if report.regions else None
    trend_chart = charts.trend_columns(
        [(t.year, t.cell.people, t.cell.participations, t.planned) for t in trend],
        title=_("People trained per year"),
    ) if trend else None
    return render_template(
        "reports/_yearly_figures.html", report=report, trend=trend, year=year,
        plan=services.plan_report(year, user, filters), region_chart=region_chart,
        trend_chart=trend_chart, args=args, filters=filters,
        commission_figures=services.commission_figures(year, user),
    )
