"""Benchmark: forecast accuracy, interval calibration and speed of the forecast stage.

Run: ``.venv/bin/python -m bench.forecast [--only NAME,NAME…]`` (names below; default all)

* ``sample`` — the bundled sample's last season: train before 2025-10-01, forecast
  2025-10-01 … 2026-01-15; daily totals (and per 30-minute interval) vs seasonal naive.
  Targets: WAPE ≤ 8%, ≥ 30% below seasonal naive, 80% coverage 70–90%.
* ``real`` — the real help-desk series in ``../shared/data/real/`` (not in this repository):
  train before 2022-10-01, forecast 2022-10-01 … 2023-01-15, ``--country JO``. Targets: WAPE below
  plain Prophet defaults (30.0%, measured in that folder's README), coverage 70–90%.
* ``seasons`` — the same real series, every season 2019–2022, with all history and with only
  the last 18 months (the band is then calibrated on off-season backtests only).
* ``calibration`` — interval calibration methods compared over 13 holdout seasons (Oct 1 …
  Jan 15): the sample's 2023–2025, the real series' 2019–2022 and six synthetic series of our own
  (levels 40 … 3,000 a day, gamma-Poisson noise, a random-walk level and a different surge every
  year). Each season is fitted once with every possible backtest; each method is then applied to
  the same backtest residuals (3 folds = the default, or all), so only the calibration differs.
  Prints coverage80 and WAPE per season and method, and a summary.
* ``trend`` — the FIELD-NOTES failure: two years of history (the sample's total, 2022–2023), then
  the whole next year. Our defaults vs plain Prophet defaults (additive, raw scale).
* ``speed`` — one queue with 3 years of daily data: fit + predict (the calibration backtests
  included) serially; then 12 such queues with ``parallel_jobs=0`` (all cores); peak memory.
* ``plan`` — ``forecast_volume`` on the sample scenario (6 queues, horizon, intraday split).

Defaults only: nothing here is tuned to these series.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from planner.backtest import backtest
from planner.forecast import (
    CALIBRATION_METHODS,
    _offsets,
    conformal_quantile,
    daily_history,
    forecast_daily,
    forecast_volume,
)
from planner.history import load_history, load_scenario_history
from planner.scenario import ForecastSettings, Site, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "scenario.yaml"
REAL = ROOT.parent / "shared" / "data" / "real" / "helpdesk_tickets_daily.csv"


def _row(name: str, m: dict[str, float]) -> str:
    return (
        f"  {name:<16}{m['wape']:>8.1%}{m['mape']:>8.1%}{m['mase']:>8.3f}{m['coverage80']:>10.1%}"
    )


def _report(title: str, result, extra: str = "") -> None:
    print(f"\n{title}")
    print(f"  {'model':<16}{'WAPE':>8}{'MAPE':>8}{'MASE':>8}{'cover80':>10}")
    for model, m in result.metrics.items():
        print(_row(model, m))
    p, n = result.metrics["prophet"]["wape"], result.metrics["seasonal_naive"]["wape"]
    print(f"  days scored: {result.n_days}; Prophet WAPE {1 - p / n:.0%} below seasonal naive")
    if result.interval_metrics:
        print("  per interval:")
        for model, m in result.interval_metrics.items():
            print(_row(model, m))
    print(f"  fit seconds per queue: {_fmt_seconds(result.fit_seconds)}{extra}")


def _fmt_seconds(seconds: dict[str, float]) -> str:
    return ", ".join(f"{q} {s:.1f}" for q, s in seconds.items())


def bench_sample() -> None:
    scenario = load_scenario(SAMPLE)
    loaded = load_scenario_history(scenario)
    began = time.perf_counter()
    result = backtest(
        loaded.history,
        dt.date(2025, 10, 1),
        dt.date(2026, 1, 15),
        settings=scenario.forecast,
        country=scenario.site.country,
        subdivision=scenario.site.subdivision,
        site=scenario.site,
    )
    took = time.perf_counter() - began
    _report(
        "sample: holdout 2025-10-01 … 2026-01-15 (6 queues, daily total)",
        result,
        f"; wall {took:.1f} s",
    )


def bench_real() -> None:
    if not REAL.is_file():
        print(f"\nreal: {REAL} not found (it lives outside this repository); skipped")
        return
    site = Site(name="helpdesk", country="JO", timezone="UTC")
    loaded = load_history(REAL, site)
    result = backtest(
        loaded.history, dt.date(2022, 10, 1), dt.date(2023, 1, 15), country="JO", site=site
    )
    _report("real help desk: holdout 2022-10-01 … 2023-01-15, --country JO", result)
    print("  reference (README): Prophet defaults WAPE 30.0%, coverage 72.9%; naive 41.2%")


def bench_seasons() -> None:
    """The real series' other seasons, with all history and with only the last 18 months."""
    if not REAL.is_file():
        print(f"\nseasons: {REAL} not found; skipped")
        return
    site = Site(name="helpdesk", country="JO", timezone="UTC")
    history = load_history(REAL, site).history
    print("\nseasons: real help desk, holdout Oct 1 … Jan 15 of each season, --country JO")
    print(f"  {'season':<8}{'history':<16}{'WAPE':>8}{'naive':>8}{'cover80':>9}")
    for year in (2019, 2020, 2021, 2022):
        first, last = dt.date(year, 10, 1), dt.date(year + 1, 1, 15)
        cut = pd.Timestamp(year - 1, 4, 1, tz="UTC")
        for label, part in (("all", history), ("last 18 months", history[history["ds"] >= cut])):
            r = backtest(part, first, last, country="JO", site=site)
            p, n = r.metrics["prophet"], r.metrics["seasonal_naive"]
            print(
                f"  {year:<8}{label:<16}{p['wape']:>8.1%}{n['wape']:>8.1%}{p['coverage80']:>9.1%}"
            )


