"""Writes to sessions and breaks, and the slots derived from them (organisers only).

A session is a block of equal slots: from its start, slots of ``slot_minutes`` follow
one another up to the first break, start again after it, and so on to the session's
end. Every stretch between breaks must be a whole number of slots, so no slot is cut
short. Slots are written in the same transaction as the session, and written again
when the session or its breaks change; a change that would take away a slot holding a
scheduled meeting is refused (cancel or move the meeting first).
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.core import audit
from corridor.core.permissions import require

from ..models import Break, Event, ScheduledMeeting, Session, Slot
from .common import (
    Errors,
    can_organise,
    event_bounds,
    fail,
    moment,
    text,
    whole_number,
    zone_of,
)

__all__ = [
    "SESSION_FIELDS",
    "break_add",
    "break_remove",
    "session_add",
    "session_remove",
    "session_slots",
    "session_update",
]

SESSION_FIELDS = {
    "name", "starts_at", "ends_at", "slot_minutes", "tables", "location",
    "video_link_template", "breaks",
}  # fmt: skip
MAX_SESSION = datetime.timedelta(hours=24)
LINK_FIELDS = {"slot", "table"}


@dataclass(frozen=True)
class Pause:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    label: str = ""


def _hm(value: datetime.datetime, event: Event) -> str:
    return timezone.localtime(value, zone_of(event)).strftime("%Y-%m-%d %H:%M")


def session_slots(
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    slot_minutes: int,
    breaks: Iterable[Pause | Break] = (),
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The (start, end) of each slot of a session: equal slots in each stretch between breaks."""
    step = datetime.timedelta(minutes=slot_minutes)
    slots, cursor = [], starts_at
    for stop, resume in [
        (b.starts_at, b.ends_at) for b in sorted(breaks, key=lambda b: b.starts_at)
    ] + [(ends_at, ends_at)]:
        while cursor + step <= stop:
            slots.append((cursor, cursor + step))
            cursor += step
        cursor = resume
    return slots


