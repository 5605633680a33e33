"""`planner` commands of the requirement stage: ``erlang``, ``staff`` and ``service``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import typer

from planner.cli._app import app, friendly_errors
from planner.errors import PlannerError


def _check_flags(
    contacts: float,
    interval_min: float,
    aht_s: float,
    target_sl: float,
    target_answer_s: float,
    patience_s: float | None,
    max_occupancy: float | None,
    concurrency: int,
) -> None:
    """One-line errors that name the flag at fault."""
    if not math.isfinite(contacts) or contacts < 0:
        raise PlannerError(f"--contacts {contacts:g}: volume must be a number >= 0")
    if not interval_min > 0:
        raise PlannerError(f"--interval-min {interval_min:g}: interval must be > 0 minutes")
    if not aht_s > 0:
        raise PlannerError(f"--aht-s {aht_s:g}: handle time must be > 0 seconds")
    if not 0 < target_sl <= 1:
        raise PlannerError(
            f"--target-sl {target_sl:g}: target must be a fraction between 0 and 1, e.g. 0.8"
        )
    if target_sl == 1:
        when = "at once" if target_answer_s == 0 else f"within {target_answer_s:g} s"
        raise PlannerError(
            f"--target-sl 1.0 is impossible: no number of agents answers every contact {when}; "
            "use e.g. 0.99"
        )
    if not target_answer_s >= 0:
        raise PlannerError(f"--target-answer-s {target_answer_s:g}: must be >= 0 seconds")
    if patience_s is not None and not patience_s > 0:
        raise PlannerError(f"--patience-s {patience_s:g}: mean patience must be > 0 seconds")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise PlannerError(
            f"--max-occupancy {max_occupancy:g}: must be above 0 and at most 1, e.g. 0.85"
        )
    if concurrency < 1:
        raise PlannerError(f"--concurrency {concurrency}: an agent handles at least 1 contact")


@app.command("erlang")
@friendly_errors
def erlang_command(
    contacts: float = typer.Option(..., "--contacts", help="contacts arriving per interval"),
    interval_min: float = typer.Option(30.0, "--interval-min", help="interval length, minutes"),
    aht_s: float = typer.Option(..., "--aht-s", help="average handle time, seconds"),
    target_sl: float = typer.Option(0.8, "--target-sl", help="share to answer in time, 0-1"),
    target_answer_s: float = typer.Option(
        20.0, "--target-answer-s", help="answer-time target, seconds"
    ),
    patience_s: float | None = typer.Option(
        None, "--patience-s", help="mean caller patience, seconds (uses Erlang A)"
    ),
    max_occupancy: float | None = typer.Option(
        None, "--max-occupancy", help="occupancy cap, e.g. 0.85"
    ),
    concurrency: int = typer.Option(
        1, "--concurrency", help="chat: contacts one agent handles at once"
    ),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Agents needed for one interval, and the service they give (Erlang C, or A with patience)."""
    from planner import erlang

    _check_flags(
        contacts,
        interval_min,
        aht_s,
        target_sl,
        target_answer_s,
        patience_s,
        max_occupancy,
        concurrency,
    )
    traffic = contacts * aht_s / (interval_min * 60.0)
    slots = float(
        erlang.agents_for_target(
            traffic, aht_s, target_sl, target_answer_s, patience_s, max_occupancy
        )
    )
    agents = math.ceil(slots / concurrency - 1e-9)

    def measures(n: int) -> erlang.QueueMetrics:
        return erlang.queue_metrics(n * concurrency, traffic, aht_s, target_answer_s, patience_s)

    m = measures(agents)
    result = {
        "agents": agents,
        "service_level": float(m.service_level),
        "asa_s": float(m.asa_s),
        "occupancy": float(m.occupancy),
        "abandonment": float(m.abandonment),
    }
    if as_json:
        print(json.dumps(result))
        return
    model = "Erlang A" if patience_s is not None else "Erlang C"
    per = f" ({concurrency} chats each)" if concurrency > 1 else ""
    print(
        f"{contacts:g} contacts per {interval_min:g} min × {aht_s:g} s = {traffic:.2f} Erlangs; "
        f"target {target_sl:.0%} within {target_answer_s:g} s ({model})"
    )
    print(f"agents needed: {agents}{per}")
    print()
    print(f"{'agents':>7} {'service':>8} {'P(wait)':>8} {'ASA s':>8} {'occup.':>7} {'abandon':>8}")
    for n in range(max(0, agents - 3), agents + 4):
        row = measures(n)
        asa_text = "inf" if np.isinf(row.asa_s) else f"{float(row.asa_s):.1f}"
        mark = "  <- needed" if n == agents else ""
        print(
            f"{n:>7} {float(row.service_level):>8.1%} {float(row.p_wait):>8.1%} {asa_text:>8} "
            f"{float(row.occupancy):>7.1%} {float(row.abandonment):>8.1%}{mark}"
        )


@app.command("staff")
@friendly_errors
def staff_command(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML"),
    forecast: Path = typer.Option(..., "--forecast", help="forecast table (csv/parquet/xlsx)"),
    out: Path = typer.Option(..., "--out", help="where to write the requirement table"),
) -> None:
    """Write the requirement table: agents and staff needed per queue and interval."""
    from planner.requirement import required_staff
    from planner.scenario import load_scenario
    from planner.tables import read_table, write_table

    plan = load_scenario(scenario)
    table = read_table(forecast, "forecast", tz=plan.site.timezone)
    requirement = required_staff(table, plan)
    write_table(requirement, out, kind="requirement")
    hours = plan.site.interval_minutes / 60.0
    print(f"wrote {out} ({len(requirement)} rows)")
    for queue, part in requirement.groupby("queue", sort=False):
        print(
            f"  {queue:<14} peak {part['staff_needed'].max():6.1f} staff, "
            f"{part['staff_needed'].sum() * hours:9.1f} staff-hours"
        )


@app.command("service")
@friendly_errors
def service_command(
    scenario: Path = typer.Option(..., "--scenario", help="scenario YAML"),
    requirement: Path = typer.Option(..., "--requirement", help="requirement table"),
    scheduled: Path = typer.Option(
        ..., "--scheduled", help="table with queue, ds, staff_scheduled (e.g. coverage)"
    ),
    out: Path | None = typer.Option(None, "--out", help="optional per-interval output table"),
) -> None:
    """The service level a rota achieves, per queue (and per interval with --out)."""
    from planner.requirement import achieved_service, service_summary
    from planner.scenario import load_scenario
    from planner.tables import read_table, write_table

    plan = load_scenario(scenario)
    req = read_table(requirement, "requirement", tz=plan.site.timezone)
    sched = read_table(scheduled, tz=plan.site.timezone)
    achieved = achieved_service(req, sched, plan)
    if out is not None:
        write_table(achieved, out)
    summary = service_summary(achieved, plan)
    print(f"{'queue':<14} {'contacts':>9} {'service':>8} {'target':>7} {'ASA s':>8} {'abandon':>8}")
    for row in summary.itertuples(index=False):
        print(
            f"{row.queue:<14} {row.contacts:>9.0f} {row.service_level:>8.1%} "
            f"{row.target_service_level:>7.0%} {row.asa_s:>8.1f} {row.abandonment:>8.1%}"
        )
