"""`planner plan`: run every stage on a scenario and write all tables, exports and the summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from planner.cli._app import app, friendly_errors


def _print_event(event: object) -> None:
    """One line per stage: ``[ 12.3 s] forecast ......... done in 4.2 s``."""
    from planner.pipeline import StageEvent

    assert isinstance(event, StageEvent)
    elapsed = time.perf_counter() - _print_event.started  # type: ignore[attr-defined]
    label = f"[{elapsed:6.1f} s] {event.stage:<12}"
    if event.status == "start":
        print(f"{label} running ...", flush=True)
    elif event.status == "done":
        extra = f" ({event.message})" if event.message else ""
        print(f"{label} done in {event.seconds:.1f} s{extra}", flush=True)
    elif event.status == "skipped":
        print(f"{label} skipped: {event.message}", flush=True)


class _SolverLines:
    """Live solver progress, at most one line every ``every_s`` seconds (plus the first)."""

    def __init__(self, every_s: float = 2.0) -> None:
        self.every_s = every_s
        self.last = -every_s

    def __call__(self, seconds: float, objective: float, bound: float) -> None:
        if seconds - self.last < self.every_s:
            return
        self.last = seconds
        gap = abs(objective - bound) / max(abs(objective), 1e-9)
        print(
            f"{'':10}   schedule     {seconds:6.1f} s: best rota {objective:,.0f}, "
            f"bound {bound:,.0f} (gap {gap:.1%})",
            flush=True,
        )


@app.command("plan")
@friendly_errors
def plan(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML file"),
    out: Path = typer.Option(Path("out"), "--out", help="output folder"),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="rota solver time limit, seconds (default: the scenario's)"
    ),
    no_hiring: bool = typer.Option(False, "--no-hiring", help="skip the hiring stage"),
    quiet_solver: bool = typer.Option(
        False, "--quiet-solver", help="do not print the solver's intermediate solutions"
    ),
) -> None:
    """Run the whole plan: history, forecast, requirement, rota, risk, hiring, exports."""
    from planner.pipeline import run_plan
    from planner.scenario import load_scenario

    settings = load_scenario(scenario)
    _print_event.started = time.perf_counter()  # type: ignore[attr-defined]
    print(f"plan '{settings.name}' -> {out}/", flush=True)
    result = run_plan(
        settings,
        out,
        time_limit_s=time_limit,
        hiring=not no_hiring,
        progress=_print_event,
        solver_progress=None if quiet_solver else _SolverLines(),
    )
    s = result.summary
    print(
        f"total cost {s.currency} {s.total_cost:,.0f} · paid hours {s.paid_hours:,.0f} · "
        f"under-cover {s.under_cover_hours:,.1f} staff-h · hires {s.hires}"
    )
    for queue, level in s.service_level.items():
        print(f"  service level {queue}: {level:.1%}")
    for warning in s.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    missing = [k for k, v in result.stages.items() if v == "not available"]
    if missing:
        print(f"stages not available yet: {', '.join(missing)}", file=sys.stderr)
    print(f"wrote {len(result.files)} files to {out}/ (open {out}/summary.html)")
