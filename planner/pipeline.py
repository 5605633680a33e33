"""The whole plan in one call: every stage in order, every table and export written.

    history -> forecast -> requirement -> schedule -> risk -> hiring -> exports + summary

:func:`run_plan` is what ``planner plan`` and ``make plan`` run. Each stage is the stage module's
own public function (this module adds no planning logic): it only orders the calls, times them,
reports progress, and writes the outputs into one folder:

=====================  =====================================================================
``history_clean.csv.gz``  the cleaned ``history`` table
``forecast.csv``          the ``forecast`` table (per interval)
``requirement.csv``       the ``requirement`` table
``rota.csv``              the ``rota`` table (breaks as JSON lists)
``activity.csv``          the ``activity`` table
``coverage.csv``          the ``coverage`` table
``risk.csv``              the ``risk`` table (one row per person)
``hiring.csv``            the hiring plan's options / hires
``rota.xlsx``             the rota workbook (a sheet per week, coverage, summary)
``calendars/<id>.ics``    one iCalendar file per person
``summary.html``          the one-page plan summary to forward
``summary.json``          the same numbers, machine-readable
=====================  =====================================================================

A stage whose module is not installed yet is reported as ``not available`` and the stages after
it run on what exists (a plan without a rota still gets its forecast and requirement written).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import ScenarioError
from planner.exports import (
    PlanSummary,
    plan_summary,
    write_calendars,
    write_rota_csv,
    write_rota_excel,
    write_summary_html,
    write_summary_json,
)
from planner.scenario import Scenario
from planner.tables import write_table

__all__ = [
    "STAGES",
    "HumaneComparison",
    "PlanResult",
    "StageEvent",
    "cheapest_vs_humane",
    "hire_lines",
    "run_plan",
    "service_by_queue",
    "stage_available",
    "summarize",
    "write_outputs",
]

#: Pipeline stages in order, with the module that implements each.
STAGES: dict[str, str] = {
    "history": "planner.history",
    "forecast": "planner.forecast",
    "requirement": "planner.requirement",
    "schedule": "planner.schedule.solve",
    "risk": "planner.risk",
    "hiring": "planner.hiring",
    "exports": "planner.exports",
}

#: Public function of each stage (module attribute) that must exist for it to be "available".
_ENTRY: dict[str, str] = {
    "history": "load_scenario_history",
    "forecast": "forecast_volume",
    "requirement": "required_staff",
    "schedule": "build_rota",
    "risk": "burnout_risk",
    "hiring": "hiring_plan",
    "exports": "write_rota_excel",
}

#: The stage each stage needs the output of.
_NEEDS: dict[str, str] = {
    "forecast": "history",
    "requirement": "forecast",
    "schedule": "requirement",
    "risk": "schedule",
    "hiring": "requirement",
}


def stage_available(stage: str) -> bool:
    """True when the stage's module is installed and has its public entry point."""
    module = STAGES[stage]
    try:
        if importlib.util.find_spec(module) is None:
            return False
    except ModuleNotFoundError:
        return False
    return hasattr(importlib.import_module(module), _ENTRY[stage])


@dataclasses.dataclass
class StageEvent:
    """One progress report: a stage started, finished, was skipped, or the solver moved on."""

    stage: str
    status: str  # "start", "done", "skipped", "solver"
    seconds: float = 0.0
    message: str = ""


@dataclasses.dataclass
class PlanResult:
    """Everything :func:`run_plan` produced.

    Attributes:
        scenario: the settings used.
        tables: table name -> DataFrame (``history``, ``forecast``, ``requirement``, ``rota``,
            ``activity``, ``coverage``, ``risk``, ``risk_weekly``, ``hiring``, ``surge``, ...).
        results: stage name -> the stage's own result object (``LoadedHistory``,
            ``ForecastResult``, ``RotaResult``, ``RiskResult``, ``HiringPlan``).
        summary: the headline numbers.
        stages: stage name -> status line (``"ok 2.1 s"`` or ``"not available"``).
        files: output name -> path written.
    """

    scenario: Scenario
    tables: dict[str, pd.DataFrame]
    results: dict[str, Any]
    summary: PlanSummary
    stages: dict[str, str]
    files: dict[str, Path]


ProgressFn = Callable[[StageEvent], None]


def _noop(_: StageEvent) -> None:
    return None


def hire_lines(hires: Any) -> list[str]:
    """Plain one-line descriptions of hires from a hiring/rota result's hires table or list."""
    if hires is None:
        return []
    if isinstance(hires, pd.DataFrame):
        if hires.empty:
            return []
        lines = []
        for row in hires.to_dict("records"):
            lines.append(", ".join(f"{k} {v}" for k, v in row.items() if pd.notna(v)))
        return lines
    return [str(h) for h in hires]


