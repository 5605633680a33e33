"""Each hard rule alone: the solver never breaks it, and the checker finds it broken by n.

Every test solves a tiny instance (3 people, a week, 60-minute intervals) with real CP-SAT, asserts
the rule holds in the returned rota (directly and through ``check_rota``), then plants one
violation in that rota and asserts the checker reports it with the right amount.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planner.rota_check import check_rota
from planner.scenario import Scenario, parse_scenario
from planner.schedule.solve import RotaResult, build_rota
from planner.schedule.synthetic import flat_requirement, tiny_scenario

LIMIT_S = 2.0
MONDAY = dt.date(2026, 11, 16)


def _solve(data: dict[str, object], need: float = 2.0) -> tuple[Scenario, RotaResult]:
    scenario = parse_scenario(data)
    result = build_rota(scenario, flat_requirement(scenario, need), time_limit_s=LIMIT_S)
    assert result.status in ("optimal", "feasible")
    violations = check_rota(scenario, result.rota)
    assert violations.empty, violations.to_string()
    return scenario, result


def _violations(scenario: Scenario, rota: pd.DataFrame, rule: str) -> pd.DataFrame:
    found = check_rota(scenario, rota)
    return found[found["rule"] == rule]


def _replace_shift(
    scenario: Scenario, rota: pd.DataFrame, emp: str, day: dt.date, name: str
) -> pd.DataFrame:
    """The rota with ``emp`` working template ``name`` on ``day`` (no breaks)."""
    from planner.schedule.model import shift_instants

    template = next(t for t in scenario.shifts if t.name == name)
    start, end = shift_instants(template, day, scenario.site.timezone)
    keep = rota[~((rota["employee_id"] == emp) & (rota["date"] == day))]
    row = {"employee_id": emp, "date": day, "shift": name, "start": start, "end": end, "breaks": []}
    return pd.concat([keep, pd.DataFrame([row])], ignore_index=True)


def _days(rota: pd.DataFrame, emp: str) -> list[dt.date]:
    return sorted(rota.loc[rota["employee_id"] == emp, "date"])


def test_min_rest_holds_and_a_planted_quick_return_is_found() -> None:
    scenario, result = _solve(tiny_scenario(3, rules={"min_rest_h": 11.0}), need=2.0)
    rota = result.rota.sort_values(["employee_id", "start"])
    for _, mine in rota.groupby("employee_id"):
        rests = (
            mine["start"].iloc[1:].to_numpy() - mine["end"].iloc[:-1].to_numpy()
        ) / pd.Timedelta(hours=1)
        assert (rests >= 11.0).all()
    # Plant: late on Monday, early on Tuesday = 8 h rest, 3 h short of 11 h.
    planted = _replace_shift(scenario, result.rota, "P1", MONDAY, "late")
    planted = _replace_shift(scenario, planted, "P1", MONDAY + dt.timedelta(days=1), "early")
    found = _violations(scenario, planted, "minimum rest between shifts")
    assert list(found["amount"]) == [3.0]


def test_banned_sequence_holds_and_is_found() -> None:
    rules = {"min_rest_h": 0.0, "banned_sequences": [["late", "early"]]}
    scenario, result = _solve(tiny_scenario(3, rules=rules), need=2.0)
    rota = result.rota
    for emp, mine in rota.groupby("employee_id"):
        by_day = dict(zip(mine["date"], mine["shift"], strict=True))
        for day, name in by_day.items():
            assert not (name == "late" and by_day.get(day + dt.timedelta(days=1)) == "early"), emp
    planted = _replace_shift(scenario, rota, "P2", MONDAY, "late")
    planted = _replace_shift(scenario, planted, "P2", MONDAY + dt.timedelta(days=1), "early")
    assert len(_violations(scenario, planted, "banned shift sequences")) == 1


def test_max_consecutive_days_holds_and_a_long_run_is_found() -> None:
    staff = [
        {
            "id": f"P{i}",
            "name": f"P{i}",
            "skills": ["phone"],
            "contract_hours": 40.0,
            "hourly_cost": 20.0,
        }
        for i in (1, 2, 3)
    ]
    rules = {"max_consecutive_days": 3, "min_days_off_per_week": 0, "weekly_hours_tolerance": 40}
    scenario, result = _solve(tiny_scenario(staff=staff, rules=rules, days=7), need=3.0)
    for emp in ("P1", "P2", "P3"):
        days = _days(result.rota, emp)
        run = best = 0
        for i, d in enumerate(days):
            run = run + 1 if i and (d - days[i - 1]).days == 1 else 1
            best = max(best, run)
        assert best <= 3
    planted = result.rota[result.rota["employee_id"] != "P1"]
    for k in range(5):
        planted = _replace_shift(scenario, planted, "P1", MONDAY + dt.timedelta(days=k), "early")
    found = _violations(scenario, planted, "maximum consecutive working days")
    assert list(found["amount"]) == [2]


def test_min_days_off_per_week_holds_and_is_found() -> None:
    rules = {"min_days_off_per_week": 3, "max_consecutive_days": 7, "weekly_hours_tolerance": 40}
    scenario, result = _solve(tiny_scenario(3, rules=rules), need=3.0)
    for emp in ("P1", "P2", "P3"):
        assert len(_days(result.rota, emp)) <= 4
    planted = result.rota
    for k in range(6):
        planted = _replace_shift(scenario, planted, "P3", MONDAY + dt.timedelta(days=k), "early")
    found = _violations(scenario, planted, "minimum days off per week")
    assert list(found["amount"]) == [2]  # 1 day off, 3 required


def test_max_hours_per_week_holds_and_is_found() -> None:
    rules = {"max_hours_per_week": 24.0, "weekly_hours_tolerance": 24}
    scenario, result = _solve(tiny_scenario(3, rules=rules), need=3.0)
    assert result.rota.groupby("employee_id")["paid_h"].sum().max() <= 24.0
    planted = result.rota
    for k in range(4):
        planted = _replace_shift(
            scenario, planted, "P1", MONDAY + dt.timedelta(days=2 * k), "early"
        )
    found = _violations(scenario, planted, "maximum hours per week")
    assert found["amount"].iloc[0] == pytest.approx(8.0 * len(_days(planted, "P1")) - 24.0)


def test_contract_minimum_holds_without_demand_and_a_short_week_is_found() -> None:
    staff = [
        {"id": "P1", "name": "P1", "skills": ["phone"], "contract_hours": 40.0, "hourly_cost": 20.0}
    ]
    scenario, result = _solve(
        tiny_scenario(staff=staff, rules={"weekly_hours_tolerance": 0.0}), need=0.0
    )
    assert result.rota["paid_h"].sum() == pytest.approx(40.0)  # no demand, yet the contract
    planted = result.rota.iloc[1:]
    found = _violations(scenario, planted, "contract minimum weekly hours")
    assert list(found["amount"]) == [8.0]


def test_leave_and_availability_hold_and_are_found() -> None:
    staff = [
        {
            "id": "P1",
            "name": "P1",
            "skills": ["phone"],
            "contract_hours": 16.0,
            "hourly_cost": 20.0,
            "time_off": [
                {"start": MONDAY + dt.timedelta(days=2), "end": MONDAY + dt.timedelta(days=3)}
            ],
        },
        {
            "id": "P2",
            "name": "P2",
            "skills": ["phone"],
            "contract_hours": 16.0,
            "hourly_cost": 20.0,
            "availability": {
                "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                "latest_end": "16:00",
            },
        },
    ]
    scenario, result = _solve(tiny_scenario(staff=staff), need=2.0)
    p1 = _days(result.rota, "P1")
    assert MONDAY + dt.timedelta(days=2) not in p1 and MONDAY + dt.timedelta(days=3) not in p1
    p2 = result.rota[result.rota["employee_id"] == "P2"]
    assert all(d.weekday() < 5 for d in p2["date"]) and set(p2["shift"]) <= {"early"}
    planted = _replace_shift(scenario, result.rota, "P1", MONDAY + dt.timedelta(days=2), "early")
    planted = _replace_shift(scenario, planted, "P2", MONDAY + dt.timedelta(days=5), "late")
    assert len(_violations(scenario, planted, "approved time off")) == 1
    assert len(_violations(scenario, planted, "availability")) == 2  # Saturday, ends 23:00


def test_seasonal_only_after_training_and_backup_only_up_to_cap() -> None:
    staff = [
        {
            "id": "S1",
            "name": "S1",
            "kind": "seasonal",
            "skills": ["phone"],
            "contract_hours": 16.0,
            "hourly_cost": 18.0,
            "start_date": MONDAY,
            "training_days": 2,
        },
        {
            "id": "B1",
            "name": "B1",
            "kind": "backup",
            "skills": ["phone"],
            "contract_hours": 0.0,
            "hourly_cost": 30.0,
            "max_hours_total": 8.0,
        },
        {
            "id": "P1",
            "name": "P1",
            "skills": ["phone"],
            "contract_hours": 24.0,
            "hourly_cost": 20.0,
        },
    ]
    scenario, result = _solve(tiny_scenario(staff=staff), need=3.0)
    assert min(_days(result.rota, "S1")) >= MONDAY + dt.timedelta(days=2)
    assert result.rota.loc[result.rota["employee_id"] == "B1", "paid_h"].sum() <= 8.0
    planted = _replace_shift(scenario, result.rota, "S1", MONDAY, "early")
    for k in range(3):
        planted = _replace_shift(scenario, planted, "B1", MONDAY + dt.timedelta(days=k), "early")
    assert list(_violations(scenario, planted, "seasonal start and training")["amount"]) == [2]
    cap = _violations(scenario, planted, "backup staff hour cap")
    assert cap["amount"].iloc[0] == pytest.approx(8.0 * len(_days(planted, "B1")) - 8.0)


def test_breaks_follow_the_rules_and_a_misplaced_break_is_found() -> None:
    scenario, result = _solve(tiny_scenario(3), need=2.0)
    rules = scenario.rules.breaks
    for r in result.rota.itertuples(index=False):
        breaks = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in r.breaks]
        lengths = sorted(round((b - a).total_seconds() / 60) for a, b in breaks)
        assert lengths == [15, 15, 30]  # two short breaks and a lunch in an 8 h shift
        for a, b in breaks:
            assert a >= r.start + pd.Timedelta(minutes=rules.none_in_first_last_min)
            assert b <= r.end - pd.Timedelta(minutes=rules.none_in_first_last_min)
    planted = result.rota.copy()
    row = planted.index[0]
    start = planted.at[row, "start"]
    planted.at[row, "breaks"] = [
        [str(start + pd.Timedelta(minutes=10)), str(start + pd.Timedelta(minutes=25))],
        *planted.at[row, "breaks"][1:],
    ]
    found = _violations(scenario, planted, "breaks")
    assert any("first/last" in d for d in found["detail"])


def test_california_preset_puts_lunch_before_the_end_of_the_fifth_hour() -> None:
    data = tiny_scenario(3)
    data["rules"] = {"preset": "us_ca", "banned_sequences": []}
    scenario, result = _solve(data, need=2.0)
    for r in result.rota.itertuples(index=False):
        lunch = [
            (pd.Timestamp(a), pd.Timestamp(b))
            for a, b in r.breaks
            if pd.Timestamp(b) - pd.Timestamp(a) >= pd.Timedelta(minutes=30)
        ]
        assert len(lunch) == 1 and lunch[0][0] <= r.start + pd.Timedelta(hours=5)
        shorts = len(r.breaks) - 1
        assert shorts == 2  # 10 min per 4 h: two in an 8 h shift
    planted = result.rota.copy()
    row = planted.index[0]
    start = planted.at[row, "start"]
    late_lunch = [
        str(start + pd.Timedelta(hours=5, minutes=30)),
        str(start + pd.Timedelta(hours=6)),
    ]
    planted.at[row, "breaks"] = [
        *[
            b
            for b in planted.at[row, "breaks"]
            if pd.Timestamp(b[1]) - pd.Timestamp(b[0]) < pd.Timedelta(minutes=30)
        ],
        late_lunch,
    ]
    found = _violations(scenario, planted, "breaks")
    assert any("outside its window" in d for d in found["detail"])
