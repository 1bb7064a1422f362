"""Event meetings in iCalendar (RFC 5545): a person's subscription feed and single-meeting files.

The feed is what calendar clients (Google, Apple, Outlook) poll at a secret address. It
stays correct when the schedule changes because every meeting keeps one UID for its life
(the request's: ``ScheduledMeeting.uid``), its SEQUENCE grows with every change the
scheduler or an organiser makes, and a meeting taken out of the schedule stays in the
feed with STATUS:CANCELLED (and its higher SEQUENCE), so clients drop it rather than keep
a stale copy. A subscription carries no METHOD (it is not an iTIP message); it asks
clients to poll hourly (REFRESH-INTERVAL, and X-PUBLISHED-TTL for Outlook).

A single-meeting file (``meeting_ics``) is METHOD:PUBLISH: a copy of the event for the
person's own calendar, not an invitation to answer — there is no ORGANIZER or ATTENDEE,
so no address goes into the file and no client offers to send a reply. A cancelled
meeting is the same event with STATUS:CANCELLED, so importing the file again updates the
copy. The docking meetings (``corridor.docking.calendar``) are invitations between two
parties instead, hence METHOD:REQUEST there.

Times are written in UTC: each client shows them in its owner's zone. DTSTAMP and
LAST-MODIFIED are the time the meeting row last changed, so the same schedule gives the
same bytes (and the same ETag) at every poll.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from corridor.core.timezones import user_zone

from .agendas import meetings_of, other_side, person_name, place, video_link
from .models import Event, Participant, ScheduledMeeting

PRODID = "-//Corridor//Event meetings//EN"
REFRESH = datetime.timedelta(hours=1)
STATUS = {
    ScheduledMeeting.Status.SCHEDULED: "CONFIRMED",
    ScheduledMeeting.Status.CANCELLED: "CANCELLED",
}
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else settings.LANGUAGE_CODE


def _site_url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return settings.CORRIDOR_SITE_URL + reverse(name, kwargs=kwargs)


def feed_url(participant: Participant) -> str:
    """The participant's subscription address (the same in every language)."""
    return settings.CORRIDOR_SITE_URL + reverse(
        "event_feed", kwargs={"token": participant.feed_token}
    )


def _summary(meeting: ScheduledMeeting, viewer: Participant | None) -> str:
    event_title = meeting.event.title
    if viewer is None:  # an organiser's copy: both people
        request = meeting.request
        return _("Meeting %(first)s – %(second)s — %(event)s") % {
            "first": f"{person_name(request.requester.user)} "
            f"({request.requester.registration.organisation.display_name})",
            "second": f"{person_name(request.recipient.user)} "
            f"({request.recipient.registration.organisation.display_name})",
            "event": event_title,
        }
    other = other_side(meeting, viewer)
    return _("Meeting with %(person)s (%(organisation)s) — %(event)s") % {
        "person": person_name(other.user),
        "organisation": other.registration.organisation.display_name,
        "event": event_title,
    }


def _description(meeting: ScheduledMeeting, viewer: Participant | None, link: str) -> str:
    request = meeting.request
    lines = [
        _("Session: %(session)s") % {"session": meeting.slot.session.name},
        _("Where: %(place)s") % {"place": place(meeting)},
    ]
    if link:
        lines.append(_("Video link: %(link)s") % {"link": link})
    if meeting.status == ScheduledMeeting.Status.CANCELLED:
        lines.append(_("This meeting was taken out of the schedule."))
    if request.message:
        if viewer is not None and request.requester_id == viewer.pk:
            lines.append(_("Your message: %(message)s") % {"message": request.message})
        else:
            lines.append(
                _("Message from %(person)s: %(message)s")
                % {"person": person_name(request.requester.user), "message": request.message}
            )
    return "\n".join(lines)


def meeting_vevent(
    meeting: ScheduledMeeting, *, viewer: Participant | None, language: str
) -> VEvent:
    """One meeting as a VEVENT, its texts in ``language``; ``viewer`` is the participant whose
    calendar it goes into (None: an organiser, who sees both people)."""
    link = video_link(meeting)
    stamp = meeting.updated_at.astimezone(datetime.UTC)
    with translation.override(language):
        where = place(meeting)
        return VEvent.new(
            uid=meeting.uid,
            sequence=meeting.sequence,
            stamp=stamp,
            last_modified=stamp,
            start=meeting.slot.starts_at.astimezone(datetime.UTC),
            end=meeting.slot.ends_at.astimezone(datetime.UTC),
            summary=_summary(meeting, viewer),
            # Online: the link, which clients make clickable; hybrid: the room and the link.
            location=f"{where} — {link}"
            if link and meeting.slot.session.location
            else link or where,
            description=_description(meeting, viewer, link),
            url=_site_url("events:agenda", language, slug=meeting.event.slug),
            status=STATUS[meeting.status],
        )


def feed_ics(participant: Participant, *, language: str | None = None) -> bytes:
    """``participant``'s subscription feed: all their meetings, scheduled and cancelled."""
    language = _language(language or participant.user.language)
    event: Event = participant.registration.event
    zone: zoneinfo.ZoneInfo = user_zone(participant.user)
    meetings = list(meetings_of(participant))
    with translation.override(language):
        name = _("%(event)s: my meetings") % {"event": event.title}
        calendar = Calendar.new(
            prodid=PRODID,
            # Stable, and not the secret token: clients may show or store it.
            uid=f"event-feed-{participant.pk}@corridor",
            name=name,
            description=_("Your meetings at %(event)s, kept up to date by Corridor.")
            % {"event": event.title},
            url=_site_url("events:agenda", language, slug=event.slug),
            subcomponents=[
                meeting_vevent(m, viewer=participant, language=language) for m in meetings
            ],
        )
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("REFRESH-INTERVAL", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", "PT1H")
    calendar.add("X-WR-TIMEZONE", zone.key)
    return calendar.to_ical()


def meeting_ics(meeting: ScheduledMeeting, *, viewer: Participant | None, language: str) -> bytes:
    """One meeting as a file to import (METHOD:PUBLISH), for ``viewer`` (None: an organiser)."""
    language = _language(language)
    calendar = Calendar.new(
        prodid=PRODID,
        uid=f"calendar-{meeting.uid}",  # stable: icalendar would make a new one each time
        method="PUBLISH",
        subcomponents=[meeting_vevent(meeting, viewer=viewer, language=language)],
    )
    calendar.add("CALSCALE", "GREGORIAN")
    return calendar.to_ical()
