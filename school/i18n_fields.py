"""Bilingual reference data: `name_ru`, `name_kk`, optional `name_en`, shown by locale."""

from __future__ import annotations

from flask_babel import get_locale


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
