"""Greedy schedulers: the first-come-first-served baseline and the warm start.

An assignment is a dict request index -> slot index; ``Board`` keeps the counts
that decide whether one more meeting fits (both sides free in the slot, neither
at their cap, a table left).
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Instance, Meeting


class Board:
    """Incremental bookkeeping of a partial schedule."""

    def __init__(self, instance: Instance):
        self.instance = instance
        self.slot_of: dict[int, int] = {}
        self.busy: dict[tuple[int, int], int] = {}  # (participant, slot) -> request
        self.count = [0] * len(instance.participants)
        self.used = [0] * len(instance.slots)
        self.value = 0

    def fits(self, r: int, s: int) -> bool:
        inst = self.instance
        req = inst.requests[r]
        return (
            r not in self.slot_of
            and self.used[s] < inst.tables[s]
            and (req.a, s) not in self.busy
            and (req.b, s) not in self.busy
            and self.count[req.a] < inst.caps[req.a]
            and self.count[req.b] < inst.caps[req.b]
        )

    def place(self, r: int, s: int) -> None:
        req = self.instance.requests[r]
        self.slot_of[r] = s
        self.busy[req.a, s] = r
        self.busy[req.b, s] = r
        self.count[req.a] += 1
        self.count[req.b] += 1
        self.used[s] += 1
        self.value += req.weight

    def remove(self, r: int) -> None:
        req = self.instance.requests[r]
        s = self.slot_of.pop(r)
        del self.busy[req.a, s]
        del self.busy[req.b, s]
        self.count[req.a] -= 1
        self.count[req.b] -= 1
        self.used[s] -= 1
        self.value -= req.weight

    def first_fit(self, r: int, slots: Iterable[int]) -> int | None:
        for s in slots:
            if self.fits(r, s):
                return s
        return None


def _start(instance: Instance, keep: dict[int, int] | None = None) -> Board:
    """A board with the locked meetings, then those of ``keep`` that still fit."""
    board = Board(instance)
    for r, s in instance.locked:
        board.place(r, s)
    for r, s in (keep or {}).items():
        if s in instance.common[r] and board.fits(r, s):
            board.place(r, s)
    return board


def greedy_fcfs(instance: Instance) -> dict[int, int]:
    """The baseline: requests in the order given, each in its earliest slot that fits."""
    board = _start(instance)
    for r in range(len(instance.requests)):
        if r not in board.slot_of:
            s = board.first_fit(r, instance.common[r])
            if s is not None:
                board.place(r, s)
    return board.slot_of


def greedy_priority(instance: Instance, keep: dict[int, int] | None = None) -> dict[int, int]:
    """The warm start: highest priority first, scarcest first, least contested slot.

    Requests are taken by priority, then by how few common slots they have (those
    have the fewest alternatives). Each goes to the slot, among those that fit,
    where its two participants have the least other demand: the number of their
    requests that could use that slot, so that popular people keep their flexible
    slots for requests that need them. ``keep`` (a previous schedule) is placed
    first, where it still fits.
    """
    inst = instance
    demand: dict[tuple[int, int], int] = {}
    for r, req in enumerate(inst.requests):
        for s in inst.common[r]:
            demand[req.a, s] = demand.get((req.a, s), 0) + 1
            demand[req.b, s] = demand.get((req.b, s), 0) + 1
    board = _start(inst, keep)
    order = sorted(
        range(len(inst.requests)), key=lambda r: (-inst.requests[r].weight, len(inst.common[r]), r)
    )
    for r in order:
        if r in board.slot_of:
            continue
        req = inst.requests[r]
        best, best_key = None, None
        for s in inst.common[r]:
            if board.fits(r, s):
                key = (demand[req.a, s] + demand[req.b, s], -(inst.tables[s] - board.used[s]))
                if best_key is None or key < best_key:
                    best, best_key = s, key
        for s in inst.common[r]:
            demand[req.a, s] -= 1
            demand[req.b, s] -= 1
        if best is not None:
            board.place(r, best)
    return board.slot_of


def greedy_order(instance: Instance, order: Iterable[int], keep: dict[int, int]) -> dict[int, int]:
    """Start from ``keep`` (locks first), then first fit in the given order of (r, s) pairs."""
    board = _start(instance, keep)
    for r, s in order:
        if board.fits(r, s):
            board.place(r, s)
    return board.slot_of


def complete(instance: Instance, assignment: dict[int, int]) -> dict[int, int]:
    """Add every unplaced request that still fits, highest priority first.

    Never removes anything, so the value can only grow; afterwards every unplaced
    request is blocked by a cap, full tables or the other meetings (see ``explain``).
    """
    board = Board(instance)
    for r, s in assignment.items():
        board.place(r, s)
    order = sorted(
        (r for r in range(len(instance.requests)) if r not in board.slot_of),
        key=lambda r: (-instance.requests[r].weight, r),
    )
    for r in order:
        s = board.first_fit(r, instance.common[r])
        if s is not None:
            board.place(r, s)
    return board.slot_of


def is_valid(instance: Instance, assignment: dict[int, int]) -> bool:
    """Whether an assignment keeps every rule (availability, bookings, caps, tables, locks)."""
    board = Board(instance)
    for r, s in assignment.items():
        if s not in instance.common[r] or not board.fits(r, s):
            return False
        board.place(r, s)
    return all(assignment.get(r) == s for r, s in instance.locked)


def value(instance: Instance, assignment: dict[int, int]) -> int:
    return sum(instance.requests[r].weight for r in assignment)


def number_tables(
    instance: Instance, assignment: dict[int, int], previous: dict[int, int] | None = None
) -> tuple[Meeting, ...]:
    """Meetings with tables numbered from 1 within each slot.

    A meeting that stays in its previous slot keeps its previous table when that
    number still exists and is free; the others take the lowest free numbers.
    Ordered by slot time, then table.
    """
    previous = previous or {}
    by_slot: dict[int, list[int]] = {}
    for r, s in assignment.items():
        by_slot.setdefault(s, []).append(r)
    meetings: list[Meeting] = []
    for s in instance.time_order:
        rs = sorted(by_slot.get(s, ()))
        taken: dict[int, int] = {}
        for r in rs:
            t = previous.get(r)
            if t is not None and 1 <= t <= instance.tables[s] and t not in taken:
                taken[t] = r
        kept = set(taken.values())
        free = (t for t in range(1, instance.tables[s] + 1) if t not in taken)
        for r in rs:
            if r not in kept:
                taken[next(free)] = r
        meetings.extend(Meeting(r, s, t) for t, r in sorted(taken.items()))
    return tuple(meetings)