def service_by_queue(
    requirement: pd.DataFrame | None, coverage: pd.DataFrame | None, scenario: Scenario
) -> dict[str, float] | None:
    """Contact-weighted achieved service level per queue (the requirement stage's own measure).

    None when the requirement stage or either table is missing.
    """
    if requirement is None or coverage is None or coverage.empty:
        return None
    if not stage_available("requirement"):
        return None
    from planner.requirement import achieved_service, service_summary

    table = service_summary(achieved_service(requirement, coverage, scenario), scenario)
    return {
        str(q): float(v)
        for q, v in zip(table["queue"], table["service_level"], strict=True)
        if pd.notna(v)
    }


def summarize(
    scenario: Scenario,
    tables: dict[str, pd.DataFrame],
    results: dict[str, Any],
    stages: dict[str, str] | None = None,
) -> PlanSummary:
    """The plan summary from whatever tables and stage results exist (used by CLI and app)."""
    forecast = results.get("forecast")
    surge_lines: list[str] = []
    surge = tables.get("surge")
    if surge is not None and not surge.empty:
        surge_lines = _surge_lines(surge)
    warnings = list(getattr(forecast, "warnings", []) or [])
    schedule = results.get("schedule")
    if schedule is not None:
        status = getattr(schedule, "status", "")
        if status and str(status).lower() not in ("optimal", "feasible", "ok"):
            warnings.append(f"Rota solver status: {status}")
    hiring = results.get("hiring")
    hires = hire_lines(tables.get("hires"))  # the hires the rota actually uses
    advice: list[str] = []
    if hiring is not None and callable(getattr(hiring, "summary", None)):
        advice = [f"Hiring plan: {line}" for line in hiring.summary()]
    coverage = tables.get("coverage")
    summary = plan_summary(
        scenario,
        rota=tables.get("rota"),
        coverage=coverage,
        risk=tables.get("risk"),
        service_level=service_by_queue(tables.get("requirement"), coverage, scenario),
        hires=hires,
        surge=surge_lines,
        warnings=warnings,
        stages=stages,
    )
    summary.hire_details += advice
    if schedule is not None:
        solved = getattr(schedule, "summary", {}) or {}
        keys = ("status", "objective", "best_bound", "gap", "bound_source", "solve_time_s")
        summary.solver = {k: solved[k] for k in keys if solved.get(k) is not None}
    return summary


def _surge_lines(surge: pd.DataFrame) -> list[str]:
    """Plain sentences from the forecast's surge table (the all-queue ``total`` row first)."""
    lines = []
    rows = surge.to_dict("records")
    rows.sort(key=lambda r: r.get("queue") != "total")
    for row in rows[:1]:
        parts = []
        if row.get("peak_day") is not None:
            parts.append(
                f"peak day {row['peak_day']} ({row.get('peak_day_volume', 0):,.0f} contacts)"
            )
        if row.get("peak_week_start") is not None:
            parts.append(
                f"peak week from {row['peak_week_start']} "
                f"({row.get('peak_week_volume', 0):,.0f} contacts)"
            )
        uplift = row.get("season_uplift")
        if uplift is not None and pd.notna(uplift):
            parts.append(f"season {uplift:+.0%} vs the pre-season baseline")
        if parts:
            lines.append("All queues: " + "; ".join(parts) + ".")
        for key in ("uplift_source", "past_uplifts", "top_holiday_effects", "note"):
            value = row.get(key)
            if isinstance(value, str) and value:
                lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    return lines


