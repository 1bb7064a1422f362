"""Schedule runs and publishing, locks, manual moves and check-in (the event's organisers).

A run (:func:`schedule_run`) goes in three steps:

1. It is recorded as running, in its own committed transaction. The database allows one
   running run per event (constraint ``schedule_run_one_running``): of two organisers
   starting the scheduler at once, one run starts and the other organiser is told who
   started it and when. A run left running by a process that died blocks no one for
   long: once it is older than its time limit plus five minutes, the next run marks it
   failed and starts.
2. The engine (``corridor.scheduling``) solves the event as it is then
   (``scheduler.build_instance``), starting from the published schedule so as few
   published meetings as possible move. This happens outside any transaction and holds
   no lock: it may take the whole time limit.
3. In one transaction, with the event's row locked, and the registrations, participants
   and accepted requests the result rests on, the event is read again. What changed
   underneath is handled so:

   - a meeting whose request is no longer accepted (declined, cancelled, someone left
     the event) is dropped from the result: the change asked for exactly that, and no
     other meeting depends on it;
   - a request accepted meanwhile is listed as not placed (reason ``late``), for the
     next run;
   - anything else that makes the result break a rule now (a person no longer attends
     a session, a lower cap, fewer tables, a slot gone, a meeting locked elsewhere)
     fails the run, and the organisers run it again.

   Then the schedule is written: new meetings are created (SEQUENCE 0); moved ones (slot
   or table changed) are updated with SEQUENCE + 1; those no longer placed are cancelled
   with SEQUENCE + 1 and kept, so calendar feeds cancel them; the others are untouched.
   Each person whose agenda changed is told once per run.

Any failure marks the run failed, with the reason, and leaves the published schedule as
it was: everything a run writes to the schedule is in the one transaction of step 3.
A dry run (``publish=False``) stores the run's figures (placed, value, bound, what would
move, why requests are left out) and writes no meeting, so organisers can compare.

Call :func:`schedule_run` outside a transaction: step 1 must commit before step 2.
"""

from __future__ import annotations

import datetime
import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.core import audit
from corridor.core.notifications import notify
from corridor.core.permissions import require
from corridor.core.timezones import user_zone
from corridor.scheduling import InvalidInstance, InvalidResult, parse_instance, parse_previous
from corridor.scheduling import solve as engine_solve
from corridor.scheduling.check import check_result

from ..models import (
    Event,
    MeetingRequest,
    Participant,
    Registration,
    ScheduledMeeting,
    ScheduleRun,
    Slot,
)
from ..notices import event_data
from ..scheduler import (
    build_instance,
    humanise,
    person_key,
    pk_of,
    previous_schedule,
    unplaced_items,
)
from .common import Errors, can_organise, fail, page_url, whole_number, zone_of
from .meetings import meeting_check_in, meeting_lock, meeting_move, meeting_unlock

__all__ = [
    "MAX_TIME_LIMIT",
    "STALE_GRACE",
    "meeting_check_in",
    "meeting_lock",
    "meeting_move",
    "meeting_unlock",
    "schedule_run",
]

logger = logging.getLogger(__name__)

RunStatus = ScheduleRun.Status
MStatus = ScheduledMeeting.Status
MAX_TIME_LIMIT = 600
# A run still "running" this long after its time limit ran out was abandoned (its process died).
STALE_GRACE = datetime.timedelta(minutes=5)
# Ways a result can break the event's rules once the event changed under it.
BROKEN = {"unknown", "repeated", "availability", "double_booked", "table", "cap", "lock"}


class RunFailed(Exception):
    """The run cannot go on; the message tells the organisers why."""


@dataclass
class Solved:
    data: dict[str, Any]
    ids: dict
    outcome: dict[str, Any]


# --- Runs -------------------------------------------------------------------------------


