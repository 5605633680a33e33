"""Scenario loading: the sample loads, and every kind of mistake names its YAML path."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from planner.errors import ScenarioError
from planner.sample import sample_scenario
from planner.scenario import Scenario, load_scenario, parse_scenario

SAMPLE = Path(__file__).parents[1] / "data" / "sample" / "scenario.yaml"


@pytest.fixture(scope="module")
def base() -> dict:
    """The sample scenario as plain YAML data (what a person would edit)."""
    return yaml.safe_load(yaml.safe_dump(sample_scenario()))


def _error(base: dict, change: Callable[[dict], object]) -> str:
    data = copy.deepcopy(base)
    change(data)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, source="scenario.yaml")
    message = str(info.value)
    assert "\n" not in message
    return message


def test_the_sample_scenario_loads():
    plan = load_scenario(SAMPLE)
    assert isinstance(plan, Scenario)
    assert plan.site.timezone == "America/New_York"
    assert plan.site.interval_minutes == 30
    assert plan.history_path() == SAMPLE.parent / "history.csv.gz"
    assert plan.history.reasons_path == Path("reasons.csv.gz")
    assert plan.queue_names == [
        "phone/urgent",
        "phone/normal",
        "chat/urgent",
        "chat/normal",
        "email/urgent",
        "email/normal",
    ]
    assert plan.queue("chat/normal").concurrency == 2
    assert plan.queue("email/urgent").response_within_h == 4
    assert plan.queue("phone/urgent").patience_s == 180
    assert plan.site.opening_hours["sun"] == (dt.time(7), dt.time(23))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["staff"][12].__setitem__("contract_hours", 0),
            "scenario.yaml: staff[12].contract_hours: must be > 0",
        ),
        (
            lambda d: d["staff"][12].__setitem__("contract_hours", -3),
            "scenario.yaml: staff[12].contract_hours: must be >= 0",
        ),
        (
            lambda d: d["staff"][3].__setitem__("contrat_hours", 3),
            "scenario.yaml: staff[3].contrat_hours: unknown setting",
        ),
        (
            lambda d: d["site"].__setitem__("timezone", "Mars/Olympus"),
            "scenario.yaml: site.timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            lambda d: d["site"]["opening_hours"].__setitem__("mon", ["23:00", "07:00"]),
            "scenario.yaml: site.opening_hours.mon: closes (07:00) must be after it opens",
        ),
        (
            lambda d: d["shifts"][0].__setitem__("start", "7h"),
            "scenario.yaml: shifts[0].start: '7h' is not a clock time",
        ),
        (
            lambda d: d["queues"][4].pop("response_within_h"),
            "scenario.yaml: queues[4]: email queues need response_within_h",
        ),
        (
            lambda d: d["queues"][0].__setitem__("name", "phone/high"),
            "scenario.yaml: queues[0]: name 'phone/high' must be channel/priority",
        ),
        (
            lambda d: d["queues"][0].__setitem__("service_level", 1.5),
            "scenario.yaml: queues[0].service_level: must be <= 1",
        ),
        (lambda d: d.pop("site"), "scenario.yaml: site: required setting is missing"),
        (
            lambda d: d["horizon"].__setitem__("end", "2026-11-01"),
            "scenario.yaml: horizon: end (2026-11-01) is before start (2026-11-16)",
        ),
        (
            lambda d: d["staff"][1].__setitem__("id", d["staff"][0]["id"]),
            "scenario.yaml: staff: duplicate id(s) E101",
        ),
        (
            lambda d: d["staff"][2].__setitem__("preferred_shifts", ["night"]),
            "scenario.yaml: staff[2].preferred_shifts: unknown shift 'night'",
        ),
        (
            lambda d: d["hiring"].__setitem__("ramp_up", [0.5, 2]),
            "scenario.yaml: hiring.ramp_up[1]: must be <= 1",
        ),
        (
            lambda d: d["staff"][5].__setitem__(
                "time_off", [{"start": "2026-12-01", "end": "2026-11-01"}]
            ),
            "scenario.yaml: staff[5].time_off[0]: end (2026-11-01) is before start (2026-12-01)",
        ),
        (
            lambda d: d["staff"][0].__setitem__("skills", ["fax"]),
            "scenario.yaml: staff[0].skills: ['fax'] serves no queue",
        ),
        (
            lambda d: d["site"].__setitem__("interval_minutes", 20),
            "scenario.yaml: site.interval_minutes: ",
        ),
    ],
)
def test_errors_name_the_yaml_path(base, change, expected):
    assert _error(base, change).startswith(expected)


def test_several_problems_are_counted(base):
    def two(d: dict) -> None:
        d["staff"][1]["contract_hours"] = -1
        d["staff"][2]["hourly_cost"] = -1

    assert _error(base, two).endswith("(and 1 more problem(s))")


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ScenarioError, match=r"nope\.yaml: scenario file not found"):
        load_scenario(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("site:\n  name: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml: not valid YAML at line \d+"):
        load_scenario(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    with pytest.raises(ScenarioError, match=r"list\.yaml: the file must be a YAML mapping"):
        load_scenario(listed)


def test_relative_history_path_resolves_next_to_the_scenario(tmp_path, base):
    path = tmp_path / "sub" / "plan.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(base))
    plan = load_scenario(path)
    assert plan.history_path() == path.parent.resolve() / "history.csv.gz"