def write_outputs(
    out_dir: str | Path,
    scenario: Scenario,
    tables: dict[str, pd.DataFrame],
    summary: PlanSummary,
) -> dict[str, Path]:
    """Write every table that exists and every export into ``out_dir`` (atomically, per file)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    plain = {
        "history": ("history_clean.csv.gz", "history"),
        "forecast": ("forecast.csv", "forecast"),
        "requirement": ("requirement.csv", "requirement"),
        "activity": ("activity.csv", "activity"),
        "coverage": ("coverage.csv", "coverage"),
        "risk": ("risk.csv", "risk"),
        "risk_weekly": ("risk_weekly.csv", None),
        "hiring": ("hiring.csv", None),
        "surge": ("surge.csv", None),
    }
    for name, (filename, kind) in plain.items():
        df = tables.get(name)
        if df is not None:
            files[name] = write_table(df, out / filename, kind=kind)
    rota = tables.get("rota")
    if rota is not None:
        files["rota"] = write_rota_csv(rota, out / "rota.csv")
        files["rota.xlsx"] = write_rota_excel(
            rota, scenario, out / "rota.xlsx", coverage=tables.get("coverage"), summary=summary
        )
        for path in write_calendars(rota, scenario, out / "calendars"):
            files[f"calendars/{path.name}"] = path
    files["summary.html"] = write_summary_html(summary, out / "summary.html")
    files["summary.json"] = write_summary_json(summary, out / "summary.json")
    return files


def run_plan(
    scenario: Scenario,
    out_dir: str | Path | None,
    *,
    time_limit_s: float | None = None,
    hiring: bool = True,
    progress: ProgressFn | None = None,
    solver_progress: Callable[..., Any] | None = None,
) -> PlanResult:
    """Run every available stage on ``scenario`` and write all outputs into ``out_dir``.

    Args:
        scenario: the plan's settings.
        out_dir: output folder (created); None to compute without writing.
        time_limit_s: rota solver time limit in seconds (default ``schedule.time_limit_s``).
        hiring: also size seasonal hiring (the slowest optional stage).
        progress: called with a :class:`StageEvent` when a stage starts, ends or is skipped.
        solver_progress: passed to the scheduler as its ``progress`` callback (live solutions).

    Raises:
        PlannerError: from the stage at fault (bad file, bad setting, infeasible rules).
    """
    report = progress or _noop
    tables: dict[str, pd.DataFrame] = {}
    results: dict[str, Any] = {}
    stages: dict[str, str] = {}

    def run(stage: str, func: Callable[[], Any]) -> Any:
        if not stage_available(stage):
            stages[stage] = "not available"
            report(StageEvent(stage, "skipped", message="stage not available"))
            return None
        report(StageEvent(stage, "start"))
        began = time.perf_counter()
        value = func()
        seconds = time.perf_counter() - began
        stages[stage] = f"ok {seconds:.1f} s"
        report(StageEvent(stage, "done", seconds=seconds))
        results[stage] = value
        return value

    # 1. history: load and clean the ticket export
    def history_stage() -> Any:
        from planner.history import load_scenario_history

        loaded = load_scenario_history(scenario)
        tables["history"] = loaded.history
        if loaded.reasons is not None:
            tables["reasons"] = loaded.reasons
        return loaded

    loaded = run("history", history_stage)

    # 2. forecast: contacts per interval with bands and the surge report
    def forecast_stage() -> Any:
        from planner.forecast import forecast_volume

        result = forecast_volume(loaded.history, scenario)
        tables["forecast"] = result.forecast
        tables["forecast_daily"] = result.daily
        tables["surge"] = result.surge
        return result

    forecast = run("forecast", forecast_stage) if loaded is not None else None

    # 3. requirement: staff needed per queue and interval
    def requirement_stage() -> Any:
        from planner.requirement import required_staff

        table = required_staff(forecast.forecast, scenario)
        tables["requirement"] = table
        return table

    requirement = run("requirement", requirement_stage) if forecast is not None else None

    # 4. schedule: the rota, its activities and coverage
    def schedule_stage() -> Any:
        from planner.schedule.solve import build_rota

        kwargs: dict[str, Any] = {"time_limit_s": time_limit_s}
        if solver_progress is not None:
            kwargs["progress"] = solver_progress
        rota = build_rota(scenario, requirement, **kwargs)
        tables["rota"] = rota.rota
        tables["activity"] = rota.activity
        tables["coverage"] = rota.coverage
        hires = getattr(rota, "hires", None)
        if isinstance(hires, pd.DataFrame):
            tables["hires"] = hires
        return rota

    schedule = run("schedule", schedule_stage) if requirement is not None else None

    # 5. risk: burnout indicators of the rota
    def risk_stage() -> Any:
        from planner.risk import burnout_risk

        risk = burnout_risk(
            scenario,
            schedule.rota,
            coverage=schedule.coverage,
            requirement=requirement,
            activity=schedule.activity,
        )
        tables["risk"] = risk.person
        tables["risk_weekly"] = risk.weekly
        return risk

    if schedule is not None:
        run("risk", risk_stage)

    # 6. hiring: how many seasonal hires, and when
    def hiring_stage() -> Any:
        from planner.hiring import hiring_plan

        plan = hiring_plan(scenario, requirement)
        tables["hiring"] = plan.tradeoff
        return plan

    if hiring and requirement is not None:
        run("hiring", hiring_stage)
    elif not hiring:
        stages["hiring"] = "skipped (--no-hiring)"

    # stages that never ran because a stage they need is missing say so
    for stage, needs in _NEEDS.items():
        if stage not in stages:
            stages[stage] = f"skipped: needs {needs}"
            report(StageEvent(stage, "skipped", message=f"needs the {needs} stage"))

    # 7. exports and summary
    report(StageEvent("exports", "start"))
    began = time.perf_counter()
    summary = summarize(scenario, tables, results, stages)
    files = write_outputs(out_dir, scenario, tables, summary) if out_dir is not None else {}
    seconds = time.perf_counter() - began
    stages["exports"] = f"ok {seconds:.1f} s"
    summary.stages = dict(stages)
    if out_dir is not None:  # rewrite the summary with the exports timing included
        files["summary.html"] = write_summary_html(summary, Path(out_dir) / "summary.html")
        files["summary.json"] = write_summary_json(summary, Path(out_dir) / "summary.json")
    report(StageEvent("exports", "done", seconds=seconds, message=f"{len(files)} files"))
    return PlanResult(scenario, tables, results, summary, stages, files)


# --------------------------------------------------------------------------------------------
# Cheapest vs humane: the same plan scheduled twice, with and without burnout penalties
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class HumaneComparison:
    """Two rotas of one plan side by side: ``cheapest`` (burnout weight 0) and ``humane``.

    ``table`` has one row per metric (cost, under-cover, hires, burnout indicators) with the two
    rotas' values and their difference; ``summary`` says in one sentence what the humane rota
    costs and what it buys.
    """

    table: pd.DataFrame
    summary: str
    cheapest: Any
    humane: Any
    cheapest_risk: Any
    humane_risk: Any
    humane_weight: float


def _burnout_penalty(summary: dict[str, Any]) -> float:
    """The burnout part of a rota's objective (0 when the weight was 0)."""
    return float(sum(v for k, v in summary.get("penalties", {}).items() if k.startswith("burnout")))


