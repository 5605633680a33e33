"""The forecast stage with real Prophet on small seeded series."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from planner.errors import DataError, ScenarioError
from planner.forecast import (
    _offsets,
    apply_what_ifs,
    conformal_quantile,
    forecast_volume,
    in_window,
)
from planner.scenario import ForecastSettings, Scenario, parse_scenario

TZ = "America/New_York"
WEEKLY = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.7, 0.6])  # Monday first


def _scenario(queues: tuple[str, ...] = ("phone/normal",), **forecast: object) -> Scenario:
    return parse_scenario(
        {
            "site": {"name": "t", "timezone": TZ, "country": "US"},
            "horizon": {"start": "2026-11-16", "end": "2027-01-10"},
            "history": {"path": "history.csv"},
            "queues": [
                {"name": q, "channel": q.split("/")[0], "priority": q.split("/")[1], "aht_s": 300}
                for q in queues
            ],
            "shifts": [{"name": "day", "start": "08:00", "length_h": 8}],
            "forecast": {"parallel_jobs": 1, **forecast},
        }
    )


def _volume(days: pd.DatetimeIndex, level: float, surge: float) -> np.ndarray:
    """Expected contacts per day: weekly shape × a Nov 15–Dec 31 surge."""
    return level * WEEKLY[days.day_of_week] * (1.0 + surge * in_window(days, "11-15", "12-31"))


def _history(
    start: str,
    end: str,
    level: float = 200.0,
    surge: float = 0.75,
    seed: int = 0,
    queue: str = "phone/normal",
) -> pd.DataFrame:
    days = pd.date_range(start, end, freq="D")
    y = np.random.default_rng(seed).poisson(_volume(days, level, surge))
    return pd.DataFrame({"queue": queue, "ds": days.tz_localize(TZ), "y": y.astype(float)})


@pytest.fixture(scope="module")
def two_years() -> tuple[pd.DataFrame, object]:
    """Two years of history with a surge each December, forecast through the next year."""
    history = _history("2023-01-01", "2024-12-31")
    result = forecast_volume(history, _scenario(), dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    return history, result


def test_two_years_of_surge_are_not_projected_into_the_trend(two_years) -> None:
    _, result = two_years
    daily = result.daily.assign(ds=pd.to_datetime(result.daily["date"]))
    off = daily[(daily["ds"] >= "2025-02-01") & (daily["ds"] <= "2025-10-31")]
    truth_off = _volume(pd.DatetimeIndex(off["ds"]), 200.0, 0.75)
    # FIELD-NOTES failure: additive Prophet lifted the whole next year by the surge (+77%)
    assert off["yhat"].mean() / truth_off.mean() == pytest.approx(1.0, abs=0.1)
    season = daily[in_window(daily["ds"], "11-15", "12-31")]
    base = daily[(daily["ds"] >= "2025-09-01") & (daily["ds"] <= "2025-10-31")]
    assert season["yhat"].mean() / base["yhat"].mean() - 1 == pytest.approx(0.75, abs=0.15)
    assert not result.fallback_used and result.warnings == []


def test_calibrated_intervals_cover_fresh_data_from_the_same_process(two_years) -> None:
    _, result = two_years
    days = pd.DatetimeIndex(pd.to_datetime(result.daily["date"]))
    fresh = np.random.default_rng(99).poisson(_volume(days, 200.0, 0.75))
    inside = (fresh >= result.daily["yhat_lower"]) & (fresh <= result.daily["yhat_upper"])
    assert 0.65 <= inside.mean() <= 0.97
    assert (result.daily["yhat_lower"] <= result.daily["yhat"]).all()
    assert (result.daily["yhat"] <= result.daily["yhat_upper"]).all()


def test_conformal_quantile_takes_the_finite_sample_order_statistic() -> None:
    values = np.arange(1.0, 20.0)  # n = 19
    # k = ceil(20 * 0.9) = 18 and floor(20 * 0.1) = 2, where np.quantile interpolates to 17.2/2.8
    assert conformal_quantile(values, 0.9) == 18.0
    assert conformal_quantile(values, 0.1) == 2.0
    assert conformal_quantile(values, 0.5) == 10.0
    # too few values for the level: the extreme value, never an index error
    assert conformal_quantile(np.array([3.0, 1.0, 2.0]), 0.9) == 3.0
    assert conformal_quantile(np.array([3.0, 1.0, 2.0]), 0.1) == 1.0


def test_conformal_band_covers_at_least_its_level_with_few_residuals() -> None:
    # the finite-sample guarantee: with 30 exchangeable residuals, a new draw falls inside the
    # equal-tailed 80% band at least 80% of the time (plain quantiles fall short of it)
    rng = np.random.default_rng(5)
    draws = rng.standard_t(4, size=(4000, 31))
    lo = np.array([conformal_quantile(row[:30], 0.1) for row in draws])
    hi = np.array([conformal_quantile(row[:30], 0.9) for row in draws])
    inside = np.mean((draws[:, 30] >= lo) & (draws[:, 30] <= hi))
    plain = np.quantile(draws[:, :30], [0.1, 0.9], axis=1)
    plain_inside = np.mean((draws[:, 30] >= plain[0]) & (draws[:, 30] <= plain[1]))
    assert inside >= 0.79
    assert plain_inside < inside


def test_default_offsets_are_pooled_conformal_and_other_methods_stay_available() -> None:
    days = pd.date_range("2025-01-06", periods=140, freq="D")  # 20 per weekday
    r = np.where(days.day_of_week >= 5, 3.0, 1.0) * np.random.default_rng(1).normal(0, 0.1, 140)
    residuals = pd.DataFrame({"ds": days, "r": r})
    settings = ForecastSettings(interval_width=0.8)
    default = _offsets(residuals, settings)
    assert (default.nunique() == 1).all()  # one pooled band for every weekday
    assert default.loc[0, "upper"] == conformal_quantile(r, 0.9)
    by_weekday = _offsets(residuals, settings, "weekday_normalised")
    assert by_weekday.loc[6, "upper"] > by_weekday.loc[0, "upper"]  # noisier weekends wider
    with pytest.raises(ValueError, match="unknown calibration method"):
        _offsets(residuals, settings, "nope")


def test_surge_report_measures_past_seasons_and_forecasts_this_one(two_years) -> None:
    _, result = two_years
    surge = result.surge.set_index("queue")
    assert list(surge.index) == ["phone/normal", "total"]
    row = surge.loc["phone/normal"]
    assert row["uplift_source"] == "learned"
    assert row["season"] == 2025
    assert row["past_uplifts"].startswith("2023: +")
    assert row["past_uplift_mean"] == pytest.approx(0.75, abs=0.08)
    assert row["season_uplift"] == pytest.approx(0.75, abs=0.15)
    assert dt.date(2025, 11, 15) <= row["peak_day"] <= dt.date(2025, 12, 31)
    assert row["peak_week_start"].weekday() == 0
    assert "christmas" in row["top_holiday_effects"] or "black_friday" in row["top_holiday_effects"]


def test_forecast_table_follows_the_contract(two_years) -> None:
    _, result = two_years
    fc = result.forecast
    assert list(fc.columns[:6]) == ["queue", "ds", "yhat", "yhat_lower", "yhat_upper", "holiday"]
    assert "y_plan" in fc.columns and str(fc["ds"].dt.tz) == TZ
    assert len(fc) == (365 * 48)  # 2025 has one 23-hour and one 25-hour day
    per_day = fc.groupby(fc["ds"].dt.date)[["yhat", "y_plan"]].sum()
    daily = result.daily.set_index("date")
    np.testing.assert_allclose(per_day["yhat"], daily["yhat"], rtol=1e-9)
    np.testing.assert_allclose(per_day["y_plan"], daily["y_plan"], rtol=1e-9)
    bf = daily.loc[dt.date(2025, 11, 28), "holiday"]
    assert bf == "black_friday"
    assert (fc["yhat"] >= 0).all()


def test_off_season_calibration_is_flagged() -> None:
    # 18 months: the backtests (13 and 26 weeks back) never reach a season
    history = _history("2025-04-01", "2026-09-30")
    scenario = _scenario(calibration_folds=2)
    result = forecast_volume(history, scenario, dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert not result.fallback_used
    assert any("off-season backtests only" in w for w in result.warnings)
    assert result.interval_source["phone/normal"].startswith("calibrated on 2")


def test_short_history_falls_back_to_the_prior_uplift_loudly() -> None:
    history = _history("2026-03-01", "2026-09-30", surge=0.0)
    result = forecast_volume(history, _scenario(), dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert result.fallback_used
    assert result.warnings and result.warnings[0].startswith("WARNING")
    assert "ASSUMED +75%" in result.warnings[0]
    assert (result.forecast["note"].str.contains("ASSUMED")).all()
    assert result.forecast.attrs["warnings"] == result.warnings
    surge = result.surge.set_index("queue")
    assert surge.loc["phone/normal", "uplift_source"] == "assumed +75%, not learned"
    assert "ASSUMED" in surge.loc["total", "note"]
    daily = result.daily.assign(ds=pd.to_datetime(result.daily["date"]))
    season = daily[in_window(daily["ds"], "11-15", "12-31")]["yhat"].mean()
    october = daily[daily["ds"].dt.month == 10]["yhat"].mean()
    assert season / october == pytest.approx(1.75, rel=0.08)
    assert october == pytest.approx(200.0 * WEEKLY.mean(), rel=0.1)


def test_prior_uplift_is_a_setting() -> None:
    history = _history("2026-03-01", "2026-09-30", surge=0.0)
    scenario = _scenario(prior_uplift=0.3, prior_uplift_start="12-01", prior_uplift_end="12-20")
    result = forecast_volume(history, scenario, dt.date(2026, 11, 1), dt.date(2026, 12, 31))
    daily = result.daily.assign(ds=pd.to_datetime(result.daily["date"]))
    inside = daily[in_window(daily["ds"], "12-01", "12-20")]["yhat"].mean()
    november = daily[daily["ds"].dt.month == 11]["yhat"].mean()
    assert inside / november == pytest.approx(1.3, rel=0.08)
    assert "+30%" in result.warnings[0]


@pytest.fixture(scope="module")
def short_pair() -> pd.DataFrame:
    return pd.concat(
        [
            _history("2026-05-01", "2026-09-30", surge=0.0, seed=1, queue="phone/normal"),
            _history("2026-05-01", "2026-09-30", level=80, surge=0.0, seed=2, queue="chat/normal"),
        ],
        ignore_index=True,
    )


def test_overrides_and_deflection_scale_every_band(short_pair: pd.DataFrame) -> None:
    queues = ("phone/normal", "chat/normal")
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 20)
    base = forecast_volume(short_pair, _scenario(queues), start, end)
    whatif = _scenario(
        queues,
        overrides=[
            {"queue": "phone/normal", "start": "2026-10-05", "end": "2026-10-07", "uplift": 0.5},
            {"start": "2026-10-06", "end": "2026-10-06", "uplift": 0.1},
        ],
    )
    whatif.queues[0].deflection = 0.2
    changed = forecast_volume(short_pair, whatif, start, end)
    for col in ("yhat", "yhat_lower", "yhat_upper", "y_plan"):
        ratio = changed.daily[col].to_numpy() / base.daily[col].to_numpy()
        frame = base.daily.assign(ratio=ratio).set_index(["queue", "date"])["ratio"]
        assert frame["phone/normal", dt.date(2026, 10, 1)] == pytest.approx(0.8)
        assert frame["phone/normal", dt.date(2026, 10, 5)] == pytest.approx(1.5 * 0.8)
        assert frame["phone/normal", dt.date(2026, 10, 6)] == pytest.approx(1.5 * 1.1 * 0.8)
        assert frame["chat/normal", dt.date(2026, 10, 6)] == pytest.approx(1.1)
        assert frame["chat/normal", dt.date(2026, 10, 7)] == pytest.approx(1.0)
    # the interval table carries the what-ifs too (the requirement stage staffs y_plan)
    fc_ratio = changed.forecast["y_plan"].sum() / base.forecast["y_plan"].sum()
    assert fc_ratio == pytest.approx(changed.daily["y_plan"].sum() / base.daily["y_plan"].sum())


def test_parallel_fits_match_serial_fits(short_pair: pd.DataFrame) -> None:
    queues = ("phone/normal", "chat/normal")
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 10)
    serial = forecast_volume(short_pair, _scenario(queues), start, end)
    parallel = forecast_volume(short_pair, _scenario(queues, parallel_jobs=2), start, end)
    np.testing.assert_allclose(serial.daily["yhat"], parallel.daily["yhat"], rtol=1e-6)
    assert set(parallel.fit_seconds) == set(queues)


def test_staffing_quantile_moves_y_plan(short_pair: pd.DataFrame) -> None:
    queues = ("phone/normal", "chat/normal")
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 10)
    p50 = forecast_volume(short_pair, _scenario(queues, staffing_quantile=0.5), start, end)
    p90 = forecast_volume(short_pair, _scenario(queues, staffing_quantile=0.9), start, end)
    np.testing.assert_allclose(p50.daily["yhat"], p90.daily["yhat"], rtol=1e-6)
    assert (p90.daily["y_plan"] > p50.daily["y_plan"]).all()
    assert (p90.total["y_plan"] > p50.total["y_plan"]).all()


def test_apply_what_ifs_leaves_the_input_alone() -> None:
    scenario = _scenario(overrides=[{"start": "2026-01-01", "end": "2026-01-02", "uplift": -0.5}])
    frame = pd.DataFrame(
        {"queue": "phone/normal", "date": [dt.date(2026, 1, 1), dt.date(2026, 1, 3)], "yhat": 10.0}
    )
    out = apply_what_ifs(frame, scenario)
    assert out["yhat"].tolist() == [5.0, 10.0]
    assert frame["yhat"].tolist() == [10.0, 10.0]


def test_bad_inputs_are_one_line_errors() -> None:
    history = _history("2026-08-01", "2026-09-30", surge=0.0)
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 5)
    with pytest.raises(DataError, match="no rows for queue 'chat/normal'"):
        forecast_volume(history, _scenario(("phone/normal", "chat/normal")), start, end)
    with pytest.raises(DataError, match="only 10 days"):
        forecast_volume(history.tail(10), _scenario(), start, end)
    with pytest.raises(ScenarioError, match="before start"):
        forecast_volume(history, _scenario(), end, start)
    bad = history.copy()
    bad.loc[3, "y"] = -4
    with pytest.raises(DataError, match="column 'y', row 3"):
        forecast_volume(bad, _scenario(), start, end)
    with pytest.raises(DataError, match="no column 'y'"):
        forecast_volume(history.drop(columns="y"), _scenario(), start, end)
    with pytest.raises(DataError, match="no history before 2026-08-01"):
        forecast_volume(history, _scenario(), dt.date(2026, 8, 1), dt.date(2026, 8, 3))


def test_cli_writes_the_forecast_and_prints_the_fallback_warning(tmp_path) -> None:
    import yaml
    from typer.testing import CliRunner

    from planner.cli import app
    from planner.tables import read_table

    history = _history("2026-06-01", "2026-09-30", surge=0.0)
    pd.DataFrame(
        {"queue": history["queue"], "ds": history["ds"].dt.strftime("%Y-%m-%d"), "y": history["y"]}
    ).to_csv(tmp_path / "history.csv", index=False)
    data = _scenario().model_dump(mode="json", exclude={"base_dir"})
    data["horizon"] = {"start": "2026-10-01", "end": "2026-10-07"}
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data))
    out = tmp_path / "out" / "forecast.csv"
    run = CliRunner().invoke(
        app, ["forecast", "--scenario", str(tmp_path / "scenario.yaml"), "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    assert "ASSUMED +75%" in run.stderr
    assert "WARNING: short history" in run.stdout
    table = read_table(out, "forecast")
    assert len(table) == 7 * 48
    assert table["note"].str.contains("ASSUMED").all()
    bad = CliRunner().invoke(
        app,
        [
            "forecast",
            "--scenario",
            str(tmp_path / "scenario.yaml"),
            "--out",
            str(out),
            "--start",
            "2026-13-01",
        ],
    )
    assert bad.exit_code == 2 and "--start" in bad.output
