"""Results pages: one event, the year's report (with its CSV/XLSX contract) and the
instructors across years."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.catalog.models import Event, Program
from school.core.exports import csv_bytes, download, percent, xlsx_bytes
from school.core.utils import optional_int
from school.evaluation import charts, results
from school.evaluation.blueprint import bp
from school.evaluation.models import Invitation
from school.extensions import db
from school.orgs.models import Region
from school.permissions import TEACHING, allow, can, load_event
from school.timeutil import local_today

FORMATS = ("html", "csv", "xlsx")


def _format() -> str:
    fmt = request.args.get("format") or "html"
    if fmt not in FORMATS:
        abort(400)
    return fmt


def _year() -> int:
    raw = request.args.get("year")
    if raw in (None, ""):
        return local_today().year - 1
    year = optional_int(raw)
    if year is None or not 2000 <= year <= 2100:
        abort(400)
    return year


def _export(fmt: str, header, rows, name: str, title: str) -> Response:
    rows = list(rows)
    if fmt == "csv":
        return download(csv_bytes(header, rows), f"{name}.csv", "csv")
    return download(xlsx_bytes(header, rows, title=title), f"{name}.xlsx", "xlsx")


def _names(model, ids, attr: str, *options) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {o.id: getattr(o, attr) for o in db.session.scalars(
        select(model).where(model.id.in_(ids)).options(*options))}


# --- one event ---------------------------------------------------------------------------


@bp.get("/evaluation/events/<int:event_id>")
@allow(TEACHING)
def event_results(event_id: int):
    event = load_event(event_id, "see_results")
    [row] = results.event_rows(select(Event.id).where(Event.id == event.id)) or [None]
    questions = results.question_results(event)
    silent, scores = results.people(event, current_user)
    anonymous = db.session.scalar(
        select(Invitation).where(Invitation.event_id == event.id).limit(1))
    chart = charts.score_bars(
        [(f"{i}. {q.question.text}", q.average) for i, q in enumerate(questions, start=1)
         if q.question.kind.value == "scale"],
        title=_("Average score per question"), chart_id="chart-questions",
    ) if any(q.question.kind.value == "scale" for q in questions) else None
    return render_template(
        "evaluation/event_results.html", event=event, figures=row.figures if row else None,
        questions=questions, silent=silent, scores=scores, chart=chart,
        anonymous=anonymous.questionnaire.anonymous if anonymous else True)


@bp.app_template_global()
def evaluation_event_panel(event: Event):
    """The completed event's figures for its management page, or None."""
    if event is None or event.status.value != "completed":
        return None
    if not can(current_user, "see_results", event):
        return None
    rows = results.event_rows(select(Event.id).where(Event.id == event.id))
    return rows[0].figures if rows else None


# --- the year's report -------------------------------------------------------------------


@bp.get("/reports/evaluation")
@allow(TEACHING)
def report():
    """Contract: ?year=YYYY&format=csv gives one line per event and instructor."""
    year, fmt = _year(), _format()
    rows = results.event_rows(results.scoped_events(current_user, year=year))
    if fmt != "html":
        return _export(fmt, results.CSV_COLUMNS, results.contract_rows(rows),
                       f"evaluation-{year}", _("Feedback and tests"))
    by_program = results.group_by(rows, lambda r: r.program_id)
    by_instructor = results.group_by(rows, lambda r: list(r.instructor_ids))
    by_region = results.group_by(rows, lambda r: r.region_code or "")
    programs = _names(Program, by_program, "title")
    instructors = _names(User, by_instructor, "full_name")
    regions = {r.code: r.name for r in db.session.scalars(select(Region))}
    chart = charts.score_bars(
        [(regions.get(code) or _("National"), f.average_score)
         for code, f in sorted(by_region.items())],
        title=_("Average score by region, %(year)d", year=year), chart_id="chart-regions",
    ) if by_region else None
    total = results.Figures()
    for row in rows:
        total.add(row.figures)
    # An event without its own title shows its programme's: loaded with it.
    events = _names(Event, [r.event_id for r in rows], "title", selectinload(Event.program))
    return render_template(
        "evaluation/report.html", year=year, rows=rows, total=total, events=events,
        by_program=by_program, by_instructor=by_instructor, by_region=by_region,
        programs=programs, instructors=instructors, regions=regions, chart=chart,
        this_year=local_today().year)


@bp.get("/reports/evaluation/instructors")
@allow(TEACHING)
def instructors():
    """Every instructor's results per year, across all their events."""
    fmt = _format()
    program_id = optional_int(request.args.get("program_id"))
    groups, names = results.instructor_years(current_user, program_id=program_id)
    keys = sorted(groups, key=lambda k: (names.get(k[0], ""), k[1]))
    if fmt != "html":
        header = ("instructor_id", "instructor", "year", "events", "responses", "invited",
                  "average_score", "pre_avg", "post_avg", "pass_rate")
        return _export(fmt, header, (
            (k[0], names.get(k[0]), k[1], len(groups[k].events), groups[k].responses,
             groups[k].invited, groups[k].average_score, groups[k].pre_avg,
             groups[k].post_avg, percent(groups[k].pass_rate, 1)) for k in keys),
            "evaluation-instructors", _("Instructors"))
    totals: dict[int, results.Figures] = {}
    for (uid, _y), figures in groups.items():
        totals.setdefault(uid, results.Figures()).add(figures)
    chart = charts.score_bars(
        [(names.get(uid, str(uid)), f.average_score)
         for uid, f in sorted(totals.items(), key=lambda it: names.get(it[0], ""))][:40],
        title=_("Average score per instructor, all years"), chart_id="chart-instructors",
    ) if totals else None
    programs = list(db.session.scalars(select(Program).order_by(Program.code)))
    return render_template("evaluation/instructors.html", keys=keys, groups=groups,
                           names=names, chart=chart, programs=programs, program_id=program_id)