def cheapest_vs_humane(
    scenario: Scenario,
    requirement: pd.DataFrame,
    *,
    humane_weight: float | None = None,
    time_limit_s: float | None = None,
) -> HumaneComparison:
    """Schedule the plan twice — burnout weight 0 and ``humane_weight`` — and compare them.

    Args:
        scenario: the plan; its other weights are kept for both rotas.
        requirement: the ``requirement`` table.
        humane_weight: burnout weight of the humane rota (per indicator hit, in currency);
            default the scenario's ``schedule.weights.burnout`` if above 0, else 50.
        time_limit_s: solver limit per rota (default the scenario's).

    Returns:
        A :class:`HumaneComparison` whose table a manager reads as "what does a humane rota
        cost, and what does it buy".
    """
    from planner.risk import burnout_risk, compare_risk
    from planner.schedule import build_rota

    weight = humane_weight
    if weight is None:
        own = scenario.schedule.weights.burnout
        weight = own if own > 0 else 50.0
    if weight <= 0:
        raise ScenarioError("humane_weight: must be > 0 (0 is the cheapest rota itself)")
    rotas, risks = [], []
    for w in (0.0, weight):
        variant = scenario.model_copy(deep=True)
        variant.schedule.weights.burnout = w
        result = build_rota(variant, requirement, time_limit_s=time_limit_s)
        rotas.append(result)
        risks.append(
            burnout_risk(variant, result.rota, coverage=result.coverage, requirement=requirement)
        )
    risk_cmp = compare_risk(
        risks[0], risks[1], change="the humane rota", labels=("cheapest", "humane")
    )
    rows = []
    for label, key in (
        ("total cost", "total_cost"),
        ("under-covered staff-hours", "under_covered_staff_h"),
        ("seasonal hires used", "hires_used"),
    ):
        rows.append(
            {
                "metric": label,
                "cheapest": float(rotas[0].summary.get(key) or 0.0),
                "humane": float(rotas[1].summary.get(key) or 0.0),
            }
        )
    table = pd.concat(
        [pd.DataFrame(rows), risk_cmp.table[["metric", "cheapest", "humane"]]], ignore_index=True
    )
    table["difference"] = table["humane"] - table["cheapest"]
    diff = table.set_index("metric")["difference"]
    base = table.set_index("metric").loc["total cost", "cheapest"]
    extra, under = diff["total cost"], diff["under-covered staff-hours"]
    share = f" ({extra / base:+.1%})" if base else ""
    money = f"{abs(extra):,.0f} {scenario.site.currency} {'more' if extra >= 0 else 'less'}"
    cover = (
        f"{abs(under):,.1f} staff-hours {'more' if under > 0 else 'less'} under-cover"
        if abs(under) >= 0.05
        else "the same under-cover"
    )
    summary = (
        f"The humane rota (burnout weight {weight:g}) costs {money}{share} with {cover}; "
        f"{risk_cmp.summary}."
    )
    return HumaneComparison(
        table=table,
        summary=summary,
        cheapest=rotas[0],
        humane=rotas[1],
        cheapest_risk=risks[0],
        humane_risk=risks[1],
        humane_weight=weight,
    )
