"""Benchmark: how long `planner hire` takes on the bundled sample, and what it answers.

Run: ``.venv/bin/python -m bench.hiring [--repeat N] [--counts 0,2,4,...] [--verify]``

The requirement comes from the forecast and requirement stages (Prophet on the sample history,
then ``planner.requirement.required_staff``; the upper case from ``yhat_upper``); with
``--stand-in`` or when those stages are missing (clearly labelled in the output) from a
**stand-in**: the sample history's same season one year earlier (shifted 364 days so weekdays
line up), scaled by ``--scale``, turned into agents with Erlang C/A from ``planner.erlang`` and
grossed up by the scenario's shrinkage. The stand-in's upper case is the same volume × 1.15.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from planner.erlang import agents_for_target
from planner.hiring import hiring_plan
from planner.scenario import Scenario, load_scenario
from planner.tables import read_table

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "scenario.yaml"


def stand_in_requirement(scenario: Scenario, scale: float = 1.0) -> pd.DataFrame:
    """A requirement from last year's history over the horizon's dates (see module docstring)."""
    tz = scenario.site.timezone
    history = read_table(scenario.history_path(), "history", tz=tz)
    shift = dt.timedelta(days=364)
    start, end = scenario.horizon.start - shift, scenario.horizon.end - shift
    dates = history["ds"].dt.date
    past = history[(dates >= start) & (dates <= end)].copy()
    # move one year forward on the wall clock (DST dates differ between years)
    wall = past["ds"].dt.tz_localize(None) + pd.Timedelta(days=364)
    past["ds"] = wall.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    past = past.drop_duplicates(["queue", "ds"])
    queues = {q.name: q for q in scenario.queues}
    interval_s = scenario.site.interval_minutes * 60
    aht = past["aht_s"].fillna(past["queue"].map({n: q.aht_s for n, q in queues.items()}))
    contacts = past["y"].astype(float) * scale
    conc = past["queue"].map({n: q.concurrency for n, q in queues.items()}).astype(float)
    traffic = contacts * aht / interval_s / conc
    target_s = past["queue"].map(
        {
            n: (q.response_within_h * 3600 if q.channel == "email" else q.answer_within_s)
            for n, q in queues.items()
        }
    )
    sl = past["queue"].map({n: q.service_level for n, q in queues.items()})
    patience = past["queue"].map(
        {n: (q.patience_s if q.patience_s else np.nan) for n, q in queues.items()}
    )
    occ_cap = scenario.requirement.max_occupancy
    agents = agents_for_target(
        traffic.to_numpy(),
        aht.to_numpy(),
        sl.to_numpy(),
        target_s.to_numpy(float),
        patience.to_numpy(float),
        occ_cap,
    )
    shrink = scenario.requirement.shrinkage.total
    out = pd.DataFrame(
        {
            "queue": past["queue"].to_numpy(),
            "ds": past["ds"].to_numpy(),
            "contacts": contacts.to_numpy(),
            "aht_s": aht.to_numpy(),
            "agents_needed": agents,
            "service_level": sl.to_numpy(),
            "asa_s": np.nan,
            "occupancy": np.where(agents > 0, traffic / np.where(agents > 0, agents, 1), 0.0),
            "staff_needed": agents / (1 - shrink),
        }
    )
    out["ds"] = pd.to_datetime(out["ds"]).dt.tz_convert(tz)
    return out


def pipeline_requirement(scenario: Scenario) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Requirement and upper-quantile requirement from the real forecast + requirement stages."""
    from planner.forecast import forecast_volume
    from planner.hiring import upper_quantile_requirement
    from planner.history import load_scenario_history
    from planner.requirement import required_staff

    loaded = load_scenario_history(scenario)
    forecast = forecast_volume(loaded.history, scenario).forecast
    return (
        required_staff(forecast, scenario),
        upper_quantile_requirement(forecast, scenario),
        "requirement from the forecast and requirement stages (upper case from yhat_upper)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(SAMPLE))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--counts", default=None, help="e.g. 0,2,4,6,8")
    parser.add_argument("--scale", type=float, default=1.0, help="stand-in volume scale")
    parser.add_argument("--verify", action="store_true", help="also verify with the scheduler")
    parser.add_argument(
        "--stand-in", action="store_true", help="skip the forecast: use the stand-in requirement"
    )
    parser.add_argument(
        "--cli",
        action="store_true",
        help="also time one whole `planner hire` command (forecast + requirement + plan + files)",
    )
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    t0 = time.perf_counter()
    try:
        if args.stand_in:
            raise ImportError("--stand-in")
        requirement, upper, source = pipeline_requirement(scenario)
    except ImportError:
        requirement = stand_in_requirement(scenario, args.scale)
        upper = stand_in_requirement(scenario, args.scale * 1.15)
        source = (
            f"STAND-IN requirement: history {scenario.horizon.start.year - 1} season +364 "
            f"days, ×{args.scale:g}, Erlang from planner.erlang (upper case ×1.15)"
        )
    prep_s = time.perf_counter() - t0
    counts = [int(c) for c in args.counts.split(",")] if args.counts else None
    times, plans = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        plan = hiring_plan(
            scenario,
            requirement,
            counts=counts,
            requirement_upper=upper,
            verify_with_scheduler=args.verify,
        )
        times.append(time.perf_counter() - t)
        plans.append(plan)
    plan = plans[-1]
    same = all(p.tradeoff.equals(plans[0].tradeoff) for p in plans)
    print(f"scenario: {args.scenario}")
    print(source)
    print(f"requirement rows: {len(requirement)}, built in {prep_s:.1f} s (not timed below)")
    print()
    print("| run | seconds |")
    print("| --- | --- |")
    for i, s in enumerate(times):
        print(f"| {i + 1} | {s:.1f} |")
    print(f"| median | {statistics.median(times):.1f} |")
    print(f"\nsame answer on every run: {same}")
    cols = [
        "hires",
        "contract_mix",
        "floor_date",
        "total_cost",
        "under_cover_h",
        "under_cover_share",
        "service_level",
        "worst_queue",
        "peak_week_overtime_share",
        "meets_target",
        "cheapest",
        "knee",
    ]
    cols += [c for c in plan.tradeoff.columns if c.startswith("sched_")]
    print()
    print(plan.tradeoff[cols].to_string(index=False))
    print()
    print(plan.sensitivity.to_string(index=False))
    print()
    for line in plan.summary():
        print(line)
    if args.cli:
        import tempfile

        from typer.testing import CliRunner

        from planner.cli import app

        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            result = CliRunner().invoke(
                app, ["hire", "--scenario", args.scenario, "--out", tmp], catch_exceptions=False
            )
            seconds = time.perf_counter() - t
        print(
            f"\n`planner hire --scenario {args.scenario}` (end to end, exit {result.exit_code}): "
            f"{seconds:.1f} s"
        )


if __name__ == "__main__":
    main()
