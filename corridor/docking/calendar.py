"""A meeting as an iCalendar invitation (RFC 5545), for the parties' own calendars.

The UID stays the same for the life of the meeting and SEQUENCE grows with every change,
so a calendar that imported the first invitation replaces it with a later one (a new
time, a cancellation) instead of showing two. Times are written in UTC: every calendar
shows them in its owner's zone, whichever zone the proposer chose.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Meeting
from .services.meetings import interest_url

PRODID = "-//Corridor//Meetings//EN"
STATUS = {
    Meeting.Status.PROPOSED: "TENTATIVE",
    Meeting.Status.ACCEPTED: "CONFIRMED",
    Meeting.Status.CANCELLED: "CANCELLED",
}


def _title(meeting: Meeting, language: str) -> str:
    """The profile's title in ``language`` when its authors wrote one, else the original."""
    profile = meeting.interest.profile
    if profile.language != language:
        translated = (
            profile.translations.filter(language=language).values_list("title", flat=True).first()
        )
        if translated:
            return translated
    return profile.title


def _summary(meeting: Meeting, language: str) -> str:
    interest = meeting.interest
    values = {
        "title": _title(meeting, language),
        "interest": interest.reference,
        "profile": interest.profile.reference,
    }
    if interest.is_revealed:
        # Both sides know each other once revealed; before that no name goes in a file.
        return _("Meeting %(owner)s – %(sender)s: %(title)s (%(interest)s, %(profile)s)") % {
            **values,
            "owner": interest.profile.organisation.name,
            "sender": interest.organisation.name,
        }
    return _("Meeting: %(title)s (%(interest)s, %(profile)s)") % values


def meeting_ics(meeting: Meeting, *, language: str) -> bytes:
    """The invitation for ``meeting``, its summary in ``language``; METHOD:CANCEL once
    the meeting is cancelled."""
    cancelled = meeting.status == Meeting.Status.CANCELLED
    path = interest_url(meeting.interest)
    with translation.override(language):
        summary = _summary(meeting, language)
    event = Event.new(
        uid=meeting.uid,
        sequence=meeting.sequence,
        # The time this version of the meeting was written: the same file each download.
        stamp=meeting.updated_at.astimezone(datetime.UTC),
        start=meeting.starts_at.astimezone(datetime.UTC),
        end=meeting.ends_at.astimezone(datetime.UTC),
        summary=summary,
        location=meeting.place or meeting.link or None,
        url=settings.CORRIDOR_SITE_URL + path if path else None,
        description=meeting.agenda or None,
        status=STATUS[meeting.status],
        # In person with a link too: for those who join from afar.
        comments=[meeting.link] if meeting.place and meeting.link else None,
    )
    calendar = Calendar.new(
        prodid=PRODID,
        uid=f"calendar-{meeting.uid}",  # stable: icalendar would make a new one each time
        method="CANCEL" if cancelled else "REQUEST",
        subcomponents=[event],
    )
    return calendar.to_ical()
