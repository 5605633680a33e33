"""An honest backtest: train before a holdout, forecast it, compare with seasonal naive.

The forecast model sees only rows dated before ``holdout_start`` (the history is cut before it is
handed over, so no code path can peek). Its daily totals are scored against the actual totals
together with the simplest honest baseline, **seasonal naive**: the same weekday of the same ISO
week one year earlier (ISO week 53 falls back to week 52; a lag date inside the holdout steps back
another year, so the baseline never peeks either).

Metrics (fractions, not percents), on the days where actuals and both forecasts exist:

* ``wape`` = Σ|y − ŷ| / Σy;
* ``mape`` = mean |y − ŷ| / y over days with y > 0 — days with zero actuals are excluded (a
  percentage error is undefined there) and counted in ``zero_days``;
* ``mase`` = MAE / in-sample MAE of the weekly naive forecast (y of 7 days earlier) on the
  training data;
* ``coverage80`` = share of days with y inside the 80% interval. Prophet's interval is the
  calibrated one of :mod:`planner.forecast`; seasonal naive's comes from the empirical 10%/90%
  quantiles of its own log-errors in the training data, so both are judged alike.

With sub-daily history, per-interval metrics follow too (the daily forecasts split with intraday
profiles learned before the holdout; seasonal naive takes the lag day's same wall-clock interval).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.errors import DataError, PlannerError
from planner.forecast import daily_history, forecast_daily, total_forecast
from planner.scenario import ForecastSettings, Site

__all__ = [
    "BacktestResult",
    "backtest",
    "metrics",
    "seasonal_naive_date",
]

MODELS = ("prophet", "seasonal_naive")


@dataclass
class BacktestResult:
    """What :func:`backtest` measured.

    Attributes:
        daily: ``date, y, prophet, prophet_lower, prophet_upper, seasonal_naive,
            seasonal_naive_lower, seasonal_naive_upper`` — daily totals over the holdout.
        metrics: model -> ``wape, mape, mase, coverage80`` on daily totals.
        n_days: holdout days scored.
        zero_days: scored days with zero actuals (left out of MAPE).
        interval_metrics: model -> metrics per interval (sub-daily history only), else None.
        warnings: the forecast's warnings (e.g. the short-history fallback).
        train_days: days of history before the holdout (longest queue).
        fit_seconds: per-queue fit wall time.
    """

    daily: pd.DataFrame
    metrics: dict[str, dict[str, float]]
    n_days: int
    zero_days: int
    interval_metrics: dict[str, dict[str, float]] | None = None
    warnings: list[str] = field(default_factory=list)
    train_days: int = 0
    fit_seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """The CLI's ``--json`` object (daily totals; fractions)."""
        out: dict[str, object] = {
            m: {k: _finite(v) for k, v in self.metrics[m].items()} for m in MODELS
        }
        out["n_days"] = self.n_days
        return out


def _finite(value: float) -> float | None:
    """JSON has no NaN: undefined metrics become null."""
    return None if value is None or not math.isfinite(value) else float(value)


def seasonal_naive_date(day: dt.date, not_after: dt.date | None = None) -> dt.date:
    """Same ISO weekday of the same ISO week one year earlier (week 53 -> 52).

    Args:
        day: the date to forecast.
        not_after: if the lag date is on or after this date, step back another year.
    """
    year, week, weekday = day.isocalendar()
    while True:
        year -= 1
        try:
            lag = dt.date.fromisocalendar(year, week, weekday)
        except ValueError:  # the earlier ISO year has no week 53
            lag = dt.date.fromisocalendar(year, 52, weekday)
        if not_after is None or lag < not_after:
            return lag


def metrics(
    y: np.ndarray,
    yhat: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    scale: float,
) -> dict[str, float]:
    """WAPE, MAPE (y > 0 only), MASE (MAE / ``scale``) and interval coverage, as fractions."""
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    err = np.abs(y - yhat)
    positive = y > 0
    total = y.sum()
    return {
        "wape": float(err.sum() / total) if total > 0 else float("nan"),
        "mape": float(np.mean(err[positive] / y[positive])) if positive.any() else float("nan"),
        "mase": float(err.mean() / scale) if scale > 0 else float("nan"),
        "coverage80": float(np.mean((y >= lower) & (y <= upper))),
    }