def schedule_run(
    *, event: Event, by, time_limit: float = 20.0, publish: bool = True,
    now: datetime.datetime | None = None, seed: int | None = None,
) -> ScheduleRun:  # fmt: skip
    """Run the scheduler for ``event`` and publish the result (or only record it: ``publish=False``).

    See the module doc. ``seed`` makes the engine deterministic (same event, same seed,
    same schedule). Returns the run: ``done``, or ``failed`` with ``error`` saying why (the
    published schedule is then unchanged). Raises ``ValidationError`` before any run
    starts for bad input, an unpublished event, or a run already going on.
    """
    require(can_organise(by, event), _("Only the event's organisers may run the scheduler."))
    errors = Errors()
    if (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, int | float)
        or not math.isfinite(time_limit)
        or not 0 < time_limit <= MAX_TIME_LIMIT
    ):
        errors.add(
            "time_limit",
            _("Give a time limit of more than 0 and at most %(most)d seconds.")
            % {"most": MAX_TIME_LIMIT},
        )
    if seed is not None:
        whole_number(seed, field="seed", errors=errors, low=0, high=2**31 - 1)
    errors.raise_if_any()
    if event.status != Event.Status.PUBLISHED:
        raise fail(None, _("Only a published event is scheduled."))
    now = now or timezone.now()
    clock = time.perf_counter()
    run = _start(event, by, float(time_limit), now)

    def finished() -> datetime.datetime:
        return now + datetime.timedelta(seconds=time.perf_counter() - clock)

    try:
        solved = _solve(event, time_limit=float(time_limit), now=now, seed=seed)
        if publish:
            _publish(run, by=by, solved=solved, now=now, finished=finished())
        else:
            _record(run, by=by, solved=solved, finished=finished())
    except RunFailed as error:
        _fail(run, by, str(error), finished())
    except Exception as error:  # the engine or the database: the run fails, the schedule stays
        logger.exception("schedule run %s of event %s failed", run.pk, event.pk)
        _fail(
            run,
            by,
            str(
                _("The scheduler failed (%(error)s); the published schedule is unchanged.")
                % {"error": f"{type(error).__name__}: {error}"}
            ),
            finished(),
        )
    return run


def _start(event: Event, by, time_limit: float, now: datetime.datetime) -> ScheduleRun:
    """Record the run as running, committed at once; refuse if another one is running."""
    try:
        with transaction.atomic():
            _expire_stale(event, now)
            return ScheduleRun.objects.create(
                event=event, started_by=by, started_at=now, time_limit=time_limit
            )
    except IntegrityError:
        pass
    other = (
        ScheduleRun.objects.filter(event=event, status=RunStatus.RUNNING)
        .select_related("started_by")
        .first()
    )
    if other is None:  # it finished in between
        raise fail(
            None, _("The scheduler was running for this event; try again when it has finished.")
        )
    who = other.started_by
    zone = user_zone(by)
    raise fail(
        None,
        _(
            "The scheduler is already running for this event (started by %(person)s at "
            "%(time)s); try again when it has finished."
        )
        % {
            "person": (who.get_full_name() or who.username) if who else _("someone"),
            "time": f"{timezone.localtime(other.started_at, zone):%Y-%m-%d %H:%M} ({zone.key})",
        },
    )


def _expire_stale(event: Event, now: datetime.datetime) -> None:
    """Mark failed a run that has been running far longer than its time limit allowed."""
    for stale in ScheduleRun.objects.filter(event=event, status=RunStatus.RUNNING):
        if stale.started_at + datetime.timedelta(seconds=stale.time_limit) + STALE_GRACE > now:
            continue
        done = ScheduleRun.objects.filter(pk=stale.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished_at=now,
            error=str(
                _(
                    "Stopped: still running long after its time limit; the process running it "
                    "probably ended. Nothing was published."
                )
            ),
        )
        if done:
            audit.record(None, "schedule_run.abandon", stale, {"started_at": str(stale.started_at)})


def _solve(event: Event, *, time_limit: float, now, seed: int | None) -> Solved:
    data, ids = build_instance(event, now=now)
    try:
        instance = parse_instance(data)
        previous = parse_previous(previous_schedule(event), instance)
    except (InvalidInstance, InvalidResult) as error:
        raise RunFailed(
            _("The event cannot be scheduled as it is: %(problem)s.")
            % {"problem": humanise(str(error), ids, zone=zone_of(event))}
        ) from None
    result = engine_solve(
        instance,
        time_limit=time_limit,
        previous=previous,
        seed=seed or 0,
        deterministic=seed is not None,
    )
    outcome = result.to_json(instance)
    problems = check_result(instance, outcome)
    if problems:  # a bug in the engine: never publish it
        raise RunFailed(
            _("The scheduler's result broke a rule (%(problem)s); nothing was published.")
            % {"problem": humanise(str(problems[0]), ids, zone=zone_of(event))}
        )
    return Solved(data=data, ids=ids, outcome=outcome)


def _fail(run: ScheduleRun, by, message: str, finished) -> None:
    """Mark ``run`` failed with ``message`` (in its own transaction; the schedule is as it was)."""
    with transaction.atomic():
        done = ScheduleRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error=message, finished_at=finished
        )
        if done:
            audit.record(by, "schedule_run.fail", run, {"error": message[:500]})
    run.refresh_from_db()


