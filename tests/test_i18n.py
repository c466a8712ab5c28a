"""Translation catalogues: complete, placeholders intact, and actually used by the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "school" / "translations"
LANGS = ("ru", "kk", "en")

# %(name)s, %(n)d, %(x)05.2f …: the name and the conversion type must both survive.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa])")

SCHOOL_RU = "Школа профсоюзного лидера"
SCHOOL_KK = "Кәсіподақ көшбасшысы мектебі"
SCHOOL_EN = "School of the Trade Union Leader"


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _template():
    return _read(TRANSLATIONS / "messages.pot")


def _catalog(lang: str):
    return _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", locale=lang)


def _forms(value) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)


def _placeholders(text: str) -> set[tuple[str, str]]:
    return set(PLACEHOLDER.findall(text or ""))


def test_template_has_messages():
    ids = [m.id for m in _template() if m.id]
    assert len(ids) > 100, "messages.pot looks empty: run scripts/i18n update"
    assert SCHOOL_EN in ids


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated(lang):
    catalog = _catalog(lang)
    assert not catalog.fuzzy, f"{lang}: the catalogue header is marked fuzzy"
    problems = []
    for template_msg in _template():
        if not template_msg.id:
            continue
        msg = catalog.get(template_msg.id, context=template_msg.context)  # pgettext
        if msg is None:
            problems.append(f"missing: {template_msg.id!r}")
            continue
        if msg.fuzzy:
            problems.append(f"fuzzy: {msg.id!r}")
        forms = _forms(msg.string)
        if template_msg.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(f"needs {catalog.num_plurals} plural forms: {msg.id!r}")
        if not forms or any(not form.strip() for form in forms):
            problems.append(f"empty: {msg.id!r}")
    assert not problems, f"{lang}: {len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_match(lang):
    catalog = _catalog(lang)
    problems = []
    for msg in catalog:
        if not msg.id:
            continue
        expected = set().union(*(_placeholders(i) for i in _forms(msg.id)))
        for form in _forms(msg.string):
            found = _placeholders(form)
            if found != expected:
                problems.append(f"{msg.id!r} -> {form!r}: {sorted(found)} != {sorted(expected)}")
        # Babel's own python-format checks (e.g. a bare % that would break formatting).
        for error in msg.check(catalog):
            problems.append(f"{msg.id!r}: {error}")
    assert not problems, f"{lang}:\n" + "\n".join(problems)


def test_kazakh_uses_glossary_terms():
    kk = _catalog("kk")
    ru = _catalog("ru")
    assert kk.get(SCHOOL_EN).string == SCHOOL_KK
    assert ru.get(SCHOOL_EN).string == SCHOOL_RU
    assert kk.get("IIN").string == "ЖСН"
    assert ru.get("IIN").string == "ИИН"
    assert kk.get("Log in").string == "Кіру"
    assert kk.get("Primary union organisation").string == "Бастауыш кәсіподақ ұйымы"
    assert kk.get("Sectoral union").string == "Салалық кәсіподақ"


def _home(client, accept_language: str) -> str:
    response = client.get("/", headers={"Accept-Language": accept_language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_home_page_switches_to_kazakh(client):
    html = _home(client, "kk-KZ,ru;q=0.8")
    assert '<html lang="kk">' in html
    assert SCHOOL_KK in html
    assert SCHOOL_EN not in html
    assert SCHOOL_RU not in html


def test_home_page_switches_to_english(client):
    html = _home(client, "en")
    assert '<html lang="en">' in html
    assert SCHOOL_EN in html
    assert SCHOOL_KK not in html
    assert SCHOOL_RU not in html


def test_home_page_in_russian(client):
    html = _home(client, "ru-RU,ru;q=0.9")
    assert '<html lang="ru">' in html
    assert SCHOOL_RU in html
    assert SCHOOL_EN not in html


def test_the_catalogue_holds_every_string_in_the_code(tmp_path):
    """A string added to code or a template without `scripts/i18n update` would show in
    English on Kazakh and Russian pages: extract afresh and compare with messages.pot."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-k", "pgettext:1c,2",
         "-k", "npgettext:1c,2,3", "-k", "lazy_pgettext:1c,2", "--no-location",
         "-o", str(fresh), ".", "templates/_macros"],
        cwd=root, check=True, capture_output=True,
    )
    with fresh.open("rb") as fh:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with (root / "school/translations/messages.pot").open("rb") as fh:
        in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    missing = sorted(in_code - in_catalogue)
    assert missing == [], f"run scripts/i18n update and translate: {missing[:20]}"
