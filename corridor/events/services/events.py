"""Writes to events: create, change, publish, cancel (organisers: the authority's staff).

Life cycle: draft (only organisers see it) → published (everyone sees it; organisations
register inside the registration window) → cancelled (stays visible, meetings leave
the calendars). A draft that was never published is deleted rather than cancelled.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from corridor.core import audit
from corridor.core.permissions import require
from corridor.core.timezones import is_valid_zone
from corridor.registry.models import Organisation, Sector

from ..models import Event, MeetingRequest, Registration
from .common import (
    MAX_CAP,
    MAX_YEAR,
    MIN_YEAR,
    Errors,
    can_create_event,
    can_organise,
    day_start,
    event_bounds,
    fail,
    moment,
    take_off_schedule,
    text,
    whole_number,
    zone_of,
)

__all__ = [
    "EVENT_FIELDS",
    "event_cancel",
    "event_create",
    "event_delete",
    "event_publish",
    "event_update",
]

EVENT_FIELDS = {
    "slug", "title_en", "title_zh_hans", "title_ur", "description", "format", "time_zone",
    "starts_on", "ends_on", "venue", "registration_opens_at", "registration_closes_at",
    "eligible_countries", "eligible_sectors", "eligible_kinds", "capacity",
    "requires_approval", "default_max_meetings",
}  # fmt: skip
TEXTS = {"slug": 100, "title_en": 200, "title_zh_hans": 200, "title_ur": 200,
         "description": 4000, "venue": 300}  # fmt: skip
MAX_DAYS = 31
MAX_CAPACITY = 100_000


# --- Validation -------------------------------------------------------------------------


def _day(value, field: str, errors: Errors) -> datetime.date | None:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        errors.add(field, _("Give a date."))
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        errors.add(
            field,
            _("Give a date between %(first)d and %(last)d.")
            % {"first": MIN_YEAR, "last": MAX_YEAR},
        )
        return None
    return value


def _string_list(value, field: str, errors: Errors) -> list[str] | None:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        errors.add(field, _("Give a list."))
        return None
    if not all(isinstance(item, str) for item in value):
        errors.add(field, _("Give a list."))
        return None
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


def _sectors(value, errors: Errors) -> list[Sector] | None:
    if isinstance(value, str) or not isinstance(value, Iterable):
        errors.add("eligible_sectors", _("Give a list."))
        return None
    items = list(value)
    codes = {s for s in items if isinstance(s, str)}
    found = {s.code: s for s in Sector.objects.filter(code__in=codes)} if codes else {}
    resolved = []
    for item in items:
        if isinstance(item, Sector) and item.pk is not None:
            resolved.append(item)
        elif isinstance(item, str) and item in found:
            resolved.append(found[item])
        else:
            errors.add("eligible_sectors", _("Unknown sector."))
            return None
    return resolved


def _clean(event: Event, fields: dict, errors: Errors) -> list[Sector] | None:
    """Put ``fields`` on ``event`` and check the whole event; returns sectors to set (or None)."""
    unknown = sorted(set(fields) - EVENT_FIELDS)
    for name in unknown:
        errors.add(name, _("Unknown field."))
    sectors = None
    for name, value in fields.items():
        if name in unknown:
            continue
        if name in TEXTS:
            value = text(value, field=name, errors=errors, max_length=TEXTS[name])
        elif name == "eligible_sectors":
            sectors = _sectors(value, errors)
            continue
        setattr(event, name, value)

    if not event.title_en:
        errors.add("title_en", _("Give the title in English."))
    if event.format not in Event.Format.values:
        errors.add("format", _("Choose in person, online, or both."))
    if not isinstance(event.time_zone, str) or not is_valid_zone(event.time_zone):
        errors.add("time_zone", _("Not a time zone name (e.g. Asia/Shanghai)."))
    zone = zone_of(event)

    starts_on = _day(event.starts_on, "starts_on", errors)
    ends_on = _day(event.ends_on, "ends_on", errors)
    if starts_on and ends_on:
        if ends_on < starts_on:
            errors.add("ends_on", _("The last day must not be before the first day."))
        elif (ends_on - starts_on).days >= MAX_DAYS:
            errors.add("ends_on", _("An event lasts at most %(days)d days.") % {"days": MAX_DAYS})

    opens = moment(
        event.registration_opens_at, field="registration_opens_at", errors=errors, zone=zone
    )
    closes = moment(
        event.registration_closes_at, field="registration_closes_at", errors=errors, zone=zone
    )
    event.registration_opens_at, event.registration_closes_at = opens, closes
    if opens and closes:
        if closes <= opens:
            errors.add("registration_closes_at", _("Registration must close after it opens."))
        elif (
            ends_on
            and "ends_on" not in errors
            and closes > day_start(ends_on + datetime.timedelta(days=1), zone)
        ):
            errors.add(
                "registration_closes_at", _("Registration must close by the end of the event.")
            )

    if "eligible_countries" in fields:
        given = _string_list(event.eligible_countries, "eligible_countries", errors)
        if given is not None:
            codes = [countries.alpha2(c.upper()) for c in given]
            if not all(codes):
                errors.add("eligible_countries", _("Unknown country."))
            event.eligible_countries = sorted(set(filter(None, codes)))
    if "eligible_kinds" in fields:
        kinds = _string_list(event.eligible_kinds, "eligible_kinds", errors)
        if kinds is not None:
            if set(kinds) - set(Organisation.Kind.values):
                errors.add("eligible_kinds", _("Unknown kind of organisation."))
            event.eligible_kinds = kinds
    if event.capacity is not None:
        event.capacity = whole_number(
            event.capacity, field="capacity", errors=errors, low=1, high=MAX_CAPACITY
        )
    event.default_max_meetings = whole_number(
        event.default_max_meetings, field="default_max_meetings", errors=errors, low=0,
        high=MAX_CAP,
    )  # fmt: skip
    if not isinstance(event.requires_approval, bool):
        errors.add("requires_approval", _("Give yes or no."))

    try:
        event.full_clean(exclude=set(errors) | {"authority", "created_by", "eligible_sectors"})
    except ValidationError as e:
        for key, messages in e.message_dict.items():
            for message in messages:
                if message not in errors.get(key, []):
                    errors.add(key, message)
    return sectors


def _sessions_inside(event: Event, errors: Errors) -> None:
    """After a change of days or zone, every session must still lie inside the event."""
    if event.pk is None or errors:
        return
    start, end = event_bounds(event)
    if (
        event.sessions.filter(starts_at__lt=start).exists()
        or event.sessions.filter(ends_at__gt=end).exists()
    ):
        errors.add(
            "starts_on", _("Some sessions would fall outside the event's days; move them first.")
        )


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _refresh(target: Event, source: Event) -> Event:
    for field in Event._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _save_new(event: Event) -> None:
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError:
        # Two organisers chose the same identifier at the same moment.
        raise fail("slug", _("An event with this identifier already exists.")) from None


# --- Writing ----------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *, by, authority, slug, title_en, title_zh_hans="", title_ur="", description="", format,
    time_zone, starts_on, ends_on, venue="", registration_opens_at, registration_closes_at,
    eligible_countries=(), eligible_sectors=(), eligible_kinds=(), capacity=None,
    requires_approval=True, default_max_meetings=8,
) -> Event:  # fmt: skip
    """A draft event organised by ``authority`` (its staff and platform admins may).

    Naive times are read in the event's ``time_zone``.
    """
    require(
        can_create_event(by, authority),
        _("Only the authority's staff may organise events for it."),
    )
    errors = Errors()
    if authority is None or authority.pk is None:
        raise fail("authority", _("Choose the organising authority."))
    event = Event(authority=authority, created_by=by, status=Event.Status.DRAFT)
    sectors = _clean(
        event,
        {
            "slug": slug,
            "title_en": title_en,
            "title_zh_hans": title_zh_hans,
            "title_ur": title_ur,
            "description": description,
            "format": format,
            "time_zone": time_zone,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "venue": venue,
            "registration_opens_at": registration_opens_at,
            "registration_closes_at": registration_closes_at,
            "eligible_countries": eligible_countries,
            "eligible_sectors": eligible_sectors,
            "eligible_kinds": eligible_kinds,
            "capacity": capacity,
            "requires_approval": requires_approval,
            "default_max_meetings": default_max_meetings,
        },  # fmt: skip
        errors,
    )
    errors.raise_if_any()
    _save_new(event)
    event.eligible_sectors.set(sectors or [])
    audit.record(by, "event.create", event, {"authority": authority.pk})
    return event


@transaction.atomic
def event_update(*, event: Event, by, **fields) -> Event:
    """Change an event's details (not its organiser or status). Sessions must stay inside its days."""
    require(can_organise(by, event), _("Only the event's organisers may change it."))
    locked = _locked(event)
    if locked.status == Event.Status.CANCELLED:
        raise fail("status", _("A cancelled event cannot be changed."))
    errors = Errors()
    before = {name: getattr(locked, name) for name in EVENT_FIELDS - {"eligible_sectors"}}
    sectors = _clean(locked, fields, errors)
    _sessions_inside(locked, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise fail("slug", _("An event with this identifier already exists.")) from None
    changed = sorted(k for k, v in before.items() if getattr(locked, k) != v)
    if sectors is not None:
        locked.eligible_sectors.set(sectors)
        changed.append("eligible_sectors")
    audit.record(by, "event.update", locked, {"fields": changed})
    return _refresh(event, locked)


@transaction.atomic
def event_publish(*, event: Event, by) -> Event:
    """Make a draft visible to everyone; it needs at least one session."""
    require(can_organise(by, event), _("Only the event's organisers may publish it."))
    locked = _locked(event)
    if locked.status != Event.Status.DRAFT:
        raise fail("status", _("Only a draft can be published."))
    if not locked.sessions.exists():
        raise fail("sessions", _("Add at least one session before publishing the event."))
    locked.status = Event.Status.PUBLISHED
    locked.save(update_fields=["status", "updated_at"])
    audit.record(by, "event.publish", locked)
    return _refresh(event, locked)


@transaction.atomic
def event_cancel(*, event: Event, by, now: datetime.datetime | None = None) -> Event:
    """Call off a published event: pending requests are cancelled, meetings leave the calendars."""
    require(can_organise(by, event), _("Only the event's organisers may cancel it."))
    locked = _locked(event)
    if locked.status == Event.Status.DRAFT:
        raise fail("status", _("A draft was never announced: delete it instead."))
    if locked.status == Event.Status.CANCELLED:
        raise fail("status", _("The event is already cancelled."))
    live = MeetingRequest.objects.filter(
        event=locked,
        status__in=[MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED],
    )
    meetings = take_off_schedule(live)
    pending = live.filter(status=MeetingRequest.Status.PENDING).update(
        status=MeetingRequest.Status.CANCELLED, updated_at=now or timezone.now()
    )
    locked.status = Event.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    audit.record(
        by,
        "event.cancel",
        locked,
        {"meetings_cancelled": len(meetings), "requests_cancelled": pending},
    )
    return _refresh(event, locked)


@transaction.atomic
def event_delete(*, event: Event, by) -> None:
    """Delete a draft nobody registered for (a published event is cancelled instead)."""
    require(can_organise(by, event), _("Only the event's organisers may delete it."))
    locked = _locked(event)
    if locked.status != Event.Status.DRAFT:
        raise fail("status", _("Only a draft can be deleted; cancel a published event."))
    if Registration.objects.filter(event=locked).exists():
        raise fail("status", _("Organisations have registered: the event cannot be deleted."))
    audit.record(by, "event.delete", locked, {"slug": locked.slug})
    locked.delete()
