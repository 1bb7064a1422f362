"""Writes to one scheduled meeting (the event's organisers): lock, unlock, move, check in.

Lock, unlock and move take the event's row lock first, as a schedule run's publishing
step does, so a run never publishes over a lock or a move made while it was writing.
Re-exported by ``services.schedule``.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.core import audit
from corridor.core.notifications import notify
from corridor.core.permissions import require

from ..models import Event, MeetingRequest, Participant, ScheduledMeeting, Slot
from ..notices import event_data
from .common import Errors, can_organise, fail, page_url, whole_number

__all__ = ["meeting_check_in", "meeting_lock", "meeting_move", "meeting_unlock"]

MStatus = ScheduledMeeting.Status


def _meeting(meeting: ScheduledMeeting, by, message) -> tuple[Event, ScheduledMeeting]:
    """The meeting's event (row locked, so runs and moves take turns) and the meeting, locked."""
    require(can_organise(by, meeting.event), message)
    event = Event.objects.select_for_update().get(pk=meeting.event_id)
    locked = (
        ScheduledMeeting.objects.select_for_update(of=("self",))
        .select_related("slot__session", "request__requester__user", "request__recipient__user")
        .get(pk=meeting.pk)
    )
    return event, locked


def _refresh(target: ScheduledMeeting, source: ScheduledMeeting) -> ScheduledMeeting:
    for field in ScheduledMeeting._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _set_lock(meeting: ScheduledMeeting, by, locked_value: bool) -> ScheduledMeeting:
    _event, locked = _meeting(
        meeting, by, _("Only the event's organisers may lock and unlock meetings.")
    )
    if locked_value and locked.status != MStatus.SCHEDULED:
        raise fail(None, _("This meeting was cancelled; only a scheduled meeting is locked."))
    if locked.locked != locked_value:  # a second click changes nothing
        locked.locked = locked_value
        locked.save(update_fields=["locked", "updated_at"])
        audit.record(by, "scheduled_meeting.lock" if locked_value else "scheduled_meeting.unlock",
                     locked)  # fmt: skip
    return _refresh(meeting, locked)


@transaction.atomic
def meeting_lock(*, meeting: ScheduledMeeting, by) -> ScheduledMeeting:
    """Keep a scheduled meeting where it is when the scheduler runs again."""
    return _set_lock(meeting, by, True)


@transaction.atomic
def meeting_unlock(*, meeting: ScheduledMeeting, by) -> ScheduledMeeting:
    """Let the scheduler move the meeting again."""
    return _set_lock(meeting, by, False)


def _name(user) -> str:
    return user.get_full_name() or user.username


