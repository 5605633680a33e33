"""Burnout risk on hand-built rotas whose indicator values are known."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import DataError, ScenarioError
from planner.risk import burnout_risk, compare_risk, parse_breaks, risk_drivers, what_lowers_risk
from planner.scenario import parse_scenario
from planner.tables import read_table, write_table

TZ = "America/New_York"


def scenario_dict(**risk: object) -> dict[str, object]:
    """A two-person site in New York; A has a Christmas request and approved leave."""
    return {
        "site": {"name": "test", "country": "US", "timezone": TZ, "interval_minutes": 30},
        "horizon": {"start": "2026-10-26", "end": "2027-01-03"},
        "history": {"path": "history.csv"},
        "queues": [{"name": "phone/normal", "channel": "phone", "aht_s": 300}],
        "staff": [
            {
                "id": "A",
                "name": "Ann",
                "skills": ["phone"],
                "contract_hours": 40,
                "hourly_cost": 20,
                "time_off_requests": [{"start": "2026-12-24", "end": "2026-12-26"}],
                "time_off": [{"start": "2026-12-28", "end": "2026-12-28"}],
            },
            {"id": "B", "name": "Bo", "skills": ["phone"], "contract_hours": 40, "hourly_cost": 20},
        ],
        "shifts": [{"name": "day", "start": "09:00", "length_h": 8}],
        "hiring": {"skills": ["phone"], "contract_hours": [40, 24]},
        "risk": dict(risk),
    }


@pytest.fixture
def scenario():
    return parse_scenario(scenario_dict())


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_localize(TZ)


def shift(pid: str, start: str, hours: float, breaks: list | None = None) -> dict[str, object]:
    """A rota row; default breaks follow the rules (15 min per 4 h, a 30 min lunch from 6 h)."""
    s = ts(start)
    e = s + pd.Timedelta(hours=hours)
    if breaks is None:
        breaks = []
        for k in range(int(hours // 4)):
            b = s + pd.Timedelta(hours=1.5 + 3 * k)
            breaks.append([b, b + pd.Timedelta(minutes=15)])
        if hours >= 6:
            lunch = s + pd.Timedelta(hours=hours / 2)
            breaks.append([lunch, lunch + pd.Timedelta(minutes=30)])
    return {
        "employee_id": pid,
        "date": s.date(),
        "shift": "day",
        "start": s,
        "end": e,
        "breaks": breaks,
    }


def row(result, pid: str) -> pd.Series:
    return result.person.set_index("employee_id").loc[pid]


def test_plain_week_is_low_risk(scenario):
    rota = pd.DataFrame([shift("A", f"2026-11-{d:02d} 09:00", 8) for d in range(16, 21)])
    result = burnout_risk(scenario, rota)
    a = row(result, "A")
    assert a["shifts"] == 5
    assert a["paid_hours"] == 40
    assert a["overtime_h"] == 0
    assert a["quick_returns"] == 0
    assert a["missed_breaks"] == 0
    assert a["risk_score"] == 0
    assert a["risk_level"] == "low"
    veterans_day = pd.DataFrame([shift("A", "2026-11-11 09:00", 8)])
    assert row(burnout_risk(scenario, veterans_day), "A")["holidays_worked"] == 1
    b = row(result, "B")  # in the scenario, no shift: listed with zeros
    assert b["shifts"] == 0 and b["risk_level"] == "low"


def test_seven_day_run_is_counted_across_weeks(scenario):
    # Thu 5 Nov .. Wed 11 Nov: 7 consecutive days spanning two ISO weeks
    rota = pd.DataFrame([shift("A", f"2026-11-{d:02d} 09:00", 6) for d in range(5, 12)])
    result = burnout_risk(scenario, rota)
    assert row(result, "A")["longest_run_days"] == 7
    weekly = result.weekly.set_index(["employee_id", "week"])
    assert weekly.loc[("A", dt.date(2026, 11, 2)), "longest_run_days"] == 4
    assert weekly.loc[("A", dt.date(2026, 11, 9)), "longest_run_days"] == 7
    # long_run_days = 6: a 7-day run is 2 days beyond 5, the full 20 points by default
    assert weekly.loc[("A", dt.date(2026, 11, 9)), "pts_consecutive_days"] == 20


def test_quick_return_across_fall_back_uses_real_elapsed_time(scenario):
    # 31 Oct 15:00-23:00 EDT, then 1 Nov 07:00 EST: 8 h on the wall clock, 9 h really elapsed
    rota = pd.DataFrame([shift("A", "2026-10-31 15:00", 8), shift("A", "2026-11-01 07:00", 8)])
    result = burnout_risk(scenario, rota)
    a = row(result, "A")
    assert a["min_rest_h"] == pytest.approx(9.0)
    assert a["quick_returns"] == 1
    assert a["early_shifts"] == 0  # 07:00 is not before early_before (07:00)


def test_quick_return_across_spring_forward(scenario):
    # spring-forward is 8 Mar 2026: 22:00 EST -> 09:00 EDT is 10 h elapsed, 11 h on the wall
    rota = pd.DataFrame([shift("A", "2026-03-07 14:00", 8), shift("A", "2026-03-08 09:00", 8)])
    a = row(burnout_risk(scenario, rota), "A")
    assert a["min_rest_h"] == pytest.approx(10.0)
    assert a["quick_returns"] == 1


def test_refused_request_leave_holidays_and_weekend(scenario):
    rota = pd.DataFrame(
        [
            shift("A", "2026-12-24 09:00", 8),  # requested off, Christmas Eve (season day)
            shift("A", "2026-12-25 09:00", 8),  # requested off, Christmas Day (public holiday)
            shift("A", "2026-12-28 09:00", 8),  # approved leave
            shift("B", "2026-12-26 09:00", 8),  # Saturday, not requested by B
        ]
    )
    result = burnout_risk(scenario, rota)
    a, b = row(result, "A"), row(result, "B")
    assert a["refused_requests"] == 2
    assert a["leave_days_worked"] == 1
    assert a["holidays_worked"] == 2
    assert b["refused_requests"] == 0
    assert b["weekend_days"] == 1
    assert b["holidays_worked"] == 0
    assert a["risk_score"] > b["risk_score"]
    assert a["main_driver"] in {"refused_requests", "leave_days_worked"}


def test_twelve_hour_shift_is_long_late_and_missed_lunch(scenario):
    no_lunch = [[ts("2026-11-10 10:00"), ts("2026-11-10 10:15")]]
    rota = pd.DataFrame([shift("A", "2026-11-10 10:00", 12, breaks=no_lunch)])
    a = row(burnout_risk(scenario, rota), "A")
    assert a["long_shifts"] == 1
    assert a["late_shifts"] == 1  # ends 22:00, after 20:00
    assert a["missed_breaks"] == 1
    assert a["night_shifts"] == 0  # only 0 h inside 23:00-06:00


def test_night_shift_needs_three_hours_of_night_time(scenario):
    rota = pd.DataFrame(
        [shift("A", "2026-11-10 22:00", 8), shift("B", "2026-11-10 16:00", 8)]
    )  # A: 23:00-06:00 fully inside; B: ends 00:00, 1 h of night
    result = burnout_risk(scenario, rota)
    assert row(result, "A")["night_shifts"] == 1
    assert row(result, "B")["night_shifts"] == 0


def test_overtime_and_long_week(scenario):
    rota = pd.DataFrame([shift("A", f"2026-11-{d:02d} 08:00", 10) for d in range(9, 15)])
    result = burnout_risk(scenario, rota)
    a = row(result, "A")
    assert a["paid_hours"] == 60
    assert a["overtime_h"] == pytest.approx(20.0)  # contract 40 in a full week
    assert a["long_weeks"] == 1
    week = result.weekly.set_index(["employee_id", "week"]).loc[("A", dt.date(2026, 11, 9))]
    assert week["excess_week_h"] == pytest.approx(12.0)


def test_score_is_monotone_and_levels_follow_thresholds(scenario):
    base = [shift("A", f"2026-11-{d:02d} 09:00", 8) for d in range(9, 14)]
    # Thu 14:00-22:00 then Fri 07:00: a 9 h quick return
    worse = [*base[:3], shift("A", "2026-11-12 14:00", 8), shift("A", "2026-11-13 07:00", 8)]
    worst = [*worse, shift("A", "2026-11-14 09:00", 12), shift("A", "2026-11-15 09:00", 12)]
    scores = [
        row(burnout_risk(scenario, pd.DataFrame(r)), "A")["risk_score"]
        for r in (base, worse, worst)
    ]
    assert scores[0] < scores[1] < scores[2]
    assert row(burnout_risk(scenario, pd.DataFrame(worse)), "A")["quick_returns"] == 1
    strict = parse_scenario(scenario_dict(medium_score=1, high_score=5))
    assert row(burnout_risk(strict, pd.DataFrame(worse)), "A")["risk_level"] == "high"
    assert row(burnout_risk(scenario, pd.DataFrame(worst)), "A")["risk_level"] in {
        "medium",
        "high",
    }


def test_points_override_and_unknown_indicator():
    rota = pd.DataFrame([shift("A", "2026-11-10 10:00", 12)])
    heavy = parse_scenario(scenario_dict(points={"long_shifts": 90}, full_at={"long_shifts": 1}))
    assert row(burnout_risk(heavy, rota), "A")["risk_score"] >= 90
    bad = parse_scenario(scenario_dict(points={"long_shift": 5}))
    with pytest.raises(ScenarioError, match=r"risk\.points\.long_shift: unknown indicator"):
        burnout_risk(bad, rota)


def test_expected_occupancy_from_coverage_and_requirement(scenario):
    rota = pd.DataFrame([shift("A", "2026-11-10 09:00", 4, breaks=[])])
    ds = pd.date_range(ts("2026-11-10 09:00"), periods=8, freq="30min")
    requirement = pd.DataFrame(
        {"queue": "phone/normal", "ds": ds, "agents_needed": 2.0, "occupancy": 0.9}
    )
    shrink = scenario.requirement.shrinkage.total
    coverage = pd.DataFrame(
        {"queue": "phone/normal", "ds": ds, "staff_needed": 2, "staff_scheduled": 3, "gap": 1}
    )
    a = row(burnout_risk(scenario, rota, coverage, requirement), "A")
    # workload 1.8 Erlangs over 3 × (1 − shrinkage) on-queue agents
    assert a["occupancy"] == pytest.approx(1.8 / (3 * (1 - shrink)), abs=1e-3)
    assert pd.isna(row(burnout_risk(scenario, rota), "A")["occupancy"])
    # with the scheduler's activity table (queues of one pool joined by "+"), the same answer
    activity = pd.DataFrame(
        {"employee_id": "A", "ds": ds, "activity": "work", "queue": "phone/normal+chat/normal"}
    )
    with_activity = burnout_risk(scenario, rota, coverage, requirement, activity)
    assert row(with_activity, "A")["occupancy"] == pytest.approx(a["occupancy"], abs=1e-3)
    # understaffed: occupancy saturates at 100% and scores the full occupancy points
    short = coverage.assign(staff_scheduled=1)
    weekly = burnout_risk(scenario, rota, short, requirement).weekly.set_index("employee_id")
    assert weekly.loc["A", "occupancy"].max() == pytest.approx(1.0)
    assert weekly.loc["A", "pts_occupancy_excess"].max() == pytest.approx(15.0)


def test_breaks_survive_a_csv_round_trip(scenario, tmp_path):
    rota = pd.DataFrame([shift("A", f"2026-11-{d:02d} 09:00", 8) for d in range(9, 12)])
    path = write_table(rota, tmp_path / "rota.csv", kind="rota")
    back = read_table(path, "rota", tz=TZ)
    assert isinstance(back["breaks"].iloc[0], str)
    assert row(burnout_risk(scenario, back), "A")["missed_breaks"] == 0


def test_parse_breaks_forms():
    start = ts("2026-11-10 22:00")
    as_clock = parse_breaks('[["23:30", "00:00"]]', start, TZ)
    assert as_clock == [(ts("2026-11-10 23:30"), ts("2026-11-11 00:00"))]
    text = "[[Timestamp('2026-11-10 23:00:00-0500', tz='America/New_York'), Timestamp('2026-11-10 23:15:00-0500', tz='America/New_York')]]"  # noqa: E501
    assert parse_breaks(text, start, TZ) == [(ts("2026-11-10 23:00"), ts("2026-11-10 23:15"))]
    assert parse_breaks(float("nan"), start, TZ) == []
    assert parse_breaks([{"start": "2026-11-10 23:00", "end": "2026-11-10 23:10"}], start, TZ)


def test_bad_rows_are_named(scenario):
    rota = pd.DataFrame([shift("A", "2026-11-10 09:00", 8)])
    rota.loc[0, "breaks"] = "[[12:00]]"
    with pytest.raises(DataError, match=r"column 'breaks', row 2"):
        burnout_risk(scenario, rota)
    rota = pd.DataFrame([shift("A", "2026-11-10 09:00", 8)])
    rota["end"] = rota["start"] - pd.Timedelta(hours=1)
    with pytest.raises(DataError, match=r"row 2: shift of A ends"):
        burnout_risk(scenario, rota)


def test_unknown_ids_are_flagged_hires(scenario):
    rota = pd.DataFrame([shift("HIRE-1", "2026-11-10 09:00", 8)])
    person = burnout_risk(scenario, rota).person.set_index("employee_id")
    assert not person.loc["HIRE-1", "in_scenario"]
    assert person.loc["A", "in_scenario"]


def test_team_view_compare_and_levers(scenario):
    heavy = [shift("A", f"2026-11-{d:02d} 08:00", 11) for d in range(9, 16)]
    light = [shift("A", f"2026-11-{d:02d} 09:00", 8) for d in range(9, 12)] + [
        shift("B", f"2026-11-{d:02d} 09:00", 8) for d in range(12, 16)
    ]
    a = burnout_risk(scenario, pd.DataFrame(heavy))
    b = burnout_risk(scenario, pd.DataFrame(light))
    assert a.team["high_risk_person_weeks"].sum() == a.high_risk_person_weeks >= 1
    comparison = compare_risk(a, b, change="+1 seasonal hire")
    assert comparison.summary.startswith(
        f"+1 seasonal hire cuts high-risk person-weeks from {a.high_risk_person_weeks} to 0"
    )
    drivers = risk_drivers(a)
    assert drivers["points"].is_monotonic_decreasing
    assert {"consecutive_days", "overtime_h", "long_shifts"} <= set(drivers["indicator"])
    assert len(what_lowers_risk(a)) == 3


def test_cli_writes_the_risk_table(tmp_path):
    scen = tmp_path / "scenario.yaml"
    scen.write_text(yaml.safe_dump(scenario_dict()))
    rota = pd.DataFrame([shift("A", f"2026-11-{d:02d} 08:00", 11) for d in range(9, 16)])
    rota_path = write_table(rota, tmp_path / "rota.csv", kind="rota")
    # a hand-edited rota: naive local times are read as site-local
    text = rota_path.read_text().replace("-05:00", "")
    rota_path.write_text(text)
    out = tmp_path / "risk.csv"
    result = CliRunner().invoke(
        app, ["risk", "--scenario", str(scen), "--rota", str(rota_path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = read_table(out, "risk")
    assert set(table["employee_id"]) == {"A", "B"}
    assert table.set_index("employee_id").loc["A", "longest_run_days"] == 7
    missing = CliRunner().invoke(
        app, ["risk", "--scenario", str(scen), "--rota", str(tmp_path / "no.csv"), "--out", "x"]
    )
    assert missing.exit_code == 2


def test_scheduler_candidates_keep_their_contract(scenario):
    rota = pd.DataFrame([shift("cand-02", f"2026-11-{d:02d} 09:00", 8) for d in range(16, 20)])
    person = burnout_risk(scenario, rota).person.set_index("employee_id")
    assert person.loc["cand-02", "contract_hours"] == 24  # the pool alternates 40 h, 24 h
    assert person.loc["cand-02", "overtime_h"] == pytest.approx(8.0)
