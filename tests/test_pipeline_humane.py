"""Cheapest vs humane rota: the same plan scheduled with and without burnout penalties."""

from __future__ import annotations

import pytest

from planner.errors import ScenarioError
from planner.pipeline import cheapest_vs_humane
from planner.scenario import parse_scenario
from planner.schedule.synthetic import flat_requirement, tiny_scenario


@pytest.fixture(scope="module")
def plan():
    # 8 h rest allows late -> early quick returns, which the burnout weight discourages
    scenario = parse_scenario(
        tiny_scenario(3, days=5, rules={"min_rest_h": 8.0, "max_consecutive_days": 7})
    )
    scenario.schedule.seed = 1
    # a whole requirement row: 10 contacts of 300 s per hour need one agent on the floor
    requirement = flat_requirement(scenario, 1.0).assign(contacts=10.0, aht_s=300.0)
    return scenario, requirement


def test_humane_rota_never_beats_the_cheapest_on_its_own_terms(plan):
    scenario, requirement = plan
    cmp = cheapest_vs_humane(scenario, requirement, humane_weight=80.0, time_limit_s=20)
    cheap, humane = cmp.cheapest.summary, cmp.humane.summary
    assert cheap["status"] == humane["status"] == "optimal"
    # the cheapest rota minimises everything but burnout, so the humane rota's objective
    # without its burnout terms can only be equal or worse
    burnout = sum(v for k, v in humane["penalties"].items() if k.startswith("burnout"))
    assert humane["objective"] - burnout >= cheap["objective"] - 1e-6
    assert not any(k.startswith("burnout") for k in cheap["penalties"])
    table = cmp.table.set_index("metric")
    assert table.loc["total cost", "cheapest"] == pytest.approx(cheap["total_cost"])
    assert table.loc["total cost", "difference"] == pytest.approx(
        humane["total_cost"] - cheap["total_cost"]
    )
    assert "high-risk person-weeks" in table.index
    assert "humane rota (burnout weight 80)" in cmp.summary


def test_humane_weight_must_be_positive(plan):
    scenario, requirement = plan
    with pytest.raises(ScenarioError, match="humane_weight: must be > 0"):
        cheapest_vs_humane(scenario, requirement, humane_weight=0.0)
