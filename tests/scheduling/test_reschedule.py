"""Re-running after late changes: published meetings stay put, locks hold."""

import pytest

from corridor.scheduling import InvalidResult, parse_instance, parse_previous, solve
from corridor.scheduling.check import check_result
from corridor.scheduling.generate import generate

from .conftest import instance_data

FOUR = {"ana": ["s1", "s2", "s3"], "bo": ["s1", "s2", "s3"], "chen": ["s1", "s2", "s3"],
        "dee": ["s1", "s2", "s3"]}  # fmt: skip


def published(*meetings):
    return {"meetings": [{"request": r, "slot": s, "table": t} for r, s, t in meetings]}


def run(data, previous=None, time_limit=3, **kwargs):
    inst = parse_instance(data)
    prev = parse_previous(previous, inst) if previous is not None else None
    result = solve(inst, time_limit=time_limit, previous=prev, **kwargs)
    out = result.to_json(inst)
    assert check_result(inst, out) == []
    return {m["request"]: m["slot"] for m in out["meetings"]}, out


def test_without_changes_the_published_schedule_is_kept_as_it_is():
    data = instance_data(FOUR, [("r1", "ana", "bo"), ("r2", "chen", "dee"), ("r3", "ana", "chen")])
    previous = published(("r1", "s3", 2), ("r2", "s2", 1), ("r3", "s1", 1))
    fresh, _ = run(data)
    assert fresh != {"r1": "s3", "r2": "s2", "r3": "s1"}  # left alone it would choose otherwise
    slots, out = run(data, previous)
    assert slots == {"r1": "s3", "r2": "s2", "r3": "s1"}
    assert out["changes"]["kept"] == 3 and out["changes"]["moved"] == []
    assert {m["request"]: m["table"] for m in out["meetings"]}["r1"] == 2  # table kept too


def test_only_the_meeting_hit_by_a_change_moves():
    data = instance_data(FOUR, [("r1", "ana", "bo"), ("r2", "chen", "dee"), ("r3", "ana", "chen")])
    previous = published(("r1", "s3", 1), ("r2", "s2", 1), ("r3", "s1", 1))
    data["participants"][1]["available"] = ["s1", "s2"]  # bo cannot stay for s3 any more
    slots, out = run(data, previous)
    assert slots["r2"] == "s2" and slots["r3"] == "s1"
    assert slots["r1"] == "s2"  # ana is busy in s1 with r3
    assert out["changes"]["moved"] == [{"request": "r1", "from": "s3", "to": "s2"}]
    assert out["changes"]["kept"] == 2


def test_value_comes_before_staying_put():
    # A new request only chen and ana can take in s1 makes r1 move out of s1.
    people = dict(FOUR, eve=["s1"])
    data = instance_data(people, [("r1", "ana", "bo"), ("r9", "ana", "eve", 3)])
    slots, out = run(data, published(("r1", "s1", 1)))
    assert slots == {"r1": slots["r1"], "r9": "s1"} and slots["r1"] != "s1"
    assert out["value"] == 4
    assert len(out["changes"]["moved"]) == 1


def test_withdrawn_requests_and_removed_slots_are_reported_not_refused():
    data = instance_data(FOUR, [("r1", "ana", "bo")])
    previous = published(("r1", "s2", 1), ("gone", "s1", 1), ("r1x", "s9", 1))
    slots, out = run(data, previous)
    assert slots == {"r1": "s2"}
    assert len(out["changes"]["ignored"]) == 2


def test_a_previous_result_with_a_request_twice_is_refused():
    inst = parse_instance(instance_data(FOUR, [("r1", "ana", "bo")]))
    with pytest.raises(InvalidResult, match="'r1' appears twice"):
        parse_previous(published(("r1", "s1", 1), ("r1", "s2", 1)), inst)
    with pytest.raises(InvalidResult):
        parse_previous({"meetings": "no"}, inst)


def test_late_changes_on_a_generated_instance_move_few_meetings():
    data = generate(participants=60, requests=250, slots=8, tables=10, seed=11)
    inst = parse_instance(data)
    first = solve(inst, time_limit=5, seed=1, deterministic=True).to_json(inst)
    # Late changes: five requests withdrawn, five new ones, one person leaves early.
    data["requests"] = data["requests"][5:] + [
        {"id": f"new{i}", "a": data["participants"][i]["id"],
         "b": data["participants"][i + 30]["id"], "priority": 2}
        for i in range(5)
    ]  # fmt: skip
    data["participants"][0]["available"] = data["participants"][0]["available"][:2]
    slots, out = run(data, first, time_limit=1.5, seed=1, deterministic=True)
    still_there = [m for m in first["meetings"] if m["request"] in slots]
    moved = [m for m in still_there if slots[m["request"]] != m["slot"]]
    assert len(moved) == len(out["changes"]["moved"])
    assert len(moved) <= 0.15 * len(still_there)
    fresh, fresh_out = run(data, time_limit=1.5, seed=2, deterministic=True)
    assert out["value"] >= fresh_out["value"]  # value first: staying put costs none
    moved_fresh = [m for m in first["meetings"] if fresh.get(m["request"]) not in (None, m["slot"])]
    assert len(moved) < len(moved_fresh) / 3


def test_a_locked_meeting_stays_even_at_a_cost():
    # Locked in s1, r1 takes ana from the only slot r2 could use.
    people = {"ana": ["s1", "s2"], "bo": ["s1", "s2"], "chen": ["s1"]}
    data = instance_data(
        people, [("r1", "ana", "bo"), ("r2", "ana", "chen")], locked=[("r1", "s1")]
    )
    slots, out = run(data)
    assert slots == {"r1": "s1"}
    assert out["unplaced"][0]["reason"] == "conflict"
    assert out["status"] == "optimal"  # optimal given the lock


def test_locks_win_over_the_previous_schedule():
    data = instance_data(FOUR, [("r1", "ana", "bo")], locked=[("r1", "s3")])
    slots, out = run(data, published(("r1", "s1", 1)))
    assert slots == {"r1": "s3"}
    assert out["changes"]["moved"] == [{"request": "r1", "from": "s1", "to": "s3"}]


def test_locks_hold_on_a_generated_instance():
    data = generate(participants=50, requests=200, slots=6, tables=10, seed=4)
    inst = parse_instance(data)
    first = solve(inst, time_limit=3, seed=1, deterministic=True).to_json(inst)
    locks = [{"request": m["request"], "slot": m["slot"]} for m in first["meetings"][::4]]
    data["locked"] = locks
    slots, _ = run(data, time_limit=1.5, seed=1, deterministic=True)
    assert all(slots[lock["request"]] == lock["slot"] for lock in locks)
