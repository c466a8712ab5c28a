"""Words of the documents that depend on the holder or the settings: Russian verbs in the
holder's gender (from the IIN), the documents' names (the same in the interface and on the
PDF) and the signatories (the programme's, else a configured default one).
"""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l

from school.catalog import hooks as catalog_hooks
from school.core.iin import gender_from_iin
from school.errors import DomainError

# Russian past-tense verbs by the holder's gender: "m", "f", or None (no IIN: both forms).
# Kazakh verbs have no gender («өтті», «қатысты»).
VERBS = {
    "passed": {"m": "прошёл", "f": "прошла", None: "прошёл(ла)"},
    "took_part": {"m": "принял", "f": "приняла", None: "принял(а)"},
}

# The documents' names as printed; the interface shows the same words (DOCUMENT_LABELS).
DOCUMENT_NAMES = {
    "release": {"ru": "Письмо об освобождении от работы на дни обучения",
                "kk": "Оқу күндері жұмыстан босату туралы хат"},
    "participation": {"ru": "Справка об участии в обучении",
                      "kk": "Оқуға қатысқаны туралы анықтама"},
}
DOCUMENT_LABELS = {
    "release": _l("Release letter for the training days"),
    "participation": _l("Certificate of participation in the training"),
}


def verbs(iin: str | None) -> dict[str, str]:
    """The Russian verbs for a holder with this IIN (neutral forms without one)."""
    gender = gender_from_iin(iin)
    return {key: forms[gender] for key, forms in VERBS.items()}


def default_signatory():
    """The signatory configured for programmes that name none, or None.

    CERTIFICATE_SIGNATORY_NAME and CERTIFICATE_SIGNATORY_TITLE, each one string for both
    languages, a dict by language, or the _RU / _KK variants (the Kazakh falls back to the
    Russian)."""
    from school.certificates.documents import by_lang

    name = by_lang("CERTIFICATE_SIGNATORY_NAME", {"ru": "", "kk": ""})
    title = by_lang("CERTIFICATE_SIGNATORY_TITLE", {"ru": "", "kk": ""})
    if not (name["ru"] or name["kk"]) or not (title["ru"] or title["kk"]):
        return None
    return SimpleNamespace(
        name_ru=name["ru"] or name["kk"], name_kk=name["kk"] or name["ru"],
        title_ru=title["ru"] or title["kk"], title_kk=title["kk"] or title["ru"],
    )


def signatories(program) -> list:
    """Who signs the programme's documents: its own signatories, else the default one."""
    if program.signatories:
        return list(program.signatories)
    default = default_signatory()
    return [default] if default is not None else []


@catalog_hooks.refuses("offer_program")
def check_signed(own: list) -> None:
    """Refuse to offer a programme with these signatories when nobody would sign its
    certificates (no signatory of its own and no default one).
    Registered on the catalogue's programme and publishing rules, which may not import
    this feature."""
    if not own and default_signatory() is None:
        raise DomainError(
            "no_signatory",
            _l("Add at least one signatory to the programme: its certificates would go out "
               "unsigned."),
            field="signatories",
        )
