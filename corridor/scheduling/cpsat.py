"""The CP-SAT model of the meeting schedule.

One Boolean x[r,s] per request r and slot s that both of r's participants are
available in (no variable for any other pair, so availability and breaks hold by
construction):

- each request at most once: AddAtMostOne over its slots;
- nobody double-booked: AddAtMostOne over a participant's requests in a slot;
- caps: sum of a participant's x <= max_meetings (only where it can bind);
- tables: sum of a slot's x <= its tables (only where it can bind);
- locked meetings: x[r,s] = 1.

The value V = sum weight[r] * x[r,s] (weights are the integer-scaled priorities,
see ``model``) is kept between the warm start's value (a lower bound: the search
never has to rediscover it) and the LP bound of ``bounds`` (so CP-SAT stops as soon
as a schedule reaches it, which its own bound rarely proves on large instances).
The warm start is also given as a complete hint.

Minimal change: with a previous schedule, the objective is W * V + kept, where
kept counts previous meetings left in their previous slot and W = K + 1 with K
the number of previous meetings that could be kept. As kept <= K < W, one more
unit of value outweighs any number of moves: it is the lexicographic order
(value first, then fewest moves) in one solve, which under a time limit is safer
than two solves (the second would get whatever time the first left).

Determinism: CP-SAT's parallel portfolio (2 workers, one per core) is not
reproducible run to run, as workers share solutions by wall-clock timing. With
``deterministic=True`` the search is interleaved (``interleave_search``: the
workers' steps run in a fixed order) and stopped on deterministic time
(``max_deterministic_time``, CP-SAT's count of work done) set to the time limit,
so the same instance and seed give the same schedule on any machine — as long as
that count runs out, or the search ends, before the wall clock does. The wall
clock still stops the search at the time limit: one unit of deterministic time
took 1-5 s of wall time on the 6,000-request benchmark on a loaded machine, and
there the result, valid and never below the local search's, may differ between
runs. ``stats["cpsat_deterministic_time"]`` tells which limit was hit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .model import Instance


@dataclass
class CpSatOutcome:
    assignment: dict[int, int] | None  # None when CP-SAT found nothing in time
    status: str  # CP-SAT's status name
    value_bound: int | None  # proved bound on the value (scaled), when CP-SAT has one
    seconds: float
    variables: int
    branches: int = 0
    deterministic_time: float = 0.0


def solve_cpsat(
    instance: Instance,
    *,
    time_limit: float,
    hint: dict[int, int],
    lower: int,
    upper: int | None = None,
    previous: dict[int, int] | None = None,
    seed: int = 0,
    deterministic: bool = False,
    workers: int = 2,
) -> CpSatOutcome:
    """Solve within ``time_limit`` seconds; see the module doc for the model."""
    from ortools.sat.python import cp_model

    started = time.perf_counter()
    inst = instance
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_person_slot: dict[tuple[int, int], list] = {}
    by_person: dict[int, list] = {}
    by_slot: dict[int, list] = {}
    terms_v, weights = [], []
    for r, req in enumerate(inst.requests):
        own = []
        for s in inst.common[r]:
            var = model.NewBoolVar(f"x{r}_{s}")
            x[r, s] = var
            own.append(var)
            by_person_slot.setdefault((req.a, s), []).append(var)
            by_person_slot.setdefault((req.b, s), []).append(var)
            by_slot.setdefault(s, []).append(var)
            if req.weight:
                terms_v.append(var)
                weights.append(req.weight)
        if len(own) > 1:
            model.AddAtMostOne(own)
        by_person.setdefault(req.a, []).extend(own)
        by_person.setdefault(req.b, []).extend(own)
    for group in by_person_slot.values():
        if len(group) > 1:
            model.AddAtMostOne(group)
    person_slots: dict[int, int] = {}
    for p, _ in by_person_slot:
        person_slots[p] = person_slots.get(p, 0) + 1
    for p, group in by_person.items():
        # Below the number of slots the participant could meet in, or it cannot bind.
        if inst.caps[p] < person_slots.get(p, 0):
            model.Add(sum(group) <= inst.caps[p])
    for s, group in by_slot.items():
        if inst.tables[s] < len(group):
            model.Add(sum(group) <= inst.tables[s])
    for r, s in inst.locked:
        model.Add(x[r, s] == 1)

    value = cp_model.LinearExpr.WeightedSum(terms_v, weights)
    model.Add(value >= lower)
    if upper is not None:
        model.Add(value <= upper)
    big = 1
    if previous:
        keep = [x[r, s] for r, s in previous.items() if (r, s) in x]
        big = len(keep) + 1
        model.Maximize(big * value + sum(keep))
    else:
        model.Maximize(value)
    for (r, s), var in x.items():
        model.AddHint(var, hint.get(r) == s)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.random_seed = seed
    params.num_workers = workers
    params.log_search_progress = False
    remaining = max(0.05, time_limit - (time.perf_counter() - started))
    if deterministic:
        params.interleave_search = True
        params.max_deterministic_time = remaining
        # The time limit is a promise to the caller: the wall clock still applies.
        params.max_time_in_seconds = remaining
    else:
        params.max_time_in_seconds = remaining
    code = solver.Solve(model)
    status = solver.StatusName(code)
    assignment = None
    bound = None
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignment = {r: s for (r, s), var in x.items() if solver.BooleanValue(var)}
        bound = int(solver.BestObjectiveBound() + 1e-6) // big
    elif code == cp_model.MODEL_INVALID:  # a bug here, never the instance's fault
        raise RuntimeError(f"CP-SAT rejected the model: {model.Validate()}")
    return CpSatOutcome(
        assignment=assignment,
        status=status,
        value_bound=bound,
        seconds=time.perf_counter() - started,
        variables=len(x),
        branches=solver.NumBranches(),
        deterministic_time=solver.response_proto.deterministic_time,
    )
