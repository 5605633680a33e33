"""End to end: `planner plan` on a small copy of the sample writes every table and export."""

from __future__ import annotations

import json

import pytest
from _plan_fixtures import write_small_sample
from openpyxl import load_workbook
from typer.testing import CliRunner

from planner.cli import app
from planner.pipeline import STAGES, StageEvent, run_plan, stage_available
from planner.scenario import load_scenario
from planner.tables import read_table

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return write_small_sample(tmp_path_factory.mktemp("small"), days=4, staff=12)


def test_stage_available_knows_missing_modules():
    assert stage_available("forecast")
    assert stage_available("exports")
    STAGES["imaginary"] = "planner.no_such_module"
    try:
        assert not stage_available("imaginary")
    finally:
        del STAGES["imaginary"]


def test_cli_plan_writes_every_output(small, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["plan", "--scenario", str(small), "--out", str(out), "--time-limit", "20"],
    )
    assert result.exit_code == 0, result.output
    # one progress line per stage with its timing
    for stage in ("history", "forecast", "requirement", "schedule", "risk", "hiring", "exports"):
        assert f"] {stage:<12} done in" in result.output
    scenario = load_scenario(small)
    tz = scenario.site.timezone
    for name, kind in (
        ("forecast.csv", "forecast"),
        ("requirement.csv", "requirement"),
        ("rota.csv", "rota"),
        ("activity.csv", "activity"),
        ("coverage.csv", "coverage"),
        ("risk.csv", "risk"),
    ):
        table = read_table(out / name, kind=kind, tz=tz)
        assert len(table) > 0, name
    assert (out / "history_clean.csv.gz").is_file()
    assert (out / "hiring.csv").is_file()
    rota = read_table(out / "rota.csv", kind="rota", tz=tz)
    calendars = sorted(p.stem for p in (out / "calendars").glob("*.ics"))
    assert calendars == sorted(rota["employee_id"].astype(str).unique())
    wb = load_workbook(out / "rota.xlsx")
    assert {"Summary", "Coverage", "Week 2026-11-23"} <= set(wb.sheetnames)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["paid_hours"] > 0 and summary["labour_cost"] > 0
    assert set(summary["service_level"]) == {"phone/normal", "chat/normal"}
    assert all(0 <= v <= 1 for v in summary["service_level"].values())
    assert any("peak day" in line for line in summary["surge"])
    assert summary["stages"]["schedule"].startswith("ok")
    solver = summary["solver"]
    assert solver["status"] in ("optimal", "feasible")
    assert solver["best_bound"] <= solver["objective"] + 1e-6
    assert 0 <= solver["gap"] <= 1
    page = (out / "summary.html").read_text()
    assert "Rota solver" in page
    assert "Service level per queue" in page and "Small test plan" in page
    assert not list(out.glob(".*.tmp"))  # atomic writes left no temporary files


def test_run_plan_without_hiring_reports_progress_and_skips(small):
    events: list[StageEvent] = []
    result = run_plan(load_scenario(small), None, time_limit_s=15, hiring=False,
                      progress=events.append)  # fmt: skip
    assert result.stages["hiring"] == "skipped (--no-hiring)"
    assert result.files == {}  # nothing written without an output folder
    done = [e.stage for e in events if e.status == "done"]
    assert done == ["history", "forecast", "requirement", "schedule", "risk", "exports"]
    assert all(e.seconds >= 0 for e in events)
    assert result.summary.labour_cost > 0


def test_bad_scenario_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsite: {name: s, timezone: Mars/Base}\n")
    result = CliRunner().invoke(app, ["plan", "--scenario", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Base'" in result.output
