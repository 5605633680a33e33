"""`planner` commands of the hiring stage."""

from __future__ import annotations

from pathlib import Path

import typer

from planner.cli._app import app, friendly_errors
from planner.errors import PlannerError


def _counts(text: str | None) -> list[int] | None:
    """Parse ``--counts 0,2,4`` (None when not given)."""
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise PlannerError(
            f"--counts: '{text}' is not a comma-separated list of whole numbers, e.g. 0,2,4,6"
        ) from None


def _read_requirement(path: Path, tz: str):
    """A requirement table: hiring needs ``queue, ds, staff_needed`` (uses more if there)."""
    from planner.errors import DataError
    from planner.tables import read_table

    table = read_table(path, tz=tz)
    missing = [c for c in ("queue", "ds", "staff_needed") if c not in table.columns]
    if missing:
        raise DataError(
            f"{path}: the requirement table has no column '{missing[0]}' (needs queue, ds, "
            "staff_needed; contacts and aht_s add the service-level estimate)"
        )
    return table


@app.command("hire")
@friendly_errors
def hire_command(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML file"),
    requirement: Path | None = typer.Option(
        None,
        "--requirement",
        help="requirement table; default: forecast the scenario's history and build it",
    ),
    requirement_upper: Path | None = typer.Option(
        None,
        "--requirement-upper",
        help="requirement at the forecast's upper quantile (sensitivity case)",
    ),
    out: Path = typer.Option(Path("out/hiring"), "--out", help="folder for the hiring outputs"),
    counts: str | None = typer.Option(
        None, "--counts", help="hire counts to compare, e.g. 0,2,4,6 (default 0..pool step 2)"
    ),
    seed: int = typer.Option(0, "--seed", help="seed of the scheduler verification"),
    verify: bool = typer.Option(
        False, "--verify/--no-verify", help="re-plan the top counts with the CP-SAT scheduler"
    ),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="seconds per verification rota"
    ),
) -> None:
    """How many seasonal hires, on which contracts, from when — with the trade-off and sensitivity.

    Writes tradeoff.csv, options.csv, sensitivity.csv, weekly.csv, summary.txt and tradeoff.html
    into --out.
    """
    from planner.hiring import hiring_plan, upper_quantile_requirement
    from planner.plots import hiring_tradeoff_figure
    from planner.scenario import load_scenario
    from planner.tables import atomic_path, write_table

    scen = load_scenario(scenario)
    tz = scen.site.timezone
    chosen = _counts(counts)
    upper = _read_requirement(requirement_upper, tz) if requirement_upper else None
    if requirement is not None:
        req = _read_requirement(requirement, tz)
    else:
        from planner.forecast import forecast_volume
        from planner.history import load_scenario_history
        from planner.requirement import required_staff

        print("no --requirement: forecasting the history and building the requirement ...")
        loaded = load_scenario_history(scen)
        forecast = forecast_volume(loaded.history, scen).forecast
        req = required_staff(forecast, scen)
        if upper is None:
            upper = upper_quantile_requirement(forecast, scen)
    plan = hiring_plan(
        scen,
        req,
        counts=chosen,
        seed=seed,
        requirement_upper=upper,
        verify_with_scheduler=verify,
        time_limit_s=time_limit,
        progress=lambda line: print(f"  {line}", flush=True),
    )
    out.mkdir(parents=True, exist_ok=True)
    write_table(plan.tradeoff, out / "tradeoff.csv")
    write_table(plan.options, out / "options.csv")
    write_table(plan.sensitivity, out / "sensitivity.csv")
    write_table(plan.weekly, out / "weekly.csv")
    lines = plan.summary()
    with atomic_path(out / "summary.txt") as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with atomic_path(out / "tradeoff.html") as tmp:
        hiring_tradeoff_figure(plan.tradeoff).write_html(tmp, include_plotlyjs="cdn")
    print()
    for line in lines:
        print(line)
    print(
        f"\nwrote {out}/ (tradeoff.csv, sensitivity.csv, summary.txt, tradeoff.html) in "
        f"{plan.seconds:.1f} s"
    )
