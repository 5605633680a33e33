"""The backtest: no peeking, metrics, the seasonal-naive baseline, the CLI and its errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.backtest import backtest, metrics, seasonal_naive_date
from planner.cli import app
from planner.errors import DataError, PlannerError
from planner.forecast import in_window
from planner.scenario import ForecastSettings, Site

WEEKLY = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.7, 0.6])
FAST = ForecastSettings(calibration_folds=1, parallel_jobs=1)
HOLDOUT = (dt.date(2024, 10, 1), dt.date(2024, 11, 30))


def _daily(start: str = "2022-10-01", end: str = "2024-11-30", seed: int = 0) -> pd.DataFrame:
    days = pd.date_range(start, end, freq="D")
    lam = 150 * WEEKLY[days.day_of_week] * (1 + 0.6 * in_window(days, "11-15", "12-31"))
    y = np.random.default_rng(seed).poisson(lam).astype(float)
    return pd.DataFrame({"queue": "all", "ds": days.tz_localize("UTC"), "y": y})


def test_seasonal_naive_takes_the_same_iso_week_and_weekday_a_year_earlier() -> None:
    assert seasonal_naive_date(dt.date(2025, 12, 25)) == dt.date(2024, 12, 26)  # Thursday, W52
    assert seasonal_naive_date(dt.date(2026, 12, 31)) == dt.date(2025, 12, 25)  # W53 -> W52
    assert seasonal_naive_date(dt.date(2025, 11, 28)).weekday() == 4
    # a lag date inside the holdout steps back another year
    assert seasonal_naive_date(dt.date(2026, 6, 1), not_after=dt.date(2025, 5, 1)) == dt.date(
        2024, 6, 3
    )


def test_metrics_are_fractions_and_mape_skips_zero_days() -> None:
    y = np.array([10.0, 0.0, 20.0])
    yhat = np.array([12.0, 5.0, 20.0])
    m = metrics(y, yhat, yhat - 1, yhat + 1, scale=2.0)
    assert m["wape"] == pytest.approx(7 / 30)
    assert m["mape"] == pytest.approx((0.2 + 0.0) / 2)  # the zero day is left out
    assert m["mase"] == pytest.approx((7 / 3) / 2.0)
    assert m["coverage80"] == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def clean_run():
    return backtest(_daily(), *HOLDOUT, settings=FAST)


def test_backtest_never_sees_the_holdout(clean_run) -> None:
    planted = _daily()
    inside = planted["ds"].dt.date == dt.date(2024, 10, 15)
    planted.loc[inside, "y"] = 1e9  # absurd: would wreck any model that saw it
    after = backtest(planted, *HOLDOUT, settings=FAST)
    np.testing.assert_allclose(after.daily["prophet"], clean_run.daily["prophet"], rtol=1e-9)
    np.testing.assert_allclose(
        after.daily["seasonal_naive"], clean_run.daily["seasonal_naive"], rtol=1e-9
    )
    np.testing.assert_allclose(after.daily["prophet_upper"], clean_run.daily["prophet_upper"])
    assert after.metrics["prophet"]["wape"] > 0.99  # the planted value is scored, though


def test_backtest_beats_seasonal_naive_on_a_clean_series(clean_run) -> None:
    assert clean_run.n_days == 61
    prophet, naive = clean_run.metrics["prophet"], clean_run.metrics["seasonal_naive"]
    assert prophet["wape"] < 0.1
    assert prophet["wape"] < naive["wape"]
    assert 0.5 <= prophet["coverage80"] <= 1.0
    out = clean_run.to_json()
    assert set(out) == {"prophet", "seasonal_naive", "n_days"}
    assert set(out["prophet"]) == {"wape", "mape", "mase", "coverage80"}


def test_holdout_outside_the_data_or_too_early_is_an_error() -> None:
    history = _daily()
    with pytest.raises(PlannerError, match="outside the data"):
        backtest(history, dt.date(2024, 11, 1), dt.date(2025, 1, 31), settings=FAST)
    with pytest.raises(PlannerError, match="outside the data"):
        backtest(history, dt.date(2022, 9, 1), dt.date(2022, 9, 30), settings=FAST)
    with pytest.raises(DataError, match="only 10 days of history"):
        backtest(history, dt.date(2022, 10, 11), dt.date(2022, 10, 20), settings=FAST)
    with pytest.raises(PlannerError, match="before --holdout-start"):
        backtest(history, dt.date(2024, 11, 1), dt.date(2024, 10, 1), settings=FAST)


def test_sub_daily_history_gets_per_interval_metrics() -> None:
    days = _daily("2023-06-01", "2024-10-31")
    hours = np.arange(24)
    shape = np.where((hours >= 8) & (hours < 20), 1.0, 0.0)
    shape = shape / shape.sum()
    rows = []
    rng = np.random.default_rng(3)
    for ds, y in zip(days["ds"], days["y"], strict=True):
        counts = rng.multinomial(int(y), shape)
        rows.append(
            pd.DataFrame({"queue": "all", "ds": ds + pd.to_timedelta(hours, "h"), "y": counts})
        )
    history = pd.concat(rows, ignore_index=True)
    site = Site(name="t", timezone="UTC", interval_minutes=60)
    result = backtest(
        history, dt.date(2024, 10, 1), dt.date(2024, 10, 31), settings=FAST, site=site
    )
    assert result.n_days == 31
    assert result.interval_metrics is not None
    assert result.interval_metrics["prophet"]["wape"] < 0.35
    assert result.interval_metrics["prophet"]["wape"] > result.metrics["prophet"]["wape"]


def test_cli_json_prints_exactly_one_object(tmp_path: Path) -> None:
    history = _daily()
    path = tmp_path / "daily.csv"
    pd.DataFrame({"ds": history["ds"].dt.strftime("%Y-%m-%d"), "y": history["y"]}).to_csv(
        path, index=False
    )
    args = [
        "backtest",
        "--history",
        str(path),
        "--holdout-start",
        "2024-10-01",
        "--holdout-end",
        "2024-11-30",
        "--country",
        "US",
        "--json",
    ]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    out = json.loads(run.stdout)
    assert out["n_days"] == 61
    assert 0 < out["prophet"]["wape"] < out["seasonal_naive"]["wape"]
    bad = CliRunner().invoke(app, [*args[:4], "2030-01-01", "--holdout-end", "2030-02-01"])
    assert bad.exit_code == 2
    assert "outside the data" in bad.output and len(bad.output.strip().splitlines()) == 1