def _synthetic_panel_series(seed: int, level: float, shape: float) -> pd.DataFrame:
    """A daily series unlike the sample's generator: random weekly shape, a random-walk level,
    a different surge every year (+30 … +120% Nov 15 – Dec 31, a ramp in early November) and
    gamma-Poisson noise with gamma ``shape`` (smaller = more overdispersed)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2019-01-01", "2023-01-31", freq="D")
    weekly = np.exp(rng.normal(0.0, 0.25, 7))
    weekly /= weekly.mean()
    uplift = {year: rng.uniform(0.3, 1.2) for year in range(2018, 2025)}
    in_season = (days.month == 12) | ((days.month == 11) & (days.day >= 15))
    ramp = (days.month == 11) & (days.day < 15)
    season = 1 + np.array([uplift[y] for y in days.year]) * np.where(in_season, 1.0, ramp * 0.4)
    level_walk = np.exp(np.cumsum(rng.normal(0.0003, 0.004, len(days))))
    mu = level * weekly[days.day_of_week] * season * level_walk
    y = rng.poisson(rng.gamma(shape, mu / shape))
    return pd.DataFrame({"queue": "q", "ds": days, "y": y.astype(float)})


def _calibration_cases() -> list[tuple[str, pd.DataFrame, int, str, str | None, ForecastSettings]]:
    """(label, daily history, season year, country, subdivision, settings) per season."""
    scenario = load_scenario(SAMPLE)
    sample = daily_history(load_scenario_history(scenario).history, scenario.site.timezone)
    site = scenario.site
    cases = [
        (f"sample {y}", sample, y, site.country, site.subdivision, scenario.forecast)
        for y in (2023, 2024, 2025)
    ]
    if REAL.is_file():
        site = Site(name="helpdesk", country="JO", timezone="UTC")
        real = daily_history(load_history(REAL, site).history, "UTC")
        cases += [
            (f"real {y}", real, y, "JO", None, ForecastSettings()) for y in (2019, 2020, 2021, 2022)
        ]
    else:
        print(f"  {REAL} not found: real seasons skipped")
    panel = [(40, 20), (150, 30), (150, 8), (600, 50), (600, 10), (3000, 30)]
    for i, (level, shape) in enumerate(panel):
        series = _synthetic_panel_series(100 + i, level, shape)
        cases.append((f"synth {level}/{shape}", series, 2022, "US", None, ForecastSettings()))
    return cases


def _fold_bias_offsets(res: pd.DataFrame, levels: list[float]) -> list[float]:
    """Bench-only candidate: error = season-level bias + daily noise. The bias of the season
    ahead ~ Normal(mean, sd²·(1 + 1/k)) of the k folds' median residuals; the noise is the pooled
    fold-centred residuals; quantiles of their sum (deterministic grid, no sampling)."""
    medians = res.groupby("rank")["r"].median()
    noise = res["r"].to_numpy() - res["rank"].map(medians).to_numpy()
    k = len(medians)
    sd = float(medians.std(ddof=1)) * np.sqrt(1 + 1 / k) if k > 1 else 0.0
    from statistics import NormalDist

    grid = np.array([NormalDist().inv_cdf((i + 0.5) / 100) for i in range(100)])
    sums = (float(medians.mean()) + sd * grid)[:, None] + noise[None, :]
    return list(np.quantile(sums.ravel(), levels))


def bench_calibration() -> None:
    """Coverage of each calibration method over many seasons, on the same backtest residuals."""
    print("\ncalibration: 80% coverage of the daily total, holdout Oct 1 … Jan 15, per method")
    width = 0.8
    settings80 = ForecastSettings(interval_width=width)
    levels = [(1 - width) / 2, (1 + width) / 2]
    coverage: dict[str, dict[str, float]] = {}
    wape: dict[str, float] = {}
    by_daytype: dict[str, list[list[bool]]] = {}  # method -> [Mon–Fri hits, Sat–Sun hits]
    for label, daily, year, country, subdivision, base in _calibration_cases():
        start, end = dt.date(year, 10, 1), dt.date(year + 1, 1, 15)
        # every possible backtest once (8 = all origins _fold_origins can offer); 2 workers only,
        # the machine is shared
        s = base.model_copy(
            update={"interval_width": width, "calibration_folds": 8, "parallel_jobs": 2}
        )
        train = daily[daily["ds"] < pd.Timestamp(start)]
        fc = forecast_daily(train, s, start, end, country, subdivision)
        actual = daily.groupby("ds")["y"].sum()
        actual.index = [d.date() for d in actual.index]
        total = fc.daily.groupby("date")["yhat"].sum()
        days = [d for d in total.index if d in actual.index]
        y, yhat = actual.loc[days].to_numpy(float), total.loc[days].to_numpy(float)
        wape[label] = float(np.abs(y - yhat).sum() / y.sum())
        folds = fc.folds
        grouped = folds.groupby(["rank", "origin", "ds"]).agg(
            y=("y", "sum"), yhat=("yhat", "sum"), n=("queue", "nunique")
        )
        grouped = grouped[grouped["n"] == folds["queue"].nunique()].reset_index()
        grouped["r"] = np.log1p(grouped["y"]) - np.log1p(grouped["yhat"])
        horizon = (grouped["ds"] - grouped["origin"]).dt.days.to_numpy()
        z = np.log1p(yhat)
        weekday = pd.DatetimeIndex(pd.to_datetime(days)).day_of_week
        day_horizon = np.arange(len(days)) + 1

        def covered(lo: np.ndarray, hi: np.ndarray, z=z, y=y, yhat=yhat) -> float:
            lower = np.minimum(np.expm1(z + lo), yhat)
            upper = np.maximum(np.expm1(z + hi), yhat)
            return float(np.mean((y >= lower) & (y <= upper)))

        for n_folds, tag in ((3, "3 folds"), (8, "all folds")):
            res = grouped[grouped["rank"] < n_folds]
            for method in CALIBRATION_METHODS:
                off = _offsets(res[["ds", "r"]], settings80, method).loc[weekday]
                name = f"{method}, {tag}"
                lower = np.minimum(np.expm1(z + off["lower"].to_numpy()), yhat)
                upper = np.maximum(np.expm1(z + off["upper"].to_numpy()), yhat)
                inside = (y >= lower) & (y <= upper)
                weekend = np.asarray(weekday >= 5)
                split = by_daytype.setdefault(name, [[], []])
                split[0].extend(inside[~weekend])
                split[1].extend(inside[weekend])
                coverage.setdefault(name, {})[label] = covered(
                    off["lower"].to_numpy(), off["upper"].to_numpy()
                )
            lo, hi = _fold_bias_offsets(res, levels)
            coverage.setdefault(f"fold bias, {tag}", {})[label] = covered(
                np.full(len(days), lo), np.full(len(days), hi)
            )
            # widening with horizon: conformal quantiles per 4-week horizon bucket
            bucket = np.minimum((horizon[grouped["rank"] < n_folds] - 1) // 28, 3)
            r = res["r"].to_numpy()
            q = {
                b: [
                    conformal_quantile(r[bucket == b] if (bucket == b).sum() >= 40 else r, lv)
                    for lv in levels
                ]
                for b in range(4)
            }
            day_bucket = np.minimum((day_horizon - 1) // 28, 3)
            coverage.setdefault(f"by horizon, {tag}", {})[label] = covered(
                np.array([q[b][0] for b in day_bucket]), np.array([q[b][1] for b in day_bucket])
            )
        print(
            f"  {label}: {len(days)} days, backtest folds {grouped['rank'].nunique()}", flush=True
        )
    table = pd.DataFrame(coverage).T
    labels = list(table.columns)
    width_col = max(len(n) for n in table.index) + 2
    print(f"\n  {'coverage80':<{width_col}}" + "".join(f"{c:>14}" for c in labels))
    print(f"  {'WAPE':<{width_col}}" + "".join(f"{wape[c]:>14.1%}" for c in labels))
    for name, row in table.iterrows():
        print(f"  {name:<{width_col}}" + "".join(f"{row[c]:>14.1%}" for c in labels))
    print(f"\n  {'method':<{width_col}}{'mean':>8}{'mean |c-80%|':>14}{'in 70-90%':>11}{'min':>8}")
    for name, row in table.iterrows():
        inside = int(((row >= 0.7) & (row <= 0.9)).sum())
        print(
            f"  {name:<{width_col}}{row.mean():>8.1%}{(row - 0.8).abs().mean():>14.1%}"
            f"{inside:>7}/{len(row):<3}{row.min():>8.1%}"
        )
    print(
        "\n  conditional coverage, all seasons pooled (a pooled band treats every weekday alike):"
    )
    for name, (weekdays, weekends) in by_daytype.items():
        print(
            f"  {name:<{width_col}}Mon–Fri {np.mean(weekdays):>6.1%}   "
            f"Sat–Sun {np.mean(weekends):>6.1%}"
        )


def _plain_prophet(train: pd.DataFrame, days: pd.DatetimeIndex) -> np.ndarray:
    """Prophet with its defaults (additive, raw scale, US holidays) — the FIELD-NOTES setup."""
    import logging

    from prophet import Prophet

    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").disabled = True
    model = Prophet(uncertainty_samples=0)
    model.add_country_holidays("US")
    model.fit(train.rename(columns={"ds": "ds", "y": "y"})[["ds", "y"]])
    return model.predict(pd.DataFrame({"ds": days}))["yhat"].to_numpy()


def bench_trend() -> None:
    scenario = load_scenario(SAMPLE)
    loaded = load_scenario_history(scenario)
    daily = daily_history(loaded.history, scenario.site.timezone)
    total = daily.groupby("ds", as_index=False)["y"].sum()
    train = total[(total["ds"] >= "2022-01-01") & (total["ds"] <= "2023-12-31")]
    test = total[(total["ds"] >= "2024-01-01") & (total["ds"] <= "2024-12-31")]
    ours = forecast_daily(
        train.assign(queue="total"),
        scenario.forecast,
        dt.date(2024, 1, 1),
        dt.date(2024, 12, 31),
        scenario.site.country,
        scenario.site.subdivision,
    )
    mine = ours.daily.set_index("date")["yhat"]
    days = pd.DatetimeIndex(test["ds"])
    plain = pd.Series(_plain_prophet(train, days), index=[d.date() for d in days])
    y = test.set_index(test["ds"].dt.date)["y"]
    print("\ntrend: 2 years of history (sample total 2022–2023), forecast all of 2024")
    print(f"  {'model':<22}{'WAPE':>8}{'MAPE':>8}{'Jan–Sep mean / actual':>24}")
    off = [d.month <= 9 for d in y.index]
    for name, fc in (("planner defaults", mine), ("plain Prophet defaults", plain)):
        fc = fc.reindex(y.index)
        err = (y - fc).abs()
        ratio = fc[off].mean() / y[off].mean()
        print(f"  {name:<22}{err.sum() / y.sum():>8.1%}{(err / y).mean():>8.1%}{ratio:>24.2f}")


def _synthetic_queue(seed: int, years: int = 3) -> pd.DataFrame:
    days = pd.date_range("2023-10-01", periods=365 * years, freq="D")
    weekly = np.array([1.2, 1.1, 1.0, 1.0, 0.9, 0.6, 0.5])[days.day_of_week]
    season = 1 + 0.75 * ((days.month == 12) | ((days.month == 11) & (days.day >= 15)))
    rng = np.random.default_rng(seed)
    y = rng.poisson(300 * weekly * season * (1.1 ** ((days - days[0]).days / 365)))
    return pd.DataFrame({"queue": f"q{seed:02d}", "ds": days, "y": y.astype(float)})


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (cmdstan, worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench_speed() -> None:
    print("\nspeed: 3 years of daily data per queue, forecast the next 120 days")
    start = dt.date(2026, 10, 1)
    end = start + dt.timedelta(days=119)
    one = _synthetic_queue(0)
    folds = ForecastSettings().calibration_folds
    forecast_daily(one, ForecastSettings(parallel_jobs=1), start, end, "US")  # import, warm-up
    for jobs, label in ((1, "serial"), (0, "parallel_jobs=0")):
        times, cpu = [], []
        for _ in range(3):
            began, cpu0 = time.perf_counter(), _cpu_seconds()
            forecast_daily(one, ForecastSettings(parallel_jobs=jobs), start, end, "US")
            times.append(time.perf_counter() - began)
            cpu.append(_cpu_seconds() - cpu0)
        print(
            f"  1 queue  ({label}): fit + predict median {np.median(times):.2f} s wall, "
            f"{np.median(cpu):.2f} s CPU incl. cmdstan and workers (1 model + {folds} calibration "
            f"backtests; wall runs {', '.join(f'{t:.2f}' for t in times)})"
        )
    many = pd.concat([_synthetic_queue(i) for i in range(12)], ignore_index=True)
    began, cpu0 = time.perf_counter(), _cpu_seconds()
    forecast_daily(many, ForecastSettings(parallel_jobs=0), start, end, "US")
    took, cpu = time.perf_counter() - began, _cpu_seconds() - cpu0
    print(
        f"  12 queues (parallel_jobs=0, all cores): {took:.1f} s wall, {took / 12:.2f} s/queue; "
        f"{cpu:.1f} s CPU, {cpu / 12:.2f} s CPU/queue"
    )
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  peak RSS: main process {self_mb:.0f} MB; largest worker process {child_mb:.0f} MB")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores")


def bench_plan() -> None:
    scenario = load_scenario(SAMPLE)
    began = time.perf_counter()
    loaded = load_scenario_history(scenario)
    load_s = time.perf_counter() - began
    began = time.perf_counter()
    result = forecast_volume(loaded.history, scenario)
    took = time.perf_counter() - began
    total = result.surge.set_index("queue").loc["total"]
    print(
        f"\nplan: forecast_volume on the sample scenario ({scenario.horizon.start} … "
        f"{scenario.horizon.end}, 6 queues, 30-minute intervals)"
    )
    print(f"  load history {load_s:.1f} s; forecast {took:.1f} s; {len(result.forecast):,} rows")
    print(f"  per-queue fit seconds: {_fmt_seconds(result.fit_seconds)}")
    print(
        f"  season {total['season']} uplift {total['season_uplift']:+.0%} "
        f"(past: {total['past_uplifts']}); peak day {total['peak_day']} "
        f"({total['peak_day_volume']:,.0f}); peak week {total['peak_week_start']}"
    )
    print(f"  top holiday effects: {total['top_holiday_effects']}")


BENCHES = {
    "sample": bench_sample,
    "real": bench_real,
    "seasons": bench_seasons,
    "calibration": bench_calibration,
    "trend": bench_trend,
    "speed": bench_speed,
    "plan": bench_plan,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated benches")
    args = parser.parse_args()
    for name in args.only.split(","):
        BENCHES[name.strip()]()


if __name__ == "__main__":
    main()
