"""Local search: ejection chains that place more requests without dropping any.

On a loaded machine CP-SAT's own improving search (one worker's share of LNS)
moves slowly on the large instances; this pass, between the warm start and
CP-SAT, does the obvious moves directly:

- *chain insertion*: to place an unplaced request r in slot s, the meetings that
  block it there (one per participant busy in s, or one taking the last table)
  are relocated to other slots, recursively up to ``depth`` levels; if the whole
  chain works the value grows by r's weight, else everything is undone;
- *swap*: when a participant of r is at their cap, a meeting of theirs with a
  lower weight than r is dropped, then r is chain-inserted; the value grows by
  the difference.

Locked meetings never move. Deterministic for a given seed (ties are broken by a
seeded shuffle), and it stops at the time limit.
"""

from __future__ import annotations

import random
import time

from .greedy import Board
from .model import Instance


class _UndoBoard(Board):
    def __init__(self, instance: Instance):
        super().__init__(instance)
        self.log: list[tuple[str, int, int]] = []
        self.members: dict[int, set[int]] = {}  # slot -> requests

    def place(self, r: int, s: int) -> None:
        super().place(r, s)
        self.members.setdefault(s, set()).add(r)
        self.log.append(("+", r, s))

    def remove(self, r: int) -> None:
        s = self.slot_of[r]
        super().remove(r)
        self.members[s].discard(r)
        self.log.append(("-", r, s))

    def rollback(self, mark: int) -> None:
        while len(self.log) > mark:
            op, r, s = self.log.pop()
            if op == "+":
                Board.remove(self, r)
                self.members[s].discard(r)
            else:
                Board.place(self, r, s)
                self.members.setdefault(s, set()).add(r)


def improve(
    instance: Instance,
    assignment: dict[int, int],
    *,
    time_limit: float,
    seed: int = 0,
    depth: int = 3,
) -> dict[int, int]:
    """A schedule at least as valuable as ``assignment`` (which must be valid)."""
    deadline = time.perf_counter() + time_limit
    inst = instance
    rng = random.Random(seed)
    locked = {r for r, _ in inst.locked}
    board = _UndoBoard(inst)
    for r, s in assignment.items():
        board.place(r, s)
    board.log.clear()
    person_meetings: dict[int, list[int]] = {}
    for r, req in enumerate(inst.requests):
        person_meetings.setdefault(req.a, []).append(r)
        person_meetings.setdefault(req.b, []).append(r)
    slot_rank = {r: list(inst.common[r]) for r in range(len(inst.requests))}
    for slots in slot_rank.values():
        rng.shuffle(slots)
    budget = [0]

    def insert(r: int, level: int, chain: set[int], banned: int | None) -> bool:
        """Place r (currently unplaced, caps allowing), relocating blockers."""
        budget[0] += 1
        req = inst.requests[r]
        candidates = []
        for s in slot_rank[r]:
            if s == banned:
                continue
            blockers = {board.busy.get((req.a, s)), board.busy.get((req.b, s))} - {None}
            if not blockers and board.fits(r, s):
                board.place(r, s)
                return True
            candidates.append((len(blockers), s, blockers))
        if level == 0 or budget[0] > 4000:
            return False
        candidates.sort(key=lambda c: c[0])
        for _, s, blockers in candidates:
            if blockers & locked or blockers & chain:
                continue
            mark = len(board.log)
            for m in blockers:
                board.remove(m)
            if board.used[s] >= inst.tables[s] and not _free_table(s, level - 1, chain | blockers):
                board.rollback(mark)
                continue
            board.place(r, s)
            if all(insert(m, level - 1, chain | blockers | {r}, s) for m in blockers):
                return True
            board.rollback(mark)
        return False

    def _free_table(s: int, level: int, chain: set[int]) -> bool:
        if level < 0:
            return False
        options = [m for m in board.members.get(s, ()) if m not in locked and m not in chain]
        rng.shuffle(options)
        for m in options[:8]:
            mark = len(board.log)
            board.remove(m)
            if insert(m, min(level, 1), chain | {m}, s):
                return True
            board.rollback(mark)
        return False

    def try_request(r: int) -> bool:
        req = inst.requests[r]
        if not inst.common[r]:
            return False
        at_cap = [p for p in (req.a, req.b) if board.count[p] >= inst.caps[p]]
        mark = len(board.log)
        budget[0] = 0
        if not at_cap:
            return insert(r, depth, {r}, None)
        # Swap: drop the cheapest droppable meeting of each participant at their cap.
        loss = 0
        for p in at_cap:
            mine = [
                m
                for m in person_meetings[p]
                if m in board.slot_of and m not in locked and inst.requests[m].weight < req.weight
            ]
            if not mine:
                board.rollback(mark)
                return False
            m = min(mine, key=lambda m: (inst.requests[m].weight, rng.random()))
            loss += inst.requests[m].weight
            board.remove(m)
        if loss < req.weight and insert(r, depth, {r}, None):
            return True
        board.rollback(mark)
        return False

    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        unplaced = [r for r in range(len(inst.requests)) if r not in board.slot_of]
        rng.shuffle(unplaced)
        unplaced.sort(key=lambda r: -inst.requests[r].weight)
        for r in unplaced:
            if time.perf_counter() >= deadline:
                break
            if r not in board.slot_of and try_request(r):
                improved = True
            board.log.clear()
    return dict(board.slot_of)
