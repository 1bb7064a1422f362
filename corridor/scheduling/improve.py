"""Local search: ejection chains, swaps and kicks that raise a schedule's value.

On a loaded machine CP-SAT's own improving search (one worker's share of LNS)
moves slowly on the large instances; this pass, between the warm start and
CP-SAT, makes the moves that matter here directly:

- *chain insertion*: to place an unplaced request r in slot s, the meetings that
  block it there (one per participant busy in s, or one taking the last table)
  are relocated to other slots, recursively up to ``depth`` levels; if the whole
  chain works the value grows by r's weight, else everything is undone;
- *cap swap*: a participant of r at their cap gives up their lightest meeting,
  lighter than r, and r is chain-inserted;
- *swap*: the meetings in r's way in a slot (blockers, a cap, the last table) are
  dropped when together lighter than r, r goes in, and each dropped meeting is
  chain-inserted elsewhere if it can be;
- *kicks*, once no move above helps: a random unplaced request is forced in
  whatever it costs, the requests around it are retried, and the result is kept
  unless it lost value (equal value is kept, to move along plateaus).

Each move is applied on an undo log and rolled back when it fails. Locked meetings
never move. Ties are broken by a seeded generator, so with a round limit instead
of a time limit the result depends only on the seed.
"""

from __future__ import annotations

import random
import time

from .greedy import Board
from .model import Instance

