"""Saved scenarios and plans: round trip, listing, delete, atomic saves, compare."""

from __future__ import annotations

import pandas as pd
import pytest
from _plan_fixtures import small_coverage, small_risk, small_rota, small_scenario

import planner.store as store_module
from planner.errors import DataError
from planner.exports import plan_summary
from planner.store import DATABASE_URL_ENV, PlanStore, compare_plans, database_url


@pytest.fixture
def store(tmp_path):
    s = PlanStore(folder=tmp_path)
    yield s
    s.close()


def _plan(name="test plan"):
    scenario = small_scenario(name)
    rota = small_rota(scenario)
    coverage = small_coverage(scenario)
    risk = small_risk()
    summary = plan_summary(scenario, rota=rota, coverage=coverage, risk=risk)
    return scenario, summary, {"rota": rota, "coverage": coverage, "risk": risk}


def test_default_url_is_sqlite_in_folder_and_env_overrides(tmp_path, monkeypatch):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'plans.db'}"
    monkeypatch.setenv(DATABASE_URL_ENV, "sqlite:///" + str(tmp_path / "team.db"))
    assert database_url(tmp_path).endswith("team.db")
    s = PlanStore(folder=tmp_path)
    s.save_scenario(small_scenario())
    s.close()
    assert (tmp_path / "team.db").exists() and not (tmp_path / "plans.db").exists()


def test_plan_round_trip_keeps_tables_exactly(tmp_path, store):
    scenario, summary, tables = _plan()
    plan_id = store.save_plan("baseline", scenario, summary, tables)
    # reopen through a fresh connection, as after an app restart
    fresh = PlanStore(folder=tmp_path)
    reopened = fresh.load_plan(plan_id)
    fresh.close()
    assert reopened.name == "baseline"
    assert reopened.scenario.name == scenario.name
    assert reopened.scenario.staff[1].time_off[0].start == scenario.staff[1].time_off[0].start
    assert reopened.summary.total_cost == pytest.approx(summary.total_cost)
    rota = reopened.tables["rota"]
    pd.testing.assert_frame_equal(
        rota.drop(columns="breaks"), tables["rota"].drop(columns="breaks"), check_dtype=False
    )
    assert rota["start"].dt.tz is not None
    first_break = rota["breaks"].iloc[0][0]
    assert first_break[0] == tables["rota"]["breaks"].iloc[0][0][0]
    # Parquet may store a finer time unit; values and zone must be identical
    pd.testing.assert_frame_equal(
        reopened.tables["coverage"], tables["coverage"], check_dtype=False
    )
    assert str(reopened.tables["coverage"]["ds"].dt.tz) == "America/New_York"


def test_list_and_delete(store):
    scenario, summary, tables = _plan()
    first = store.save_plan("a", scenario, summary, tables)
    second = store.save_plan("b", scenario, summary, {"rota": tables["rota"]})
    listed = store.list_plans()
    assert list(listed["id"]) == [second, first]
    assert list(listed["name"]) == ["b", "a"]
    assert listed["total_cost"].iloc[0] == pytest.approx(summary.total_cost)
    store.delete_plan(first)
    assert list(store.list_plans()["id"]) == [second]
    assert store.count_tables() == 1
    with pytest.raises(DataError, match=f"no saved plan with id {first}"):
        store.load_plan(first)


def test_scenarios_round_trip(store):
    scenario = small_scenario("saved scenario")
    sid = store.save_scenario(scenario)
    assert store.list_scenarios()["name"].tolist() == ["saved scenario"]
    back = store.load_scenario(sid)
    assert back.model_dump() == scenario.model_dump()
    store.delete_scenario(sid)
    assert store.list_scenarios().empty


def test_failure_mid_save_leaves_nothing(store, monkeypatch):
    scenario, summary, tables = _plan()
    store.save_plan("kept", scenario, summary, tables)
    real = store_module._table_to_blob
    calls = {"n": 0}

    def failing(df):
        # the plan row and the first table are already flushed when the second one fails
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(df)

    monkeypatch.setattr(store_module, "_table_to_blob", failing)
    with pytest.raises(OSError, match="disk full"):
        store.save_plan("half", scenario, summary, tables)
    assert calls["n"] == 2
    assert store.list_plans()["name"].tolist() == ["kept"]
    assert store.count_tables() == len(tables)


def test_compare_plans_names_the_better_plan():
    _, a, _ = _plan("cheap")
    _, b, _ = _plan("generous")
    b.labour_cost = a.labour_cost + 500
    b.under_cover_hours = a.under_cover_hours / 2
    queue = next(iter(a.service_level))
    b.service_level = {**a.service_level, queue: a.service_level[queue] + 0.1}
    table = compare_plans(a, b, names=("cheap", "generous")).set_index("metric")
    assert table.loc["total cost (USD)", "difference"] == pytest.approx(500)
    assert table.loc["total cost (USD)", "better"] == "cheap"
    assert table.loc["under-cover staff-hours", "better"] == "generous"
    assert table.loc[f"service level {queue}", "better"] == "generous"
    assert table.loc["hires", "better"] == "same"