def _naive_series(actual: pd.Series, days: list[dt.date], cutoff: dt.date) -> np.ndarray:
    """Seasonal-naive values for ``days`` from ``actual`` (date-indexed), NaN where missing."""
    return np.array([actual.get(seasonal_naive_date(d, cutoff), np.nan) for d in days], dtype=float)


def _naive_offsets(train: pd.Series, cutoff: dt.date) -> tuple[float, float]:
    """10%/90% quantiles of seasonal naive's log1p errors inside the training data."""
    days = list(train.index)
    lagged = _naive_series(train, days, cutoff)
    ok = ~np.isnan(lagged)
    if ok.sum() < 20:
        return (0.0, 0.0)
    res = np.log1p(train.to_numpy(float)[ok]) - np.log1p(lagged[ok])
    lo, hi = np.quantile(res, [0.1, 0.9])
    return float(lo), float(hi)


def _weekly_scale(train: pd.Series) -> float:
    """In-sample MAE of the 7-day naive forecast (MASE's denominator)."""
    shifted = train.copy()
    shifted.index = [d + dt.timedelta(days=7) for d in shifted.index]
    both = pd.concat([train.rename("y"), shifted.rename("lag")], axis=1).dropna()
    return float((both["y"] - both["lag"]).abs().mean()) if len(both) else float("nan")


def backtest(
    history: pd.DataFrame,
    holdout_start: dt.date,
    holdout_end: dt.date,
    *,
    settings: ForecastSettings | None = None,
    country: str | None = None,
    subdivision: str | None = None,
    site: Site | None = None,
    source: str = "history",
) -> BacktestResult:
    """Train on history before ``holdout_start``, forecast to ``holdout_end``, score both models.

    Args:
        history: the ``history`` table (``queue, ds, y``), daily or sub-daily.
        holdout_start, holdout_end: the scored local dates (inclusive).
        settings: forecast settings (default: the defaults a user gets); the interval width is
            set to 0.8 for ``coverage80``.
        country, subdivision: public holidays to model (None: retail events only).
        site: zone and interval length (default: UTC, 30-minute intervals); per-interval metrics
            are computed when the history is sub-daily.
        source: the history's name for error messages.

    Raises:
        PlannerError: the holdout is empty, outside the data, or leaves too little training data.
    """
    if holdout_end < holdout_start:
        raise PlannerError(
            f"backtest: --holdout-end {holdout_end} is before --holdout-start {holdout_start}"
        )
    site = site or Site(name="backtest", timezone="UTC")
    settings = (settings or ForecastSettings()).model_copy(update={"interval_width": 0.8})
    daily = daily_history(history, site.timezone, source)
    first, last = daily["ds"].min().date(), daily["ds"].max().date()
    if holdout_start <= first or holdout_end > last:
        raise PlannerError(
            f"backtest: holdout {holdout_start} … {holdout_end} is outside the data "
            f"({first} … {last}); choose dates after {first} and up to {last}"
        )
    cut = pd.Timestamp(holdout_start)
    train = daily[daily["ds"] < cut]  # the only rows the model may see
    train_days = int(train.groupby("queue")["ds"].nunique().max())
    if train_days < settings.min_history_days:
        raise DataError(
            f"backtest: only {train_days} days of history before {holdout_start}; at least "
            f"{settings.min_history_days} are needed — move --holdout-start later"
        )
    fc = forecast_daily(train, settings, holdout_start, holdout_end, country, subdivision)
    total = total_forecast(fc.daily, fc.total_offsets, fc.log_scale).set_index("date")

    actual = daily.groupby("ds")["y"].sum()
    actual.index = [d.date() for d in actual.index]
    train_total = actual[[d < holdout_start for d in actual.index]]
    days = [d for d in actual.index if holdout_start <= d <= holdout_end and d in total.index]
    naive = _naive_series(train_total, days, holdout_start)
    n_lo, n_hi = _naive_offsets(train_total, holdout_start)
    frame = pd.DataFrame(
        {
            "date": days,
            "y": actual.loc[days].to_numpy(float),
            "prophet": total.loc[days, "yhat"].to_numpy(),
            "prophet_lower": total.loc[days, "yhat_lower"].to_numpy(),
            "prophet_upper": total.loc[days, "yhat_upper"].to_numpy(),
            "seasonal_naive": naive,
            "seasonal_naive_lower": np.expm1(np.log1p(naive) + n_lo),
            "seasonal_naive_upper": np.expm1(np.log1p(naive) + n_hi),
        }
    )
    scored = frame.dropna()
    if scored.empty:
        raise DataError(
            f"backtest: no holdout day has both actuals and a seasonal-naive value (a year of "
            f"history before {holdout_start} is needed); move the holdout later"
        )
    scale = _weekly_scale(train_total)
    result = {
        m: metrics(
            scored["y"].to_numpy(),
            scored[m].to_numpy(),
            scored[f"{m}_lower"].to_numpy(),
            scored[f"{m}_upper"].to_numpy(),
            scale,
        )
        for m in MODELS
    }
    interval = None
    if not _is_daily_history(history, site.timezone):
        interval = _interval_metrics(history, fc.daily, site, holdout_start, holdout_end)
    return BacktestResult(
        daily=frame,
        metrics=result,
        n_days=len(scored),
        zero_days=int((scored["y"] == 0).sum()),
        interval_metrics=interval,
        warnings=fc.warnings,
        train_days=train_days,
        fit_seconds=fc.fit_seconds,
    )


