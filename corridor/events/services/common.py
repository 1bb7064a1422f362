"""Pieces every events service uses: who organises, errors, times in the event's zone."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from corridor.core.notifications import notify
from corridor.core.permissions import is_platform_admin, organisation_role, staff_authority_ids
from corridor.core.text import TextError, clean_text
from corridor.core.timezones import is_valid_zone

from ..models import Event, ScheduledMeeting

MAX_CAP = 200
# Dates far outside this range are typing mistakes (and overflow date arithmetic).
MIN_YEAR, MAX_YEAR = 2000, 2100


# --- Who may ----------------------------------------------------------------------------


def can_create_event(user, authority) -> bool:
    """Platform admins, and the staff of ``authority`` (events are organised by an authority)."""
    if is_platform_admin(user):
        return True
    return authority is not None and authority.pk in staff_authority_ids(user)


def can_organise(user, event: Event) -> bool:
    """The organisers of ``event``: staff of its authority, and platform admins."""
    if is_platform_admin(user):
        return True
    return event.authority_id in staff_authority_ids(user)


def acts_for(user, organisation) -> bool:
    """The organisation's admins and members register it and take part for it."""
    return organisation_role(user, organisation) in ("admin", "member")


# --- Errors and input -------------------------------------------------------------------


def fail(field: str | None, message) -> ValidationError:
    """One error on ``field`` (None: on the whole request), to raise."""
    return ValidationError({field or NON_FIELD_ERRORS: [message]})


class Errors(dict):
    """Field → messages, collected so one ValidationError names every bad field."""

    def add(self, field: str | None, message) -> None:
        self.setdefault(field or NON_FIELD_ERRORS, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def text(value, *, field: str, errors: Errors, max_length: int | None = None) -> str:
    """Clean user text; a non-string, a NUL byte or too long a text is an error on ``field``."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(field, _("Give a text."))
        return ""
    try:
        value = clean_text(value, field=field)
    except TextError:
        errors.add(field, _("Contains a NUL byte, which cannot be stored."))
        return ""
    if max_length is not None and len(value) > max_length:
        errors.add(
            field,
            _("At most %(count)d characters (it has %(length)d).")
            % {"count": max_length, "length": len(value)},
        )
    return value


def whole_number(value, *, field: str, errors: Errors, low: int, high: int) -> int | None:
    """An int within ``low``..``high`` (booleans and text are refused, not coerced)."""
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, _("Give a whole number."))
        return None
    if value < low:
        errors.add(
            field, _("Must be at least %(low)d (it is %(value)d).") % {"low": low, "value": value}
        )
        return None
    if value > high:
        errors.add(
            field, _("Must be at most %(high)d (it is %(value)d).") % {"high": high, "value": value}
        )
        return None
    return value


def zone_of(event: Event) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(event.time_zone if is_valid_zone(event.time_zone) else "UTC")


def moment(
    value, *, field: str, errors: Errors, zone: zoneinfo.ZoneInfo
) -> datetime.datetime | None:
    """An aware datetime; a naive one is read in ``zone`` (the event's), anything else is an error."""
    if not isinstance(value, datetime.datetime):
        errors.add(field, _("Give a date and time."))
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        errors.add(
            field,
            _("Give a date between %(first)d and %(last)d.")
            % {"first": MIN_YEAR, "last": MAX_YEAR},
        )
        return None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    return value.astimezone(datetime.UTC)


def day_start(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """Midnight at the start of ``day`` in ``zone``, in UTC."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=zone).astimezone(datetime.UTC)


def event_bounds(event: Event) -> tuple[datetime.datetime, datetime.datetime]:
    """From midnight of the first day to midnight after the last day, in the event's zone."""
    zone = zone_of(event)
    return (
        day_start(event.starts_on, zone),
        day_start(event.ends_on + datetime.timedelta(days=1), zone),
    )


def requests_close_at(event: Event) -> datetime.datetime:
    """When meeting requests close: the start of the event's last day, in its zone.

    Pending requests expire then (``requests_expire``), and no request is sent or
    accepted after it: the last day's schedule must be published by its morning.
    """
    return day_start(event.ends_on, zone_of(event))


def ids_of(items: Iterable, *, field: str, errors: Errors) -> list[int] | None:
    """Primary keys from model instances or ints (anything else is an error on ``field``)."""
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        errors.add(field, _("Give a list."))
        return None
    out: list[int] = []
    for item in items:
        pk = getattr(item, "pk", item)
        if isinstance(pk, bool) or not isinstance(pk, int):
            errors.add(field, _("Give a list of numbers."))
            return None
        if pk not in out:
            out.append(pk)
    return out


# --- Side effects -----------------------------------------------------------------------


def page_url(name: str, **kwargs) -> str:
    """A page path as notifications store it (English prefix); "" until the page exists."""
    try:
        with translation.override("en"):
            return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def take_off_schedule(requests) -> list[ScheduledMeeting]:
    """Cancel the scheduled meetings of ``requests`` (a queryset), raising each SEQUENCE.

    Calendars that subscribed see the meeting cancelled, under the same UID; both people
    are told. Returns the meetings that were scheduled.
    """
    from ..notices import event_data

    meetings = list(
        ScheduledMeeting.objects.select_for_update(of=("self",))
        .filter(request__in=requests, status=ScheduledMeeting.Status.SCHEDULED)
        .select_related("slot", "event", "request__requester__user", "request__recipient__user")
    )
    for meeting in meetings:
        meeting.status = ScheduledMeeting.Status.CANCELLED
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence", "updated_at"])
        notify(
            users=[meeting.request.requester.user, meeting.request.recipient.user],
            kind="event.meeting_changed",
            key=f"event-meeting:{meeting.pk}:changed:{meeting.sequence}",
            data={**event_data(meeting.event), "starts": meeting.slot.starts_at.isoformat()},
            url=page_url("events:event_detail", slug=meeting.event.slug),
        )
    return meetings
