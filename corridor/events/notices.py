"""The notifications of B2B events: how each kind reads, in every language.

Imported by ``EventsConfig.ready()``. Senders call ``corridor.core.notifications.notify``
with one of these codes and the data keys listed; every value is a plain string. Use
:func:`event_data` for the event's title: it stores the title in all three languages
and the reader sees the one in theirs. Times are ISO 8601 in UTC and shown in the
reader's zone.
"""

from __future__ import annotations

import logging

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from corridor.core.i18n import suffix
from corridor.core.notifications import Reader, local_starts, register_kind

logger = logging.getLogger(__name__)


def event_data(event) -> dict:
    """The event's title for a notification: ``event`` (English) plus the other languages."""
    return {
        "event": event.title_en,
        "event_zh_hans": event.title_zh_hans,
        "event_ur": event.title_ur,
    }


def _event(data: dict, reader: Reader) -> dict:
    title = data.get(f"event_{suffix(reader.language)}") or data.get("event")
    return {"event": title} if title else {}


def _meetings(data: dict, reader: Reader) -> dict:
    if "meetings" not in data:
        return {}
    try:
        return {"meetings": formats.number_format(int(data["meetings"]))}
    except (TypeError, ValueError):
        return {"meetings": str(data["meetings"])}


def _all(*parts):
    def params(data: dict, reader: Reader) -> dict:
        values = {}
        for part in parts:
            values.update(part(data, reader))
        return values

    return params


# --- Registrations ------------------------------------------------------------------------

register_kind(
    "event.registration_approved",
    keys=("event", "organisation"),
    subject=_("%(organisation)s is registered for %(event)s"),
    body=_(
        "The organisers approved the registration of %(organisation)s for %(event)s. Add the "
        "people who will take meetings, and send meeting requests."
    ),
    params=_event,
)
register_kind(
    "event.registration_rejected",
    keys=("event", "organisation"),
    subject=_("The registration of %(organisation)s for %(event)s was not accepted"),
    body=_("The organisers of %(event)s did not accept the registration of %(organisation)s."),
    params=_event,
)

# --- Meeting requests ---------------------------------------------------------------------

register_kind(
    "event.request_received",
    keys=("event", "person", "organisation"),
    subject=_("%(person)s (%(organisation)s) asks to meet you at %(event)s"),
    body=_(
        "%(person)s of %(organisation)s sent you a meeting request for %(event)s. Accept or "
        "decline it; accepted meetings are placed in the schedule."
    ),
    params=_event,
)
register_kind(
    "event.request_accepted",
    keys=("event", "person", "organisation"),
    subject=_("%(person)s (%(organisation)s) accepted your meeting request"),
    body=_(
        "%(person)s of %(organisation)s accepted your meeting request for %(event)s. The "
        "meeting appears in your agenda when the organisers publish the schedule."
    ),
    params=_event,
)
register_kind(
    "event.request_declined",
    keys=("event", "person", "organisation"),
    subject=_("%(person)s (%(organisation)s) declined your meeting request"),
    body=_("%(person)s of %(organisation)s declined your meeting request for %(event)s."),
    params=_event,
)
register_kind(
    "event.meeting_added",
    keys=("event", "person", "organisation"),
    subject=_("The organisers of %(event)s added a meeting with %(person)s"),
    body=_(
        "The organisers of %(event)s added a meeting between you and %(person)s of "
        "%(organisation)s. It appears in your agenda when the schedule is published."
    ),
    params=_event,
)

# --- Schedules ----------------------------------------------------------------------------

register_kind(
    "event.schedule_published",
    keys=("event", "meetings"),
    subject=_("The meeting schedule of %(event)s is published"),
    body=_(
        "The organisers published the meeting schedule of %(event)s: %(meetings)s meetings. "
        "Your agenda shows yours, in your time zone."
    ),
    params=_all(_event, _meetings),
)
register_kind(
    "event.meeting_changed",
    keys=("event", "starts"),
    subject=_("A meeting of yours at %(event)s changed"),
    body=_(
        "Your meeting at %(event)s on %(starts)s was moved or cancelled. Your agenda and "
        "calendar feed show the schedule as it is now."
    ),
    params=_all(_event, local_starts),
)
