"""What a certificate or a letter says: plain values from the records, then HTML.

The documents are bilingual by design (a certificate is Kazakh and Russian side by side, a
letter is asked for in one of the two), so their wording lives in the document templates
and in the small tables below, not in the interface catalogues.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app

from school.catalog.models import Event, EventFormat, EventKind
from school.certificates import wording
from school.core.formatting import date_span, format_hours
from school.core.text import one_line
from school.i18n_fields import localized
from school.timeutil import to_local

DEFAULT_PREFIX = "FPRK"
ISSUER = {
    "ru": "Федерация профсоюзов Республики Казахстан",
    "kk": "Қазақстан Республикасы Кәсіподақтар федерациясы",
}
SCHOOL = {"ru": "Школа профсоюзного лидера", "kk": "Кәсіподақ көшбасшысы мектебі"}
LETTER_BASIS = {
    "ru": "коллективный договор организации; Закон Республики Казахстан "
    "«О профессиональных союзах»",
    "kk": "ұйымның ұжымдық шарты; «Кәсіптік одақтар туралы» Қазақстан Республикасының Заңы",
}
KIND = {
    EventKind.seminar: {"ru": "семинар", "kk": "семинар"},
    EventKind.online_course: {"ru": "онлайн-курс", "kk": "онлайн-курс"},
    EventKind.training: {"ru": "тренинг", "kk": "тренинг"},
    EventKind.round_table: {"ru": "круглый стол", "kk": "дөңгелек үстел"},
}
FORMAT = {
    # The interface's words for the formats (EventFormat's labels), in lower case.
    EventFormat.in_person: {"ru": "очный", "kk": "бетпе-бет"},
    EventFormat.online: {"ru": "онлайн", "kk": "онлайн"},
    EventFormat.hybrid: {"ru": "смешанный", "kk": "аралас"},
}


def setting(name: str, default=None):
    """An app setting, else the environment variable of the same name, else `default`."""
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def by_lang(name: str, defaults: dict[str, str]) -> dict[str, str]:
    """A bilingual setting: a dict by language, one string for both, or NAME_RU / NAME_KK."""
    value = setting(name)
    if isinstance(value, dict):
        return {lang: value.get(lang) or defaults[lang] for lang in ("ru", "kk")}
    if isinstance(value, str):
        return {"ru": value, "kk": value}
    return {lang: setting(f"{name}_{lang.upper()}", defaults[lang]) for lang in ("ru", "kk")}


def _render(template: str, **context) -> str:
    # Straight through Jinja: documents need no request, locale or context processors
    # (background jobs have none of them), and skipping them is faster.
    return current_app.jinja_env.get_template(template).render(**context)


def fmt_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def fmt_dates(start: date, end: date) -> str:
    return date_span(start, end, numeric=True)  # one day, one date


def fmt_hours(hours: Decimal | int | float | None) -> str:
    """«16», «1,5» (the decimal comma of both document languages): never «16.00»."""
    return format_hours(hours, "ru")


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def hours_text(hours, lang: str) -> str:
    text = fmt_hours(hours)
    if lang == "kk":
        return f"{text} академиялық сағат"
    value = Decimal(str(hours or 0))
    if value != value.to_integral_value():
        return f"{text} академического часа"
    n = int(value)
    word = ru_plural(n, "академический час", "академических часа", "академических часов")
    return f"{text} {word}"


def place(event: Event, lang: str) -> str:
    city = getattr(event, f"city_{lang}") or event.city_ru or event.city_kk
    region = event.region
    if not city and region is not None and region.type == "city":
        city = getattr(region, f"name_{lang}") or region.name_ru
    if city:
        text = f"г. {city}" if lang == "ru" else f"{city} қаласы"
    elif region is not None:
        text = getattr(region, f"name_{lang}") or region.name_ru
    else:
        text = ""
    if event.format is EventFormat.online:
        # The form already says «онлайн»: an online event has no place to print.
        return ""
    return text or "—"


def organizer(event: Event, lang: str) -> str:
    body = event.organizer_branch or event.organizer_union
    if body is not None:
        return getattr(body, f"name_{lang}") or body.name_ru
    return SCHOOL[lang]


def event_hours(event: Event) -> int:
    """The academic hours of `event` itself: its sessions' hours added up, or the
    programme's hours when the sessions carry none (one short session of a 12-hour
    programme is one hour, not twelve). `event.sessions` and `event.program` loaded."""
    hours = sum(s.academic_hours or 0 for s in event.sessions)
    return hours if hours > 0 else event.program.academic_hours


def verify_url(code: str) -> str:
    return f"{current_app.config['BASE_URL']}/verify/{code}"


@dataclass(frozen=True)
class Issue:
    """What one certificate is issued for: enough to print it and store it."""

    enrollment_id: int
    holder_name: str
    number: str
    code: str
    issued_on: date
    gender: str | None = None  # "m" / "f" from the holder's IIN: the Russian verb's form


def certificate_snapshot(event: Event) -> dict:
    """What a certificate prints about the training (the same for every holder), kept on
    the certificate when issued; `event` with its programme, signatories and region loaded.
    """
    program = event.program
    hours = event_hours(event)
    issuer = by_lang("CERTIFICATE_ISSUER", ISSUER)
    return {
        "issuer_ru": issuer["ru"],
        "issuer_kk": issuer["kk"],
        "organizer_ru": organizer(event, "ru"),
        "organizer_kk": organizer(event, "kk"),
        "program_ru": program.title_ru,
        "program_kk": program.title_kk or program.title_ru,
        "program_en": program.title_en,
        "event_title_ru": event.title_ru,
        "event_title_kk": event.title_kk,
        "event_title_en": event.title_en,
        "title_ru": program.certificate_title_ru or "",
        "title_kk": program.certificate_title_kk or "",
        "kind_ru": KIND[event.kind]["ru"],
        "kind_kk": KIND[event.kind]["kk"],
        "format_ru": FORMAT[event.format]["ru"],
        "format_kk": FORMAT[event.format]["kk"],
        "dates": fmt_dates(event.starts_on, event.ends_on),
        "place_ru": place(event, "ru"),
        "place_kk": place(event, "kk"),
        "hours_n": hours,
        "hours_ru": hours_text(hours, "ru"),
        "hours_kk": hours_text(hours, "kk"),
        "signatories": [
            {
                "title_ru": s.title_ru,
                "title_kk": s.title_kk,
                "name": s.name_ru if s.name_ru == s.name_kk else f"{s.name_kk} / {s.name_ru}",
            }
            for s in wording.signatories(program)
        ],
    }


def certificate_html(event: Event, issue: Issue, snapshot: dict | None = None) -> str:
    """The certificate's HTML: `snapshot` (certificate_snapshot, or a kept one — a reissue
    prints what the replaced certificate printed) plus this holder's name and number."""
    if snapshot and "signatories" in snapshot:  # a whole one
        c = dict(snapshot)
    else:  # none, or one that a migration filled in part: today's records for the rest
        c = {**certificate_snapshot(event), **(snapshot or {})}
    name = issue.holder_name
    c.update({
        "number": issue.number,
        "code": issue.code,
        "verify_url": verify_url(issue.code),
        "holder_name": name,
        "name_class": "very-long" if len(name) > 52 else "long" if len(name) > 38 else "",
        "issued_on": fmt_date(issue.issued_on),
        "passed_ru": wording.VERBS["passed"][issue.gender],
    })
    return _render("certificates/pdf/certificate.html", c=c)


