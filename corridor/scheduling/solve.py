"""The scheduler: warm start, proved bound, local search, CP-SAT, explanations.

``solve(instance, time_limit=...)`` runs, within the time limit:

1. warm starts: the priority greedy and the LP-rounding greedy (requests taken by
   their value in the LP relaxation), each placing the previous schedule first
   when there is one;
2. the LP relaxation's proved upper bound (``bounds``), solved once, used twice:
   as the bound reported and to order the LP-rounding greedy;
3. local search (``improve``) from each warm start, then kicks from the best;
4. CP-SAT (``cpsat``) with the rest of the time, hinted with the best schedule and
   bounded below by its value and above by the LP bound — skipped when the
   schedule already meets the bound (it is then proved optimal) and there is no
   previous schedule to stay close to;
5. a final pass that adds any request that still fits, moves meetings back to
   their previous slot by chains that disturb no other kept meeting, numbers
   tables, and explains every request left out.

``method="greedy"`` is the first-come-first-served baseline alone, with the
trivial bound (every request that has a common slot); it takes no previous
schedule.
"""

from __future__ import annotations

import time

from .bounds import lp_bound, trivial_bound
from .cpsat import solve_cpsat
from .explain import explain
from .greedy import (
    complete,
    greedy_fcfs,
    greedy_order,
    greedy_priority,
    is_valid,
    number_tables,
    value,
)
from .improve import improve
from .model import Instance, Previous, Result

# Shares of the time limit: at most this much for the LP, then for local search.
LP_SHARE = 0.5
SEARCH_SHARE = 0.3
# With deterministic=True the local search stops after this many kicks, not on time.
DETERMINISTIC_KICKS = 200


def _kept(assignment: dict[int, int], previous: dict[int, int]) -> int:
    return sum(1 for r, s in previous.items() if assignment.get(r) == s)


