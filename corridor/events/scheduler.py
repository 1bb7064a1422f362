"""The adapter between the events models and the scheduling engine (``corridor.scheduling``).

:func:`build_instance` turns an event's rows into the engine's instance (the JSON form
documented in ``corridor/scheduling/model.py``), :func:`previous_schedule` gives the
published schedule to change as little as possible, and :func:`unplaced_items` turns the
engine's explanations into what a schedule run stores and organisers read.

Engine ids are the database keys with a prefix: ``s12`` (slot 12), ``p5`` (participant 5),
``r88`` (meeting request 88); the mapping returned with the instance gives each id's row.

What goes in:

- slots: every slot of the event's sessions (breaks are already cut out of them), with
  the session's tables;
- participants: the people of approved registrations, available in the slots of the
  sessions they attend, with their cap;
- requests: accepted requests only (a pending one never blocks a slot) between two such
  people, with their priority;
- locked: the scheduled meetings the organisers locked, and every scheduled meeting
  whose slot has started (``now``): the past is not rescheduled. Nobody is available in
  a started slot except for the meeting they already have there, so nothing new goes
  into the past, and a cap never forces a past meeting out.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import Event, MeetingRequest, Participant, Registration, ScheduledMeeting, Slot

SLOT, PERSON, REQUEST = "s", "p", "r"

# Shown to organisers for each reason an accepted request was left out. The engine's codes
# (``corridor.scheduling.model.REASONS``), plus ``late``: accepted while the scheduler ran.
REASON_LABELS = {
    "no_common_slot": _("no common free slot"),
    "cap_reached": _("a cap is reached"),
    "tables_full": _("tables full"),
    "conflict": _("both busy"),
    "late": _("accepted during the run"),
}


def slot_key(pk: int) -> str:
    return f"{SLOT}{pk}"


def person_key(pk: int) -> str:
    return f"{PERSON}{pk}"


def request_key(pk: int) -> str:
    return f"{REQUEST}{pk}"


def pk_of(key: str) -> int:
    """The database key in an engine id (``"r88"`` → 88)."""
    return int(str(key)[1:])


def person_name(participant: Participant) -> str:
    """'Name (Organisation)': how organisers see a participant in a run's explanations."""
    user = participant.user
    return f"{user.get_full_name() or user.username} ({participant.registration.organisation.name})"


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def build_instance(
    event: Event, *, now: datetime.datetime | None = None
) -> tuple[dict[str, Any], Mapping[str, models.Model]]:
    """The engine's instance for ``event`` and the row behind each of its ids (see the module doc).

    Five queries whatever the size of the event. ``now`` (default: the clock) decides which
    slots have started.
    """
    now = now or timezone.now()
    slots = list(
        Slot.objects.filter(session__event=event)
        .select_related("session")
        .order_by("starts_at", "pk")
    )
    approved = Participant.objects.filter(
        registration__event=event, registration__status=Registration.Status.APPROVED
    )
    people = list(approved.select_related("user", "registration__organisation").order_by("pk"))
    attends: dict[int, set[int]] = {}
    for person, session in Participant.sessions.through.objects.filter(
        participant__in=approved.values("pk")
    ).values_list("participant_id", "session_id"):
        attends.setdefault(person, set()).add(session)
    present = Q(requester__registration__status=Registration.Status.APPROVED) & Q(
        recipient__registration__status=Registration.Status.APPROVED
    )
    accepted = MeetingRequest.objects.filter(
        present, event=event, status=MeetingRequest.Status.ACCEPTED
    )
    requests = list(accepted.order_by("pk"))
    # Subqueries, not lists of keys: no limit on how many variables a query may bind.
    scheduled = list(
        ScheduledMeeting.objects.filter(
            event=event,
            status=ScheduledMeeting.Status.SCHEDULED,
            request__in=accepted.values("pk"),
        ).order_by("request_id")
    )

    started = {s.pk for s in slots if s.starts_at <= now}
    # The meetings that stay where they are: locked by the organisers, or already begun.
    fixed = [m for m in scheduled if m.locked or m.slot_id in started]
    past: dict[int, set[int]] = {}  # participant -> started slots of their meetings
    by_request = {r.pk: r for r in requests}
    for meeting in fixed:
        if meeting.slot_id in started:
            request = by_request[meeting.request_id]
            for side in (request.requester_id, request.recipient_id):
                past.setdefault(side, set()).add(meeting.slot_id)

    ids: dict[str, models.Model] = {}
    for slot in slots:
        ids[slot_key(slot.pk)] = slot
    participants = []
    for person in people:
        ids[person_key(person.pk)] = person
        sessions = attends.get(person.pk, set())
        mine = past.get(person.pk, set())
        participants.append(
            {
                "id": person_key(person.pk),
                "available": [
                    slot_key(s.pk)
                    for s in slots
                    if (s.session_id in sessions and s.pk not in started) or s.pk in mine
                ],
                "max_meetings": max(person.max_meetings, len(mine)),
            }
        )
    by_person = {p.pk: p for p in people}
    for request in requests:
        # Both sides are approved participants (the filter above): no query to name them.
        request.requester = by_person[request.requester_id]
        request.recipient = by_person[request.recipient_id]
        ids[request_key(request.pk)] = request
    data = {
        "slots": [
            {"id": slot_key(s.pk), "start": _iso(s.starts_at), "end": _iso(s.ends_at)}
            for s in slots
        ],
        "tables": {slot_key(s.pk): s.session.tables for s in slots},
        "participants": participants,
        "requests": [
            {
                "id": request_key(r.pk),
                "a": person_key(r.requester_id),
                "b": person_key(r.recipient_id),
                "priority": r.priority,
            }
            for r in requests
        ],
        "locked": [
            {"request": request_key(m.request_id), "slot": slot_key(m.slot_id)} for m in fixed
        ],
    }
    return data, ids


