"""The organisation import's columns and branch kinds as people write them
(school/core/vocabulary.py; the import is school/orgs/importer.py)."""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _l

from school.core.vocabulary import Column, Vocabulary
from school.orgs.models import BranchKind as K


@cache
def branch_kinds() -> Vocabulary:
    """Kinds of branch (orgs.models.BranchKind)."""
    return Vocabulary(K.labels(), {
        K.oblast: ("Областной", "Областной филиал", "Область", "Облыстық", "Облыс",
                   "Облыстық филиал", "Regional", "Region"),
        K.city: ("Городской", "Городской филиал", "Город", "Қалалық", "Қала",
                 "Қалалық филиал", "City"),
        K.local: ("Локальный", "Локальный профсоюз", "Районный", "Районная организация",
                  "Жергілікті", "Жергілікті кәсіподақ", "Аудандық", "Local"),
    }, unknown=_l("Unknown branch kind %(text)s. Allowed values: %(allowed)s."))


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
