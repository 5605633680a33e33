"""Hiring: the capacity model on hand-built teams with known gaps, and the hire search."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import PlannerError
from planner.hiring import (
    capacity_model,
    hire_members,
    hiring_plan,
    raise_absence,
)
from planner.plots import hiring_tradeoff_figure
from planner.requirement import required_staff
from planner.scenario import parse_scenario
from planner.tables import write_table
from planner.timegrid import open_intervals

TZ = "America/New_York"
MONDAY = dt.date(2026, 11, 16)


def scenario_dict(people: int = 1, **hiring: object) -> dict[str, object]:
    """A Mon–Fri 09:00–17:00 phone desk, one 8 h template, no breaks (exact arithmetic)."""
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    return {
        "site": {
            "name": "test",
            "timezone": TZ,
            "interval_minutes": 30,
            "opening_hours": {
                d: (["09:00", "17:00"] if d in weekdays else None)
                for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
        },
        "horizon": {"start": str(MONDAY), "end": str(MONDAY + dt.timedelta(days=13))},
        "history": {"path": "history.csv"},
        "queues": [{"name": "phone/normal", "channel": "phone", "aht_s": 300}],
        "staff": [
            {
                "id": f"P{i}",
                "name": f"Person {i}",
                "skills": ["phone"],
                "contract_hours": 40,
                "hourly_cost": 20,
            }
            for i in range(people)
        ],
        "shifts": [{"name": "day", "start": "09:00", "length_h": 8}],
        "rules": {
            "preset": "custom",
            "max_hours_per_day": 10,
            "breaks": {"short_break_min": 0, "lunch_min_min": 0, "lunch_if_shift_h_at_least": 12},
        },
        "hiring": {
            "pool_size": 4,
            "contract_hours": [40, 24],
            "hourly_cost": 20,
            "hire_cost": 500,
            "skills": ["phone"],
            "training_days": 0,
            "ramp_up": [],
            "earliest_start": str(MONDAY),
            **hiring,
        },
    }


def flat_requirement(scenario, heads: float) -> pd.DataFrame:
    """``heads`` staff needed in every open interval."""
    ds = open_intervals(scenario.site, scenario.horizon.start, scenario.horizon.end)
    return pd.DataFrame({"queue": "phone/normal", "ds": ds, "staff_needed": heads})


def test_known_gap_of_one_person():
    scenario = parse_scenario(scenario_dict(people=1))
    result = capacity_model(scenario, flat_requirement(scenario, 2.0))
    # 2 heads × 8 h × 5 days × 2 weeks required; one person covers half of it
    assert result.required_h == pytest.approx(160.0)
    assert result.under_cover_h == pytest.approx(80.0, abs=1e-6)
    assert result.weekly["under_cover_h"].tolist() == pytest.approx([40.0, 40.0], abs=1e-6)
    assert result.uncoverable_h == 0
    full = capacity_model(scenario, flat_requirement(scenario, 1.0))
    assert full.under_cover_h == pytest.approx(0.0, abs=1e-6)


def test_a_hire_closes_the_gap_and_ramp_up_counts():
    scenario = parse_scenario(scenario_dict(people=1))
    req = flat_requirement(scenario, 2.0)
    hires = hire_members(scenario, [40], MONDAY)
    assert capacity_model(scenario, req, hires).under_cover_h == pytest.approx(0.0, abs=1e-6)
    # 50% productivity in the first week on the floor: half a head short all week one
    ramped = parse_scenario(scenario_dict(people=1, ramp_up=[0.5]))
    result = capacity_model(ramped, req, hire_members(ramped, [40], MONDAY))
    assert result.weekly["under_cover_h"].tolist() == pytest.approx([20.0, 0.0], abs=1e-6)


def test_training_delays_the_floor_date():
    scenario = parse_scenario(scenario_dict(people=1, training_days=5))
    hire = hire_members(scenario, [40], MONDAY)[0]
    assert hire.start_date == MONDAY - dt.timedelta(days=7)
    assert hire.training_days == 5
    # a part-timer (24 h) cannot fill a 40 h gap: 16 h a week stay uncovered
    part = capacity_model(scenario, flat_requirement(scenario, 2.0), [])
    assert part.under_cover_h == pytest.approx(80.0, abs=1e-6)
    short = capacity_model(
        scenario, flat_requirement(scenario, 2.0), hire_members(scenario, [24], MONDAY)
    )
    assert short.under_cover_h == pytest.approx(32.0, abs=1e-6)


def test_uncoverable_need_is_reported():
    scenario = parse_scenario(scenario_dict(people=1))
    req = flat_requirement(scenario, 1.0)
    night = pd.DataFrame(
        {
            "queue": "phone/normal",
            "ds": [pd.Timestamp("2026-11-16 20:00", tz=TZ)],
            "staff_needed": [2.0],
        }
    )
    result = capacity_model(scenario, pd.concat([req, night], ignore_index=True))
    assert result.uncoverable_h == pytest.approx(1.0)
    assert result.under_cover_h == pytest.approx(1.0, abs=1e-6)


def test_plan_recommends_the_cheapest_count_meeting_the_target():
    scenario = parse_scenario(scenario_dict(people=1))
    plan = hiring_plan(scenario, flat_requirement(scenario, 2.0), counts=[0, 1, 2, 3])
    t = plan.tradeoff.set_index("hires")
    assert plan.recommended == 1
    assert t.loc[1, "contract_mix"] == "1×40h"  # 24 h would leave 16 h a week uncovered
    assert t.loc[1, "under_cover_h"] == pytest.approx(0.0, abs=1e-6)
    assert bool(t.loc[1, "cheapest"]) and not bool(t.loc[0, "meets_target"])
    assert t["total_cost"].is_monotonic_increasing
    assert plan.knee == 1
    # reserve: 10% of the no-hire plan's peak weekly gap (40 h)
    assert plan.backup_reserve_h == pytest.approx(4.0)
    # absence +5%: 2 / 0.95-ish heads more than the base plan covers
    absence = plan.sensitivity.set_index("case").loc["absence +5%"]
    assert absence["under_cover_h_at_base_plan"] > 0
    assert absence["recommended"] == 2
    assert any("Hire 1 seasonal" in line for line in plan.summary())


def test_same_seed_same_answer_and_service_level():
    scenario = parse_scenario(scenario_dict(people=2))
    ds = open_intervals(scenario.site, scenario.horizon.start, scenario.horizon.end)
    forecast = pd.DataFrame({"queue": "phone/normal", "ds": ds, "yhat": 12.0})
    forecast["yhat_lower"] = 8.0
    forecast["yhat_upper"] = 16.0
    forecast["holiday"] = ""
    req = required_staff(forecast, scenario)
    upper = required_staff(forecast.assign(yhat=forecast["yhat_upper"]), scenario)
    a = hiring_plan(scenario, req, counts=[0, 1, 2, 3, 4], seed=3, requirement_upper=upper)
    b = hiring_plan(scenario, req, counts=[0, 1, 2, 3, 4], seed=3, requirement_upper=upper)
    pd.testing.assert_frame_equal(a.tradeoff, b.tradeoff)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    assert a.recommended == b.recommended
    sl = a.tradeoff.set_index("hires")["service_level"]
    assert sl.loc[4] > sl.loc[0]
    assert sl.min() >= 0 and sl.max() <= 1
    case = a.sensitivity.set_index("case")
    upper_case = case.loc["volume at the forecast's upper quantile"]
    assert (
        upper_case["under_cover_h_at_base_plan"] >= case.loc["base"]["under_cover_h_at_base_plan"]
    )


def test_raise_absence_and_bad_counts():
    scenario = parse_scenario(scenario_dict(people=1))
    req = flat_requirement(scenario, 2.0)
    s = scenario.requirement.shrinkage.total
    more = raise_absence(scenario, req, 0.05)
    assert more["staff_needed"].iloc[0] == pytest.approx(2.0 * (1 - s) / (1 - s - 0.05))
    with pytest.raises(PlannerError, match=r"hiring\.pool_size"):
        hiring_plan(scenario, req, counts=[0, 9])


def test_tradeoff_figure_marks_cheapest_and_knee():
    scenario = parse_scenario(scenario_dict(people=1))
    plan = hiring_plan(scenario, flat_requirement(scenario, 2.0), counts=[0, 1, 2, 3])
    fig = hiring_tradeoff_figure(plan.tradeoff)
    names = [trace.name for trace in fig.data]
    assert "cheapest meeting target" in names and "knee" in names
    assert list(fig.data[0].x) == [0, 1, 2, 3]


def test_cli_writes_the_plan(tmp_path):
    scen_path = tmp_path / "scenario.yaml"
    scen_path.write_text(yaml.safe_dump(scenario_dict(people=1)))
    scenario = parse_scenario(scenario_dict(people=1))
    req_path = write_table(flat_requirement(scenario, 2.0), tmp_path / "requirement.csv")
    out = tmp_path / "hiring"
    args = ["hire", "--scenario", str(scen_path), "--requirement", str(req_path)]
    result = CliRunner().invoke(app, [*args, "--counts", "0,1,2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Hire 1 seasonal" in result.output
    tradeoff = pd.read_csv(out / "tradeoff.csv")
    assert tradeoff["hires"].tolist() == [0, 1, 2]
    assert (out / "tradeoff.html").stat().st_size > 1000
    bad = CliRunner().invoke(app, [*args, "--counts", "0,two", "--out", str(out)])
    assert bad.exit_code == 2


def test_scheduler_verifies_the_top_counts():
    scenario = parse_scenario(scenario_dict(people=1))
    plan = hiring_plan(
        scenario,
        flat_requirement(scenario, 2.0),
        counts=[0, 1, 2, 3],
        verify_with_scheduler=True,
        time_limit_s=5,
    )
    t = plan.tradeoff.set_index("hires")
    checked = t.dropna(subset=["sched_under_cover_h"])
    assert 1 in checked.index  # the recommended count is always re-planned
    # a real rota can only do worse than the LP bound, and here the LP says 0
    assert checked.loc[1, "sched_under_cover_h"] == pytest.approx(0.0, abs=0.01)
    assert checked.loc[1, "high_risk_person_weeks"] == 0
    assert "CP-SAT" in plan.method
