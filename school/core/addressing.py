"""How a letter addresses a person and how it ends: one place for every mail template.

An official Kazakh or Russian letter addresses the person by first name and patronymic
(«Құрметті Гауһар Ұлықбекқызы!», «Уважаемая Гауһар Ұлықбекқызы!»), never surname first. Names
are stored surname first («Әбілқайырова Гауһар Ұлықбекқызы»), so the first word is dropped
when there are three or more. The Russian adjective agrees with the person's sex, read from
the IIN's 7th digit (school.core.iin.gender_from_iin); without a valid IIN the neutral
«Уважаемый(ая)» is used. Kazakh «Құрметті» has no gender.

Templates call `{{ salutation(user) }}` first and `{{ sign_off() }}` last (Jinja globals).
"""

from __future__ import annotations

from flask_babel import gettext, pgettext

from school.core.iin import gender_from_iin


def addressed_name(full_name: str | None) -> str:
    """«Гауһар Ұлықбекқызы» from «Әбілқайырова Гауһар Ұлықбекқызы»; shorter names whole."""
    words = (full_name or "").split()
    if len(words) >= 3:
        return " ".join(words[1:])
    return " ".join(words)


def salutation(person, name: str | None = None, *, employer: str | None = None) -> str:
    """«Уважаемая Гауһар Ұлықбекқызы!» in the current (forced) locale.

    `person` has `full_name` and `iin` (a User); `name` overrides the name shown. A letter to
    an employer's HR office (no person) passes `employer`, the organisation's name.
    """
    if person is None and employer is not None:
        return gettext("Dear HR officer of %(employer)s,", employer=employer)
    shown = name or addressed_name(getattr(person, "full_name", None))
    gender = gender_from_iin(getattr(person, "iin", None))
    if gender == "f":
        return pgettext("salutation to a woman", "Dear %(name)s!", name=shown)
    if gender == "m":
        return pgettext("salutation to a man", "Dear %(name)s!", name=shown)
    return pgettext("salutation, gender unknown", "Dear %(name)s!", name=shown)


def sign_off() -> str:
    """«С уважением,\\nШкола профсоюзного лидера» / «Құрметпен,\\nКәсіподақ көшбасшысы
    мектебі»."""
    return pgettext("letter sign-off", "Kind regards,\n%(school)s",
                    school=gettext("School of the Trade Union Leader"))