@transaction.atomic
def meeting_move(
    *, meeting: ScheduledMeeting, by, slot: Slot, table: int | None = None, lock: bool = True,
    now: datetime.datetime | None = None,
) -> ScheduledMeeting:  # fmt: skip
    """An organiser moves a meeting to ``slot`` (and ``table``: default the lowest free one).

    Both people must attend the slot's session and be free then, the table free, and
    neither the meeting nor the slot started. SEQUENCE goes up and both people are told.
    The meeting is locked there (``lock``), so the next run keeps the organiser's choice.
    """
    event, locked = _meeting(meeting, by, _("Only the event's organisers may move meetings."))
    now = now or timezone.now()
    if not isinstance(slot, Slot) or slot.pk is None:
        raise fail("slot", _("Choose a slot of this event."))
    target = Slot.objects.select_related("session").filter(pk=slot.pk).first()
    if target is None or target.session.event_id != event.pk:
        raise fail("slot", _("Choose a slot of this event."))
    if locked.status != MStatus.SCHEDULED:
        raise fail(None, _("This meeting was cancelled; only a scheduled meeting is moved."))
    if event.status != Event.Status.PUBLISHED:
        raise fail(None, _("The event is not published."))
    if locked.slot.starts_at <= now:
        raise fail(None, _("This meeting has begun or is over; it stays where it was."))
    if target.starts_at <= now:
        raise fail("slot", _("Choose a slot that has not begun."))
    request = locked.request
    if request.status != MeetingRequest.Status.ACCEPTED:
        raise fail(None, _("This meeting's request is no longer accepted."))
    people = (request.requester, request.recipient)
    attending = set(
        Participant.sessions.through.objects.filter(
            participant_id__in=[p.pk for p in people], session_id=target.session_id
        ).values_list("participant_id", flat=True)
    )
    for person in people:
        if person.pk not in attending:
            raise fail(
                "slot",
                _("%(person)s does not attend the session of that slot.")
                % {"person": _name(person.user)},
            )
    busy = (
        ScheduledMeeting.objects.filter(event=event, slot=target, status=MStatus.SCHEDULED)
        .exclude(pk=locked.pk)
        .filter(Q(request__requester__in=people) | Q(request__recipient__in=people))
        .values_list("request__requester_id", "request__recipient_id")
    )
    taken = {pk for pair in busy for pk in pair}
    for person in people:
        if person.pk in taken:
            raise fail(
                "slot",
                _("%(person)s already has another meeting then.") % {"person": _name(person.user)},
            )
    used = set(
        ScheduledMeeting.objects.filter(slot=target, status=MStatus.SCHEDULED)
        .exclude(pk=locked.pk)
        .values_list("table", flat=True)
    )
    tables = target.session.tables
    if table is None:
        table = next((t for t in range(1, tables + 1) if t not in used), None)
        if table is None:
            raise fail("slot", _("Every table is taken at that time."))
    else:
        errors = Errors()
        table = whole_number(table, field="table", errors=errors, low=1, high=tables)
        errors.raise_if_any()
        if table in used:
            raise fail("table", _("Table %(table)d is taken at that time.") % {"table": table})
    if (locked.slot_id, locked.table) == (target.pk, table):
        raise fail(None, _("The meeting is already there."))
    before = locked.slot
    audit.record(
        by,
        "scheduled_meeting.move",
        locked,
        {"from": [before.pk, locked.table], "to": [target.pk, table], "lock": bool(lock)},
    )
    locked.slot, locked.table = target, table
    locked.sequence += 1
    locked.locked = locked.locked or bool(lock)
    locked.save(update_fields=["slot", "table", "sequence", "locked", "updated_at"])
    notify(
        users=[p.user for p in people],
        kind="event.meeting_changed",
        key=f"event-meeting:{locked.pk}:changed:{locked.sequence}",
        data={**event_data(event), "starts": before.starts_at.isoformat()},
        url=page_url("events:event_detail", slug=event.slug),
    )
    return _refresh(meeting, locked)


@transaction.atomic
def meeting_check_in(
    *, meeting: ScheduledMeeting, by, held: bool, now: datetime.datetime | None = None
) -> ScheduledMeeting:
    """An organiser marks a scheduled meeting held or not held, once its slot has begun.

    A mark may be corrected later; each one is in the audit log. Held meetings count in
    the outcome ledger (``corridor.insights``).
    """
    require(can_organise(by, meeting.event), _("Only the event's organisers check meetings in."))
    if not isinstance(held, bool):
        raise fail("held", _("Say whether the meeting was held: yes or no."))
    now = now or timezone.now()
    locked = (
        ScheduledMeeting.objects.select_for_update(of=("self",))
        .select_related("slot")
        .get(pk=meeting.pk)
    )
    if locked.status != MStatus.SCHEDULED:
        raise fail(None, _("This meeting was cancelled."))
    if now < locked.slot.starts_at:
        raise fail(None, _("The meeting has not begun yet; check it in once it has."))
    before = locked.held
    locked.held, locked.checked_in_by, locked.checked_in_at = held, by, now
    locked.save(update_fields=["held", "checked_in_by", "checked_in_at", "updated_at"])
    audit.record(by, "scheduled_meeting.check_in", locked, {"held": held, "before": before})
    return _refresh(meeting, locked)
