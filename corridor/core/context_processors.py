from django.utils import translation


def language(request):
    """Expose the active language's direction so the base template can set ``dir``."""
    return {"rtl": translation.get_language_bidi()}
