"""What every events page shares: finding the event for the viewer, the organisers' gate,
service errors onto forms and messages, paging, and how the registration window reads."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import selectors, services
from ..models import Event

# Names a service gives a field, when the form calls it otherwise.
FIELD_NAMES = {"requester": None, "registration": None, "user": None}


def event_for(request: HttpRequest, slug: str) -> Event:
    """The event if the viewer may see it (a draft is a 404 for everyone but its organisers)."""
    return selectors.event_for(request.user, slug)


def organised(request: HttpRequest, slug: str) -> Event:
    """The event, for its organisers only (others: 404 for a draft, 403 otherwise)."""
    event = event_for(request, slug)
    if not services.can_organise(request.user, event):
        raise PermissionDenied(_("Only the event's organisers may open this page."))
    return event


def add_service_errors(form, error: ValidationError, names: dict | None = None) -> None:
    """A service's errors on the form's fields; the rest on the form itself."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    names = {**FIELD_NAMES, **(names or {})}
    for name, errors in error.message_dict.items():
        name = names.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def report(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    """A refused action as error messages (the page it redirects to shows them)."""
    if isinstance(error, PermissionDenied):
        messages.error(request, str(error) or _("You may not do this."))
        return
    for text in error.messages:
        messages.error(request, text)


def paginate(request: HttpRequest, rows, size: int | None = None) -> Page:
    return Paginator(rows, size or settings.CORRIDOR_PAGE_SIZE).get_page(request.GET.get("page"))


@dataclass(frozen=True)
class Window:
    """Where an event's registration stands: ``open``, ``soon`` (opens on ...), ``closed``."""

    state: str
    label: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime


def registration_window(event: Event, now: datetime.datetime | None = None) -> Window:
    now = now or timezone.now()
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if event.status == Event.Status.CANCELLED:
        state, label = "closed", _("cancelled")
    elif event.status == Event.Status.DRAFT:
        state, label = "closed", _("not published yet")
    elif now < opens:
        state, label = "soon", _("opens on")
    elif now < closes:
        state, label = "open", _("open")
    else:
        state, label = "closed", _("closed")
    return Window(state=state, label=label, opens_at=opens, closes_at=closes)


def zone_name(event: Event) -> str:
    return services.zone_of(event).key
