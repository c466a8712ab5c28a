"""Participant categories as people write them in an upload (school/core/vocabulary.py)."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l

from school.accounts.models import Category as C
from school.core.vocabulary import Column, Vocabulary


@cache
def categories() -> Vocabulary:
    """Participant categories (accounts.models.Category)."""
    return Vocabulary(C.labels(), {
        C.chair: ("Председатель ППО", "Председатель", "Пред. ППО", "Председатель профкома",
                  "Председатель первичной профсоюзной организации", "ППО төрағасы",
                  "БКҰ төрағасы", "Төраға", "Бастауыш ұйымның төрағасы", "Chair", "Chairman",
                  "Chairperson", "PPO chair", "Chair of PPO"),
        C.deputy_chair: ("Зам. председателя", "Заместитель председателя", "Зампред",
                         "Зам. председателя ППО", "Заместитель председателя ППО",
                         "Төраға орынбасары", "Төрағаның орынбасары", "Орынбасар",
                         "БКҰ төрағасының орынбасары", "Deputy", "Vice chair",
                         "Deputy chairman"),
        C.committee_member: ("Член профкома", "Профком", "Член профсоюзного комитета",
                             "Кәсіподақ комитетінің мүшесі", "Кәсіподақ комитеті мүшесі",
                             "Комитет мүшесі", "Committee member"),
        C.treasurer: ("Казначей", "Қазынашы", "Treasurer"),
        C.audit_commission: ("Член ревизионной комиссии", "Ревизионная комиссия",
                             "Ревкомиссия", "Член ревкомиссии", "Тексеру комиссиясы",
                             "Тексеру комиссиясының мүшесі", "Ревизор", "Auditor",
                             "Audit commission"),
        C.conciliation_commission: ("Член согласительной комиссии", "Согласительная комиссия",
                                    "Келісу комиссиясы", "Келісу комиссиясының мүшесі",
                                    "Conciliation commission"),
        C.youth_council: ("Член молодёжного совета", "Молодёжный совет", "Молодежный совет",
                          "Жастар кеңесі", "Жастар кеңесінің мүшесі", "Youth council"),
        C.activist: ("Активист", "Профсоюзный активист", "Профактив", "Белсенді",
                     "Кәсіподақ белсендісі", "Activist"),
        C.staff: ("Работник профсоюза", "Штатный работник", "Аппарат",
                  "Кәсіподақ қызметкері", "Қызметкер", "Staff"),
    }, unknown=_l("Unknown category %(text)s. Allowed values: %(allowed)s."))


def category_column() -> Column:
    return Column("category", _l("Category"), ("категория", "санат", "категория участника",
                                               "қатысушы санаты", "participant category"),
                  vocabulary=categories(), hint=_l("Choose from the list."))
