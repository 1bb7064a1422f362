"""Why an accepted request is not in the schedule.

Reasons are computed from the final schedule and tested in this order; the first
that holds is given:

``no_common_slot``
    The two participants share no available slot.
``cap_reached``
    They share one, but one of them (named in the detail) already has
    ``max_meetings`` meetings. (Someone without a cap whose available slots are
    all taken is a ``conflict``.)
``tables_full``
    In at least one shared slot both are free, but every such slot has all its
    tables taken.
``conflict``
    In every shared slot one of them (or both) is already in another meeting.

The schedules the solver returns are maximal (``greedy.complete`` adds every
request that still fits), so one of the four always holds. For a schedule that is
not maximal, ``explain`` returns ``None`` for a request that would still fit.
"""

from __future__ import annotations

from .model import Instance, Unplaced


def _state(inst: Instance, assignment: dict[int, int]):
    busy: dict[tuple[int, int], int] = {}  # (participant, slot) -> request
    count = [0] * len(inst.participants)
    used = [0] * len(inst.slots)
    for q, s in assignment.items():
        other = inst.requests[q]
        busy[other.a, s] = q
        busy[other.b, s] = q
        count[other.a] += 1
        count[other.b] += 1
        used[s] += 1
    return busy, count, used


def explain_request(instance: Instance, assignment: dict[int, int], r: int) -> Unplaced | None:
    """The reason request ``r`` is unplaced in ``assignment`` (request -> slot)."""
    return _reason(instance, _state(instance, assignment), r)


def explain(instance: Instance, assignment: dict[int, int]) -> tuple[Unplaced | None, ...]:
    """Reasons for every unplaced request, in request order (``None``: it would fit)."""
    state = _state(instance, assignment)
    return tuple(
        _reason(instance, state, r) for r in range(len(instance.requests)) if r not in assignment
    )


def _reason(inst: Instance, state, r: int) -> Unplaced | None:
    busy, count, used = state
    req = inst.requests[r]
    a, b = inst.participants[req.a], inst.participants[req.b]
    common = inst.common[r]
    if not common:
        return Unplaced(r, "no_common_slot", f"{a.id!r} and {b.id!r} share no available slot")
    for person, n in ((a, count[req.a]), (b, count[req.b])):
        if person.max_meetings is not None and n >= person.max_meetings:
            return Unplaced(
                r, "cap_reached", f"{person.id!r} already has {n} meeting(s), their max_meetings"
            )
    both_free = [s for s in common if (req.a, s) not in busy and (req.b, s) not in busy]
    if both_free:
        if all(used[s] >= inst.tables[s] for s in both_free):
            names = ", ".join(repr(inst.slots[s].id) for s in both_free)
            return Unplaced(r, "tables_full", f"all tables taken in slot(s) {names}")
        return None
    blocking = sorted(
        {
            str(inst.requests[busy[p, s]].id)
            for s in common
            for p in (req.a, req.b)
            if (p, s) in busy
        }
    )
    shown = ", ".join(blocking[:5]) + (", ..." if len(blocking) > 5 else "")
    return Unplaced(
        r,
        "conflict",
        f"in each of their {len(common)} shared slot(s) one of them already has a meeting "
        f"(requests {shown})",
    )
