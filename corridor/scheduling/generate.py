"""Seeded synthetic instances (JSON form) for benchmarks and tests.

Slots of 30 minutes from 09:00 with a lunch break after the first half; each
participant is available in each slot with probability ``availability`` (breaks,
travel, other sessions). Requesters are drawn uniformly; whom they ask is drawn by
popularity, 1 / (rank + ``skew_offset``) over a random ranking, so the most
popular few are asked dozens of times more often than the median participant.
Priorities 1, 2, 3 with probabilities 0.6, 0.3, 0.1. A share ``capped`` of the
participants has a ``max_meetings`` drawn from ``cap_range``.
"""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import datetime, timedelta
from typing import Any


def generate(
    *,
    participants: int,
    requests: int,
    slots: int,
    tables: int,
    availability: float = 0.75,
    skew_offset: float = 5.0,
    capped: float = 0.5,
    cap_range: tuple[int, int] = (6, 12),
    seed: int = 0,
) -> dict[str, Any]:
    rng = random.Random(seed)
    day = datetime(2026, 5, 12, 9, 0)
    slot_items = []
    for i in range(slots):
        start = day + timedelta(minutes=30 * i + (60 if i >= slots // 2 else 0))
        slot_items.append(
            {
                "id": f"s{i + 1:02d}",
                "start": start.isoformat(timespec="minutes"),
                "end": (start + timedelta(minutes=30)).isoformat(timespec="minutes"),
            }
        )
    people = []
    for i in range(participants):
        available = [s["id"] for s in slot_items if rng.random() < availability]
        cap = rng.randint(*cap_range) if rng.random() < capped else None
        people.append({"id": f"p{i + 1:04d}", "available": available, "max_meetings": cap})
    ranking = list(range(participants))
    rng.shuffle(ranking)
    weights = [0.0] * participants
    for rank, p in enumerate(ranking):
        weights[p] = 1.0 / (rank + skew_offset)
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    pairs: set[tuple[int, int]] = set()
    request_items = []
    limit = participants * (participants - 1) // 2
    if requests > limit:
        raise ValueError(f"at most {limit} distinct pairs among {participants} participants")
    while len(request_items) < requests:
        a = rng.randrange(participants)
        b = bisect.bisect_left(cumulative, rng.random() * total)
        b = min(b, participants - 1)
        if a == b or (min(a, b), max(a, b)) in pairs:
            continue
        pairs.add((min(a, b), max(a, b)))
        priority = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        request_items.append(
            {
                "id": f"r{len(request_items) + 1:05d}",
                "a": people[a]["id"],
                "b": people[b]["id"],
                "priority": priority,
            }
        )
    return {
        "slots": slot_items,
        "tables": {s["id"]: tables for s in slot_items},
        "participants": people,
        "requests": request_items,
        "locked": [],
    }


BENCH_A = {"participants": 200, "requests": 1000, "slots": 12, "tables": 60}
BENCH_B = {"participants": 1000, "requests": 6000, "slots": 16, "tables": 400}