def _is_daily_history(history: pd.DataFrame, tz: str) -> bool:
    """True when every timestamp is a local midnight (one value per day)."""
    local = pd.to_datetime(history["ds"])
    local = local.dt.tz_convert(tz) if local.dt.tz is not None else local
    return bool(((local.dt.hour == 0) & (local.dt.minute == 0)).all())


def _interval_metrics(
    history: pd.DataFrame,
    daily_fc: pd.DataFrame,
    site: Site,
    holdout_start: dt.date,
    holdout_end: dt.date,
) -> dict[str, dict[str, float]]:
    """Per-interval metrics of the all-queue total (profiles learned before the holdout)."""
    from planner.intraday import intraday_profiles, split_daily

    before = history[_local_dates(history["ds"], site.timezone) < holdout_start]
    profiles = intraday_profiles(before, site, weeks=8, before=holdout_start)
    split = split_daily(daily_fc, profiles, site)
    fc = split.groupby("ds")[["yhat", "yhat_lower", "yhat_upper"]].sum()
    local = pd.to_datetime(history["ds"]).dt.tz_convert(site.timezone)
    step = f"{site.interval_minutes}min"
    actual = history.assign(ds=local.dt.floor(step, ambiguous=True, nonexistent="shift_forward"))
    actual = actual.groupby("ds")["y"].sum()
    key = pd.DataFrame({"ds": actual.index, "y": actual.to_numpy(float)})
    key["date"] = key["ds"].dt.date
    key["minute"] = key["ds"].dt.hour * 60 + key["ds"].dt.minute
    key["nth"] = key.groupby(["date", "minute"]).cumcount()  # the repeated DST hour
    hold = key[(key["date"] >= holdout_start) & (key["date"] <= holdout_end)].copy()
    hold["lag"] = [seasonal_naive_date(d, holdout_start) for d in hold["date"]]
    lagged = key.rename(columns={"date": "lag", "y": "naive"})[["lag", "minute", "nth", "naive"]]
    hold = hold.merge(lagged, on=["lag", "minute", "nth"], how="left")
    hold = hold.merge(fc, left_on="ds", right_index=True, how="inner").dropna()
    train = key[key["date"] < holdout_start].set_index("ds")["y"]
    weekly = train - train.shift(7 * 24 * 60 // site.interval_minutes)
    scale = float(weekly.abs().mean())
    y = hold["y"].to_numpy()
    return {
        "prophet": metrics(y, hold["yhat"], hold["yhat_lower"], hold["yhat_upper"], scale),
        "seasonal_naive": metrics(y, hold["naive"], hold["naive"], hold["naive"], scale),
    }


def _local_dates(ds: pd.Series, tz: str) -> np.ndarray:
    """Local calendar dates of a timestamp column."""
    local = pd.to_datetime(ds)
    local = local.dt.tz_convert(tz) if local.dt.tz is not None else local
    return np.asarray(local.dt.date)