SWAP_TRIES = 4  # slots tried per swap, cheapest loss first
KICK_REPAIRS = 40  # unplaced requests retried around each kick


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
    time_limit: float = float("inf"),
    max_rounds: int | None = None,
    target: int | None = None,
    previous: dict[int, int] | None = None,
    seed: int = 0,
    depth: int = 3,
) -> dict[int, int]:
    """A schedule at least as valuable as ``assignment`` (which must be valid).

    Stops at ``time_limit`` seconds or after ``max_rounds`` kicks, whichever comes
    first, or as soon as the value reaches ``target`` (a proved bound: nothing to
    gain beyond); with a round limit and no time limit the result depends only on
    the seed.

    With ``previous`` (request -> its published slot), a last pass moves meetings
    back to their published slot by chains that move only meetings not in theirs:
    the value stays, more of the published schedule does.
    """
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
            if board.used[s] >= inst.tables[s]:
                _free_table(s, level - 1, chain | blockers)
            # What freed the table may have moved someone of r's into s: check again.
            if not board.fits(r, s):
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

    def weight(m: int) -> int:
        return inst.requests[m].weight

    def in_the_way(r: int, s: int) -> set[int] | None:
        """Meetings to drop so that r fits in s (None: a locked one is in the way)."""
        req = inst.requests[r]
        drop = {board.busy.get((req.a, s)), board.busy.get((req.b, s))} - {None}
        for p in (req.a, req.b):
            freed = sum(1 for m in drop if p in (inst.requests[m].a, inst.requests[m].b))
            if board.count[p] - freed >= inst.caps[p]:
                mine = [
                    m
                    for m in person_meetings[p]
                    if m in board.slot_of and m not in drop and m not in locked
                ]
                if not mine:
                    return None
                drop.add(min(mine, key=lambda m: (weight(m), rng.random())))
        if drop & locked:
            return None
        if board.used[s] - sum(1 for m in drop if board.slot_of[m] == s) >= inst.tables[s]:
            others = [m for m in board.members.get(s, ()) if m not in drop and m not in locked]
            if not others:
                return None
            drop.add(min(others, key=lambda m: (weight(m), rng.random())))
        return drop

    def force(r: int, s: int, drop: set[int]) -> bool:
        """Drop ``drop``, place r in s, then put back what can be put back."""
        mark = len(board.log)
        for m in drop:
            board.remove(m)
        if not board.fits(r, s):
            board.rollback(mark)
            return False
        board.place(r, s)
        for m in sorted(drop, key=lambda m: -weight(m)):
            budget[0] = 0
            insert(m, depth - 1, {r, m}, None)
        return True

    def swap_in(r: int) -> bool:
        """Place r by dropping lighter meetings in its way (a strict gain even if none
        of them can be put back elsewhere; those that can are)."""
        options = []
        for s in slot_rank[r]:
            drop = in_the_way(r, s)
            if drop is not None:
                loss = sum(map(weight, drop))
                if loss < weight(r):
                    options.append((loss, len(drop), rng.random(), s, drop))
        options.sort(key=lambda o: o[:3])
        return any(force(r, s, drop) for *_, s, drop in options[:SWAP_TRIES])

    def cap_swap(r: int) -> bool:
        """r's participant at their cap gives up their lightest meeting (lighter than
        r); r then goes in by chain insertion."""
        req = inst.requests[r]
        mark = len(board.log)
        loss = 0
        for p in (req.a, req.b):
            if board.count[p] >= inst.caps[p]:
                mine = [
                    m
                    for m in person_meetings[p]
                    if m in board.slot_of and m not in locked and weight(m) < weight(r)
                ]
                if not mine:
                    board.rollback(mark)
                    return False
                m = min(mine, key=lambda m: (weight(m), rng.random()))
                loss += weight(m)
                board.remove(m)
        if loss < weight(r) and insert(r, depth, {r}, None):
            return True
        board.rollback(mark)
        return False

    def try_request(r: int) -> bool:
        if not inst.common[r]:
            return False
        budget[0] = 0
        req = inst.requests[r]
        free = board.count[req.a] < inst.caps[req.a] and board.count[req.b] < inst.caps[req.b]
        if free:
            if insert(r, depth, {r}, None):
                return True
        elif cap_swap(r):
            return True
        return swap_in(r)

    def out_of_time() -> bool:
        return time.perf_counter() >= deadline or (target is not None and board.value >= target)

    def descend(requests) -> bool:
        """Try each unplaced request (heaviest first) until none can be added."""
        improved = False
        for r in sorted(requests, key=lambda r: -weight(r)):
            if out_of_time():
                break
            if r not in board.slot_of and try_request(r):
                improved = True
        return improved

    everyone = list(range(len(inst.requests)))
    rng.shuffle(everyone)
    while descend(r for r in everyone if r not in board.slot_of) and not out_of_time():
        board.log.clear()
    board.log.clear()

    # Kicks: force a random unplaced request in, repair around it, keep the result
    # unless it lost value (equal value is kept: it moves the search along).
    unplaced = [r for r in everyone if r not in board.slot_of and inst.common[r]]
    rounds = 0
    while unplaced and not out_of_time() and (max_rounds is None or rounds < max_rounds):
        rounds += 1
        r = unplaced[rng.randrange(len(unplaced))]
        if r in board.slot_of:
            continue
        s = slot_rank[r][rng.randrange(len(slot_rank[r]))]
        drop = in_the_way(r, s)
        if drop is None:
            continue
        before = board.value
        mark = len(board.log)
        if not force(r, s, drop):
            continue
        touched = {inst.requests[m].a for m in drop} | {inst.requests[m].b for m in drop}
        nearby = [q for p in touched for q in person_meetings[p] if q not in board.slot_of]
        descend(sorted(set(nearby), key=lambda q: (-weight(q), q))[:KICK_REPAIRS])
        if board.value < before:
            board.rollback(mark)
        board.log.clear()
        if rounds % 64 == 0:
            unplaced = [q for q in unplaced if q not in board.slot_of]

    # Restore published slots: r goes back to its previous slot s when what is in the
    # way (meetings there, or a participant's cap) is not itself a kept meeting and
    # can be moved elsewhere or dropped without losing value. Kept meetings only grow.
    previous = previous or {}
    kept = {q for q, t in previous.items() if board.slot_of.get(q) == t}
    for _ in range(2 if previous else 0):
        changed = False
        for r, s in sorted(previous.items()):
            if r in kept or r in locked or s not in inst.common[r]:
                continue
            if time.perf_counter() >= deadline:
                break
            before = board.value
            mark = len(board.log)
            budget[0] = 0
            if r in board.slot_of:
                board.remove(r)
            req = inst.requests[r]
            moved = {board.busy.get((req.a, s)), board.busy.get((req.b, s))} - {None}
            if moved & (kept | locked):
                board.rollback(mark)
                continue
            chain = kept | moved | {r}
            for m in moved:
                board.remove(m)
            for p in (req.a, req.b):
                if board.count[p] >= inst.caps[p]:
                    mine = [
                        m
                        for m in person_meetings[p]
                        if m in board.slot_of and m not in chain and m not in locked
                    ]
                    if mine:
                        m = min(mine, key=lambda m: (weight(m), m))
                        board.remove(m)
                        moved.add(m)
                        chain.add(m)
            if board.used[s] >= inst.tables[s]:
                _free_table(s, depth - 1, chain)
            if board.fits(r, s):
                board.place(r, s)
                for m in sorted(moved, key=lambda m: (-weight(m), m)):
                    insert(m, depth - 1, chain, s)
                if board.value >= before:
                    kept.add(r)
                    changed = True
                    board.log.clear()
                    continue
            board.rollback(mark)
            board.log.clear()
        if not changed:
            break
    return dict(board.slot_of)
