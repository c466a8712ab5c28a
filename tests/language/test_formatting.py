"""Issue 13, item 1: hours as «16» / «1,5», Kazakh months a Kazakh reader recognises, a
one-day event as one date, and Kazakh / Russian alphabetical order (school.core.formatting)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from school.core.formatting import collation_key, date_span, format_hours, sort_by_name


@pytest.mark.parametrize(("value", "lang", "shown"), [
    (16, "ru", "16"), (Decimal("16.00"), "ru", "16"), (Decimal("16.00"), "kk", "16"),
    (Decimal("1.50"), "ru", "1,5"), (Decimal("1.5"), "kk", "1,5"), (1.5, "en", "1.5"),
    (Decimal("0.25"), "ru", "0,25"), (None, "ru", "0"), (Decimal("10"), "ru", "10"),
    (Decimal("1E+1"), "kk", "10"),
])
def test_hours(value, lang, shown):
    assert format_hours(value, lang) == shown


def test_hours_filter_in_a_template_follows_the_locale(app):
    from flask_babel import force_locale

    with app.test_request_context():
        for lang, shown in (("ru", "1,5 · 16"), ("kk", "1,5 · 16"), ("en", "1.5 · 16")):
            with force_locale(lang):
                text = app.jinja_env.from_string("{{ a|hours }} · {{ b|hours }}").render(
                    a=Decimal("1.50"), b=Decimal("16.00"))
            assert text == shown


KK_MONTHS = ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
             "қыркүйек", "қазан", "қараша", "желтоқсан"]


@pytest.mark.parametrize("month", range(1, 13))
def test_kazakh_months_are_whole_words(month):
    text = date_span(date(2027, month, 5), None, "kk")
    assert text == f"2027 ж. 5 {KK_MONTHS[month - 1]}"
    assert "." not in text.replace("ж.", "")  # no CLDR stubs such as «нау.», «қаз.»


@pytest.mark.parametrize(("first", "last", "lang", "shown"), [
    (date(2027, 3, 12), date(2027, 3, 12), "kk", "2027 ж. 12 наурыз"),
    (date(2027, 3, 12), date(2027, 3, 14), "kk", "2027 ж. 12–14 наурыз"),
    (date(2027, 3, 30), date(2027, 4, 2), "kk", "2027 ж. 30 наурыз – 2 сәуір"),
    (date(2026, 12, 30), date(2027, 1, 2), "kk", "2026 ж. 30 желтоқсан – 2027 ж. 2 қаңтар"),
    (date(2027, 3, 12), date(2027, 3, 12), "ru", "12 мар. 2027\u202fг."),
    (date(2027, 3, 12), None, "ru", "12 мар. 2027\u202fг."),
    (date(2027, 3, 12), date(2027, 3, 12), "en", "Mar 12, 2027"),
])
def test_one_day_is_one_date_and_a_range_otherwise(first, last, lang, shown):
    assert date_span(first, last, lang) == shown


def test_a_range_in_russian_has_both_days():
    text = date_span(date(2027, 3, 12), date(2027, 3, 14), "ru")
    assert "12" in text and "14" in text and text.count("2027") == 1


def test_date_span_filter_on_a_kazakh_page(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("kk"):
        text = app.jinja_env.from_string("{{ d|date_span(d) }}").render(d=date(2027, 5, 5))
    assert text == "2027 ж. 5 мамыр"


KAZAKH_ORDER = ["Абай", "Әбіш", "Бота", "Ғалым", "Жанна", "Кемел", "Қайрат", "Нұр", "Ңғ",
                "Орал", "Өскемен", "Ұлан", "Үміт", "Һ", "Шымкент", "Ыдырыс", "Іле", "Яссауи"]


def test_kazakh_alphabetical_order():
    shuffled = list(reversed(KAZAKH_ORDER))
    assert sort_by_name(shuffled, locale="kk") == KAZAKH_ORDER
    # code-point order would put every Kazakh letter after «я»:
    assert sorted(shuffled) != KAZAKH_ORDER


def test_russian_order_with_kazakh_names_and_yo():
    names = ["Ёлкин", "Қостанай", "Актобе", "Ақтөбе", "Әлия", "ерлан", "Жезқазған", "Караганда"]
    assert sort_by_name(names, locale="ru") == [
        "Актобе", "Ақтөбе", "Әлия", "Ёлкин", "ерлан", "Жезқазған", "Караганда", "Қостанай"]


def test_collation_ignores_case_and_quotes_and_keeps_words_apart():
    assert collation_key("«Ақ жол»", "kk")[0] == collation_key("ақ жол", "kk")[0]
    assert sort_by_name(["Ақтау", "Ақ жол"], locale="kk") == ["Ақ жол", "Ақтау"]
    assert sort_by_name(["B", "Б", "2"], locale="ru") == ["2", "Б", "B"]


def test_numeric_span_for_documents_and_letters():
    from school.certificates.documents import fmt_dates

    assert date_span(date(2027, 3, 12), date(2027, 3, 12), numeric=True) == "12.03.2027"
    assert fmt_dates(date(2027, 3, 12), date(2027, 3, 12)) == "12.03.2027"
    assert fmt_dates(date(2027, 3, 12), date(2027, 3, 14)) == "12.03.2027 – 14.03.2027"
