"""Instance and result of the meeting scheduler; parsing and validation of the JSON forms.

Instance (JSON)::

    {"slots": [{"id", "start", "end"}],          # start/end: ISO 8601 or numbers
     "tables": {slot_id: count},                  # every slot, count >= 0
     "participants": [{"id", "available": [slot_id, ...], "max_meetings"}],
     "requests": [{"id", "a", "b", "priority"}],  # priority >= 0, default 1
     "locked": [{"request", "slot"}]}             # optional

Ids are strings or integers, matched by their text (the keys of ``tables`` are
always text in JSON), so ``1`` and ``"1"`` name the same thing and may not both be
defined. A participant without ``max_meetings`` (or with null) has no cap besides
their available slots. Inside the engine everything is referred to by index;
``Result.to_json`` turns indices back into the instance's ids.

Priorities may be fractional: they are scaled by 10**d to integers, d the most
decimal places any priority has (at most 6; finer digits are rounded), because
CP-SAT optimises integer objectives. ``value`` and ``upper_bound`` are reported
back in the instance's units.

Every problem with the input raises ``InvalidInstance`` (a ``ValueError``) naming
the offending item, before anything is solved or written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property
from typing import Any

MAX_DECIMALS = 6
TOP_LEVEL_KEYS = ("slots", "tables", "participants", "requests", "locked")

# Why an accepted request is not in the schedule, in the order they are tested.
REASONS = ("no_common_slot", "cap_reached", "tables_full", "conflict")


class InvalidInstance(ValueError):
    """The instance cannot be scheduled as given; ``item`` names what is wrong."""

    def __init__(self, item: str, message: str):
        self.item = item
        super().__init__(f"{item}: {message}")


class InvalidResult(ValueError):
    """A previous result (for minimal-change rescheduling) cannot be read."""

    def __init__(self, item: str, message: str):
        self.item = item
        super().__init__(f"{item}: {message}")


@dataclass(frozen=True)
class Slot:
    id: Any
    start: Any
    end: Any


@dataclass(frozen=True)
class Participant:
    id: Any
    available: tuple[int, ...]  # slot indices
    max_meetings: int | None


@dataclass(frozen=True)
class Request:
    id: Any
    a: int  # participant indices
    b: int
    priority: int | float  # as given
    weight: int  # priority * scale, the objective's integer coefficient


@dataclass(frozen=True)
class Instance:
    slots: tuple[Slot, ...]
    tables: tuple[int, ...]  # per slot index
    participants: tuple[Participant, ...]
    requests: tuple[Request, ...]
    locked: tuple[tuple[int, int], ...] = ()  # (request index, slot index)
    scale: int = 1

    @cached_property
    def time_order(self) -> tuple[int, ...]:
        """Slot indices, earliest first."""
        return tuple(sorted(range(len(self.slots)), key=lambda s: self.slots[s].start))

    @cached_property
    def common(self) -> tuple[tuple[int, ...], ...]:
        """Per request, the slots both sides are available in, earliest first."""
        rank = {s: i for i, s in enumerate(self.time_order)}
        avail = [set(p.available) for p in self.participants]
        return tuple(
            tuple(sorted(avail[r.a] & avail[r.b], key=rank.__getitem__)) for r in self.requests
        )

    @cached_property
    def caps(self) -> tuple[int, ...]:
        """Effective cap per participant: ``max_meetings``, never above their slots."""
        return tuple(
            len(p.available) if p.max_meetings is None else min(p.max_meetings, len(p.available))
            for p in self.participants
        )

    @cached_property
    def locked_slot(self) -> dict[int, int]:
        return dict(self.locked)

    def units(self, scaled: int | float) -> int | float:
        """A scaled objective value in the instance's priority units."""
        if self.scale == 1:
            return int(scaled) if float(scaled).is_integer() else scaled
        return round(scaled / self.scale, MAX_DECIMALS)


@dataclass(frozen=True)
class Meeting:
    request: int
    slot: int
    table: int = 0  # numbered from 1 within the slot once tables are assigned


@dataclass(frozen=True)
class Unplaced:
    request: int
    reason: str  # one of REASONS
    detail: str = ""


