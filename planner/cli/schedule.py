"""`planner` commands of the schedule stage."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from planner.cli._app import app, friendly_errors
from planner.errors import PlannerError


def _progress_line(seconds: float, objective: float, bound: float) -> None:
    """One line per improving stage-1 solution."""
    gap = (objective - bound) / abs(objective) if objective else 0.0
    print(f"  {seconds:6.1f} s  objective {objective:14,.2f}  bound {bound:14,.2f}  gap {gap:6.1%}")


@app.command("schedule")
@friendly_errors
def schedule_command(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML file"),
    requirement: Path = typer.Option(
        ..., "--requirement", help="requirement table (CSV/Parquet/Excel: queue, ds, staff_needed)"
    ),
    out: Path = typer.Option(..., "--out", help="folder for rota, activity, coverage, summary"),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="seconds for the solver (default schedule.time_limit_s)"
    ),
) -> None:
    """Build the rota: writes rota.csv, activity.csv, coverage.csv, hires.csv and summary.json."""
    from planner.scenario import load_scenario
    from planner.schedule.solve import build_rota
    from planner.tables import atomic_path, read_table, write_table

    plan = load_scenario(scenario)
    if time_limit is not None and not time_limit > 0:
        raise PlannerError(f"--time-limit {time_limit:g}: must be > 0 seconds")
    req = read_table(requirement, tz=plan.site.timezone)
    print(f"scheduling {len(plan.staff)} people over {len(plan.horizon.days)} days …")
    result = build_rota(plan, req, time_limit_s=time_limit, progress=_progress_line)
    rota = result.rota.copy()
    rota["breaks"] = rota["breaks"].map(json.dumps)  # JSON text: Excel- and parser-friendly
    write_table(rota, out / "rota.csv", kind="rota")
    write_table(result.activity, out / "activity.csv", kind="activity")
    write_table(result.coverage, out / "coverage.csv", kind="coverage")
    write_table(result.hires, out / "hires.csv")
    with atomic_path(out / "summary.json") as tmp:
        tmp.write_text(json.dumps(result.summary, indent=2), encoding="utf-8")
    s = result.summary
    print(
        f"{s['status']}: cost {s['total_cost']:,.2f} {plan.site.currency}, under-covered "
        f"{s['under_covered_staff_h']:,.1f} staff-h, hires {s['hires_used']}, gap {s['gap']:.1%} "
        f"({s['solve_time_s']} s) -> {out}"
    )
    if s.get("service_level"):
        levels = ", ".join(f"{q} {v:.0%}" for q, v in s["service_level"].items())
        print(f"service level achieved: {levels}")


@app.command("check-rota")
@friendly_errors
def check_rota_command(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML file"),
    rota: Path = typer.Option(..., "--rota", help="rota table (CSV/Parquet/Excel) to check"),
) -> None:
    """Re-check every hard rule on a rota (also one edited by hand); exit 1 if any is broken."""
    from planner.rota_check import check_rota_file
    from planner.scenario import load_scenario

    plan = load_scenario(scenario)
    violations = check_rota_file(plan, rota)
    if violations.empty:
        print(f"{rota}: no violations")
        return
    for v in violations.itertuples(index=False):
        print(f"{v.employee_id}\t{v.date}\t{v.rule}\t{v.detail}\t{v.amount:g}")
    print(f"{len(violations)} violation(s)")
    raise typer.Exit(code=1)


# ---------------------------------------------------------------------------------------------
# Curtois & Qu benchmark (planner.schedule.curtois) — kept in this one block at the end.
# ---------------------------------------------------------------------------------------------


@app.command("benchmark-instance")
@friendly_errors
def benchmark_instance_command(
    file: Path = typer.Argument(..., help="Curtois & Qu instance (.txt), e.g. Instance7.txt"),
    out: Path = typer.Option(..., "--out", help="roster CSV to write: employee,day,shift"),
    time_limit: float = typer.Option(60.0, "--time-limit", help="seconds for the solver"),
    workers: int = typer.Option(2, "--workers", help="parallel solver threads"),
    seed: int = typer.Option(0, "--seed", help="random seed of the search"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress lines"),
) -> None:
    """Solve a Curtois & Qu benchmark instance; print the penalty breakdown and the bound."""
    from planner.schedule.curtois import (
        check_roster,
        load_instance,
        solve_instance,
        write_roster_csv,
    )

    if not time_limit > 0:
        raise PlannerError(f"--time-limit {time_limit:g}: must be > 0 seconds")
    if workers < 1:
        raise PlannerError(f"--workers {workers}: must be at least 1")
    instance = load_instance(file)
    print(
        f"{instance.name}: {len(instance.staff)} staff, {instance.horizon} days, "
        f"{len(instance.shifts)} shift types; solving for {time_limit:g} s on {workers} workers"
    )

    def progress(seconds: float, objective: int) -> None:
        if not quiet:
            print(f"  {seconds:6.1f} s  objective {objective:,}")

    result = solve_instance(
        instance, time_limit=time_limit, workers=workers, seed=seed, on_improve=progress
    )
    violations, penalty = check_roster(instance, result.roster)
    if violations or penalty != result.objective:
        # Never expected: the independent checker disagrees with the model.
        raise PlannerError(
            f"{file}: internal check failed ({len(violations)} hard violations, e.g. "
            f"{violations[:1]}; checker penalty {penalty} vs solver {result.objective})"
        )
    write_roster_csv(instance, result.roster, out)
    b = result.breakdown
    print(
        f"objective {result.objective} = cover under {b['cover_under']} + cover over "
        f"{b['cover_over']} + on-requests {b['on_requests']} + off-requests {b['off_requests']}"
    )
    status = "optimal" if result.optimal else f"gap {result.gap:.2%}"
    print(f"bound {result.bound:g} ({status}), {result.wall_time_s:.1f} s; roster -> {out}")