def _pauses(value, *, errors: Errors, event: Event) -> list[Pause] | None:
    """Breaks given as Break rows, dicts or (start, end[, label]) tuples."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        errors.add("breaks", _("Give a list of breaks."))
        return None
    zone = zone_of(event)
    out = []
    for item in value:
        if isinstance(item, (Break, Pause)):
            start, end, label = item.starts_at, item.ends_at, item.label
        elif isinstance(item, dict):
            start, end, label = item.get("starts_at"), item.get("ends_at"), item.get("label", "")
        elif isinstance(item, (tuple, list)) and len(item) in (2, 3):
            start, end, label = item[0], item[1], item[2] if len(item) == 3 else ""
        else:
            errors.add("breaks", _("Give each break a start and an end."))
            return None
        start = moment(start, field="breaks", errors=errors, zone=zone)
        end = moment(end, field="breaks", errors=errors, zone=zone)
        label = text(label, field="breaks", errors=errors, max_length=100)
        if start is None or end is None or "breaks" in errors:
            return None
        out.append(Pause(start, end, label))
    return sorted(out, key=lambda p: p.starts_at)


def _link_errors(template: str, errors: Errors) -> None:
    if not template:
        return
    try:
        names = {
            name
            for _lit, name, _spec, _conv in string.Formatter().parse(template)
            if name is not None
        }
        filled = template.format(slot=1, table=1) if names <= LINK_FIELDS else ""
    except (ValueError, IndexError, KeyError):
        names, filled = {"?"}, ""
    if not names <= LINK_FIELDS:
        errors.add(
            "video_link_template",
            _(
                "Only {slot} and {table} may stand in the link (e.g. https://meet.example.org/room-{table})."
            ),
        )
        return
    try:
        URLValidator(schemes=["https", "http"])(filled)
    except ValidationError:
        errors.add("video_link_template", _("Give a web address starting with https://."))


@dataclass
class Plan:
    """A checked session: its values, breaks and the slots they make."""

    values: dict
    breaks: list[Pause]
    slots: list[tuple[datetime.datetime, datetime.datetime]]


def _plan(event: Event, values: dict, breaks, *, session: Session | None = None) -> Plan:
    """Check a session's values against the event and its other sessions; raise every error."""
    errors = Errors()
    unknown = sorted(set(values) - SESSION_FIELDS)
    for name in unknown:
        errors.add(name, _("Unknown field."))
    zone = zone_of(event)
    clean = {
        "name": text(values["name"], field="name", errors=errors, max_length=200),
        "location": text(values["location"], field="location", errors=errors, max_length=200),
        "video_link_template": text(
            values["video_link_template"],
            field="video_link_template",
            errors=errors,
            max_length=500,
        ),  # fmt: skip
        "starts_at": moment(values["starts_at"], field="starts_at", errors=errors, zone=zone),
        "ends_at": moment(values["ends_at"], field="ends_at", errors=errors, zone=zone),
        "slot_minutes": whole_number(
            values["slot_minutes"], field="slot_minutes", errors=errors, low=5, high=240
        ),
        "tables": whole_number(values["tables"], field="tables", errors=errors, low=1, high=2000),
    }
    if "name" not in errors and not clean["name"]:
        errors.add("name", _("Give the session a name."))
    _link_errors(clean["video_link_template"], errors)
    pauses = _pauses(breaks, errors=errors, event=event)
    for field, value in (("starts_at", clean["starts_at"]), ("ends_at", clean["ends_at"])):
        if value is not None and (value.second or value.microsecond):
            errors.add(field, _("Give the time in whole minutes."))
            clean[field] = None
    if pauses and any(p.starts_at.second or p.ends_at.second or p.starts_at.microsecond
                      or p.ends_at.microsecond for p in pauses):  # fmt: skip
        errors.add("breaks", _("Give the time in whole minutes."))
        pauses = None
    start, end, minutes = clean["starts_at"], clean["ends_at"], clean["slot_minutes"]
    if start and end:
        first, last = event_bounds(event)
        if end <= start:
            errors.add("ends_at", _("The session must end after it starts."))
        elif end - start > MAX_SESSION:
            errors.add("ends_at", _("A session lasts at most 24 hours."))
        elif start < first or end > last:
            errors.add(
                "starts_at",
                _("The session must lie within the event's days (%(first)s to %(last)s, %(zone)s).")
                % {"first": event.starts_on, "last": event.ends_on, "zone": zone.key},
            )
        else:
            others = Session.objects.filter(event=event, starts_at__lt=end, ends_at__gt=start)
            if session is not None:
                others = others.exclude(pk=session.pk)
            other = others.first()
            if other is not None:
                errors.add(
                    "starts_at",
                    _("Overlaps the session “%(name)s” (%(start)s to %(end)s).")
                    % {
                        "name": other.name,
                        "start": _hm(other.starts_at, event),
                        "end": _hm(other.ends_at, event),
                    },  # fmt: skip
                )
    if pauses and start and end and "ends_at" not in errors:
        previous = None
        for pause in pauses:
            if pause.ends_at <= pause.starts_at:
                errors.add("breaks", _("A break must end after it starts."))
                break
            if pause.starts_at < start or pause.ends_at > end:
                errors.add(
                    "breaks",
                    _("The break at %(start)s lies outside its session.")
                    % {"start": _hm(pause.starts_at, event)},
                )
                break
            if previous is not None and pause.starts_at < previous.ends_at:
                errors.add(
                    "breaks",
                    _("The breaks at %(first)s and %(second)s overlap.")
                    % {
                        "first": _hm(previous.starts_at, event),
                        "second": _hm(pause.starts_at, event),
                    },
                )
                break
            previous = pause
    if (
        start
        and end
        and minutes
        and pauses is not None
        and not ({"ends_at", "breaks"} & set(errors))
    ):
        step = datetime.timedelta(minutes=minutes)
        edges = [start] + [t for p in pauses for t in (p.starts_at, p.ends_at)] + [end]
        for stretch_start, stretch_end in zip(edges[::2], edges[1::2], strict=True):
            if (stretch_end - stretch_start) % step:
                field = "slot_minutes"
                if pauses:
                    message = _(
                        "Slots of %(minutes)d minutes do not fill %(start)s to %(end)s exactly; "
                        "change the slot length, the session or its breaks."
                    ) % {"minutes": minutes, "start": _hm(stretch_start, event),
                         "end": _hm(stretch_end, event)}  # fmt: skip
                else:
                    message = _(
                        "Slots of %(minutes)d minutes do not divide the session exactly."
                    ) % {"minutes": minutes}
                errors.add(field, message)
                break
        else:
            if not session_slots(start, end, minutes, pauses):
                errors.add("slot_minutes", _("The session has no room for a single slot."))
    errors.raise_if_any()
    return Plan(
        values=clean, breaks=pauses or [], slots=session_slots(start, end, minutes, pauses or [])
    )


