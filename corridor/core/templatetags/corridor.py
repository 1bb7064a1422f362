from django import template

from corridor.core.i18n import localized

register = template.Library()


@register.filter
def tr(obj, field: str) -> str:
    """``{{ zone|tr:"name" }}``: a trilingual field in the reader's language."""
    return localized(obj, field)
