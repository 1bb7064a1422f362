"""The solver against brute force on tiny instances, the baseline, bounds and seeds."""

import random

import pytest

from corridor.scheduling import parse_instance, solve
from corridor.scheduling.bounds import lp_bound
from corridor.scheduling.check import check_result
from corridor.scheduling.cpsat import solve_cpsat
from corridor.scheduling.generate import generate
from corridor.scheduling.greedy import Board, greedy_fcfs, is_valid, value

from .conftest import instance_data


def brute_force(inst) -> int:
    """The best value over every assignment (tiny instances only)."""
    board = Board(inst)
    locked = inst.locked_slot
    best = 0

    def walk(r: int) -> None:
        nonlocal best
        if r == len(inst.requests):
            best = max(best, board.value)
            return
        options = [locked[r]] if r in locked else [None, *inst.common[r]]
        for s in options:
            if s is None:
                walk(r + 1)
            elif board.fits(r, s):
                board.place(r, s)
                walk(r + 1)
                board.remove(r)

    walk(0)
    return best


def random_tiny(seed: int) -> dict:
    rng = random.Random(seed)
    people = {}
    for name in "abcde":
        available = [s for s in ("s1", "s2", "s3") if rng.random() < 0.7]
        people[name] = (available, rng.choice([None, None, 1, 2]))
    pairs = [(x, y) for x in "abcde" for y in "abcde" if x < y]
    rng.shuffle(pairs)
    requests = [(f"r{i}", x, y, rng.choice([1, 2, 3])) for i, (x, y) in enumerate(pairs[:7])]
    tables = {s: rng.choice([1, 2]) for s in ("s1", "s2", "s3")}
    return instance_data(people, requests, tables=tables)


@pytest.mark.parametrize("seed", range(40))
def test_optimal_on_tiny_instances_and_bounds_hold(seed):
    inst = parse_instance(random_tiny(seed))
    best = brute_force(inst)
    result = solve(inst, time_limit=5, seed=seed, deterministic=True)
    out = result.to_json(inst)
    assert check_result(inst, out) == []
    assert result.value == best
    assert result.upper_bound >= best
    assert result.status == "optimal"  # tiny: CP-SAT proves it when the LP cannot
    assert lp_bound(inst).upper_bound >= best
    assert value(inst, greedy_fcfs(inst)) <= best


def test_odd_cycle_needs_cp_sat_to_prove_optimality():
    # Three people who all want to meet each other in two slots: the LP takes every
    # request at 1/2 in each slot (value 3), a schedule has at most one per slot.
    data = instance_data(
        {"a": ["s1", "s2"], "b": ["s1", "s2"], "c": ["s1", "s2"]},
        [("ab", "a", "b"), ("bc", "b", "c"), ("ac", "a", "c")],
    )
    inst = parse_instance(data)
    assert lp_bound(inst).upper_bound == 3
    result = solve(inst, time_limit=5)
    assert (result.value, result.upper_bound, result.status) == (2, 2, "optimal")
    assert result.solver == "cp-sat"
    assert result.stats["cpsat_status"] == "OPTIMAL"


def test_beats_the_greedy_baseline_on_a_generated_instance():
    data = generate(participants=60, requests=300, slots=8, tables=12, seed=3)
    inst = parse_instance(data)
    greedy = solve(inst, method="greedy")
    best = solve(inst, time_limit=10, seed=1, deterministic=True)
    for result in (greedy, best):
        assert check_result(inst, result.to_json(inst)) == []
    assert greedy.solver == "greedy"
    assert best.value > greedy.value
    assert best.value <= best.upper_bound
    assert best.gap < 0.02


def test_deterministic_with_a_seed():
    data = generate(participants=40, requests=160, slots=6, tables=8, seed=5)
    runs = [solve(parse_instance(data), time_limit=3, seed=7, deterministic=True) for _ in (1, 2)]
    first, second = (r.to_json(parse_instance(data)) for r in runs)
    assert first["meetings"] == second["meetings"]
    assert first["unplaced"] == second["unplaced"]


def test_fractional_priorities_are_reported_in_their_units():
    data = instance_data(
        {"a": ["s1"], "b": ["s1"], "c": ["s1"]},
        [("r1", "a", "b", 0.75), ("r2", "a", "c", 1.5)],
    )
    inst = parse_instance(data)
    out = solve(inst, time_limit=2).to_json(inst)
    assert out["value"] == 1.5 and out["upper_bound"] == 1.5
    assert [m["request"] for m in out["meetings"]] == ["r2"]
    assert check_result(inst, out) == []


def test_tables_are_numbered_from_one_within_each_slot():
    data = instance_data(
        {p: ["s1", "s2"] for p in "abcdef"},
        [("r1", "a", "b"), ("r2", "c", "d"), ("r3", "e", "f"), ("r4", "a", "c")],
        tables=2,
    )
    inst = parse_instance(data)
    out = solve(inst, time_limit=2).to_json(inst)
    assert check_result(inst, out) == []
    by_slot = {}
    for m in out["meetings"]:
        by_slot.setdefault(m["slot"], []).append(m["table"])
    assert all(sorted(t) == list(range(1, len(t) + 1)) for t in by_slot.values())


def test_empty_instance():
    inst = parse_instance({"slots": [], "tables": {}, "participants": [], "requests": []})
    out = solve(inst, time_limit=1).to_json(inst)
    assert out["meetings"] == [] and out["value"] == 0 and out["status"] == "optimal"


def test_cp_sat_model_alone_improves_a_poor_hint(basic):
    inst = parse_instance(basic)
    outcome = solve_cpsat(inst, time_limit=5, hint={}, lower=0, seed=1, deterministic=True)
    assert outcome.status == "OPTIMAL"
    assert is_valid(inst, outcome.assignment)
    assert value(inst, outcome.assignment) == brute_force(inst) == outcome.value_bound


def test_lp_bound_is_a_certificate_even_when_the_solver_gives_up(basic, monkeypatch):
    from ortools.linear_solver import pywraplp

    inst = parse_instance(basic)
    monkeypatch.setattr(pywraplp.Solver, "Solve", lambda self: pywraplp.Solver.NOT_SOLVED)
    bound = lp_bound(inst)
    # No duals: every request is covered by its own row, the bound is the sum of weights.
    assert bound.upper_bound >= brute_force(inst)
    assert bound.status == "not_solved"
