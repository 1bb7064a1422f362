"""Template helpers of the directory pages: the language switcher's targets, text languages."""

from django import template
from django.urls import reverse, translate_url
from django.utils import translation

from corridor.core.i18n import LANGUAGE_FIELDS

register = template.Library()


@register.simple_tag(takes_context=True)
def translated_path(context, language: str) -> str:
    """This page's address (query string kept) in ``language``, for the language switcher.

    Computed while the page's own language is active: ``set_language`` would translate
    ``next`` under the language of its own (unprefixed) request, which may be another one.
    """
    request = context.get("request")
    if request is None:
        with translation.override(language):
            return reverse("registry:home")
    path = request.get_full_path()
    translated = translate_url(path, language)
    if translated == path and translation.get_language() != language:
        # An address that does not resolve (a 404 page): go to that language's home.
        with translation.override(language):
            return reverse("registry:home")
    return translated


@register.filter
def name_language(obj) -> str:
    """The language code of the name ``display_name`` shows, or ``""`` when unknown."""
    shown = getattr(obj, "display_name", "")
    for code, suffix in LANGUAGE_FIELDS.items():
        if shown and getattr(obj, f"name_{suffix}", "") == shown:
            return code
    return ""