def previous_schedule(event: Event) -> dict[str, Any]:
    """The published schedule (scheduled meetings) as a previous result for minimal change.

    Pass it through ``corridor.scheduling.parse_previous`` with the instance: meetings
    whose request is no longer accepted are set aside there.
    """
    return {
        "meetings": [
            {"request": request_key(request), "slot": slot_key(slot), "table": table}
            for request, slot, table in ScheduledMeeting.objects.filter(
                event=event, status=ScheduledMeeting.Status.SCHEDULED
            )
            .order_by("request_id")
            .values_list("request_id", "slot_id", "table")
        ]
    }


# --- Explanations -----------------------------------------------------------------------


def _when(slot: Slot, zone) -> str:
    return timezone.localtime(slot.starts_at, zone).strftime("%Y-%m-%d %H:%M")


def unplaced_items(
    instance: Mapping[str, Any],
    outcome: Mapping[str, Any],
    ids: Mapping[str, models.Model],
    *,
    zone,
    late: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """What a run stores for each request left out: key, reason code, the facts behind it.

    ``instance`` and ``outcome`` are the engine's JSON forms (``outcome`` as kept: its
    meetings are the ones written). Each item: ``request`` (pk), ``reason``, ``between``
    (the two people, "Name (Organisation)"), and per reason ``person`` (who reached their
    cap, and ``count``), ``slots`` (the times both were free but tables were full, in the
    event's zone), plus ``detail``, the English sentence; :func:`unplaced_text` says it in
    the reader's language.
    """
    cap = {p["id"]: p["max_meetings"] for p in instance["participants"]}
    ends = {r["id"]: (r["a"], r["b"]) for r in instance["requests"]}
    count: dict[str, int] = {}
    for meeting in outcome["meetings"]:
        for side in ends[meeting["request"]]:
            count[side] = count.get(side, 0) + 1
    busy = {(side, m["slot"]) for m in outcome["meetings"] for side in ends[m["request"]]}
    used: dict[str, int] = {}
    for meeting in outcome["meetings"]:
        used[meeting["slot"]] = used.get(meeting["slot"], 0) + 1
    available = {p["id"]: set(p["available"]) for p in instance["participants"]}

    items = []
    reasons = [(u["request"], u["reason"]) for u in outcome["unplaced"]]
    reasons += [(key, "late") for key in late]
    for key, reason in reasons:
        a, b = ends[key]
        request = ids[key]
        item: dict[str, Any] = {
            "request": request.pk,
            "reason": reason,
            "between": [person_name(request.requester), person_name(request.recipient)],
        }
        if reason == "cap_reached":
            # The engine's rule: the first of the two at their cap.
            full = next((side for side in (a, b) if count.get(side, 0) >= cap[side]), a)
            item["person"] = person_name(ids[full])
            item["count"] = count.get(full, 0)
        elif reason == "tables_full":
            free = sorted(
                (s for s in available[a] & available[b] if (a, s) not in busy and (b, s) not in busy),
                key=lambda s: ids[s].starts_at,
            )  # fmt: skip
            item["slots"] = [_when(ids[s], zone) for s in free]
        with translation.override("en"):
            item["detail"] = str(unplaced_text(item, zone_name=zone.key))
        items.append(item)
    return items


def unplaced_text(item: Mapping[str, Any], *, zone_name: str = "") -> str:
    """The sentence explaining one stored unplaced item, in the active language."""
    a, b = (item.get("between") or ["?", "?"])[:2]
    reason = item.get("reason")
    if reason == "no_common_slot":
        return _(
            "%(a)s and %(b)s have no free slot in common: the sessions they attend do not meet."
        ) % {"a": a, "b": b}
    if reason == "cap_reached":
        return _(
            "%(person)s already has as many meetings as they take (%(count)d); the meeting "
            "with %(other)s did not fit."
        ) % {
            "person": item.get("person", "?"),
            "count": item.get("count", 0),
            "other": b if item.get("person") == a else a,
        }
    if reason == "tables_full":
        return _(
            "%(a)s and %(b)s are both free at %(times)s (%(zone)s), but every table is taken then."
        ) % {"a": a, "b": b, "times": ", ".join(item.get("slots", [])), "zone": zone_name}
    if reason == "conflict":
        return _(
            "Whenever %(a)s and %(b)s both attend, one of them already has another meeting."
        ) % {"a": a, "b": b}
    if reason == "late":
        return _(
            "The meeting of %(a)s and %(b)s was accepted while the scheduler ran; run it again "
            "to place it."
        ) % {"a": a, "b": b}
    return str(reason)


_ID = re.compile(r"'([spr])(\d+)'")


def humanise(message: str, ids: Mapping[str, models.Model], *, zone) -> str:
    """An engine message with its ids ('p5', 's12', 'r88') replaced by names and times."""

    def name(match: re.Match) -> str:
        row = ids.get(match[1] + match[2])
        if isinstance(row, Slot):
            return f"{_when(row, zone)} ({zone.key})"
        if isinstance(row, Participant):
            return person_name(row)
        if isinstance(row, MeetingRequest):
            return f"{person_name(row.requester)} – {person_name(row.recipient)}"
        return match[0]

    return _ID.sub(name, message)
