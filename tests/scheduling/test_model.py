"""Instances are validated before anything is solved: clear errors naming the item."""

import pytest

from corridor.scheduling import InvalidInstance, parse_instance

from .conftest import instance_data


def refused(data, *words):
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(data)
    assert isinstance(caught.value, ValueError)
    for word in words:
        assert word in str(caught.value), str(caught.value)
    return caught.value


def test_basic_instance_is_parsed(basic):
    inst = parse_instance(basic)
    assert len(inst.slots) == 3 and len(inst.requests) == 6
    assert inst.tables == (2, 2, 2)
    assert inst.caps[1] == 2  # bo's max_meetings
    assert inst.caps[0] == 3  # ana: no cap, three available slots
    r5 = inst.requests[4]  # chen and dee share no slot
    assert inst.common[4] == ()
    assert inst.participants[r5.a].id == "chen"


def test_request_to_oneself_is_refused(basic):
    basic["requests"].append({"id": "self", "a": "ana", "b": "ana"})
    refused(basic, "'self'", "oneself")


def test_request_to_a_non_participant_is_refused(basic):
    basic["requests"].append({"id": "ghost", "a": "ana", "b": "zed"})
    refused(basic, "'ghost'", "'zed'", "not a participant")


def test_negative_cap_is_refused(basic):
    basic["participants"][0]["max_meetings"] = -1
    refused(basic, "'ana'", "max_meetings")


def test_unknown_slot_in_availability_is_refused(basic):
    basic["participants"][2]["available"].append("s9")
    refused(basic, "'chen'", "'s9'")


def test_unknown_slot_in_tables_is_refused(basic):
    basic["tables"]["s9"] = 3
    refused(basic, "tables['s9']", "unknown slot")


def test_slot_without_table_count_is_refused(basic):
    del basic["tables"]["s2"]
    refused(basic, "'s2'", "no table count")


def test_negative_table_count_is_refused(basic):
    basic["tables"]["s2"] = -1
    refused(basic, "tables['s2']")


@pytest.mark.parametrize(("kind", "index"), [("slots", 1), ("participants", 1), ("requests", 1)])
def test_duplicate_ids_are_refused(basic, kind, index):
    basic[kind].append(dict(basic[kind][index]))
    refused(basic, f"duplicate {kind[:-1]} id", repr(basic[kind][index]["id"]))


def test_integer_and_text_ids_are_the_same_id(basic):
    basic["participants"].append({"id": 7, "available": ["s1"]})
    basic["participants"].append({"id": "7", "available": ["s1"]})
    refused(basic, "duplicate participant id")


def test_overlapping_slots_are_refused(basic):
    basic["slots"][1]["start"] = "2026-05-12T09:15"
    refused(basic, "'s2'", "overlaps slot 's1'")


def test_slot_ending_before_it_starts_is_refused(basic):
    basic["slots"][0]["end"] = "2026-05-12T08:00"
    refused(basic, "'s1'", "end after it starts")


def test_mixed_time_kinds_are_refused(basic):
    basic["slots"][2]["start"], basic["slots"][2]["end"] = 100, 130
    refused(basic, "'s3'", "one kind")


def test_numbers_and_clock_times_are_accepted():
    for times in ((0, 30, 30, 60), ("09:00", "09:30", "09:30", "10:00")):
        slots = [
            {"id": "a", "start": times[0], "end": times[1]},
            {"id": "b", "start": times[2], "end": times[3]},
        ]
        inst = parse_instance(
            instance_data({"x": ["a", "b"], "y": ["b"]}, [("r", "x", "y")], slots=slots)
        )
        assert inst.common[0] == (1,)


def test_duplicate_slot_in_availability_is_refused(basic):
    basic["participants"][0]["available"].append("s1")
    refused(basic, "'ana'", "listed twice")


@pytest.mark.parametrize("priority", [-1, "high", float("nan"), True])
def test_bad_priority_is_refused(basic, priority):
    basic["requests"][0]["priority"] = priority
    refused(basic, "'r1'", "priority")


def test_unknown_top_level_key_is_refused(basic):
    basic["lock"] = []
    refused(basic, "'lock'")


def test_missing_part_is_refused(basic):
    del basic["requests"]
    refused(basic, "requests", "missing")


def test_fractional_priorities_are_scaled_to_integers(basic):
    basic["requests"][0]["priority"] = 1.25
    basic["requests"][1]["priority"] = 0.5
    inst = parse_instance(basic)
    assert inst.scale == 100
    assert [r.weight for r in inst.requests[:3]] == [125, 50, 300]
    assert inst.units(475) == 4.75


@pytest.mark.parametrize(
    ("locked", "words"),
    [
        ([("r9", "s1")], ["unknown request id 'r9'"]),
        ([("r1", "s9")], ["unknown slot id 's9'"]),
        ([("r1", "s1"), ("r1", "s2")], ["'r1'", "more than once"]),
        ([("r4", "s1")], ["'dee'", "not available"]),
        ([("r1", "s1"), ("r2", "s1")], ["'ana'", "also locked", "'r1'"]),
        ([("r1", "s1"), ("r3", "s3"), ("r4", "s2")], ["'bo'", "max_meetings=2"]),
    ],
)
def test_conflicting_locks_are_refused(basic, locked, words):
    basic["locked"] = [{"request": r, "slot": s} for r, s in locked]
    refused(basic, "locked[", *words)


def test_more_locks_than_tables_are_refused(basic):
    basic["tables"]["s1"] = 1
    basic["locked"] = [{"request": "r1", "slot": "s1"}, {"request": "r5", "slot": "s1"}]
    basic["participants"][3]["available"].append("s1")
    refused(basic, "locked[1]", "table")
