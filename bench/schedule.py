"""Benchmark: the holiday rota on the sample team (~55 people + 20 candidates, 8 weeks) and a
200-person variant.

Run: ``.venv/bin/python -m bench.schedule [--time-limit 60] [--cases sample,large]
[--requirement out/requirement.csv] [--breakdown]``

For each case: solve time, objective, bound (and which: the LP relaxation, the analytic
contract-minimum bound or CP-SAT's), gap (stage 1), under-covered staff-hours, hires, and the
number of hard-rule violations the independent checker finds (must be 0). The requirement is
synthetic (a seeded double-hump intraday shape per queue, scaled so the team's contracted hours
can roughly cover it), so the benchmark does not depend on the forecast stage; ``--requirement``
uses a requirement table instead for the sample (e.g. ``out/requirement.csv`` from ``make plan``).
``--breakdown`` also prints, per case, the rota's penalty per soft goal next to what the LP
bound's optimum spends on it (where the gap lies).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from planner.rota_check import check_rota
from planner.sample import sample_scenario
from planner.scenario import Scenario, load_scenario, parse_scenario
from planner.schedule.solve import build_rota
from planner.schedule.synthetic import synthetic_requirement, team_scenario
from planner.tables import read_table

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.yaml"


def _requirement(scenario: Scenario, seed: int = 0) -> pd.DataFrame:
    """Synthetic need at ~80% of the team's weekly contracted on-queue hours."""
    probe = synthetic_requirement(scenario, 1.0, seed=seed)
    interval_h = scenario.site.interval_minutes / 60
    need_h_per_week = probe["staff_needed"].sum() * interval_h * 7 / len(scenario.horizon.days)
    supply = sum(s.contract_hours for s in scenario.staff if s.kind != "backup") * 0.85
    return synthetic_requirement(scenario, 0.8 * supply / need_h_per_week, seed=seed)


def _cases(names: list[str]) -> list[tuple[str, Scenario]]:
    out = []
    if "sample" in names:
        scenario = load_scenario(SAMPLE) if SAMPLE.is_file() else parse_scenario(sample_scenario())
        out.append(("sample", scenario))
    if "large" in names:
        data = team_scenario(200, n_backup=10, pool_size=20, days=56)
        out.append(("200 people", parse_scenario(data)))
    return out


#: Rota penalty names (rules.SOFT_GOALS, split by kind) -> the LP bound's term names.
_TERMS = {
    "under-cover": "under_cover",
    "over-cover": "over_cover",
    "hiring cost": "hire_cost",
    "refused time-off requests": "time_off_request",
    "non-preferred shifts": "shift_preference",
    "start-time changes": "start_time_change",
}


def _print_breakdown(summary: dict) -> None:
    """The rota's penalty per soft goal beside the LP optimum's (currency units)."""
    rota: dict[str, float] = {}
    for name, value in summary["penalties"].items():
        term = _TERMS.get(name, name.split(" (")[0].replace(" ", "_"))
        rota[term] = rota.get(term, 0.0) + value
    lp = summary.get("bound_parts", {})
    table = pd.DataFrame(
        [
            {"term": t, "rota": round(rota.get(t, 0.0)), "lp_bound": round(lp.get(t, 0.0))}
            for t in sorted(set(rota) | set(lp))
        ]
    )
    table["difference"] = table["rota"] - table["lp_bound"]
    print(table.to_string(index=False), flush=True)


def main() -> None:
    """Print one row per case."""
    parser = argparse.ArgumentParser(prog="bench.schedule")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--cases", default="sample,large")
    parser.add_argument("--requirement", default=None, help="requirement table for the sample")
    parser.add_argument("--breakdown", action="store_true", help="penalties vs the LP's terms")
    args = parser.parse_args()
    rows = []
    for name, scenario in _cases(args.cases.split(",")):
        if name == "sample" and args.requirement:
            requirement = read_table(Path(args.requirement), tz=scenario.site.timezone)
        else:
            requirement = _requirement(scenario)
        started = time.perf_counter()
        result = build_rota(scenario, requirement, time_limit_s=args.time_limit)
        wall = time.perf_counter() - started
        violations = check_rota(scenario, result.rota)
        s = result.summary
        rows.append(
            {
                "case": name,
                "people": s["people"],
                "candidates": s["candidates"],
                "days": s["days"],
                "method": s["method"],
                "time_s": round(wall, 1),
                "objective": s["objective"],
                "bound": s["best_bound"],
                "bound_source": s.get("bound_source", ""),
                "lp_done_s": s["elapsed_at_end_of"].get("lp_bound_s"),
                "gap": f"{s['gap']:.1%}",
                "stage2_gap": f"{s['stage2']['gap']:.1%}",
                "under_staff_h": s["under_covered_staff_h"],
                "needed_staff_h": s["needed_staff_h"],
                "hires": s["hires_used"],
                "hard_violations": len(violations),
            }
        )
        print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
        if args.breakdown:
            _print_breakdown(s)
    print()
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
