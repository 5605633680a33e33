"""Figures: each draws the numbers of its table (checked on the figure's data, not by eye)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from _plan_fixtures import TZ, small_coverage, small_rota, small_scenario

from planner.plots import (
    compare_figure,
    coverage_figure,
    forecast_figure,
    history_figure,
    person_risk_figure,
    reasons_pareto,
    requirement_heatmap,
    risk_heatmap,
    rota_timeline,
)


@pytest.fixture
def scenario():
    return small_scenario()


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_history_figure_shades_the_surge():
    days = pd.date_range("2025-10-01", "2025-12-31", freq="D")
    daily = pd.DataFrame({"queue": "phone/normal", "date": days.date, "y": np.arange(len(days))})
    fig = history_figure(daily, [(dt.date(2025, 11, 15), dt.date(2025, 12, 31), "surge")])
    assert len(fig.data) == 1 and len(fig.data[0].y) == len(days)
    assert len(fig.layout.shapes) == 1
    assert pd.Timestamp(fig.layout.shapes[0].x0) == pd.Timestamp("2025-11-15")


def test_forecast_figure_sums_queues_and_marks_holidays():
    days = pd.date_range("2026-11-20", periods=10, freq="D").date
    rows = []
    for q, base in (("a", 100.0), ("b", 50.0)):
        for d in days:
            holiday = "black_friday" if d == dt.date(2026, 11, 27) else ""
            rows.append(
                {"queue": q, "date": d, "yhat": base, "yhat_lower": base * 0.8,
                 "yhat_upper": base * 1.2, "y_plan": base * 1.1, "holiday": holiday}
            )  # fmt: skip
    fc = pd.DataFrame(rows)
    hist = pd.DataFrame({"queue": "a", "date": pd.date_range("2026-11-01", periods=19).date})
    hist["y"] = 90.0
    fig = forecast_figure(hist, fc)
    assert list(_trace(fig, "forecast").y) == [150.0] * 10
    assert list(_trace(fig, "forecast band").y) == pytest.approx([120.0] * 10)
    stars = _trace(fig, "holiday / event")
    assert list(stars.text) == ["black_friday"]
    names = [t.name for t in fig.data]
    assert "a year earlier" not in names  # no history a year before
    long_hist = pd.DataFrame({"queue": "a", "date": pd.date_range("2025-10-01", "2026-11-19").date})
    long_hist["y"] = 1.0
    windowed = forecast_figure(long_hist, fc)
    actual = _trace(windowed, "actual")
    assert pd.Timestamp(actual.x[0]) == pd.Timestamp("2026-09-21")  # 60 days before the start
    year_ago = _trace(windowed, "a year earlier")
    assert pd.Timestamp(year_ago.x[-1]) == pd.Timestamp("2026-11-29")  # shifted onto the plan
    single = forecast_figure(None, fc, queue="b")
    assert list(_trace(single, "staffed to").y) == pytest.approx([55.0] * 10)


def test_requirement_heatmap_has_one_cell_per_time_and_day(scenario):
    cov = small_coverage(scenario)
    req = cov.rename(columns={"staff_scheduled": "contacts"})
    fig = requirement_heatmap(req, TZ)
    z = np.array(fig.data[0].z, dtype=float)
    assert z.shape == (24, len(scenario.horizon.days))
    # 2026-10-29 07:00, both queues summed
    at = cov[cov["ds"] == pd.Timestamp("2026-10-29 07:00", tz=TZ)]["staff_needed"].sum()
    assert z[7, 0] == at


def test_coverage_figure_marks_only_gaps(scenario):
    cov = small_coverage(scenario)
    fig = coverage_figure(cov, TZ, queue="phone/normal")
    short = cov[(cov["queue"] == "phone/normal") & (cov["gap"] < 0)]
    bars = _trace(fig, "under-cover")
    assert len(bars.x) == len(short)
    assert list(bars.y) == pytest.approx(list(-short["gap"]))
    week = coverage_figure(cov, TZ, start=dt.date(2026, 11, 2), days=2)
    assert len(_trace(week, "needed").x) == 48


def test_rota_timeline_bars_are_eight_hours_even_on_dst_day(scenario):
    rota = small_rota(scenario)
    fig = rota_timeline(rota, scenario, start=dt.date(2026, 10, 29), days=11)
    early = _trace(fig, "early")
    assert len(early.x) == (rota["shift"] == "Early").sum()
    assert set(np.round(np.array(early.x, dtype=float) / 3.6e6, 6)) == {8.0}
    assert "Ana, Lopez (E1)" in set(early.y)
    assert len(_trace(fig, "break").x) == len(rota)


def test_risk_figures():
    weekly = pd.DataFrame(
        {
            "employee_id": ["E1", "E1", "E2", "E2"],
            "week": [dt.date(2026, 11, 16), dt.date(2026, 11, 23)] * 2,
            "risk_score": [10.0, 80.0, 20.0, 30.0],
            "pts_quick_returns": [10.0, 50.0, 0.0, 0.0],
            "pts_long_shifts": [0.0, 30.0, 20.0, 30.0],
        }
    )
    heat = risk_heatmap(weekly, {"E1": "Ana"})
    assert list(heat.data[0].y) == ["Ana (E1)", "E2"]  # riskiest first; no name: just the id
    assert list(risk_heatmap(weekly, top=1).data[0].y) == ["E1"]
    assert np.array(heat.data[0].z, dtype=float)[0].tolist() == [10.0, 80.0]
    person = person_risk_figure(weekly, "E2")
    assert [t.name for t in person.data] == ["long_shifts"]


def test_reasons_pareto_cumulative_share():
    reasons = pd.DataFrame({"reason": ["a", "b", "c", "a"], "y": [50, 30, 20, 0]})
    fig = reasons_pareto(reasons)
    assert list(fig.data[0].x) == ["a", "b", "c"]
    assert list(fig.data[1].y) == pytest.approx([0.5, 0.8, 1.0])


def test_compare_figure():
    table = pd.DataFrame(
        {"metric": ["total cost", "service level q"], "A": [1.0, 0.7], "B": [2.0, 0.9]}
    )
    comp = compare_figure(table, ("A", "B"))
    assert list(comp.data[1].y) == [0.9]
