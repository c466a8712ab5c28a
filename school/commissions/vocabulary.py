"""The commission members upload's columns and values as people write them
(school/core/vocabulary.py; the upload is school/commissions/importer.py)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from flask_babel import lazy_gettext as _l

from school.commissions import models as m
from school.core.vocabulary import EMAIL, IIN, PRIMARY_ORG, Column, Vocabulary


@cache
def commission_vocabularies() -> tuple[Vocabulary, Vocabulary, Vocabulary]:
    """(bodies, member roles, sides) of the commissions register."""
    bodies = Vocabulary(m.BodyKind.labels(), {
        m.BodyKind.conciliation_commission: (
            "Согласительная комиссия", "Согласительная", "СК", "Келісу комиссиясы", "Келісу"),
        m.BodyKind.audit_commission: ("Ревизионная комиссия", "Ревкомиссия", "Ревизионная",
                                      "Тексеру комиссиясы", "Тексеру"),
        m.BodyKind.union_committee: ("Профком", "Профсоюзный комитет", "Кәсіподақ комитеті",
                                     "Committee"),
        m.BodyKind.youth_council: ("Молодёжный совет", "Молодежный совет", "Молодёжка",
                                   "Жастар кеңесі"),
    }, unknown=_l("Unknown body %(text)s. Allowed values: %(allowed)s."))
    roles = Vocabulary(m.MemberRole.labels(), {
        m.MemberRole.chair: ("Председатель", "Председатель комиссии", "Пред.", "Төраға",
                             "Комиссия төрағасы", "Chairman"),
        m.MemberRole.deputy_chair: ("Зам. председателя", "Заместитель председателя",
                                    "Зампред", "Төраға орынбасары", "Төрағаның орынбасары",
                                    "Deputy"),
        m.MemberRole.secretary: ("Секретарь", "Хатшы"),
        m.MemberRole.member: ("Член", "Член комиссии", "Мүше", "Мүшесі", "Комиссия мүшесі"),
    }, unknown=_l("Unknown role %(text)s. Allowed values: %(allowed)s."))
    sides = Vocabulary(m.Side.labels(), {
        m.Side.union: ("Профсоюз", "От профсоюза", "Сторона профсоюза", "Кәсіподақ",
                       "Кәсіподақ тарапы", "Union side"),
        m.Side.employer: ("Работодатель", "От работодателя", "Сторона работодателя",
                          "Жұмыс беруші", "Жұмыс беруші тарапы", "Employer side"),
    }, unknown=_l("Unknown side %(text)s. Allowed values: %(allowed)s."))
    return bodies, roles, sides


def commission_columns() -> tuple[Column, ...]:
    bodies, roles, sides = commission_vocabularies()
    date_hint = _l("A date: YYYY-MM-DD or DD.MM.YYYY.")
    return (
        Column("organisation", _l("Organisation"), (*PRIMARY_ORG.aliases, "primary_org"),
               required=True, hint=_l("Its id or exact name, as in the list of primary "
                                      "organisations.")),
        Column("body", _l("Body"), ("орган", "комиссия", "комиссиясы", "орган (комиссия)"),
               required=True, vocabulary=bodies, hint=_l("Choose from the list.")),
        Column("role", _l("Role"), ("роль", "рөлі", "рөл", "должность в комиссии"),
               required=True, vocabulary=roles, hint=_l("Choose from the list.")),
        replace(IIN, hint=_l("The person's account: an IIN or an e-mail.")),
        replace(EMAIL, hint=_l("The person's account: an IIN or an e-mail.")),
        Column("term_start", _l("Term starts"), ("start", "начало", "начало полномочий",
                                                 "басталуы", "өкілеттік басталуы"),
               required=True, hint=date_hint),
        Column("term_end", _l("Term ends"), ("end", "окончание", "окончание полномочий",
                                             "аяқталуы", "өкілеттік аяқталуы"),
               hint=date_hint),
        Column("side", _l("Side"), ("сторона", "тарап"), vocabulary=sides,
               hint=_l("Only for a conciliation commission.")),
    )