def _finish(run: ScheduleRun, **fields) -> None:
    """Close ``run`` with ``fields`` unless another process closed it first (then fail)."""
    done = ScheduleRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(**fields)
    if not done:
        raise RunFailed(_("This run was stopped by another one; nothing was published."))
    for name, value in fields.items():
        setattr(run, name, value)


def _figures(solved: Solved, placed: int, unplaced: list, moved: int, finished) -> dict:
    outcome = solved.outcome
    return {
        "status": RunStatus.DONE,
        "finished_at": finished,
        "placed": placed,
        "value": float(outcome["value"]),
        "upper_bound": float(outcome["upper_bound"]),
        "solver_status": outcome["status"],
        "unplaced": unplaced,
        "moved": moved,
    }


def _positions(event: Event) -> dict[int, tuple[int, int]]:
    """request pk → (slot pk, table) of the published schedule."""
    return {
        request: (slot, table)
        for request, slot, table in ScheduledMeeting.objects.filter(
            event=event, status=MStatus.SCHEDULED
        ).values_list("request_id", "slot_id", "table")
    }


def _placed(meetings) -> dict[int, tuple[int, int]]:
    return {pk_of(m["request"]): (pk_of(m["slot"]), m["table"]) for m in meetings}


def _record(run: ScheduleRun, *, by, solved: Solved, finished) -> None:
    """A dry run: the figures, and what would move, without touching the schedule."""
    event = run.event
    placed = _placed(solved.outcome["meetings"])
    current = _positions(event)
    moved = sum(1 for r, where in current.items() if r in placed and placed[r] != where)
    unplaced = unplaced_items(solved.data, solved.outcome, solved.ids, zone=zone_of(event))
    with transaction.atomic():
        _finish(run, **_figures(solved, len(placed), unplaced, moved, finished))
        audit.record(
            by,
            "schedule_run.dry_run",
            run,
            {
                "placed": len(placed),
                "unplaced": len(unplaced),
                "moved": moved,
                "cancelled": sum(1 for r in current if r not in placed),
            },
        )


def _lock_inputs(event: Event) -> None:
    """Hold the rows the result rests on until the schedule is written (PostgreSQL).

    Declining a request, removing a person or a registration wait for the commit, then
    take their meetings off the schedule as usual.
    """
    for rows in (
        Registration.objects.filter(event=event, status=Registration.Status.APPROVED),
        Participant.objects.filter(registration__event=event),
        MeetingRequest.objects.filter(event=event, status=MeetingRequest.Status.ACCEPTED),
    ):
        list(rows.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))


def _publish(run: ScheduleRun, *, by, solved: Solved, now, finished) -> None:
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=run.event_id)
        if event.status != Event.Status.PUBLISHED:
            raise RunFailed(_("The event is no longer published; nothing was published."))
        zone = zone_of(event)
        _lock_inputs(event)
        data, ids = build_instance(event, now=now)
        try:
            fresh = parse_instance(data)
        except InvalidInstance as error:
            raise RunFailed(
                _("The event changed while the scheduler ran (%(problem)s); run it again.")
                % {"problem": humanise(str(error), ids, zone=zone)}
            ) from None
        requests = {str(r.id) for r in fresh.requests}
        # Meetings whose request ended meanwhile are dropped; the rest must still hold
        # (a slot gone since is an "unknown" violation: the run fails).
        keep = [m for m in solved.outcome["meetings"] if m["request"] in requests]
        probe = {"meetings": keep, "unplaced": [], "value": 0, "upper_bound": 0, "status": ""}
        broken = [v for v in check_result(fresh, probe, reasons=False) if v.code in BROKEN]
        if broken:
            raise RunFailed(
                _("The event changed while the scheduler ran (%(problem)s); run it again.")
                % {"problem": humanise(str(broken[0]), {**solved.ids, **ids}, zone=zone)}
            )
        left_out = [u for u in solved.outcome["unplaced"] if u["request"] in requests]
        known = {m["request"] for m in keep} | {u["request"] for u in left_out}
        late = tuple(r["id"] for r in data["requests"] if r["id"] not in known)
        unplaced = unplaced_items(
            data, {"meetings": keep, "unplaced": left_out}, ids, zone=zone, late=late
        )
        changes = _write(event, _placed(keep), now)
        _tell(event, changes, ids, first=event.schedule_published_at is None, run=run)
        event.schedule_published_at = now
        event.save(update_fields=["schedule_published_at", "updated_at"])
        _finish(
            run,
            published_at=now,
            **_figures(solved, len(keep), unplaced, len(changes.moved), finished),
        )
        audit.record(
            by,
            "schedule.publish",
            event,
            {
                "run": run.pk,
                "placed": len(keep),
                "created": len(changes.created),
                "moved": len(changes.moved),
                "cancelled": len(changes.cancelled),
                "unplaced": len(unplaced),
            },
        )


