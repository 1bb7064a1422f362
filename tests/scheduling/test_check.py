"""The independent checker catches each broken rule in a small hand-made result."""

import copy

import pytest

from corridor.scheduling import parse_instance
from corridor.scheduling.check import check_result

from .conftest import instance_data


@pytest.fixture
def inst(basic):
    basic["locked"] = [{"request": "r4", "slot": "s2"}]
    return parse_instance(basic)


@pytest.fixture
def good():
    """A valid, maximal schedule of the ``basic`` instance with r4 locked in s2."""
    return {
        "meetings": [
            {"request": "r3", "slot": "s1", "table": 1},
            {"request": "r4", "slot": "s2", "table": 1},
            {"request": "r2", "slot": "s3", "table": 1},
        ],
        "unplaced": [
            {"request": "r1", "reason": "cap_reached"},
            {"request": "r5", "reason": "no_common_slot"},
            {"request": "r6", "reason": "conflict"},
        ],
        "value": 5,
        "upper_bound": 6,
        "status": "feasible",
    }


def codes(inst, result):
    return {v.code for v in check_result(inst, result)}


def test_a_valid_result_passes(inst, good):
    assert check_result(inst, good) == []


def test_unknown_request_or_slot(inst, good):
    good["meetings"][0]["slot"] = "s9"
    assert "unknown" in codes(inst, good)


def test_request_scheduled_twice(inst, good):
    good["meetings"].append({"request": "r3", "slot": "s3", "table": 2})
    assert "repeated" in codes(inst, good)


def test_participant_not_available(inst, good):
    good["meetings"][2]["slot"] = "s2"  # chen is not available in s2
    good["meetings"][2]["table"] = 2
    assert "availability" in codes(inst, good)


def test_double_booked(inst, good):
    # ana with bo (r1) and with chen (r2) both in s3
    good["meetings"].append({"request": "r1", "slot": "s3", "table": 2})
    good["unplaced"] = good["unplaced"][1:]
    assert "double_booked" in codes(inst, good)


def test_table_out_of_range(inst, good):
    good["meetings"][0]["table"] = 3  # two tables per slot
    assert codes(inst, good) == {"table"}


def test_table_shared(inst, good):
    moved = {"request": "r6", "slot": "s1", "table": 1}  # ana and dee: dee is not in s1 either
    good["meetings"].append(moved)
    assert "table" in codes(inst, good)


def test_more_meetings_than_tables(inst):
    data = instance_data(
        {"a": ["s1"], "b": ["s1"], "c": ["s1"], "d": ["s1"]},
        [("r1", "a", "b"), ("r2", "c", "d")],
        tables=1,
    )
    small = parse_instance(data)
    result = {
        "meetings": [
            {"request": "r1", "slot": "s1", "table": 1},
            {"request": "r2", "slot": "s1", "table": 1},
        ],
        "unplaced": [],
        "value": 2,
        "upper_bound": 2,
        "status": "optimal",
    }
    assert codes(small, result) == {"table"}
    result["meetings"][1]["table"] = 2
    assert codes(small, result) == {"table"}


def test_cap_exceeded(inst, good):
    # bo (max 2) in r3, r4 and now r1
    good["meetings"].append({"request": "r1", "slot": "s3", "table": 2})
    good["meetings"][2] = {"request": "r2", "slot": "s1", "table": 2}
    good["unplaced"] = good["unplaced"][1:]
    good["value"] = 7
    good["upper_bound"] = 7
    assert "cap" in codes(inst, good)


def test_locked_meeting_missing_or_elsewhere(inst, good):
    good["meetings"][1]["slot"] = "s3"
    good["meetings"][1]["table"] = 2
    assert "lock" in codes(inst, good)


def test_value_not_the_sum_of_priorities(inst, good):
    good["value"] = 6
    assert "value" in codes(inst, good)


def test_bound_below_value_or_false_optimal(inst, good):
    bad = copy.deepcopy(good)
    bad["upper_bound"] = 4
    assert "bound" in codes(inst, bad)
    good["status"] = "optimal"
    assert "bound" in codes(inst, good)


def test_request_neither_placed_nor_explained(inst, good):
    good["unplaced"].pop()
    assert "unplaced" in codes(inst, good)


def test_placed_request_also_listed_as_unplaced(inst, good):
    good["unplaced"].append({"request": "r3", "reason": "conflict"})
    assert "unplaced" in codes(inst, good)


def test_wrong_reason(inst, good):
    good["unplaced"][2]["reason"] = "tables_full"
    assert codes(inst, good) == {"reason"}


def test_reason_for_a_request_that_would_fit(inst, good):
    good["meetings"].pop(2)  # r2 could go back to s3
    good["unplaced"].append({"request": "r2", "reason": "conflict"})
    good["value"] = 4
    assert "reason" in codes(inst, good)


def test_malformed_result(inst):
    assert codes(inst, []) == {"format"}
    assert codes(inst, {"meetings": []}) == {"format"}
