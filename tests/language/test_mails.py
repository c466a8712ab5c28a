"""Issue 13, item 3: every mail addresses the person as an official letter does (first name
and patronymic, «Уважаемая/Уважаемый/Уважаемый(ая)», «Құрметті»), ends with a sign-off naming
the school, has a text and an HTML part, and never shows hours as «16.00»."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from jinja2 import meta

from school.core.addressing import addressed_name, salutation
from school.mail import build_message
from tests.mailcheck import mail_problems

MAIL_DIR = Path(__file__).resolve().parents[2] / "templates" / "mail"
TEMPLATES = sorted(p.name[:-4] for p in MAIL_DIR.glob("*.txt") if not p.name.endswith(
    ".subject.txt"))
HR_LETTERS = {"release_request", "release_reminder", "release_withdrawn"}

WOMAN = SimpleNamespace(full_name="Әбілқайырова Гауһар Ұлықбекқызы", iin="900103400560",
                        email="g@example.kz", locale="kk", attended_hours=Decimal("16.00"))
MAN = SimpleNamespace(full_name="Сейткали Ерлан Маратович", iin="850425300126")
UNKNOWN = SimpleNamespace(full_name="Ким Алина Сергеевна", iin=None)
SIGN_OFF = {"ru": "С уважением,\nШкола профсоюзного лидера",
            "kk": "Құрметпен,\nКәсіподақ көшбасшысы мектебі"}


class Thing:
    """Stands in for any object a template reads: every attribute, call and index is itself,
    iterating gives nothing, numbers are 2, hours 16.00 (to catch a raw decimal)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in ("hours", "attended_hours", "academic_hours"):
            return Decimal("16.00")
        if name in ("starts_on", "ends_on", "first_day", "last_day", "due_by"):
            return date(2027, 3, 12)
        if name in ("starts_at", "ends_at"):
            return datetime(2027, 3, 12, 4, tzinfo=UTC)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 2

    def __index__(self):
        return 2

    def __round__(self, ndigits=None):
        return 2

    def __int__(self):
        return 2

    def __mod__(self, other):
        return 2 % other

    def __str__(self):
        return "X"

    def __html__(self):
        return "X"


def _context(app, template: str) -> dict:
    env = app.jinja_env
    names = set()
    for suffix in (".txt", ".subject.txt"):
        source = (MAIL_DIR / f"{template}{suffix}").read_text(encoding="utf-8")
        names |= meta.find_undeclared_variables(env.parse(source))
    context = {name: Thing() for name in names if name not in env.globals}
    instant = datetime(2027, 3, 12, 4, tzinfo=UTC)
    context.update(user=WOMAN, person=WOMAN, recipient=WOMAN, starts_at=instant,
                   request=Thing(), deadline=instant, when=instant, hours=Decimal("16.00"),
                   dates="12.03.2027", due_on=date(2027, 3, 12))
    return context


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_each_mail_greets_signs_off_and_shows_no_raw_hours(app, template, lang):
    with app.test_request_context():
        message = build_message("g@example.kz", template, locale=lang,
                                **_context(app, template))
        problems = mail_problems(message)
    body, html = message.body, message.alternatives[0][0]
    first = body.strip().splitlines()[0]
    if template in HR_LETTERS:  # to an HR office, not to a person
        assert ("Уважаемый сотрудник кадровой службы" if lang == "ru"
                else "кадр қызметінің құрметті қызметкері") in first
    else:
        assert first == {"ru": "Уважаемая Гауһар Ұлықбекқызы!",
                         "kk": "Құрметті Гауһар Ұлықбекқызы!"}[lang]
        assert "Әбілқайырова" not in first
    assert body.rstrip().endswith(SIGN_OFF[lang])
    assert SIGN_OFF[lang].split("\n")[1] in html and first.split()[0] in html
    assert "16.00" not in body and "16,00" not in body
    assert problems == []


def test_templates_found():
    assert len(TEMPLATES) >= 27 and "welcome" in TEMPLATES


@pytest.mark.parametrize(("person", "lang", "expected"), [
    (WOMAN, "ru", "Уважаемая Гауһар Ұлықбекқызы!"),
    (MAN, "ru", "Уважаемый Ерлан Маратович!"),
    (UNKNOWN, "ru", "Уважаемый(ая) Алина Сергеевна!"),
    (WOMAN, "kk", "Құрметті Гауһар Ұлықбекқызы!"),
    (MAN, "kk", "Құрметті Ерлан Маратович!"),
    (UNKNOWN, "kk", "Құрметті Алина Сергеевна!"),
    (MAN, "en", "Dear Erlan Maratovich!".replace("Erlan Maratovich", "Ерлан Маратович")),
])
def test_salutation_by_sex_from_the_iin(app, person, lang, expected):
    with app.test_request_context(), force_locale(lang):
        assert salutation(person) == expected


def test_a_bad_iin_gives_the_neutral_form(app):
    person = SimpleNamespace(full_name="Ким Алина Сергеевна", iin="850425300127")
    with app.test_request_context(), force_locale("ru"):
        assert salutation(person).startswith("Уважаемый(ая) ")


@pytest.mark.parametrize(("full", "shown"), [
    ("Әбілқайырова Гауһар Ұлықбекқызы", "Гауһар Ұлықбекқызы"),
    ("Иванов Иван Иванович Оглы", "Иван Иванович Оглы"),
    ("Иванов Иван", "Иванов Иван"),
    ("  Иван ", "Иван"),
])
def test_addressed_name_drops_the_surname_of_a_full_name(full, shown):
    assert addressed_name(full) == shown
