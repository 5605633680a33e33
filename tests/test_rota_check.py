"""``check_rota`` on a rota edited by hand (naive local times, breaks as text) and the
``planner check-rota`` command: every planted violation is found, with person, rule and amount."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import DataError
from planner.rota_check import check_rota, check_rota_file, parse_breaks
from planner.scenario import parse_scenario
from planner.schedule.synthetic import tiny_scenario

MONDAY = dt.date(2026, 11, 16)
TZ = "America/New_York"


def _scenario_data() -> dict[str, object]:
    staff = [
        {
            "id": "P1",
            "name": "Ann",
            "skills": ["phone"],
            "contract_hours": 16.0,
            "hourly_cost": 20.0,
            "time_off": [
                {"start": MONDAY + dt.timedelta(days=4), "end": MONDAY + dt.timedelta(days=4)}
            ],
        },
        {
            "id": "P2",
            "name": "Bob",
            "skills": ["phone"],
            "contract_hours": 16.0,
            "hourly_cost": 20.0,
        },
    ]
    return tiny_scenario(staff=staff, rules={"min_rest_h": 11.0, "max_hours_per_day": 9.0})


def _row(emp: str, day: dt.date, shift: str, start: str, end: str, breaks: str) -> dict[str, str]:
    return {
        "employee_id": emp,
        "date": day.isoformat(),
        "shift": shift,
        "start": start,
        "end": end,
        "breaks": breaks,
    }


def _clean_day(emp: str, day: dt.date, shift: str = "early") -> dict[str, str]:
    """An 8 h shift typed in Excel style (naive times) with legal breaks."""
    h0 = 7 if shift == "early" else 15
    d = day.isoformat()
    breaks = (
        f'[["{d} {h0 + 1:02d}:30", "{d} {h0 + 1:02d}:45"], '
        f'["{d} {h0 + 3:02d}:00", "{d} {h0 + 3:02d}:30"], '
        f'["{d} {h0 + 5:02d}:30", "{d} {h0 + 5:02d}:45"]]'
    )
    return _row(emp, day, shift, f"{d} {h0:02d}:00", f"{d} {h0 + 8:02d}:00", breaks)


def _hand_edited() -> pd.DataFrame:
    rows = [_clean_day("P1", MONDAY + dt.timedelta(days=k)) for k in (0, 1)]
    rows += [_clean_day("P2", MONDAY + dt.timedelta(days=k)) for k in (0, 2)]
    return pd.DataFrame(rows)


def test_a_clean_hand_typed_rota_has_no_violations(tmp_path) -> None:
    scenario = parse_scenario(_scenario_data())
    path = tmp_path / "rota.csv"
    _hand_edited().to_csv(path, index=False)
    found = check_rota_file(scenario, path)
    assert found.empty, found.to_string()


def test_planted_violations_are_each_found_with_their_amount(tmp_path) -> None:
    scenario = parse_scenario(_scenario_data())
    rota = _hand_edited()
    tue, fri = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=4)
    # 1. P2 works late on Wednesday then early Thursday: 8 h rest, 3 h short.
    wed = MONDAY + dt.timedelta(days=2)
    rota = rota[~((rota["employee_id"] == "P2") & (rota["date"] == wed.isoformat()))]
    rota = pd.concat(
        [
            rota,
            pd.DataFrame(
                [_clean_day("P2", wed, "late"), _clean_day("P2", wed + dt.timedelta(days=1))]
            ),
        ]
    )
    # 2. P1 on approved leave on Friday.
    rota = pd.concat([rota, pd.DataFrame([_clean_day("P1", fri)])])
    # 3. P1's Tuesday stretched to 10 h (max 9 h per day), lunch dropped.
    tue_row = (rota["employee_id"] == "P1") & (rota["date"] == tue.isoformat())
    rota.loc[tue_row, "end"] = f"{tue} 17:00"
    rota.loc[tue_row, "breaks"] = (
        f'[["{tue} 08:30", "{tue} 08:45"], ["{tue} 12:30", "{tue} 12:45"]]'
    )
    path = tmp_path / "edited.xlsx"
    rota.to_excel(path, index=False)
    found = check_rota_file(scenario, path)
    by_rule = {rule: group for rule, group in found.groupby("rule")}
    rest = by_rule["minimum rest between shifts"]
    assert list(rest["employee_id"]) == ["P2"] and list(rest["amount"]) == [3.0]
    leave = by_rule["approved time off"]
    assert list(leave["employee_id"]) == ["P1"] and list(leave["date"]) == [fri]
    day = by_rule["maximum hours per day"]
    assert list(day["amount"]) == [1.0]
    assert any("no lunch" in d for d in by_rule["breaks"]["detail"])
    assert set(found["rule"]) == {
        "minimum rest between shifts",
        "approved time off",
        "maximum hours per day",
        "breaks",
    }


def test_missing_staff_owe_their_contract_and_unknown_ids_are_named() -> None:
    scenario = parse_scenario(_scenario_data())
    rota = pd.DataFrame(
        [
            _clean_day("P1", MONDAY),
            _clean_day("P1", MONDAY + dt.timedelta(days=1)),
            _clean_day("ZZ9", MONDAY),
        ]
    )
    found = check_rota(scenario, rota)
    short = found[(found["rule"] == "contract minimum weekly hours")]
    assert list(short["employee_id"]) == ["P2"] and short["amount"].iloc[0] == pytest.approx(12.0)
    assert "unknown employee" in set(found.loc[found["employee_id"] == "ZZ9", "rule"])


def test_bad_cells_are_one_line_errors() -> None:
    with pytest.raises(DataError, match="breaks cell"):
        parse_breaks("[[oops", TZ)
    assert parse_breaks("", TZ) == []
    scenario = parse_scenario(_scenario_data())
    bad = pd.DataFrame([_clean_day("P1", MONDAY)]).assign(start="soon")
    with pytest.raises(DataError, match="start"):
        check_rota(scenario, bad)


def test_check_rota_command_lists_violations_and_exits_1(tmp_path) -> None:
    data = _scenario_data()
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    rota = _hand_edited()
    rota = pd.concat([rota, pd.DataFrame([_clean_day("P1", MONDAY + dt.timedelta(days=4))])])
    rota.to_csv(tmp_path / "rota.csv", index=False)
    run = CliRunner().invoke(
        app,
        [
            "check-rota",
            "--scenario",
            str(tmp_path / "scenario.yaml"),
            "--rota",
            str(tmp_path / "rota.csv"),
        ],
    )
    assert run.exit_code == 1
    assert "P1" in run.output and "approved time off" in run.output
    assert "1 violation(s)" in run.output
