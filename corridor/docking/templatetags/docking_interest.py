"""Template tags of expressions of interest, for pages other modules own (the profile page)."""

from __future__ import annotations

from django import template

from ..models import Interest
from ..services.interest import can_send_interest
from ..views.interest import open_interest

register = template.Library()

STATUS_LABELS = dict(Interest.Status.choices)


@register.simple_tag(takes_context=True)
def interest_offer(context, profile) -> dict:
    """What the viewer may do about ``profile``: ``open`` (their organisation's open interest
    in it, if any) or ``can_send`` (they may express interest)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or profile is None:
        return {"open": None, "can_send": False}
    existing = open_interest(user, profile)
    if existing is not None:
        return {
            "open": existing,
            "status_label": STATUS_LABELS.get(existing.status, existing.status),
            "can_send": False,
        }
    return {"open": None, "can_send": can_send_interest(user, profile)}
