"""The meeting-slot scheduling engine (plain Python, no Django import).

Accepted meeting requests of a B2B exchange event go into time slots so that
nobody is double-booked, availability and caps hold, each slot has enough
tables, and the priority-weighted number of meetings is as large as possible.

- ``model``: the instance and result dataclasses; parsing and validation of the
  JSON instance (``InvalidInstance`` names the offending item).
- ``greedy``: first-come-first-served baseline and the priority greedy used as a
  warm start.
- ``bounds``: a proved upper bound from the linear-programming relaxation.
- ``improve``: local search (ejection chains, swaps, kicks) between the two.
- ``cpsat``: the CP-SAT model, warm-started, with a minimal-change objective.
- ``solve``: the pipeline of all the above within a time limit.
- ``explain``: why an accepted request could not be placed.
- ``check``: an independent validator of a result against an instance.
- ``generate``: seeded synthetic instances for benchmarks and tests.
- ``cli``: ``corridor schedule solve``.
"""

from .model import (
    Instance,
    InvalidInstance,
    InvalidResult,
    Meeting,
    Result,
    Unplaced,
    parse_instance,
    parse_previous,
)
from .solve import solve

__all__ = [
    "Instance",
    "InvalidInstance",
    "InvalidResult",
    "Meeting",
    "Result",
    "Unplaced",
    "parse_instance",
    "parse_previous",
    "solve",
]
