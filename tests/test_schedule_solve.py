"""End-to-end behaviour of ``build_rota``: tables, DST days, hires, breaks share, the time-limit
answer, the infeasibility explanation, and the ``planner schedule`` command (real CP-SAT)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import InfeasibleError
from planner.rota_check import check_rota
from planner.scenario import parse_scenario
from planner.schedule.breaks import break_cap
from planner.schedule.model import shift_instants
from planner.schedule.solve import build_rota
from planner.schedule.synthetic import (
    flat_requirement,
    synthetic_requirement,
    team_scenario,
    tiny_scenario,
)

MONDAY = dt.date(2026, 11, 16)


def test_tables_follow_the_conventions_and_agree() -> None:
    scenario = parse_scenario(tiny_scenario(4))
    requirement = flat_requirement(scenario, 1.5)
    seen: list[tuple[float, float, float]] = []
    result = build_rota(scenario, requirement, time_limit_s=2.0, progress=lambda *p: seen.append(p))
    assert seen and seen == result.progress
    assert all(bound <= obj + 1e-6 for _, obj, bound in seen)
    # The bound shown only rises (the LP's replaces the analytic one once proved) and never
    # passes the final, proved best bound.
    bounds = [bound for _, _, bound in seen]
    assert bounds == sorted(bounds)
    assert bounds[-1] <= result.summary["best_bound"] + 1e-6
    for col in ("employee_id", "date", "shift", "start", "end", "breaks", "kind", "paid_h", "cost"):
        assert col in result.rota.columns
    assert set(result.activity["activity"]) <= {"work", "break", "lunch", "off", "leave"}
    # coverage = heads on queue from the activity table (work share per interval)
    cov = result.coverage.set_index("ds")["staff_scheduled"]
    work = result.activity.groupby("ds")["work_share"].sum()
    assert cov.sum() == pytest.approx(work.reindex(cov.index).fillna(0).sum())
    assert (
        result.coverage["gap"]
        == result.coverage["staff_scheduled"] - result.coverage["staff_needed"]
    ).all()
    summary = result.summary
    for key in (
        "objective",
        "best_bound",
        "gap",
        "status",
        "solve_time_s",
        "under_covered_staff_h",
        "cost_by_kind",
        "penalties",
        "hires_used",
    ):
        assert key in summary
    assert summary["gap"] >= 0
    assert sum(summary["cost_by_kind"].values()) == pytest.approx(
        result.rota["cost"].sum(), abs=0.05
    )


def test_fall_back_day_has_25_intervals_and_rest_is_real_elapsed_time() -> None:
    # Late 16:00-24:00 then early 07:00: 7 h rest on a normal night, 8 h across the fall-back.
    shifts = [
        {"name": "late", "start": "16:00", "length_h": 8, "category": "late"},
        {"name": "early", "start": "07:00", "length_h": 8, "category": "early"},
    ]
    data = tiny_scenario(
        2,
        start=dt.date(2026, 10, 30),
        days=4,
        shifts=shifts,
        rules={"min_rest_h": 8.0},
        open_all_day=True,
    )
    scenario = parse_scenario(data)
    late = scenario.shifts[0]
    s, e = shift_instants(late, dt.date(2026, 10, 31), scenario.site.timezone)
    early_s, _ = shift_instants(scenario.shifts[1], dt.date(2026, 11, 1), scenario.site.timezone)
    assert (e - s) == pd.Timedelta(hours=8) and (early_s - e) == pd.Timedelta(hours=8)
    result = build_rota(scenario, flat_requirement(scenario, 1.0), time_limit_s=2.0)
    assert check_rota(scenario, result.rota).empty
    per_day = result.coverage.groupby(result.coverage["ds"].map(lambda t: t.date())).size()
    assert per_day[dt.date(2026, 11, 1)] == 25 and per_day[dt.date(2026, 10, 31)] == 24
    # the checker measures rest in elapsed time too: late Oct 30 -> early Oct 31 is 7 h < 8 h
    planted = pd.DataFrame(
        [
            {"employee_id": emp, "date": d, "shift": t.name, "start": a, "end": b, "breaks": []}
            for emp, d, t in (
                ("P1", dt.date(2026, 10, 30), late),
                ("P1", dt.date(2026, 10, 31), scenario.shifts[1]),
                ("P2", dt.date(2026, 10, 31), late),
                ("P2", dt.date(2026, 11, 1), scenario.shifts[1]),
            )
            for a, b in [shift_instants(t, d, scenario.site.timezone)]
        ]
    )
    rest = check_rota(scenario, planted)
    rest = rest[rest["rule"] == "minimum rest between shifts"]
    assert list(rest["employee_id"]) == ["P1"]  # P2's rest spans the DST night: 8 h


def test_spring_forward_day_has_23_intervals_and_shifts_last_their_length() -> None:
    shifts = [{"name": "night", "start": "22:00", "length_h": 8, "category": "night"}]
    data = tiny_scenario(
        2,
        start=dt.date(2026, 3, 7),
        days=2,
        shifts=shifts,
        open_all_day=True,
        rules={"max_hours_per_day": 10},
    )
    scenario = parse_scenario(data)
    result = build_rota(scenario, flat_requirement(scenario, 1.0), time_limit_s=2.0)
    per_day = result.coverage.groupby(result.coverage["ds"].map(lambda t: t.date())).size()
    assert per_day[dt.date(2026, 3, 8)] == 23
    night = result.rota[result.rota["date"] == dt.date(2026, 3, 7)].iloc[0]
    assert night["end"] - night["start"] == pd.Timedelta(hours=8)
    assert night["end"].hour == 7  # 22:00 EST + 8 h elapsed = 07:00 EDT
    worked = result.activity[result.activity["employee_id"] == night["employee_id"]]
    assert (worked["ds"] < night["end"]).sum() - (worked["ds"] < night["start"]).sum() == 8


def test_share_on_break_is_capped_per_skill_group() -> None:
    scenario = parse_scenario(tiny_scenario(6, rules={"breaks": {"max_share_on_break": 0.25}}))
    result = build_rota(scenario, flat_requirement(scenario, 5.0), time_limit_s=2.0)
    rota = result.rota
    for day, shifts in rota.groupby("date"):
        times = pd.date_range(shifts["start"].min(), shifts["end"].max(), freq="15min")
        for t in times:
            heads = ((shifts["start"] <= t) & (shifts["end"] > t)).sum()
            on_break = sum(
                any(pd.Timestamp(a) <= t < pd.Timestamp(b) for a, b in brs)
                for brs in shifts["breaks"]
            )
            assert on_break <= break_cap(int(heads), 0.25), (day, t)


def test_candidates_are_hired_only_when_worth_it() -> None:
    data = tiny_scenario(1, pool_size=2)
    data["hiring"] |= {
        "hire_cost": 100.0,
        "training_days": 0,
        "earliest_start": MONDAY,
        "ramp_up": [0.5],
    }
    scenario = parse_scenario(data)
    busy = build_rota(scenario, flat_requirement(scenario, 3.0), time_limit_s=2.0)
    assert busy.summary["hires_used"] >= 1
    assert set(busy.hires["employee_id"]) <= {"cand-01", "cand-02"}
    hired = busy.rota[busy.rota["employee_id"].str.startswith("cand")]
    assert (hired["productivity"] == 0.5).all()  # first week after training at ramp-up
    assert check_rota(scenario, busy.rota).empty
    quiet = build_rota(scenario, flat_requirement(scenario, 0.0), time_limit_s=2.0)
    assert quiet.summary["hires_used"] == 0


def test_time_limit_answer_has_status_bound_and_gap() -> None:
    scenario = parse_scenario(team_scenario(14, n_backup=2, pool_size=4, days=14))
    requirement = synthetic_requirement(scenario, 3.0, seed=1)
    result = build_rota(scenario, requirement, time_limit_s=3.0)
    assert result.status in ("feasible", "optimal")
    s = result.summary
    assert s["best_bound"] <= s["objective"] + 1e-6 and 0 <= s["gap"] <= 1
    assert s["solve_time_s"] < 30
    assert check_rota(scenario, result.rota).empty


def test_week_by_week_keeps_rules_across_weeks() -> None:
    data = team_scenario(6, days=14)
    data["schedule"] = {"decompose_above": 1, "search": "cp-sat"}
    scenario = parse_scenario(data)
    result = build_rota(scenario, synthetic_requirement(scenario, 2.0), time_limit_s=4.0)
    assert result.summary["method"].startswith("week by week")
    assert check_rota(scenario, result.rota).empty


def test_infeasible_contract_is_explained_in_plain_words() -> None:
    staff = [
        {
            "id": "P1",
            "name": "Ann",
            "skills": ["phone"],
            "contract_hours": 40.0,
            "hourly_cost": 20.0,
            "availability": {"weekdays": ["mon", "tue"]},
        },
        {
            "id": "P2",
            "name": "Bob",
            "skills": ["phone"],
            "contract_hours": 16.0,
            "hourly_cost": 20.0,
        },
    ]
    scenario = parse_scenario(tiny_scenario(staff=staff, rules={"weekly_hours_tolerance": 0}))
    with pytest.raises(InfeasibleError) as err:
        build_rota(scenario, flat_requirement(scenario, 1.0), time_limit_s=2.0)
    message = str(err.value)
    assert "P1 (Ann)" in message and "contract minimum weekly hours" in message
    conflicts = err.value.explanation.conflicts
    assert [c.employee_id for c in conflicts] == ["P1"]
    assert any("at most 16 h" in text for text in conflicts[0].relaxations)
    assert "Bob" not in message


def test_fast_mode_is_quick_and_valid() -> None:
    scenario = parse_scenario(team_scenario(8, days=7))
    result = build_rota(scenario, synthetic_requirement(scenario, 2.0), time_limit_s=60, fast=True)
    assert result.summary["solve_time_s"] <= scenario.schedule.fast_time_limit_s + 10
    assert check_rota(scenario, result.rota).empty


def test_a_requirement_outside_the_horizon_is_one_clear_error() -> None:
    """A tired user's requirement for the wrong dates (e.g. 05/11 read as 11 May) or with only
    its header: one line naming the horizon, not a traceback from the solver."""
    from planner.errors import DataError

    scenario = parse_scenario(tiny_scenario(3))
    requirement = flat_requirement(scenario, 1.0)
    wrong = requirement.assign(ds=requirement["ds"] - pd.Timedelta(days=200))
    with pytest.raises(DataError, match=r"runs .* to .*, none of it inside the scenario's horizon"):
        build_rota(scenario, wrong, time_limit_s=2)
    with pytest.raises(DataError, match="has no rows inside the scenario's horizon"):
        build_rota(scenario, requirement.iloc[:0], time_limit_s=2)


def test_schedule_command_writes_every_table(tmp_path) -> None:
    data = tiny_scenario(3)
    scenario = parse_scenario(data)
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    requirement = flat_requirement(scenario, 1.0)
    requirement["ds"] = requirement["ds"].map(lambda t: t.isoformat())
    requirement.to_csv(tmp_path / "req.csv", index=False)
    out = tmp_path / "out"
    run = CliRunner().invoke(
        app,
        [
            "schedule",
            "--scenario",
            str(tmp_path / "scenario.yaml"),
            "--requirement",
            str(tmp_path / "req.csv"),
            "--out",
            str(out),
            "--time-limit",
            "2",
        ],
    )
    assert run.exit_code == 0, run.output
    assert "objective" in run.output  # a progress line per improving solution
    for name in ("rota.csv", "activity.csv", "coverage.csv", "summary.json"):
        assert (out / name).is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert {"total_cost", "under_covered_staff_h", "hires_used", "gap"} <= set(summary)
    check = CliRunner().invoke(
        app,
        [
            "check-rota",
            "--scenario",
            str(tmp_path / "scenario.yaml"),
            "--rota",
            str(out / "rota.csv"),
        ],
    )
    assert check.exit_code == 0, check.output
