"""What people type in the tables they upload, in Russian, Kazakh and English.

ONE place for every importer (nominations, organisations, commission members): the column
headers (`Column`) and the enumerated values (`Vocabulary`: participant categories, branch
kinds, ...) each accept the label shown in any of the three interface languages, the code
itself, and the abbreviations people actually write («Председатель ППО», «ППО төрағасы»,
«Зам. председателя»), compared without case, extra spaces or punctuation. The same
definitions give the downloadable templates their headers and drop-downs
(school/core/xlsx_template.py), so a template always reads back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

LANGS = ("ru", "kk", "en")
_QUOTES = re.compile(r"[«»\"'“”„`()\[\]№]")
_SEPARATORS = re.compile(r"[\s_\-.,:;/\\]+")


def norm(text) -> str:
    """The comparable form of a header or a value: case, ё, quotes and punctuation dropped."""
    text = str(text if text is not None else "").casefold().replace("ё", "е")
    return _SEPARATORS.sub(" ", _QUOTES.sub(" ", text)).strip()


class Vocabulary:
    """The values of one enumeration as people write them.

    `labels` maps each member to its translated label (lazy); `extra` adds abbreviations
    and other spellings, in any language. `unknown` is the message for a value not found,
    with %(text)s and %(allowed)s (the labels in the reader's language)."""

    def __init__(self, labels: dict, extra: dict[object, Iterable[str]] | None = None, *,
                 unknown=None):
        self.labels = labels
        self.extra = {m: tuple(v) for m, v in (extra or {}).items()}
        self.unknown_message = unknown or _l("Unknown value %(text)s. Allowed values: "
                                             "%(allowed)s.")
        self._table: dict[str, object] | None = None

    def table(self) -> dict[str, object]:
        """Normalised spelling → member (built once; labels of all three languages)."""
        if self._table is None:
            table: dict[str, object] = {}
            for member, words in self.extra.items():
                for word in words:
                    table[norm(word)] = member
            for lang in LANGS:
                with force_locale(lang):
                    for member, label in self.labels.items():
                        table[norm(str(label))] = member
            for member in self.labels:
                table[norm(getattr(member, "value", member))] = member
            self._table = table
        return self._table

    def lookup(self, text):
        """The member `text` names, or None."""
        return self.table().get(norm(text)) if norm(text) else None

    def allowed(self) -> list[str]:
        """The labels in the current language, in their declared order."""
        return [str(label) for label in self.labels.values()]

    def unknown(self, text: str) -> str:
        return str(self.unknown_message % {"text": text, "allowed": "; ".join(self.allowed())})


@dataclass(frozen=True)
class Column:
    """One column of an upload: its code, its header in the reader's language, the other
    headers accepted, and (for enumerations) the vocabulary behind its drop-down."""

    key: str
    label: object  # lazy string
    aliases: tuple[str, ...] = ()
    required: bool = False
    vocabulary: Vocabulary | None = None
    hint: object | None = None  # lazy string: what to write, for the template's guidance


@dataclass
class Header:
    """The columns of one upload; maps a file's header row to column codes."""

    columns: tuple[Column, ...]
    _table: dict[str, str] = field(default_factory=dict)

    def table(self) -> dict[str, str]:
        if not self._table:
            table: dict[str, str] = {}
            for column in self.columns:
                for word in (*column.aliases, column.key):
                    table[norm(word)] = column.key
                for lang in LANGS:
                    with force_locale(lang):
                        table[norm(str(column.label))] = column.key
            self._table.update(table)
        return self._table

    def key(self, text) -> str | None:
        return self.table().get(norm(text)) if norm(text) else None

    def keys(self, row: Iterable) -> list[str | None]:
        """Column codes for a header row; a column named twice counts once (the first)."""
        seen: set[str] = set()
        keys: list[str | None] = []
        for text in row:
            key = self.key(text)
            keys.append(key if key and key not in seen else None)
            if key:
                seen.add(key)
        return keys

    def labels(self, keys: Iterable[str]) -> str:
        """Headers in the reader's language, for a message about missing columns."""
        by_key = {c.key: c for c in self.columns}
        return ", ".join(str(by_key[k].label) if k in by_key else k for k in keys)


# --- the shared tables ---------------------------------------------------------------------


def _categories() -> Vocabulary:
    from school.accounts.models import Category as C

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


def _branch_kinds() -> Vocabulary:
    from school.orgs.models import BranchKind as K

    return Vocabulary(K.labels(), {
        K.oblast: ("Областной", "Областной филиал", "Область", "Облыстық", "Облыс",
                   "Облыстық филиал", "Regional", "Region"),
        K.city: ("Городской", "Городской филиал", "Город", "Қалалық", "Қала",
                 "Қалалық филиал", "City"),
        K.local: ("Локальный", "Локальный профсоюз", "Районный", "Районная организация",
                  "Жергілікті", "Жергілікті кәсіподақ", "Аудандық", "Local"),
    }, unknown=_l("Unknown branch kind %(text)s. Allowed values: %(allowed)s."))


_CACHE: dict[str, Vocabulary] = {}


def categories() -> Vocabulary:
    """Participant categories (accounts.models.Category)."""
    return _CACHE.setdefault("categories", _categories())


def branch_kinds() -> Vocabulary:
    """Kinds of branch (orgs.models.BranchKind)."""
    return _CACHE.setdefault("branch_kinds", _branch_kinds())


# Columns several uploads share: the same headers everywhere.
FULL_NAME = Column("full_name", _l("Full name"),
                   ("fullname", "name", "фио", "ф.и.о.", "таә", "аты-жөні",
                    "тегі, аты, әкесінің аты", "Фамилия, имя, отчество", "Аты жөні"),
                   hint=_l("Surname, name and patronymic."))
EMAIL = Column("email", _l("E-mail"),
               ("e-mail", "mail", "почта", "электронная почта", "эл. почта", "эл почта",
                "электрондық пошта", "эл. пошта", "пошта", "email address"),
               hint=_l("Needed for a new account: the invitation goes there."))
IIN = Column("iin", _l("IIN"), ("иин", "жсн", "ИИН (12 цифр)", "ЖСН (12 сан)"),
             hint=_l("12 digits; an IIN or an e-mail is required."))
PHONE = Column("phone", _l("Phone"), ("телефон", "тел.", "тел", "моб. телефон",
                                      "мобильный телефон", "ұялы телефон", "mobile"),
               hint=_l("For example +7 701 123 45 67."))
PRIMARY_ORG = Column("primary_org", _l("Primary organisation"),
                     ("primary organisation", "primary organization", "organisation",
                      "organization", "ппо", "бкұ", "организация", "первичная организация",
                      "первичная профсоюзная организация", "ұйым", "бастауыш ұйым",
                      "бастауыш кәсіподақ ұйымы"),
                     hint=_l("Its exact name, as in the list of primary organisations."))


def category_column() -> Column:
    return Column("category", _l("Category"), ("категория", "санат", "категория участника",
                                               "қатысушы санаты", "participant category"),
                  vocabulary=categories(), hint=_l("Choose from the list."))


# --- the organisation import (school/orgs/importer.py) -------------------------------------


def org_columns() -> tuple[Column, ...]:
    def name(key, label, *aliases, required=False, hint=None):
        return Column(key, label, aliases, required=required, hint=hint)

    return (
        name("union_code", _l("Union code"), "код профсоюза", "профсоюз", "кәсіподақ коды",
             "кәсіподақ", "union", required=True,
             hint=_l("The sectoral union's code, as in the list of sectoral unions.")),
        name("region_code", _l("Region code"), "код региона", "регион", "область",
             "өңір коды", "өңір", "облыс", "region", required=True,
             hint=_l("The ISO code (for example KZ-79) or the region's name.")),
        Column("branch_kind", _l("Branch kind"), ("вид филиала", "тип филиала",
                                                  "филиал түрі", "kind", "type"),
               required=True, vocabulary=branch_kinds(), hint=_l("Choose from the list.")),
        name("branch_name_ru", _l("Branch name (Russian)"), "филиал", "название филиала",
             "филиал атауы орысша", "branch", "branch name", required=True),
        name("branch_name_kk", _l("Branch name (Kazakh)"), "название филиала на казахском",
             "филиал атауы", "филиал атауы қазақша"),
        name("org_name_ru", _l("Organisation name (Russian)"), "организация", "ппо",
             "название организации", "первичная организация", "ұйым атауы орысша",
             "organisation", "organization",
             hint=_l("Leave empty to add only the branch.")),
        name("org_name_kk", _l("Organisation name (Kazakh)"), "бкұ", "ұйым", "ұйым атауы",
             "название организации на казахском", "ұйым атауы қазақша"),
        name("org_bin", _l("Organisation BIN"), "бин", "бин организации", "бсн",
             "ұйымның бсн", "bin", hint=_l("12 digits.")),
        name("parent_branch_name_ru", _l("Parent branch (Russian name)"),
             "вышестоящий филиал", "родительский филиал", "жоғары тұрған филиал",
             "parent branch", hint=_l("Only for a local union: its oblast or city branch.")),
        name("employer_bin", _l("Employer BIN"), "бин работодателя", "жұмыс берушінің бсн"),
        name("employer_name_ru", _l("Employer name (Russian)"), "работодатель",
             "наименование работодателя", "жұмыс беруші"),
        name("employer_name_kk", _l("Employer name (Kazakh)"),
             "наименование работодателя на казахском", "жұмыс берушінің атауы"),
        name("employer_address", _l("Employer address"), "адрес работодателя",
             "жұмыс берушінің мекенжайы"),
        name("employer_hr_emails", _l("Employer HR e-mails"), "почта отдела кадров",
             "e-mail отдела кадров", "кадр бөлімінің поштасы"),
    )


# --- the commission members upload (school/commissions/importer.py) ------------------------


def _commission_vocabularies() -> tuple[Vocabulary, Vocabulary, Vocabulary]:
    from school.commissions import models as m

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


def commission_vocabularies() -> tuple[Vocabulary, Vocabulary, Vocabulary]:
    """(bodies, member roles, sides) of the commissions register."""
    if "commissions" not in _CACHE:
        _CACHE["commissions"] = _commission_vocabularies()  # type: ignore[assignment]
    return _CACHE["commissions"]  # type: ignore[return-value]


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
