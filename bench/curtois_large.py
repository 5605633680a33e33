"""Benchmark: the Curtois & Qu solver on synthetic instances the size of the published 9–24.

Run: ``.venv/bin/python -m bench.curtois_large [--sizes 100x182x8:3,150x364x32:0]
[--time-limit 60] [--workers 2]``

The published instances 9–24 (up to 150 staff × 364 days × 32 shift types) are not in
``../shared/``, so this writes seeded instances of the same format and size
(``STAFFxDAYSxSHIFTS:SEED``): shift types spread over the day, 7–10 h long, with the 11 h rest
as the banned successions; each employee may work a random subset of the types, about 4–5
shifts a week in minutes, runs of 5–6 days, a capped number of weekends, a day off a fortnight
and a request on and off a fortnight; cover about what the staff can give. For each: the
objective, the wall time, the peak memory of this process so far, and the independent
``check_roster`` (must be ``ok``). Some seeds give an employee whose own rules admit no row:
the solver then says so and the row reads ``infeasible``.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from planner.errors import InfeasibleError, PlannerError
from planner.schedule.curtois import check_roster, load_instance, solve_instance


def synthetic_instance(staff: int, days: int, shift_types: int, seed: int) -> str:
    """The text of a seeded instance in the benchmark's format (see the module docstring)."""
    rng = random.Random(seed)
    shifts = []
    for i in range(shift_types):
        start = 6 * 60 + (i * 16 * 60) // shift_types
        shifts.append((f"S{i}", rng.choice([420, 480, 540, 600]), start))
    lines = ["SECTION_HORIZON", str(days), "", "SECTION_SHIFTS"]
    for name, length, start in shifts:
        banned = [n2 for n2, _, s2 in shifts if s2 + 24 * 60 - (start + length) < 11 * 60]
        lines.append(f"{name},{length},{'|'.join(banned)}")
    lines += ["", "SECTION_STAFF"]
    weeks = days // 7
    for e in range(staff):
        caps = "|".join(f"{n}={rng.choice([0, days, days // 4])}" for n, _, _ in shifts)
        most, least = weeks * 5 * 480 + 480, weeks * 4 * 480
        run, run_min = rng.choice([5, 6]), rng.choice([1, 2])
        off_min, weekends = rng.choice([1, 2]), rng.choice([weeks // 2, weeks // 3 + 1])
        lines.append(f"E{e},{caps},{most},{least},{run},{run_min},{off_min},{weekends}")
    lines += ["", "SECTION_DAYS_OFF"]
    for e in range(staff):
        off = sorted(rng.sample(range(days), max(1, days // 14)))
        lines.append(f"E{e}," + ",".join(str(d) for d in off))
    for section in ("SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS"):
        lines += ["", section]
        for e in range(staff):
            for _ in range(days // 14):
                day, shift = rng.randrange(days), rng.choice(shifts)[0]
                lines.append(f"E{e},{day},{shift},{rng.randint(1, 3)}")
    lines += ["", "SECTION_COVER"]
    per_shift = staff * 4.5 / 7 / shift_types
    for d in range(days):
        for name, _, _ in shifts:
            need = max(0, round(rng.gauss(per_shift, per_shift / 3)))
            lines.append(f"{d},{name},{need},100,1")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write each synthetic instance, solve it, re-check the roster and print one row."""
    parser = argparse.ArgumentParser(prog="python -m bench.curtois_large", description=__doc__)
    parser.add_argument("--sizes", default="100x182x8:3,150x364x32:0")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sizes = []
    for size in args.sizes.split(","):
        dims, _, seed = size.partition(":")
        try:
            staff, days, types = (int(x) for x in dims.split("x"))
            sizes.append((size, staff, days, types, int(seed or 0)))
        except ValueError:
            parser.error(f"--sizes: '{size}' is not STAFFxDAYSxSHIFTS[:SEED], e.g. 150x364x32:0")
        if days % 7 or min(staff, days, types) <= 0:
            parser.error(f"--sizes: '{size}' needs positive sizes and days a multiple of 7")
    print(f"{args.time_limit:g} s per run, {args.workers} workers")
    print(f"{'instance':<16} {'objective':>10} {'time s':>7} {'peak MB':>8}  check")
    with tempfile.TemporaryDirectory() as folder:
        for size, staff, days, types, seed in sizes:
            path = Path(folder) / f"{staff}x{days}x{types}_{seed}.txt"
            path.write_text(synthetic_instance(staff, days, types, seed))
            instance = load_instance(path)
            started = time.monotonic()
            try:
                result = solve_instance(instance, time_limit=args.time_limit, workers=args.workers)
            except (InfeasibleError, PlannerError) as exc:
                kind = "infeasible" if isinstance(exc, InfeasibleError) else "no roster"
                wall = time.monotonic() - started
                print(f"{size:<16} {'-':>10} {wall:>7.1f} {_peak_mb():>8.0f}  {kind}")
                continue
            violations, penalty = check_roster(instance, result.roster)
            ok = "ok" if not violations and penalty == result.objective else "FAILED"
            print(
                f"{size:<16} {result.objective:>10} {result.wall_time_s:>7.1f} "
                f"{_peak_mb():>8.0f}  {ok}",
                flush=True,
            )


def _peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