def _write_slots(session: Session, plan: Plan) -> tuple[int, int]:
    """Make the session's slots those of ``plan``; refuse to drop one holding a meeting.

    Returns (slots added, slots removed).
    """
    wanted = set(plan.slots)
    existing = {(s.starts_at, s.ends_at): s for s in Slot.objects.filter(session=session)}
    dropped = [slot.pk for key, slot in existing.items() if key not in wanted]
    busy = ScheduledMeeting.objects.filter(
        slot__session=session, status=ScheduledMeeting.Status.SCHEDULED
    )
    held = busy.filter(slot_id__in=dropped).order_by("slot__starts_at").first()
    if held is not None:
        raise fail(
            None,
            _("A meeting is scheduled at %(start)s, which this change takes out of the session; "
              "cancel or move it first.") % {"start": _hm(held.slot.starts_at, session.event)},
        )  # fmt: skip
    most = busy.aggregate(most=Max("table"))["most"]
    if most and plan.values["tables"] < most:
        raise fail(
            "tables",
            _("Meetings are scheduled at table %(table)d; keep at least that many tables.")
            % {"table": most},
        )
    # Cancelled meetings in dropped slots go too: a calendar drops them with the feed entry.
    ScheduledMeeting.objects.filter(slot_id__in=dropped).delete()
    Slot.objects.filter(pk__in=dropped).delete()
    new = [
        Slot(session=session, starts_at=a, ends_at=b)
        for a, b in plan.slots
        if (a, b) not in existing
    ]
    Slot.objects.bulk_create(new)
    return len(new), len(dropped)


def _write_breaks(session: Session, plan: Plan) -> None:
    Break.objects.filter(session=session).delete()
    Break.objects.bulk_create(
        [
            Break(session=session, starts_at=p.starts_at, ends_at=p.ends_at, label=p.label)
            for p in plan.breaks
        ]
    )


def _open_event(event: Event) -> Event:
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if locked.status == Event.Status.CANCELLED:
        raise fail("status", _("The event is cancelled."))
    return locked


def _locked_session(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",)).select_related("event").get(pk=session.pk)
    )


@transaction.atomic
def session_add(
    *, event: Event, by, name, starts_at, ends_at, slot_minutes, tables, location="",
    video_link_template="", breaks=(),
) -> Session:  # fmt: skip
    """A block of equal slots in ``event``, with its breaks and slots; naive times are in the event's zone."""
    require(can_organise(by, event), _("Only the event's organisers may change its sessions."))
    locked = _open_event(event)  # one change to the event's sessions at a time
    plan = _plan(
        locked,
        {"name": name, "starts_at": starts_at, "ends_at": ends_at, "slot_minutes": slot_minutes,
         "tables": tables, "location": location, "video_link_template": video_link_template},
        breaks,
    )  # fmt: skip
    session = Session.objects.create(event=locked, **plan.values)
    _write_breaks(session, plan)
    added, _removed = _write_slots(session, plan)
    audit.record(by, "session.add", session, {"slots": added, "breaks": len(plan.breaks)})
    return session


