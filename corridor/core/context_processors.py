from django.utils import translation
from django.utils.functional import SimpleLazyObject


def language(request):
    """Expose the active language's direction so the base template can set ``dir``."""
    return {"rtl": translation.get_language_bidi()}


def notifications(request):
    """How many unread notifications the signed-in person has: one query, when shown."""
    from .notifications import unread_count

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
