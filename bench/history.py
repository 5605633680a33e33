"""Benchmark of the data stage: sample generation and history loading speed, cleaning quality.

Run: ``.venv/bin/python -m bench.history``. Prints one table. Uses ``../shared/data/real`` when it
is there (the real help-desk series), and skips that row otherwise.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from planner.history import load_history, load_scenario_history
from planner.sample import GAP, OUTAGE_DAYS, generate_sample
from planner.scenario import Site, load_scenario

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"
REAL = ROOT.parent / "shared" / "data" / "real" / "helpdesk_tickets_daily.csv"


def _median_seconds(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - began)
    return statistics.median(times), value


def main() -> None:
    """Print the benchmark table."""
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        seconds, _ = _median_seconds(lambda: generate_sample(tmp), 1)
    rows.append(("generate_sample (full sample, seed 7)", f"{seconds:.1f} s", "target < 20 s"))

    plan = load_scenario(SAMPLE / "scenario.yaml")
    seconds, loaded = _median_seconds(lambda: load_scenario_history(plan), 3)
    report = loaded.report  # type: ignore[attr-defined]
    rows.append(
        (
            f"load_scenario_history ({report.rows_read:,} rows), median of 3",
            f"{seconds:.1f} s",
            "target < 10 s",
        )
    )
    found = set(report.outlier_dates)
    rows.append(
        (
            "planted outage days flagged",
            f"{len(found & set(OUTAGE_DAYS))}/{len(OUTAGE_DAYS)}",
            "target all",
        )
    )
    rows.append(
        (
            "other days flagged (false alarms, of ~10,600 queue-days)",
            str(len(found - set(OUTAGE_DAYS))),
            "target <= 5",
        )
    )
    rows.append(("planted gap found", str(report.gap_ranges == [GAP]), "target True"))

    seconds, tickets = _median_seconds(
        lambda: load_history(SAMPLE / "tickets_export.csv", plan.site), 3
    )
    rows.append(
        (
            f"load ticket export ({tickets.report.rows_read:,} tickets), median of 3",  # type: ignore[attr-defined]
            f"{seconds:.2f} s",
            "",
        )
    )
    if REAL.is_file():
        site = Site(name="real", timezone="UTC")
        seconds, real = _median_seconds(lambda: load_history(REAL, site), 3)
        rows.append(
            (
                "real help-desk daily series: days flagged as outliers",
                f"{len(real.report.outlier_dates)} of {real.report.rows_read:,}",  # type: ignore[attr-defined]
                f"{seconds:.2f} s to load",
            )
        )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':{width}s}  {'value':>12s}  note")
    for name, value, note in rows:
        print(f"{name:{width}s}  {value:>12s}  {note}")


if __name__ == "__main__":
    main()
