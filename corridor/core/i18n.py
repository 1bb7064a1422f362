"""Content in three languages: fields named ``<field>_en``, ``<field>_zh_hans``, ``<field>_ur``."""

from django.utils import translation

LANGUAGE_FIELDS = {"en": "en", "zh-hans": "zh_hans", "ur": "ur"}


def suffix(language: str) -> str:
    return LANGUAGE_FIELDS.get(language, "en")


def localized(obj, field: str, language: str | None = None) -> str:
    """``obj.<field>`` in the reader's language, else English, else any language it has."""
    language = language or translation.get_language() or "en"
    order = [suffix(language), "en", "zh_hans", "ur"]
    for code in dict.fromkeys(order):
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return value
    return getattr(obj, field, "") or ""


def trilingual_fields(field: str) -> list[str]:
    return [f"{field}_{code}" for code in LANGUAGE_FIELDS.values()]
