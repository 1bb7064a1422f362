"""Small hand-made instances for the scheduling engine (no database)."""

from __future__ import annotations

import copy

import pytest

SLOTS = [
    {"id": "s1", "start": "2026-05-12T09:00", "end": "2026-05-12T09:30"},
    {"id": "s2", "start": "2026-05-12T09:30", "end": "2026-05-12T10:00"},
    {"id": "s3", "start": "2026-05-12T10:30", "end": "2026-05-12T11:00"},
]


def instance_data(
    participants: dict[str, list[str] | tuple[list[str], int | None]],
    requests: list[tuple[str, str, str] | tuple[str, str, str, float]],
    *,
    tables: int | dict[str, int] = 10,
    slots: list[dict] | None = None,
    locked: list[tuple[str, str]] = (),
) -> dict:
    """JSON instance: participants {id: available or (available, max_meetings)},
    requests [(id, a, b[, priority])], tables per slot (one number for all)."""
    slots = copy.deepcopy(slots if slots is not None else SLOTS)
    people = []
    for pid, spec in participants.items():
        available, cap = spec if isinstance(spec, tuple) else (spec, None)
        people.append({"id": pid, "available": list(available), "max_meetings": cap})
    return {
        "slots": slots,
        "tables": tables if isinstance(tables, dict) else {s["id"]: tables for s in slots},
        "participants": people,
        "requests": [
            {"id": r[0], "a": r[1], "b": r[2], "priority": r[3] if len(r) > 3 else 1}
            for r in requests
        ],
        "locked": [{"request": r, "slot": s} for r, s in locked],
    }


@pytest.fixture
def basic():
    """Four people, three slots, six requests, a cap and a narrow availability."""
    return instance_data(
        {
            "ana": ["s1", "s2", "s3"],
            "bo": (["s1", "s2", "s3"], 2),
            "chen": ["s1", "s3"],
            "dee": ["s2"],
        },
        [
            ("r1", "ana", "bo", 2),
            ("r2", "ana", "chen"),
            ("r3", "bo", "chen", 3),
            ("r4", "bo", "dee"),
            ("r5", "chen", "dee"),
            ("r6", "ana", "dee"),
        ],
        tables=2,
    )
