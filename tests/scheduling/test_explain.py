"""Each reason an accepted request is left out, from the final schedule."""

import pytest

from corridor.scheduling import parse_instance, solve
from corridor.scheduling.check import check_result
from corridor.scheduling.explain import explain, explain_request

from .conftest import instance_data


def solved(data):
    inst = parse_instance(data)
    result = solve(inst, time_limit=5)
    as_json = result.to_json(inst)
    assert check_result(inst, as_json) == []
    return {u["request"]: u for u in as_json["unplaced"]}, as_json


def test_no_common_slot():
    unplaced, _ = solved(instance_data({"ana": ["s1"], "bo": ["s2"]}, [("r1", "ana", "bo")]))
    assert unplaced["r1"]["reason"] == "no_common_slot"
    assert "'ana' and 'bo'" in unplaced["r1"]["detail"]


def test_cap_reached_names_the_capped_participant():
    data = instance_data(
        {"ana": ["s1", "s2"], "bo": (["s1", "s2", "s3"], 1), "chen": ["s1", "s2"]},
        [("r1", "ana", "bo", 3), ("r2", "chen", "bo", 1)],
    )
    unplaced, result = solved(data)
    assert [m["request"] for m in result["meetings"]] == ["r1"]  # the higher priority
    assert unplaced["r2"]["reason"] == "cap_reached"
    assert "'bo'" in unplaced["r2"]["detail"]


def test_cap_of_zero():
    unplaced, _ = solved(instance_data({"ana": (["s1"], 0), "bo": ["s1"]}, [("r1", "ana", "bo")]))
    assert unplaced["r1"]["reason"] == "cap_reached"


def test_tables_full():
    data = instance_data(
        {"a": ["s1"], "b": ["s1"], "c": ["s1"], "d": ["s1"]},
        [("r1", "a", "b", 2), ("r2", "c", "d")],
        tables={"s1": 1, "s2": 5, "s3": 5},
    )
    unplaced, result = solved(data)
    assert [m["request"] for m in result["meetings"]] == ["r1"]
    assert unplaced["r2"]["reason"] == "tables_full"
    assert "'s1'" in unplaced["r2"]["detail"]


def test_conflict_names_the_meetings_in_the_way():
    data = instance_data(
        {"ana": ["s1"], "bo": ["s1"], "chen": ["s1"]},
        [("r1", "ana", "bo", 2), ("r2", "ana", "chen")],
    )
    unplaced, _ = solved(data)
    assert unplaced["r2"]["reason"] == "conflict"
    assert "r1" in unplaced["r2"]["detail"]


def test_fully_booked_participant_without_a_cap_is_a_conflict_not_a_cap():
    data = instance_data(
        {"ana": ["s1", "s2"], "bo": ["s1", "s2"], "chen": ["s1", "s2"], "dee": ["s1", "s2"]},
        [("r1", "ana", "bo"), ("r2", "ana", "chen"), ("r3", "ana", "dee")],
    )
    unplaced, _ = solved(data)
    assert len(unplaced) == 1
    assert next(iter(unplaced.values()))["reason"] == "conflict"


def test_cap_is_tested_before_tables_and_conflicts():
    # bo is both at his cap and busy in the only shared slot: the cap is the reason.
    data = instance_data(
        {"ana": ["s1"], "bo": (["s1"], 1), "chen": ["s1"]},
        [("r1", "ana", "bo", 2), ("r2", "chen", "bo")],
    )
    unplaced, _ = solved(data)
    assert unplaced["r2"]["reason"] == "cap_reached"


def test_a_request_that_would_fit_has_no_reason(basic):
    inst = parse_instance(basic)
    assert explain_request(inst, {}, 0) is None  # r1 fits in an empty schedule
    assert explain(inst, {})[4].reason == "no_common_slot"  # r5: chen and dee


@pytest.mark.parametrize("seed", range(5))
def test_every_unplaced_request_has_a_true_reason(seed):
    from corridor.scheduling.generate import generate

    data = generate(participants=30, requests=120, slots=6, tables=6, seed=seed)
    inst = parse_instance(data)
    result = solve(inst, time_limit=3, seed=seed, deterministic=True)
    out = result.to_json(inst)
    assert check_result(inst, out) == []
    assert len(out["meetings"]) + len(out["unplaced"]) == 120
    reasons = {u["reason"] for u in out["unplaced"]}
    assert reasons <= {"no_common_slot", "cap_reached", "tables_full", "conflict"}
