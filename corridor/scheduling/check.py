"""An independent check of a result (JSON form) against an instance.

Written apart from the solver: it reads the result's ids, not the engine's
indices, and recomputes everything from the instance, so a bug in the model,
the greedy passes or the table numbering shows up here. Used by the tests and
by ``corridor schedule check``.

Each violation has a code:

- ``format``: the result is not shaped as documented;
- ``unknown``: a meeting names a request or slot not in the instance;
- ``repeated``: a request is scheduled twice;
- ``availability``: a participant meets in a slot they are not available in;
- ``double_booked``: a participant has two meetings in one slot;
- ``table``: a table number outside 1..tables of the slot, or used twice;
- ``cap``: a participant has more meetings than ``max_meetings``;
- ``lock``: a locked meeting is missing or elsewhere;
- ``value``: the value is not the sum of the placed priorities;
- ``bound``: the upper bound is below the value, or "optimal" with a gap;
- ``unplaced``: an accepted request is neither placed nor explained, or both;
- ``reason``: an unplaced request's reason is not the one that holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .model import Instance


@dataclass(frozen=True)
class Violation:
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def check_result(instance: Instance, result: Any, *, reasons: bool = True) -> list[Violation]:
    """Every way ``result`` breaks the rules of ``instance``; empty when it is valid."""
    out: list[Violation] = []

    def bad(code: str, message: str) -> None:
        out.append(Violation(code, message))

    if not isinstance(result, dict):
        return [Violation("format", "the result is not an object")]
    for key in ("meetings", "unplaced", "value", "upper_bound", "status"):
        if key not in result:
            bad("format", f"missing {key!r}")
    if out:
        return out
    if not isinstance(result["meetings"], list) or not isinstance(result["unplaced"], list):
        return [Violation("format", "'meetings' and 'unplaced' must be lists")]

    requests = {str(r.id): r for r in instance.requests}
    slot_no = {str(s.id): i for i, s in enumerate(instance.slots)}
    people = instance.participants

    placed: dict[str, int] = {}  # request id -> slot index
    in_slot: dict[tuple[int, int], str] = {}  # (participant, slot) -> request id
    tables_used: dict[tuple[int, str], str] = {}
    per_person = [0] * len(people)
    total = 0.0
    for i, m in enumerate(result["meetings"]):
        if not isinstance(m, dict) or not {"request", "slot", "table"} <= set(m):
            bad("format", f"meetings[{i}] needs 'request', 'slot' and 'table'")
            continue
        rid, sid = str(m["request"]), str(m["slot"])
        if rid not in requests or sid not in slot_no:
            bad("unknown", f"meetings[{i}] names request {m['request']!r} / slot {m['slot']!r}")
            continue
        if rid in placed:
            bad("repeated", f"request {rid!r} is scheduled more than once")
            continue
        s = slot_no[sid]
        req = requests[rid]
        placed[rid] = s
        total += float(req.priority)
        for p in (req.a, req.b):
            if s not in people[p].available:
                bad("availability", f"{people[p].id!r} is not available in slot {sid!r} ({rid!r})")
            if (p, s) in in_slot:
                bad(
                    "double_booked",
                    f"{people[p].id!r} has {in_slot[p, s]!r} and {rid!r} in slot {sid!r}",
                )
            in_slot[p, s] = rid
            per_person[p] += 1
        table = m["table"]
        if isinstance(table, bool) or not isinstance(table, int):
            bad("table", f"meetings[{i}] table {table!r} is not an integer")
        elif not 1 <= table <= instance.tables[s]:
            bad(
                "table", f"{rid!r} at table {table} of slot {sid!r}, which has {instance.tables[s]}"
            )
        elif (table, sid) in tables_used:
            bad("table", f"{rid!r} and {tables_used[table, sid]!r} share table {table} in {sid!r}")
        else:
            tables_used[table, sid] = rid
    for p, person in enumerate(people):
        if person.max_meetings is not None and per_person[p] > person.max_meetings:
            bad(
                "cap",
                f"{person.id!r} has {per_person[p]} meetings, max_meetings {person.max_meetings}",
            )
    for r, s in instance.locked:
        rid = str(instance.requests[r].id)
        if placed.get(rid) != s:
            bad("lock", f"{rid!r} is locked in slot {instance.slots[s].id!r}")

    value, upper = result["value"], result["upper_bound"]
    if not isinstance(value, int | float) or not math.isclose(value, total, abs_tol=1e-6):
        bad("value", f"value {value!r}, but the placed priorities add up to {total:g}")
    if not isinstance(upper, int | float) or upper < total - 1e-6:
        bad("bound", f"upper bound {upper!r} is below the value {total:g}")
    elif result["status"] == "optimal" and not math.isclose(upper, total, abs_tol=1e-6):
        bad("bound", f"status optimal, but the bound {upper!r} is above the value {total:g}")

    explained: dict[str, Any] = {}
    for i, u in enumerate(result["unplaced"]):
        if not isinstance(u, dict) or "request" not in u or "reason" not in u:
            bad("format", f"unplaced[{i}] needs 'request' and 'reason'")
            continue
        rid = str(u["request"])
        if rid in placed or rid in explained or rid not in requests:
            bad("unplaced", f"unplaced[{i}] ({rid!r}) is placed, repeated or unknown")
            continue
        explained[rid] = u["reason"]
    for rid in requests:
        if rid not in placed and rid not in explained:
            bad("unplaced", f"{rid!r} is neither placed nor explained")
    if reasons:
        used = [0] * len(instance.slots)
        for s in placed.values():
            used[s] += 1
        for rid, given in explained.items():
            expected = _expected_reason(instance, requests[rid], in_slot, per_person, used)
            if given != expected:
                bad("reason", f"{rid!r}: given {given!r}, but {expected!r} holds")
    return out


def _expected_reason(instance: Instance, req, in_slot, per_person, used) -> str:
    people = instance.participants
    shared = set(people[req.a].available) & set(people[req.b].available)
    if not shared:
        return "no_common_slot"
    for p in (req.a, req.b):
        cap = people[p].max_meetings
        if cap is not None and per_person[p] >= cap:
            return "cap_reached"
    free = [s for s in shared if (req.a, s) not in in_slot and (req.b, s) not in in_slot]
    if free:
        if all(used[s] >= instance.tables[s] for s in free):
            return "tables_full"
        return "fits"  # not a reason: the schedule could take it
    return "conflict"
