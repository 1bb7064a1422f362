"""Command-line entry of the scheduler, with or without Django.

    corridor schedule solve INSTANCE.json --time-limit 30 --out RESULT.json \\
        [--seed N] [--previous OLD_RESULT.json] [--method cpsat|greedy]
    corridor schedule check INSTANCE.json RESULT.json

The same from a plain Python: ``python -m corridor.scheduling.cli solve ...``.
``--seed`` makes the run deterministic (see ``cpsat``): the same files and seed
give the same result on any machine. Without it the solver uses both cores freely
(seed 0) and a rerun may differ, never in validity. Nothing is written unless the
instance (and the previous result) are valid and the solve finished; the result
is written to a temporary file beside ``--out`` and renamed into place.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from .check import check_result
from .model import REASONS, InvalidInstance, InvalidResult, parse_instance, parse_previous
from .solve import solve


class ScheduleError(ValueError):
    """A file cannot be read or used; the message says which and why."""


def read_json(path: str | os.PathLike, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ScheduleError(f"{what} {str(path)!r}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScheduleError(f"{what} {str(path)!r}: cannot be read ({e})") from None
    except json.JSONDecodeError as e:
        raise ScheduleError(f"{what} {str(path)!r}: not valid JSON ({e})") from None


def write_json(path: str | os.PathLike, data: Any) -> None:
    target = Path(path)
    if not target.parent.is_dir():
        raise ScheduleError(f"--out {str(path)!r}: folder {str(target.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".schedule-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_instance(path: str | os.PathLike):
    try:
        return parse_instance(read_json(path, "instance"))
    except InvalidInstance as e:
        raise ScheduleError(f"instance {str(path)!r} is invalid: {e}") from None


def run_solve(
    instance_path: str | os.PathLike,
    *,
    out: str | os.PathLike,
    time_limit: float,
    seed: int | None = None,
    previous_path: str | os.PathLike | None = None,
    method: str = "cpsat",
) -> tuple[dict[str, Any], list[str]]:
    """Solve a file, write the result, and return it with a summary for people."""
    if not time_limit > 0:
        raise ScheduleError(f"--time-limit must be a positive number of seconds, not {time_limit}")
    if method == "greedy" and previous_path is not None:
        raise ScheduleError("--previous needs the cp-sat method: the greedy baseline ignores it")
    instance = load_instance(instance_path)
    previous = None
    if previous_path is not None:
        try:
            previous = parse_previous(read_json(previous_path, "previous result"), instance)
        except InvalidResult as e:
            raise ScheduleError(f"previous result {str(previous_path)!r} is invalid: {e}") from None
    result = solve(
        instance,
        time_limit=time_limit,
        seed=seed or 0,
        deterministic=seed is not None,
        previous=previous,
        method=method,
    )
    data = result.to_json(instance)
    problems = check_result(instance, data)
    if problems:  # a bug in the engine: refuse to publish it
        raise RuntimeError("the schedule failed its own check: " + "; ".join(map(str, problems)))
    write_json(out, data)
    return data, summary(instance, data)


def summary(instance, data: dict[str, Any]) -> list[str]:
    total = len(instance.requests)
    lines = [
        f"placed {len(data['meetings'])} of {total} requests; value {data['value']}, "
        f"upper bound {data['upper_bound']} (gap {100 * data['gap']:.2f} %), "
        f"{data['status']}, {data['solver']}, {data['seconds']:.1f} s",
    ]
    reasons = Counter(u["reason"] for u in data["unplaced"])
    if reasons:
        lines.append("not placed: " + ", ".join(f"{reasons[r]} {r}" for r in REASONS if reasons[r]))
    changes = data.get("changes")
    if changes:
        lines.append(
            f"previous schedule: {changes['kept']} of {changes['previous']} meetings kept, "
            f"{len(changes['moved'])} moved, {len(changes['unscheduled'])} unscheduled, "
            f"{len(changes['ignored'])} gone from the instance"
        )
    return lines


def run_check(instance_path, result_path) -> list[str]:
    """Violations of a result file against an instance file (empty: valid)."""
    instance = load_instance(instance_path)
    return [str(v) for v in check_result(instance, read_json(result_path, "result"))]


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="corridor schedule")
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("solve", help="schedule the meetings of an instance file")
    p.add_argument("instance", help="instance JSON file")
    p.add_argument("--out", required=True, help="where to write the result JSON")
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    p.add_argument("--seed", type=int, default=None, help="deterministic run with this seed")
    p.add_argument("--previous", default=None, help="a published result to change minimally")
    p.add_argument("--method", choices=("cpsat", "greedy"), default="cpsat")
    c = sub.add_parser("check", help="check a result file against an instance file")
    c.add_argument("instance")
    c.add_argument("result")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.action == "solve":
            _, lines = run_solve(
                args.instance,
                out=args.out,
                time_limit=args.time_limit,
                seed=args.seed,
                previous_path=args.previous,
                method=args.method,
            )
            print("\n".join(lines))
            return 0
        problems = run_check(args.instance, args.result)
        print("\n".join(problems) if problems else "valid")
        return 1 if problems else 0
    except ScheduleError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
