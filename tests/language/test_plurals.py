"""Issue 13, item 1: counts shown with a noun agree with the number in Russian
(1 / 2–4 / 5–20 / 21 / 22 / 11–14), through ngettext or a «noun: N» wording."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from school.attendance.models import AttendanceStatus

RU_PO = Path(__file__).resolve().parents[2] / "school/translations/ru/LC_MESSAGES/messages.po"

BRANCHES = ("%(done)d of %(num)d branch submitted", "%(done)d of %(num)d branches submitted")


@pytest.mark.parametrize(("n", "word"), [
    (1, "филиала"), (2, "филиалов"), (5, "филиалов"), (11, "филиалов"), (21, "филиала"),
    (22, "филиалов")])
def test_of_n_branches_in_russian(app, n, word):
    with app.test_request_context(), force_locale("ru"):
        assert ngettext(*BRANCHES, n, done=1) == f"Представили 1 из {n} {word}"


@pytest.mark.parametrize(("n", "word"), [
    (1, "участник"), (2, "участника"), (5, "участников"), (11, "участников"),
    (12, "участников"), (14, "участников"), (21, "участник"), (22, "участника")])
def test_participants_in_russian(app, n, word):
    with app.test_request_context(), force_locale("ru"):
        assert ngettext("%(num)d participant", "%(num)d participants", n) == f"{n} {word}"


@pytest.mark.parametrize(("n", "word"), [
    (1, "день"), (2, "дня"), (5, "дней"), (11, "дней"), (21, "день"), (22, "дня")])
def test_training_days_in_russian(app, n, word):
    with app.test_request_context(), force_locale("ru"):
        text = ngettext("%(num)d training day", "%(num)d training days", n)
    assert text == f"{n} {word} обучения"


def test_the_consolidated_plan_template_uses_the_plural(app):
    source = (Path(app.root_path).parent / "templates/planning/consolidated.html").read_text()
    with app.test_request_context(), force_locale("ru"):
        for n, word in ((21, "организации"), (22, "организаций")):
            text = app.jinja_env.from_string(
                "{{ ngettext('%(done)d of %(num)d organisation submitted', "
                "'%(done)d of %(num)d organisations submitted', n, done=3) }}").render(n=n)
            assert text == f"Представили 3 из {n} {word}"
    assert "ngettext('%(done)d of %(num)d organisation submitted'" in source


def test_attendance_counts_name_groups_not_one_person(app):
    with app.test_request_context():
        with force_locale("ru"):
            assert AttendanceStatus.present.label == "Присутствовал(а)"
            assert AttendanceStatus.present.count_label == "Присутствовали"
            assert AttendanceStatus.late.count_label == "Опоздали"
        with force_locale("kk"):
            assert AttendanceStatus.present.count_label == "Қатысқандар"
            assert AttendanceStatus.late.count_label == "Кешіккендер"


# A number placeholder followed by a word the number must agree with. Prepositions and
# abbreviations («из», «мин», «МБ», «чел.», «дн.», «симв.») need no agreement.
COUNT_NOUN = re.compile(r"%\((\w+)\)d\s+([а-яё]+)")
NO_AGREEMENT = {"из", "и", "по", "до", "от", "мин", "с", "чел", "дн", "симв", "ак"}
NOT_COUNTS = {"year", "first", "last", "page", "low", "high", "percent"}
# Limits set in code, not counts of people or things: still worded without agreement where
# we own the string; listed here when another feature owns it.
KNOWN = {"An event can have at most %(n)d materials."}


def test_no_russian_count_glued_to_a_noun_outside_ngettext():
    with RU_PO.open("rb") as fh:
        catalog = read_po(fh, locale="ru")
    glued = []
    for message in catalog:
        if not message.id or message.pluralizable or message.id in KNOWN:
            continue
        for match in COUNT_NOUN.finditer(message.string or ""):
            if match.group(1) not in NOT_COUNTS and match.group(2) not in NO_AGREEMENT:
                glued.append((message.id, message.string))
    assert glued == []


def test_jinja_has_pgettext_and_npgettext(app):
    with app.test_request_context(), force_locale("ru"):
        text = app.jinja_env.from_string(
            "{{ pgettext('certificate', 'Revoke') }}|{{ pgettext('role', 'Revoke') }}|"
            "{{ npgettext('x', '%(num)d apple', '%(num)d apples', 3) }}").render()
    assert text == "Отозвать|Снять роль|3 apples"