@dataclass(frozen=True)
class Previous:
    """A published schedule to change as little as possible."""

    slot: dict[int, int]  # request index -> slot index
    table: dict[int, int]  # request index -> table number, when given
    ignored: tuple[str, ...] = ()  # previous meetings naming requests or slots gone since


@dataclass
class Result:
    meetings: tuple[Meeting, ...]
    unplaced: tuple[Unplaced, ...]
    value: int  # scaled (see Instance.scale)
    upper_bound: int  # scaled, proved
    status: str  # "optimal" when value == upper_bound, else "feasible"
    solver: str = ""
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] | None = None

    @property
    def gap(self) -> float:
        """(upper bound - value) / upper bound; 0 when both are 0."""
        if self.upper_bound <= 0:
            return 0.0
        return (self.upper_bound - self.value) / self.upper_bound

    def to_json(self, instance: Instance) -> dict[str, Any]:
        slots, requests = instance.slots, instance.requests
        out: dict[str, Any] = {
            "meetings": [
                {"request": requests[m.request].id, "slot": slots[m.slot].id, "table": m.table}
                for m in self.meetings
            ],
            "unplaced": [
                {"request": requests[u.request].id, "reason": u.reason, "detail": u.detail}
                for u in self.unplaced
            ],
            "value": instance.units(self.value),
            "upper_bound": instance.units(self.upper_bound),
            "gap": round(self.gap, 6),
            "status": self.status,
            "solver": self.solver,
            "seconds": round(self.seconds, 3),
            "stats": self.stats,
        }
        if self.changes is not None:
            out["changes"] = self.changes
        return out


# ---------------------------------------------------------------- parsing


