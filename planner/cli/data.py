"""`planner` commands of the data stage: write the sample, load and clean a history."""

from __future__ import annotations

from pathlib import Path

import typer

from planner.cli._app import app, friendly_errors
from planner.errors import PlannerError


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``["created_at=Created at", …]`` -> ``{"created_at": "Created at", …}``."""
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise PlannerError(f"{option} '{item}': write NAME=VALUE, e.g. created_at='Created at'")
        out[key.strip()] = value.strip()
    return out


@app.command("sample")
@friendly_errors
def sample_command(
    out: Path = typer.Option(Path("data/sample"), "--out", help="folder to write the sample into"),
    seed: int = typer.Option(7, "--seed", help="random seed (the committed sample uses 7)"),
) -> None:
    """Write the sample support centre (history, reasons, ticket export, scenario) into a folder."""
    from planner.sample import generate_sample

    paths = generate_sample(out, seed=seed)
    for name, path in paths.items():
        print(f"{name:16s} {path} ({path.stat().st_size / 1024:,.0f} KiB)")


@app.command("history")
@friendly_errors
def history_command(
    scenario: Path | None = typer.Option(
        None, "--scenario", help="scenario YAML: load its history with its settings"
    ),
    file: Path | None = typer.Option(
        None, "--file", help="a history file (CSV, CSV.GZ, Parquet, Excel) to load instead"
    ),
    kind: str = typer.Option("auto", "--kind", help="tickets, counts or auto (with --file)"),
    column: list[str] | None = typer.Option(
        None, "--column", help="map a planner name to a file column, e.g. created_at='Opened'"
    ),
    channel_value: list[str] | None = typer.Option(
        None, "--channel-value", help="map a channel label, e.g. 'Web form=email'"
    ),
    priority_value: list[str] | None = typer.Option(
        None, "--priority-value", help="map a priority label, e.g. 'P1=urgent'"
    ),
    timezone: str | None = typer.Option(
        None, "--timezone", help="site time zone without --scenario (default America/New_York)"
    ),
    source_timezone: str | None = typer.Option(
        None, "--source-timezone", help="zone of naive timestamps in the file (default: site's)"
    ),
    interval_minutes: int | None = typer.Option(
        None, "--interval-minutes", help="15, 30 or 60 without --scenario (default 30)"
    ),
    out: Path | None = typer.Option(None, "--out", help="write the history table here"),
    reasons_out: Path | None = typer.Option(
        None, "--reasons-out", help="write the daily reasons table here"
    ),
    daily_out: Path | None = typer.Option(
        None, "--daily-out", help="write daily totals with outlier scores here"
    ),
) -> None:
    """Load and clean a history; print what was cleaned (gaps, outliers, DST)."""
    from pydantic import ValidationError

    from planner.history import load_history, load_scenario_history
    from planner.scenario import Site, load_scenario
    from planner.tables import write_table

    if scenario is None and file is None:
        raise PlannerError("history: give --scenario FILE or --file FILE")
    plan = load_scenario(scenario) if scenario is not None else None
    if plan is not None and file is None:
        loaded = load_scenario_history(plan)
    else:
        assert file is not None
        if plan is not None:
            site = plan.site
        else:
            try:
                site = Site(
                    name=file.stem,
                    timezone=timezone or "America/New_York",
                    interval_minutes=interval_minutes or 30,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                raise PlannerError(
                    f"history: {exc.errors()[0]['msg']} (--timezone / --interval-minutes)"
                ) from None
        source = plan.history if plan is not None else None
        loaded = load_history(
            file,
            site,
            kind=kind if kind != "auto" or source is None else source.kind,
            columns=_pairs(column, "--column") or (source.columns if source else None),
            channel_values=_pairs(channel_value, "--channel-value")
            or (source.channel_values if source else None),
            priority_values=_pairs(priority_value, "--priority-value")
            or (source.priority_values if source else None),
            source_timezone=source_timezone or (source.source_timezone if source else None),
        )
    print(loaded.report.summary())
    if out is not None:
        write_table(loaded.history, out, kind="history")
        print(f"history table -> {out}")
    if reasons_out is not None:
        if loaded.reasons is None:
            raise PlannerError(
                "history: --reasons-out given but the history has no reasons (map a reason "
                "column with --column reason=... or set history.reasons_path)"
            )
        write_table(loaded.reasons, reasons_out)
        print(f"reasons table -> {reasons_out}")
    if daily_out is not None:
        write_table(loaded.report.daily, daily_out)
        print(f"daily totals -> {daily_out}")


@app.command("scenario-docs")
@friendly_errors
def scenario_docs_command(
    out: Path = typer.Option(Path("docs/scenario.md"), "--out", help="markdown file to write"),
) -> None:
    """Regenerate the scenario reference (every field, from the typed model) as markdown."""
    from planner.sample import scenario_reference_markdown
    from planner.tables import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_text(scenario_reference_markdown(), encoding="utf-8")
        tmp.chmod(0o644)
    print(f"scenario reference -> {out}")
