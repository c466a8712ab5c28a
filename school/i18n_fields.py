"""Bilingual reference data: `name_ru`, `name_kk`, optional `name_en`, shown by locale."""

from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy.orm import synonym


def current_lang() -> str:
    try:
        loc = get_locale()
    except RuntimeError:  # outside a request (CLI, jobs)
        return "ru"
    return loc.language if loc else "ru"


def localized(obj, field: str, lang: str | None = None) -> str:
    """The field in the current language, falling back to Russian, then Kazakh."""
    lang = lang or current_lang()
    order = {"kk": ("kk", "ru", "en"), "en": ("en", "ru", "kk")}.get(lang, ("ru", "kk", "en"))
    for code in order:
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            return value
    return ""


class LocalizedName:
    """Mixin for models with name_ru / name_kk / name_en."""

    @property
    def name(self) -> str:
        return localized(self, "name")

    def __str__(self) -> str:
        return self.name


def bilingual(field: str):
    """A model attribute over `<field>_ru`, `<field>_kk` (and `_en` where there is one).

    Read, it is the value in the reader's language with the usual fallback (None when all
    are empty); assigned, it sets the Russian column; in a query, and to the ORM's history,
    it is the Russian column (a synonym). So code written when the field had one language
    keeps working."""
    ru = f"{field}_ru"

    def _get(self):
        return localized(self, field) or None

    def _set(self, value) -> None:
        setattr(self, ru, value)

    return synonym(ru, descriptor=property(_get, _set))
