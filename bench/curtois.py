"""Benchmark: the rota solver on the Curtois & Qu shift-scheduling instances 1–8.

Run: ``.venv/bin/python -m bench.curtois [--instances 6,7,8] [--time-limit 60] [--workers 2]
[--seeds 0,1,2] [--method lns|full] [--out DIR]``

Reads ``../shared/benchmarks/curtois/`` (next to the repository; not part of it). For each
instance and seed: our objective, the best-known objective (all proven optimal), the gap to it,
the solver's lower bound and the wall time. Every roster is re-checked by the independent
``check_roster`` (hard violations must be 0 and its penalty must equal the solver's).

Target (issue 5): within 2% of best-known on 1–8 at 60 s each on 2 workers. ``--method full``
runs plain CP-SAT on the whole model, the baseline. Writes nothing unless ``--out`` is given.
The machine is shared: wall-clock limits make results depend on the load; compare over seeds.
"""

from __future__ import annotations

import argparse
import csv
import statistics
from pathlib import Path

from planner.schedule.curtois import (
    Result,
    check_roster,
    load_instance,
    solve_full,
    solve_instance,
    write_roster_csv,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "curtois"


def _best_known(folder: Path) -> dict[str, int]:
    with (folder / "best_known.csv").open(newline="", encoding="utf-8") as handle:
        return {row["instance"]: int(row["best_known_objective"]) for row in csv.DictReader(handle)}


def _columns(result: Result) -> str:
    """Column generation's account in one short cell, e.g. ``17 yes improved``."""
    account = result.columns
    if not account:
        return "-"
    state = "yes" if account["converged"] else ("too slow" if account["too_slow"] else "no")
    outcomes = ",".join(account["recombinations"]) or "-"
    return f"{account['rounds']} {state} {outcomes}"


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> None:
    """Solve the chosen instances over the chosen seeds and print one row per run."""
    parser = argparse.ArgumentParser(prog="python -m bench.curtois", description=__doc__)
    parser.add_argument("--instances", default="1,2,3,4,5,6,7,8", help="e.g. 6,7,8")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", default="0", help="comma separated, e.g. 0,1,2")
    parser.add_argument("--method", choices=["lns", "full"], default="lns")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with the instances")
    parser.add_argument("--out", type=Path, default=None, help="write each roster CSV here")
    args = parser.parse_args()

    best_known = _best_known(args.data)
    solve = solve_instance if args.method == "lns" else solve_full
    print(
        f"method {args.method}, {args.time_limit:g} s per run, {args.workers} workers, "
        f"seeds {args.seeds}"
    )
    header = f"{'instance':<10} {'seed':>4} {'objective':>9} {'best':>6} {'gap %':>7} "
    header += f"{'bound':>8} {'time s':>7}  check  columns (rounds, converged, recombined)"
    print(header)
    gaps: dict[str, list[float]] = {}
    for number in _ints(args.instances):
        name = f"Instance{number}"
        instance = load_instance(args.data / f"{name}.txt")
        for seed in _ints(args.seeds):
            result = solve(instance, time_limit=args.time_limit, workers=args.workers, seed=seed)
            violations, penalty = check_roster(instance, result.roster)
            ok = "ok" if not violations and penalty == result.objective else "FAILED"
            best = best_known[name]
            gap = 100.0 * (result.objective - best) / best
            gaps.setdefault(name, []).append(gap)
            print(
                f"{name:<10} {seed:>4} {result.objective:>9} {best:>6} {gap:>7.2f} "
                f"{result.bound:>8.0f} {result.wall_time_s:>7.1f}  {ok:<6} {_columns(result)}",
                flush=True,
            )
            if args.out is not None:
                write_roster_csv(instance, result.roster, args.out / f"{name}_seed{seed}.csv")
    print("\nper instance: mean gap % (worst) over seeds")
    for name, values in gaps.items():
        print(f"{name:<10} {statistics.mean(values):7.2f} ({max(values):.2f})")
    within = sum(1 for values in gaps.values() for g in values if g <= 2.0)
    total = sum(len(values) for values in gaps.values())
    print(f"runs within 2% of best-known: {within}/{total}")


if __name__ == "__main__":
    main()
