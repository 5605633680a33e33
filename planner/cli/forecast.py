"""`planner` commands of the forecast stage: ``forecast`` and ``backtest``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer

from planner.cli._app import app, friendly_errors
from planner.errors import PlannerError


def _date(value: str | None, option: str) -> dt.date | None:
    """Parse ``YYYY-MM-DD`` or raise a one-line error naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PlannerError(f"{option}: '{value}' is not a date; write YYYY-MM-DD") from None


@app.command("forecast")
@friendly_errors
def forecast_command(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML file"),
    out: Path = typer.Option(
        ..., "--out", help="forecast table to write (.csv, .csv.gz, .parquet)"
    ),
    start: str | None = typer.Option(None, "--start", help="first date (default: horizon start)"),
    end: str | None = typer.Option(None, "--end", help="last date (default: horizon end)"),
    daily_out: Path | None = typer.Option(None, "--daily-out", help="also write the daily table"),
    surge_out: Path | None = typer.Option(None, "--surge-out", help="also write the surge table"),
) -> None:
    """Forecast contacts per queue and interval with intervals, what-ifs and a surge report."""
    from planner.forecast import forecast_volume
    from planner.history import load_scenario_history
    from planner.scenario import load_scenario
    from planner.tables import write_table

    plan = load_scenario(scenario)
    first, last = _date(start, "--start"), _date(end, "--end")
    loaded = load_scenario_history(plan)
    result = forecast_volume(loaded.history, plan, first, last)
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    write_table(result.forecast, out, kind="forecast")
    if daily_out is not None:
        write_table(result.daily, daily_out)
    if surge_out is not None:
        write_table(result.surge, surge_out)
    days = result.daily["date"]
    print(
        f"Forecast {min(days)} … {max(days)}: {len(result.forecast):,} intervals × "
        f"{result.daily['queue'].nunique()} queue(s) -> {out}"
    )
    total = result.surge[result.surge["queue"] == "total"].iloc[0]
    uplift = total["season_uplift"]
    uplift_text = f"{uplift:+.0%}" if uplift is not None and uplift == uplift else "n/a"
    print(
        f"Season {total['season']}: uplift {uplift_text} vs pre-season ({total['uplift_source']}); "
        f"peak day {total['peak_day']} ({total['peak_day_volume']:,.0f}); peak week from "
        f"{total['peak_week_start']} ({total['peak_week_volume']:,.0f})"
    )
    if total["past_uplifts"]:
        print(f"Past seasons (measured): {total['past_uplifts']}")
    if total["top_holiday_effects"]:
        print(f"Largest holiday effects: {total['top_holiday_effects']}")
    if result.fallback_used:
        print(
            "WARNING: short history — the season uplift is ASSUMED, not learned "
            "(see the warnings above and the 'note' column)"
        )


@app.command("backtest")
@friendly_errors
def backtest_command(
    history: Path = typer.Option(..., "--history", help="history file the loader accepts"),
    holdout_start: str = typer.Option(..., "--holdout-start", help="first scored date"),
    holdout_end: str = typer.Option(..., "--holdout-end", help="last scored date"),
    country: str | None = typer.Option(None, "--country", help="ISO code for public holidays"),
    subdivision: str | None = typer.Option(None, "--subdivision", help="state/province code"),
    timezone: str = typer.Option("UTC", "--timezone", help="zone of the history's local dates"),
    interval_minutes: int = typer.Option(30, "--interval-minutes", help="15, 30 or 60"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object of daily metrics"),
) -> None:
    """Train before a holdout, forecast it, and score Prophet against seasonal naive."""
    from pydantic import ValidationError

    from planner.backtest import backtest
    from planner.history import load_history
    from planner.scenario import Site

    first = _date(holdout_start, "--holdout-start")
    last = _date(holdout_end, "--holdout-end")
    assert first is not None and last is not None  # required options
    try:
        site = Site(
            name="backtest",
            country=country or "US",
            subdivision=subdivision,
            timezone=timezone,
            interval_minutes=interval_minutes,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        raise PlannerError(
            f"backtest: {exc.errors()[0]['msg']} (--timezone / --interval-minutes)"
        ) from None
    loaded = load_history(history, site)
    result = backtest(
        loaded.history,
        first,
        last,
        country=country,
        subdivision=subdivision,
        site=site,
        source=str(history),
    )
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    if as_json:
        print(json.dumps(result.to_json()))
        return
    print(
        f"Backtest on {history}: trained on {result.train_days} days before {first}, "
        f"scored {result.n_days} days {first} … {last} (daily totals; MAPE leaves out "
        f"{result.zero_days} zero day(s))"
    )
    print(_table(result.metrics))
    if result.interval_metrics is not None:
        print(f"\nPer {site.interval_minutes}-minute interval (all queues):")
        print(_table(result.interval_metrics))


def _table(metrics: dict[str, dict[str, float]]) -> str:
    """Metrics as a small aligned text table (percent)."""
    keys = ("wape", "mape", "mase", "coverage80")
    lines = [f"{'model':<16}" + "".join(f"{k:>12}" for k in keys)]
    for model, values in metrics.items():
        cells = []
        for k in keys:
            v = values.get(k, float("nan"))
            cells.append(f"{v:>12.3f}" if k == "mase" else f"{v:>11.1%} ")
        lines.append(f"{model:<16}" + "".join(cells))
    return "\n".join(lines)
