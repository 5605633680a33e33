"""`planner` commands of the risk stage."""

from __future__ import annotations

from pathlib import Path

import typer

from planner.cli._app import app, friendly_errors


@app.command("risk")
@friendly_errors
def risk_command(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML file"),
    rota: Path = typer.Option(..., "--rota", help="rota table (generated or edited by hand)"),
    out: Path = typer.Option(..., "--out", help="risk table to write (.csv, .parquet, .xlsx)"),
    coverage: Path | None = typer.Option(
        None, "--coverage", help="coverage table: with --requirement, adds expected occupancy"
    ),
    requirement: Path | None = typer.Option(
        None, "--requirement", help="requirement table (occupancy, agents_needed)"
    ),
    weekly: Path | None = typer.Option(
        None, "--weekly", help="also write the person × week table here"
    ),
) -> None:
    """Score a rota's burnout risk per person and write the `risk` table."""
    from planner.risk import burnout_risk, what_lowers_risk
    from planner.scenario import load_scenario
    from planner.tables import read_table, write_table

    scen = load_scenario(scenario)
    tz = scen.site.timezone
    rota_df = read_table(rota, "rota", tz=tz)
    cov = read_table(coverage, "coverage", tz=tz) if coverage else None
    req = read_table(requirement, "requirement", tz=tz) if requirement else None
    if (cov is None) != (req is None):
        print("note: occupancy needs both --coverage and --requirement; skipped")
        cov = req = None
    result = burnout_risk(scen, rota_df, cov, req, source=str(rota))
    write_table(result.person, out, kind="risk")
    if weekly is not None:
        write_table(result.weekly, weekly)
    person = result.person
    unknown = person.loc[~person["in_scenario"], "employee_id"].tolist()
    if unknown:
        print(
            f"note: {len(unknown)} rota id(s) not in the scenario's staff, scored as seasonal "
            f"hires: {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}"
        )
    levels = person["risk_level"].value_counts()
    print(
        f"wrote {out}: {len(person)} people — high {levels.get('high', 0)}, "
        f"medium {levels.get('medium', 0)}, low {levels.get('low', 0)}; "
        f"{result.high_risk_person_weeks} high-risk person-weeks"
    )
    for line in what_lowers_risk(result):
        print(f"  - {line}")


@app.command("humane")
@friendly_errors
def humane_command(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML file"),
    requirement: Path = typer.Option(..., "--requirement", help="requirement table"),
    out: Path = typer.Option(..., "--out", help="comparison table to write (.csv, .xlsx)"),
    weight: float | None = typer.Option(
        None, "--weight", help="burnout weight of the humane rota (default: scenario's or 50)"
    ),
    time_limit: float | None = typer.Option(
        None, "--time-limit", help="solver seconds per rota (default: the scenario's)"
    ),
) -> None:
    """Build the cheapest and a humane rota and compare cost, cover and burnout side by side."""
    from planner.pipeline import cheapest_vs_humane
    from planner.scenario import load_scenario
    from planner.tables import read_table, write_table

    plan = load_scenario(scenario)
    table = read_table(requirement, "requirement", tz=plan.site.timezone)
    comparison = cheapest_vs_humane(plan, table, humane_weight=weight, time_limit_s=time_limit)
    write_table(comparison.table, out)
    print(comparison.table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    print(comparison.summary)