def _key(value: Any, where: str) -> str:
    """The text an id is matched by; only strings and integers are ids."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInstance(where, f"an id must be a string or an integer, not {value!r}")
    if isinstance(value, str) and not value.strip():
        raise InvalidInstance(where, "an id may not be empty")
    return str(value)


def _items(data: dict, name: str, required: bool = True) -> list:
    if name not in data:
        if required:
            raise InvalidInstance(name, "missing")
        return []
    value = data[name]
    if not isinstance(value, list):
        raise InvalidInstance(name, "must be a list")
    return value


def _object(item: Any, where: str, keys: tuple[str, ...]) -> dict:
    if not isinstance(item, dict):
        raise InvalidInstance(where, "must be an object")
    for k in keys:
        if k not in item:
            raise InvalidInstance(where, f"missing {k!r}")
    return item


def _time(value: Any, where: str) -> tuple[str, Any]:
    """(kind, comparable value) of a slot's start or end."""
    if isinstance(value, bool):
        raise InvalidInstance(where, f"not a time: {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise InvalidInstance(where, f"not a time: {value!r}")
        return "number", float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            return ("aware" if parsed.tzinfo else "naive"), parsed
        except ValueError:
            pass
        try:
            return "time", time.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInstance(where, f"not an ISO 8601 date-time or time, nor a number: {value!r}")


def _priority(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInstance(where, f"priority must be a number, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise InvalidInstance(where, f"priority must be a finite number >= 0, not {value!r}")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _describe(kind: str, index: int, item: Any) -> str:
    if isinstance(item, dict) and "id" in item and isinstance(item["id"], str | int):
        return f"{kind}[{index}] (id {item['id']!r})"
    return f"{kind}[{index}]"


def parse_instance(data: Any) -> Instance:
    """Validate a JSON instance (already loaded) and build the ``Instance``.

    Raises ``InvalidInstance`` naming the first offending item: unknown or
    duplicate ids, a request to oneself or to a non-participant, a negative cap or
    table count, overlapping or empty slots, and locked meetings that cannot all
    hold (outside someone's availability, double-booking, over a cap or over the
    slot's tables).
    """
    if not isinstance(data, dict):
        raise InvalidInstance("instance", "must be a JSON object")
    unknown = sorted(set(data) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise InvalidInstance(
            "instance", f"unknown key(s) {', '.join(map(repr, unknown))}; expected {TOP_LEVEL_KEYS}"
        )

    # Slots: unique ids, start < end, one kind of time, no two overlapping.
    slots: list[Slot] = []
    slot_index: dict[str, int] = {}
    kinds: set[str] = set()
    for i, item in enumerate(_items(data, "slots")):
        where = _describe("slots", i, item)
        _object(item, where, ("id", "start", "end"))
        key = _key(item["id"], where)
        if key in slot_index:
            raise InvalidInstance(where, f"duplicate slot id {item['id']!r}")
        k1, start = _time(item["start"], f"{where} start")
        k2, end = _time(item["end"], f"{where} end")
        kinds.update((k1, k2))
        if len(kinds) > 1:
            raise InvalidInstance(
                where,
                "all slot times must be of one kind (numbers, times, or date-times "
                "all with or all without a time zone)",
            )
        if not start < end:
            raise InvalidInstance(where, "must end after it starts")
        slot_index[key] = len(slots)
        slots.append(Slot(item["id"], start, end))
    ordered = sorted(range(len(slots)), key=lambda s: slots[s].start)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if slots[after].start < slots[before].end:
            raise InvalidInstance(
                f"slots (id {slots[after].id!r})",
                f"overlaps slot {slots[before].id!r}; slots must not overlap",
            )

    # Tables: a count >= 0 for every slot, nothing else.
    raw_tables = data.get("tables")
    if not isinstance(raw_tables, dict):
        raise InvalidInstance("tables", "missing or not an object {slot_id: count}")
    tables = [None] * len(slots)
    for key, count in raw_tables.items():
        where = f"tables[{key!r}]"
        if str(key) not in slot_index:
            raise InvalidInstance(where, "unknown slot id")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInstance(where, f"table count must be an integer >= 0, not {count!r}")
        tables[slot_index[str(key)]] = count
    for s, count in enumerate(tables):
        if count is None:
            raise InvalidInstance(f"tables (slot {slots[s].id!r})", "no table count for this slot")

    # Participants: unique ids, known slots once each, cap >= 0 or none.
    participants: list[Participant] = []
    person_index: dict[str, int] = {}
    for i, item in enumerate(_items(data, "participants")):
        where = _describe("participants", i, item)
        _object(item, where, ("id", "available"))
        key = _key(item["id"], where)
        if key in person_index:
            raise InvalidInstance(where, f"duplicate participant id {item['id']!r}")
        available = item["available"]
        if not isinstance(available, list):
            raise InvalidInstance(where, "'available' must be a list of slot ids")
        seen: list[int] = []
        for slot_id in available:
            skey = _key(slot_id, f"{where} available")
            if skey not in slot_index:
                raise InvalidInstance(where, f"unknown slot id {slot_id!r} in 'available'")
            if slot_index[skey] in seen:
                raise InvalidInstance(where, f"slot {slot_id!r} listed twice in 'available'")
            seen.append(slot_index[skey])
        cap = item.get("max_meetings")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
            raise InvalidInstance(
                where, f"max_meetings must be an integer >= 0 or null, not {cap!r}"
            )
        person_index[key] = len(participants)
        participants.append(Participant(item["id"], tuple(seen), cap))

    # Requests: unique ids, two different known participants, priority >= 0.
    raw_requests: list[tuple[Any, int, int, Any, Decimal]] = []
    request_index: dict[str, int] = {}
    for i, item in enumerate(_items(data, "requests")):
        where = _describe("requests", i, item)
        _object(item, where, ("id", "a", "b"))
        key = _key(item["id"], where)
        if key in request_index:
            raise InvalidInstance(where, f"duplicate request id {item['id']!r}")
        ends = []
        for side in ("a", "b"):
            pkey = _key(item[side], f"{where} {side}")
            if pkey not in person_index:
                raise InvalidInstance(where, f"{side}={item[side]!r} is not a participant")
            ends.append(person_index[pkey])
        if ends[0] == ends[1]:
            raise InvalidInstance(where, f"a request to oneself ({item['a']!r})")
        priority = item.get("priority", 1)
        request_index[key] = len(raw_requests)
        raw_requests.append((item["id"], ends[0], ends[1], priority, _priority(priority, where)))

    decimals = 0
    for *_, exact in raw_requests:
        exponent = exact.normalize().as_tuple().exponent
        if isinstance(exponent, int):
            decimals = max(decimals, -exponent)
    decimals = min(decimals, MAX_DECIMALS)
    scale = 10**decimals
    requests = tuple(
        Request(
            rid,
            a,
            b,
            priority,
            int((exact * scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)),
        )
        for rid, a, b, priority, exact in raw_requests
    )

    # Locks: known request and slot, once per request, and all of them together feasible.
    locked: list[tuple[int, int]] = []
    locked_requests: set[int] = set()
    busy: dict[tuple[int, int], Any] = {}
    per_slot = [0] * len(slots)
    per_person = [0] * len(participants)
    for i, item in enumerate(_items(data, "locked", required=False)):
        where = f"locked[{i}]"
        _object(item, where, ("request", "slot"))
        rkey = _key(item["request"], f"{where} request")
        skey = _key(item["slot"], f"{where} slot")
        if rkey not in request_index:
            raise InvalidInstance(where, f"unknown request id {item['request']!r}")
        if skey not in slot_index:
            raise InvalidInstance(where, f"unknown slot id {item['slot']!r}")
        r, s = request_index[rkey], slot_index[skey]
        where = f"locked[{i}] (request {item['request']!r} in slot {item['slot']!r})"
        if r in locked_requests:
            raise InvalidInstance(where, "this request is locked more than once")
        request = requests[r]
        for p in (request.a, request.b):
            person = participants[p]
            if s not in person.available:
                raise InvalidInstance(where, f"participant {person.id!r} is not available then")
            if (p, s) in busy:
                raise InvalidInstance(
                    where,
                    f"participant {person.id!r} is also locked into request {busy[p, s]!r} "
                    "in this slot",
                )
            per_person[p] += 1
            if person.max_meetings is not None and per_person[p] > person.max_meetings:
                raise InvalidInstance(
                    where,
                    f"participant {person.id!r} would have more locked meetings than "
                    f"max_meetings={person.max_meetings}",
                )
        for p in (request.a, request.b):
            busy[p, s] = request.id
        per_slot[s] += 1
        if per_slot[s] > tables[s]:
            raise InvalidInstance(
                where, f"more locked meetings than the slot's {tables[s]} table(s)"
            )
        locked_requests.add(r)
        locked.append((r, s))

    return Instance(
        slots=tuple(slots),
        tables=tuple(tables),
        participants=tuple(participants),
        requests=requests,
        locked=tuple(locked),
        scale=scale,
    )


def parse_previous(data: Any, instance: Instance) -> Previous:
    """Read a previous result's meetings to keep them where they were when possible.

    Meetings whose request or slot is no longer in the instance are set aside
    (listed in ``Previous.ignored``): withdrawn requests and removed slots are what
    late changes look like. A request listed twice is an error.
    """
    if not isinstance(data, dict) or not isinstance(data.get("meetings"), list):
        raise InvalidResult("previous", "must be a result object with a 'meetings' list")
    requests = {str(r.id): i for i, r in enumerate(instance.requests)}
    slots = {str(s.id): i for i, s in enumerate(instance.slots)}
    slot: dict[int, int] = {}
    table: dict[int, int] = {}
    ignored: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(data["meetings"]):
        where = f"previous meetings[{i}]"
        if not isinstance(item, dict) or "request" not in item or "slot" not in item:
            raise InvalidResult(where, "must be an object with 'request' and 'slot'")
        rkey, skey = str(item["request"]), str(item["slot"])
        if rkey in seen:
            raise InvalidResult(where, f"request {item['request']!r} appears twice")
        seen.add(rkey)
        if rkey not in requests:
            ignored.append(f"request {item['request']!r} is no longer in the instance")
            continue
        if skey not in slots:
            ignored.append(f"slot {item['slot']!r} is no longer in the instance")
            continue
        r = requests[rkey]
        slot[r] = slots[skey]
        t = item.get("table")
        if isinstance(t, int) and not isinstance(t, bool) and t >= 1:
            table[r] = t
    return Previous(slot=slot, table=table, ignored=tuple(ignored))