@transaction.atomic
def session_update(*, session: Session, by, **fields) -> Session:
    """Change a session (``breaks``, if given, replaces all its breaks); its slots follow."""
    require(
        can_organise(by, session.event), _("Only the event's organisers may change its sessions.")
    )
    locked_event = _open_event(session.event)
    locked = _locked_session(session)
    current = {
        "name": locked.name, "starts_at": locked.starts_at, "ends_at": locked.ends_at,
        "slot_minutes": locked.slot_minutes, "tables": locked.tables,
        "location": locked.location, "video_link_template": locked.video_link_template,
    }  # fmt: skip
    breaks = fields.pop("breaks", None)
    if breaks is None:
        breaks = list(locked.breaks.all())
    plan = _plan(locked_event, {**current, **fields}, breaks, session=locked)
    changed = sorted(k for k, v in plan.values.items() if current.get(k) != v)
    for key, value in plan.values.items():
        setattr(locked, key, value)
    locked.save()
    _write_breaks(locked, plan)
    added, removed = _write_slots(locked, plan)
    audit.record(
        by,
        "session.update",
        locked,
        {"fields": changed, "slots_added": added, "slots_removed": removed},
    )
    for key, value in plan.values.items():
        setattr(session, key, value)
    return session


@transaction.atomic
def session_remove(*, session: Session, by) -> None:
    """Delete a session with its slots; refused while meetings are scheduled in it."""
    require(
        can_organise(by, session.event), _("Only the event's organisers may change its sessions.")
    )
    event = _open_event(session.event)
    locked = _locked_session(session)
    if ScheduledMeeting.objects.filter(
        slot__session=locked, status=ScheduledMeeting.Status.SCHEDULED
    ).exists():
        raise fail(None, _("Meetings are scheduled in this session; cancel or move them first."))
    if event.status == Event.Status.PUBLISHED and not event.sessions.exclude(pk=locked.pk).exists():
        raise fail(None, _("A published event keeps at least one session."))
    audit.record(by, "session.remove", locked, {"event": event.pk, "name": locked.name})
    ScheduledMeeting.objects.filter(slot__session=locked).delete()  # cancelled ones only
    locked.delete()


@transaction.atomic
def break_add(*, session: Session, by, starts_at, ends_at, label="") -> Break:
    """A break inside ``session``; the slots it covers go (refused if a meeting is in one)."""
    require(
        can_organise(by, session.event), _("Only the event's organisers may change its sessions.")
    )
    event = _open_event(session.event)
    locked = _locked_session(session)
    current = {
        "name": locked.name, "starts_at": locked.starts_at, "ends_at": locked.ends_at,
        "slot_minutes": locked.slot_minutes, "tables": locked.tables,
        "location": locked.location, "video_link_template": locked.video_link_template,
    }  # fmt: skip
    errors = Errors()
    new = _pauses([(starts_at, ends_at, label)], errors=errors, event=event)
    errors.raise_if_any()
    plan = _plan(event, current, list(locked.breaks.all()) + new, session=locked)
    _write_breaks(locked, plan)
    _write_slots(locked, plan)
    pause = new[0]
    made = Break.objects.get(session=locked, starts_at=pause.starts_at, ends_at=pause.ends_at)
    audit.record(by, "break.add", locked, {"starts_at": pause.starts_at.isoformat()})
    return made


@transaction.atomic
def break_remove(*, brk: Break, by) -> None:
    """Take a break out of its session; the slots it covered come back."""
    session = brk.session
    require(
        can_organise(by, session.event), _("Only the event's organisers may change its sessions.")
    )
    event = _open_event(session.event)
    locked = _locked_session(session)
    current = {
        "name": locked.name, "starts_at": locked.starts_at, "ends_at": locked.ends_at,
        "slot_minutes": locked.slot_minutes, "tables": locked.tables,
        "location": locked.location, "video_link_template": locked.video_link_template,
    }  # fmt: skip
    plan = _plan(event, current, list(locked.breaks.exclude(pk=brk.pk)), session=locked)
    _write_breaks(locked, plan)
    _write_slots(locked, plan)
    audit.record(by, "break.remove", locked, {"starts_at": brk.starts_at.isoformat()})