def solve(
    instance: Instance,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    deterministic: bool = False,
    previous: Previous | None = None,
    method: str = "cpsat",
    workers: int = 2,
) -> Result:
    """Schedule ``instance``; see the module doc. ``time_limit`` is in seconds."""
    started = time.perf_counter()
    inst = instance
    if method == "greedy":
        if previous is not None:
            raise ValueError("the greedy baseline does not take a previous schedule")
        assignment = greedy_fcfs(inst)
        return _finish(inst, assignment, trivial_bound(inst), "greedy", started, {}, None)
    if method != "cpsat":
        raise ValueError(f"unknown method {method!r}: 'cpsat' or 'greedy'")

    def left() -> float:
        return time_limit - (time.perf_counter() - started)

    prev = {}
    if previous is not None:
        prev = {r: s for r, s in previous.slot.items() if s in inst.common[r]}

    def key(a: dict[int, int]) -> tuple[int, int]:
        return value(inst, a), _kept(a, prev)

    stats: dict = {}
    fcfs = greedy_fcfs(inst)
    stats["greedy_fcfs_value"] = inst.units(value(inst, fcfs))
    starts = [complete(inst, greedy_priority(inst, keep=prev))]
    stats["greedy_priority_value"] = inst.units(value(inst, starts[0]))
    keeps = [prev]
    if prev:  # value comes first: also start from scratch, and restore published slots later
        starts.append(complete(inst, greedy_priority(inst)))
        keeps.append({})

    bound = lp_bound(inst, time_limit=max(0.1, LP_SHARE * left()))
    upper = bound.upper_bound
    stats["lp_seconds"] = round(bound.seconds, 3)
    stats["lp_status"] = bound.status
    stats["lp_bound"] = inst.units(upper)
    if bound.x:
        order = sorted(bound.x, key=lambda k: (-bound.x[k], -inst.requests[k[0]].weight, k))
        for keep in keeps:
            starts.append(complete(inst, greedy_order(inst, order, keep=keep)))
        stats["lp_rounding_value"] = inst.units(value(inst, starts[len(keeps)]))

    # Local search from each start without kicks (the better start is not always
    # the better end), then kicks from the best. A heuristic's bug must cost value,
    # never validity: every outcome is checked before it is used.
    budget = SEARCH_SHARE * left()
    best = max(starts, key=key)
    for start in starts:
        limit = float("inf") if deterministic else max(0.05, budget / (2 * len(starts)))
        searched = improve(inst, start, time_limit=limit, max_rounds=0, target=upper, seed=seed)
        if is_valid(inst, searched) and key(searched) > key(best):
            best = searched
    if deterministic:
        searched = improve(inst, best, max_rounds=DETERMINISTIC_KICKS, target=upper, seed=seed)
    else:
        limit = max(0.05, SEARCH_SHARE * left())
        searched = improve(inst, best, time_limit=limit, target=upper, seed=seed)
    if is_valid(inst, searched) and key(searched) >= key(best):
        best = searched
    stats["local_search_value"] = inst.units(value(inst, best))
    if prev:
        best = _restore(inst, best, prev, seed, key)

    solver = "lp+local-search"
    if value(inst, best) < upper or _kept(best, prev) < len(prev):
        outcome = solve_cpsat(
            inst,
            time_limit=max(0.1, left()),
            hint=best,
            lower=value(inst, best),
            upper=upper,
            previous=prev or None,
            seed=seed,
            deterministic=deterministic,
            workers=workers,
        )
        solver = "cp-sat"
        stats["cpsat_status"] = outcome.status
        stats["cpsat_seconds"] = round(outcome.seconds, 3)
        stats["cpsat_variables"] = outcome.variables
        stats["cpsat_deterministic_time"] = round(outcome.deterministic_time, 3)
        if outcome.value_bound is not None:
            stats["cpsat_bound"] = inst.units(outcome.value_bound)
            upper = min(upper, outcome.value_bound)
        if (
            outcome.assignment is not None
            and is_valid(inst, outcome.assignment)
            and key(outcome.assignment) >= key(best)
        ):
            best = outcome.assignment
    best = complete(inst, best)
    if prev:
        best = _restore(inst, best, prev, seed, key)
    return _finish(inst, best, upper, solver, started, stats, previous, prev)


def _restore(inst: Instance, best: dict[int, int], prev: dict[int, int], seed: int, key):
    """Value first, then as much of the published schedule as chains can restore."""
    restored = improve(inst, best, max_rounds=0, target=0, previous=prev, seed=seed)
    return restored if is_valid(inst, restored) and key(restored) >= key(best) else best


def _finish(
    inst: Instance,
    assignment: dict[int, int],
    upper: int,
    solver: str,
    started: float,
    stats: dict,
    previous: Previous | None,
    prev: dict[int, int] | None = None,
) -> Result:
    val = value(inst, assignment)
    tables = {}
    changes = None
    if previous is not None:
        prev = prev or {}
        tables = {r: t for r, t in previous.table.items() if assignment.get(r) == previous.slot[r]}
        moved = [
            {
                "request": inst.requests[r].id,
                "from": inst.slots[s].id,
                "to": inst.slots[assignment[r]].id,
            }
            for r, s in sorted(previous.slot.items())
            if r in assignment and assignment[r] != s
        ]
        dropped = [inst.requests[r].id for r in sorted(previous.slot) if r not in assignment]
        changes = {
            "previous": len(previous.slot) + len(previous.ignored),
            "kept": sum(1 for r, s in previous.slot.items() if assignment.get(r) == s),
            "moved": moved,
            "unscheduled": dropped,
            "ignored": list(previous.ignored),
        }
    return Result(
        meetings=number_tables(inst, assignment, tables),
        unplaced=tuple(u for u in explain(inst, assignment) if u is not None),
        value=val,
        upper_bound=upper,
        status="optimal" if val == upper else "feasible",
        solver=solver,
        seconds=time.perf_counter() - started,
        stats=stats,
        changes=changes,
    )