def session_days(event: Event) -> list[date]:
    """The distinct local dates of the event's sessions (the event's dates if it has none)."""
    days = sorted({to_local(s.starts_at).date() for s in event.sessions})
    if days:
        return days
    span = (event.ends_on - event.starts_on).days
    return [date.fromordinal(event.starts_on.toordinal() + i) for i in range(span + 1)]


def letter_html(kind: str, lang: str, enrollment, *, attended_days: list[date] | None = None,
                today: date, number: str | None = None, overrides: dict | None = None) -> str:
    """A letter to the participant's employer: `release` before the event, `participation`
    after it. `enrollment` with its user, event, programme and sessions loaded. `number`
    comes from the register of outgoing letters (school.releases.letters); `overrides`
    replace context values (the employer as addressee, the agreement as basis)."""
    event = enrollment.event
    user = enrollment.user
    program = event.program
    days = session_days(event)
    n_days = len(days)
    days_word = (
        "күн" if lang == "kk" else ru_plural(n_days, "день", "дня", "дней")
    )
    issuer = by_lang("CERTIFICATE_ISSUER", ISSUER)
    basis = by_lang("CERTIFICATE_LETTER_BASIS", LETTER_BASIS)
    # The letter goes to the employer: the workplace the person gave (free text), else
    # a generic addressee. Never the primary union organisation: it does not employ them.
    workplace = one_line(localized(user, "workplace", lang))
    hours = event_hours(event)
    ctx = {
        "lang": lang,
        "issuer": issuer[lang],
        "organizer": organizer(event, lang),
        "today": fmt_date(today),
        "ref": number or f"{event.id}-{enrollment.id}",
        "workplace": workplace,
        "name": user.full_name,
        "position": localized(user, "position", lang),
        "took_part": wording.verbs(user.iin)["took_part"],
        "title": wording.DOCUMENT_NAMES[kind][lang],
        "program": getattr(program, f"title_{lang}") or program.title_ru,
        "kind": KIND[event.kind][lang],
        "format": FORMAT[event.format][lang],
        "dates": fmt_dates(event.starts_on, event.ends_on),
        "days": ", ".join(fmt_date(d) for d in days),
        "n_days": f"{n_days} {days_word}",
        "place": place(event, lang),
        "venue": localized(event, "venue", lang) if event.format is not EventFormat.online
        else "",
        "basis": basis[lang],
        "hours": hours_text(hours, lang),  # the event's own
        "hours_n": fmt_hours(hours),
        "attended_n": fmt_hours(enrollment.attended_hours),
        "attended_days": ", ".join(fmt_date(d) for d in attended_days or []),
        "signatories": [
            {"title": getattr(s, f"title_{lang}"), "name": getattr(s, f"name_{lang}")}
            for s in wording.signatories(program)
        ],
        # Who prepared the letter, as official letters name them («Исп.» / «Орынд.»).
        "executor": by_lang("LETTER_EXECUTOR", {"ru": "", "kk": ""})[lang],
    }
    ctx.update(overrides or {})
    return _render(f"certificates/pdf/letter_{kind}.html", l=ctx)