@dataclass
class Changes:
    created: list[ScheduledMeeting]  # new, or back after a cancellation
    moved: list[tuple[ScheduledMeeting, Slot]]  # with the slot it had
    cancelled: list[tuple[ScheduledMeeting, Slot]]


def _write(event: Event, placed: dict[int, tuple[int, int]], now) -> Changes:
    """Make the event's scheduled meetings ``placed`` (request → slot, table), touching only changes."""
    rows = {
        m.request_id: m
        for m in ScheduledMeeting.objects.select_for_update(of=("self",))
        .filter(event=event)
        .select_related("slot")
    }
    changes = Changes(created=[], moved=[], cancelled=[])
    for request, row in rows.items():
        target = placed.get(request)
        if row.status == MStatus.SCHEDULED and target is None:
            changes.cancelled.append((row, row.slot))
        elif row.status == MStatus.SCHEDULED and (row.slot_id, row.table) != target:
            changes.moved.append((row, row.slot))
        elif row.status == MStatus.CANCELLED and target is not None:
            changes.created.append(row)
    # Vacate first: the database allows one scheduled meeting per table and slot at any moment.
    leaving = [row.pk for row, _slot in changes.moved + changes.cancelled]
    ScheduledMeeting.objects.filter(pk__in=leaving).update(status=MStatus.CANCELLED)
    updated = []
    for row in [row for row, _slot in changes.moved] + changes.created:
        row.slot_id, row.table = placed[row.request_id]
        row.status = MStatus.SCHEDULED
        updated.append(row)
    for row, _slot in changes.cancelled:
        row.status = MStatus.CANCELLED
        updated.append(row)
    for row in updated:
        row.sequence += 1
        row.updated_at = now
    ScheduledMeeting.objects.bulk_update(
        updated, ["slot", "table", "status", "sequence", "updated_at"], batch_size=500
    )
    new = [
        ScheduledMeeting(event=event, request_id=request, slot_id=slot, table=table)
        for request, (slot, table) in placed.items()
        if request not in rows
    ]
    ScheduledMeeting.objects.bulk_create(new, batch_size=500)
    changes.created += new
    return changes


def _tell(event: Event, changes: Changes, ids, *, first: bool, run: ScheduleRun) -> None:
    """Tell each person whose agenda changed, once: one meeting moved or cancelled names it."""
    requests = {m.request_id for m in changes.created}
    requests |= {m.request_id for m, _slot in changes.moved + changes.cancelled}
    sides = {
        pk: (a, b)
        for pk, a, b in MeetingRequest.objects.filter(pk__in=requests).values_list(
            "pk", "requester_id", "recipient_id"
        )
    }
    per_person: dict[int, list[tuple[str, Slot | None]]] = defaultdict(list)
    for meeting in changes.created:
        for side in sides[meeting.request_id]:
            per_person[side].append(("new", None))
    for meeting, slot in changes.moved + changes.cancelled:
        for side in sides[meeting.request_id]:
            per_person[side].append(("changed", slot))
    if not per_person:
        return
    people = {pk: ids[person_key(pk)] for pk in per_person if person_key(pk) in ids}
    missing = [pk for pk in per_person if pk not in people]
    people.update(Participant.objects.select_related("user").in_bulk(missing))
    total = ScheduledMeeting.objects.filter(event=event, status=MStatus.SCHEDULED).count()
    published, changed = [], defaultdict(list)
    for pk, items in per_person.items():
        if pk not in people:
            continue
        user = people[pk].user
        if not first and len(items) == 1 and items[0][0] == "changed":
            changed[items[0][1].starts_at.isoformat()].append(user)
        else:
            published.append(user)
    url = page_url("events:event_detail", slug=event.slug)
    key = f"event-schedule:{event.pk}:run:{run.pk}"
    notify(
        users=published, kind="event.schedule_published", key=key, url=url,
        data={**event_data(event), "meetings": str(total)},
    )  # fmt: skip
    for starts, users in changed.items():
        notify(
            users=users, kind="event.meeting_changed", key=key, url=url,
            data={**event_data(event), "starts": starts},
        )  # fmt: skip
