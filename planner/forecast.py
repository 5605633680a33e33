"""Forecast contact volume per queue: daily Prophet models, calibrated intervals, what-ifs.

The stage, in order (see ``docs/forecast.md``):

1. **Daily history** per queue: interval counts summed per local date.
2. **One Prophet model per queue**, fitted on ``log1p(y)`` when ``seasonality_mode`` is
   ``multiplicative`` (the default: trend, weekly and yearly seasonality, holidays and the explicit
   peak-season window all act as multipliers, and volume is never negative), or on ``y`` with
   additive components otherwise. Holidays are the retail events and public holidays of
   :mod:`planner.events`. With less than ``full_year_days`` of history the yearly surge cannot be
   learned: a flat weekly baseline is fitted and multiplied by ``1 + prior_uplift`` over
   ``prior_uplift_start..end`` — said loudly in ``warnings``, the ``note`` column and the surge
   table.
3. **Calibrated intervals**: rolling-origin backtests inside the training data (origins 52 weeks,
   then 13 weeks, apart, each forecasting as far ahead as the real forecast does) give
   out-of-sample residuals on the model's scale; their split-conformal quantiles (pooled,
   finite-sample corrected) set ``yhat_lower`` / ``yhat_upper`` (``interval_width``) and ``y_plan``
   (``staffing_quantile``). Prophet's own sampling is not used: it is slow and, on real contact
   data, badly calibrated.
4. **What-ifs**: overrides (promotions) then self-service deflection, both multiplicative.
5. **Intraday split** (:mod:`planner.intraday`) to ``site.interval_minutes``.
6. **Surge report**: peak day and week, season uplift vs the pre-season baseline, top holiday
   effects.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.errors import DataError, ScenarioError
from planner.events import holiday_names_by_date, holidays_frame
from planner.scenario import ForecastSettings, Scenario
from planner.tables import validate_table
from planner.timegrid import to_local

__all__ = [
    "TOTAL",
    "DailyForecast",
    "ForecastResult",
    "apply_what_ifs",
    "daily_history",
    "forecast_daily",
    "forecast_volume",
    "in_window",
    "season_window",
    "surge_report",
    "total_forecast",
]

#: Queue label of the all-queue total in the surge and total tables.
TOTAL = "total"
_VALUE_COLUMNS = ("yhat", "yhat_lower", "yhat_upper", "y_plan")
_MIN_RESIDUALS = 20  # fewer out-of-sample residuals give quantiles too noisy to trust
_MIN_PER_WEEKDAY = 14  # a weekday with fewer residuals uses the pooled median and spread


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class DailyForecast:
    """Daily forecasts per queue before what-ifs (what :func:`forecast_daily` returns).

    Attributes:
        daily: ``queue, date, yhat, yhat_lower, yhat_upper, y_plan, holiday, note`` for the
            requested dates (contacts per day; ``date`` a ``datetime.date``).
        extended: ``queue, date, yhat`` over the requested dates plus the coming season and its
            pre-season baseline (for the surge report).
        total_offsets: residual quantiles of the all-queue total on the model scale, one row
            per weekday (0 = Monday; columns ``lower``, ``upper``, ``plan``), from the same
            backtests.
        effects: ``queue, holiday, date, effect`` learned holiday effects (fraction, e.g. 0.4 =
            +40%) on each holiday's own date inside ``extended``.
        fallback: queue -> True when the prior uplift replaced a learned season.
        interval_source: queue -> how its intervals were calibrated.
        warnings: human-readable warnings, loud ones first.
        fit_seconds: queue -> wall time of its fits (model + backtests), seconds.
        log_scale: True when models were fitted on ``log1p(y)``.
        folds: ``queue, rank, origin, ds, y, yhat`` — every calibration backtest day (raw
            volume; ``rank`` 0 = the most relevant backtest), for diagnostics and benchmarks.
    """

    daily: pd.DataFrame
    extended: pd.DataFrame
    total_offsets: pd.DataFrame
    effects: pd.DataFrame
    fallback: dict[str, bool]
    interval_source: dict[str, str]
    warnings: list[str]
    fit_seconds: dict[str, float]
    log_scale: bool
    folds: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class ForecastResult:
    """Everything :func:`forecast_volume` produces.

    Attributes:
        forecast: the CONVENTIONS ``forecast`` table at ``site.interval_minutes``: ``queue, ds,
            yhat, yhat_lower, yhat_upper, holiday`` plus ``y_plan`` (volume at
            ``staffing_quantile`` after overrides and deflection; the requirement stage staffs to
            it) and ``note`` (the fallback warning, or empty). Contacts per interval.
        daily: ``queue, date, yhat, yhat_lower, yhat_upper, y_plan, holiday, note`` per day.
        total: the all-queue total per day, ``date, yhat, yhat_lower, yhat_upper, y_plan``
            (its interval is calibrated on the total, not summed from queue intervals).
        surge: one row per queue and ``total``; see :func:`surge_report`.
        effects: learned holiday effects, ``queue, holiday, date, effect`` (fraction).
        warnings: every warning, loud ones (the short-history fallback) first.
        fallback_used: True when any queue used the prior uplift instead of a learned season.
        fit_seconds: per-queue wall time of the fits, seconds.
        interval_source: queue -> how its band was calibrated.
    """

    forecast: pd.DataFrame
    daily: pd.DataFrame
    total: pd.DataFrame
    surge: pd.DataFrame
    effects: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    fallback_used: bool = False
    fit_seconds: dict[str, float] = field(default_factory=dict)
    interval_source: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Calendar windows given as MM-DD
# --------------------------------------------------------------------------------------------


def _mmdd(text: str, setting: str) -> int:
    """``"11-15"`` -> 1115; a ScenarioError naming ``setting`` otherwise."""
    try:
        month, day = (int(p) for p in str(text).split("-"))
        dt.date(2024, month, day)  # a leap year accepts every real MM-DD
    except (ValueError, TypeError):
        raise ScenarioError(
            f"forecast.{setting}: '{text}' is not a month-day; write MM-DD, e.g. 11-15"
        ) from None
    return month * 100 + day


def in_window(dates: pd.Series | pd.DatetimeIndex, start: str, end: str) -> np.ndarray:
    """True for dates whose month-day is in ``start..end`` (MM-DD, inclusive; may wrap a year)."""
    index = pd.DatetimeIndex(dates)
    md = np.asarray(index.month * 100 + index.day)
    lo, hi = _mmdd(start, "window start"), _mmdd(end, "window end")
    if lo <= hi:
        return (md >= lo) & (md <= hi)
    return (md >= lo) | (md <= hi)


def season_window(year: int, start: str, end: str) -> tuple[dt.date, dt.date]:
    """The window ``start..end`` (MM-DD) that begins in ``year``; it may end the next year."""
    lo, hi = _mmdd(start, "window start"), _mmdd(end, "window end")
    first = dt.date(year, lo // 100, lo % 100)
    last = dt.date(year + (1 if hi < lo else 0), hi // 100, hi % 100)
    return first, last


# --------------------------------------------------------------------------------------------
# History to daily series
# --------------------------------------------------------------------------------------------


def daily_history(history: pd.DataFrame, tz: str, source: str = "history") -> pd.DataFrame:
    """Sum the ``history`` table per queue and local date.

    Args:
        history: ``queue, ds, y`` (``ds`` tz-aware interval starts, or daily at local midnight;
            naive stamps are taken as site-local).
        tz: the site's IANA zone.
        source: name used in error messages.

    Returns:
        ``queue, ds, y``: ``ds`` a naive local date at midnight (Prophet's boundary), ``y``
        contacts per day, sorted.

    Raises:
        DataError: a missing column, an unparseable timestamp or a negative/missing count.
    """
    validate_table(history, "history", source)
    if history.empty:
        raise DataError(f"{source}: the history table has no rows; load a ticket history first")
    y = pd.to_numeric(history["y"], errors="coerce")
    bad = y.isna() | (y < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{source}: column 'y', row {row}: '{history['y'].iloc[row]}' is not a count >= 0"
        )
    try:
        ds = to_local(pd.to_datetime(history["ds"]), tz)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{source}: column 'ds' is not a timestamp column ({exc})") from None
    if ds.isna().any():
        row = int(np.flatnonzero(ds.isna().to_numpy())[0])
        raise DataError(f"{source}: column 'ds', row {row}: missing or ambiguous timestamp")
    frame = pd.DataFrame(
        {
            "queue": history["queue"].astype(str).to_numpy(),
            "ds": ds.dt.tz_localize(None).dt.normalize().to_numpy(),
            "y": y.to_numpy(dtype=float),
        }
    )
    out = frame.groupby(["queue", "ds"], as_index=False, sort=True)["y"].sum()
    return out


# --------------------------------------------------------------------------------------------
# One queue: fit, backtest folds, predict (runs in a worker process)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _QueueTask:
    queue: str
    train: pd.DataFrame  # ds (naive midnight), y
    predict_ds: pd.DatetimeIndex  # naive days
    horizon_days: int  # how far past the last history day the real forecast reaches
    settings: ForecastSettings
    holidays: pd.DataFrame


@dataclass
class _QueueOutput:
    queue: str
    fallback: bool
    predicted: pd.DataFrame  # ds, yhat (+ one column per holiday: its effect as a fraction)
    residuals: pd.DataFrame  # ds, r: out-of-sample residuals on the model scale
    folds: pd.DataFrame  # rank, origin, ds, y, yhat (raw scale) — for the total's calibration
    interval_source: str
    seconds: float


def _forward(values: np.ndarray, log_scale: bool) -> np.ndarray:
    """Volume to the model's scale."""
    return np.log1p(np.clip(values, 0.0, None)) if log_scale else np.asarray(values, float)


def _inverse(values: np.ndarray, log_scale: bool) -> np.ndarray:
    """Model scale back to volume, never negative."""
    out = np.expm1(values) if log_scale else np.asarray(values, float)
    return np.clip(out, 0.0, None)


@contextlib.contextmanager
def _quiet(verbose: bool) -> Iterator[None]:
    """Silence Prophet's and cmdstanpy's INFO chatter for the block unless ``verbose``."""
    if verbose:
        yield
        return
    # ``disabled`` rather than a level: cmdstanpy resets its level on first use
    loggers = [logging.getLogger(name) for name in ("prophet", "cmdstanpy")]
    saved = [(lg, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.disabled = True
    try:
        yield
    finally:
        for lg, state in saved:
            lg.disabled = state


def _fit_predict(
    train: pd.DataFrame,
    predict_ds: pd.DatetimeIndex,
    settings: ForecastSettings,
    holidays: pd.DataFrame,
    fallback: bool,
) -> pd.DataFrame:
    """Fit one Prophet model on ``train`` and predict ``predict_ds`` (raw volume).

    Returns:
        ``ds, yhat`` plus, when holidays were modelled, one column per holiday name holding its
        multiplicative effect on that day (fraction; 0 outside the holiday's window).
    """
    from prophet import Prophet  # imported here: 2 s of import time only when a fit happens

    log_scale = settings.seasonality_mode == "multiplicative"
    s = settings
    uplift_mask_train = in_window(train["ds"], s.prior_uplift_start, s.prior_uplift_end)
    y = train["y"].to_numpy(dtype=float)
    if fallback:
        # the baseline is what the season is uplifted from: take the assumed uplift back out of
        # any in-season history days so they do not inflate the flat weekly level
        y = np.where(uplift_mask_train, y / (1.0 + s.prior_uplift), y)
    frame = pd.DataFrame({"ds": train["ds"].to_numpy(), "y": _forward(y, log_scale)})
    future = pd.DataFrame({"ds": predict_ds})
    use_season = s.season_regressor and not fallback
    if use_season:
        frame["peak_season"] = uplift_mask_train.astype(float)
        future["peak_season"] = in_window(predict_ds, s.prior_uplift_start, s.prior_uplift_end)
        future["peak_season"] = future["peak_season"].astype(float)
    model = Prophet(
        growth="flat" if fallback else "linear",
        yearly_seasonality=not fallback,
        weekly_seasonality=True,
        daily_seasonality=False,
        holidays=None if fallback or holidays.empty else holidays,
        seasonality_mode="additive",  # on log1p(y) additive == multiplicative on volume
        changepoint_prior_scale=s.changepoint_prior_scale,
        holidays_prior_scale=s.holidays_prior_scale,
        uncertainty_samples=0,  # intervals come from backtest residuals, not sampling
    )
    if use_season:
        model.add_regressor("peak_season", standardize=False)
    with _quiet(s.verbose):
        model.fit(frame)
        pred = model.predict(future)
    z = pred["yhat"].to_numpy()
    out = pd.DataFrame({"ds": pd.DatetimeIndex(predict_ds), "yhat": _inverse(z, log_scale)})
    if fallback:
        mask = in_window(predict_ds, s.prior_uplift_start, s.prior_uplift_end)
        out["yhat"] = np.where(mask, out["yhat"] * (1.0 + s.prior_uplift), out["yhat"])
    elif holidays is not None and not holidays.empty:
        for name in sorted(set(holidays["holiday"])):
            if name not in pred.columns:
                continue
            part = pred[name].to_numpy()
            without = _inverse(z - part, log_scale)
            with np.errstate(divide="ignore", invalid="ignore"):
                effect = np.where(without > 0, out["yhat"].to_numpy() / without - 1.0, 0.0)
            out[name] = np.where(np.abs(part) > 0, effect, 0.0)
    return out


def _fold_origins(
    first: pd.Timestamp, last: pd.Timestamp, settings: ForecastSettings, fallback: bool
) -> list[pd.Timestamp]:
    """Forecast origins for the calibration backtests, most relevant first.

    Learned models: 52 weeks back (same season, same weekdays), 104, 156 …, then 13, 26 … weeks
    back; each needs ``full_year_days`` of training before it. Fallback models: 4, 8 … weeks back.
    """
    start_next = last + pd.Timedelta(days=1)
    if fallback:
        steps, min_train = [28 * k for k in range(1, 9)], settings.min_history_days
    else:
        steps = [364 * k for k in range(1, 6)] + [91 * k for k in range(1, 4)]
        min_train = settings.full_year_days
    origins: list[pd.Timestamp] = []
    for step in steps:
        origin = start_next - pd.Timedelta(days=step)
        if (origin - first).days >= min_train and origin not in origins:
            origins.append(origin)
    return origins[: settings.calibration_folds]


@dataclass(frozen=True)
class _FitJob:
    """One Prophet fit: the queue's model (``main``), a calibration backtest (``fold``) or an
    in-sample fit (``insample``, when no backtest is possible)."""

    queue: str
    role: str
    origin: pd.Timestamp | None
    train: pd.DataFrame
    predict_ds: pd.DatetimeIndex
    settings: ForecastSettings
    holidays: pd.DataFrame
    fallback: bool


def _plan_fits(task: _QueueTask) -> list[_FitJob]:
    """Every fit one queue needs: its model, its backtests (or an in-sample fit)."""
    s, train = task.settings, task.train
    first, last = train["ds"].min(), train["ds"].max()
    fallback = (last - first).days + 1 < s.full_year_days

    def job(role: str, origin: pd.Timestamp | None, fit_on: pd.DataFrame, ds: object) -> _FitJob:
        days = pd.DatetimeIndex(ds)
        return _FitJob(task.queue, role, origin, fit_on, days, s, task.holidays, fallback)

    jobs = [job("main", None, train, task.predict_ds)]
    backtest_days = 0
    if s.calibrate_intervals:
        for origin in _fold_origins(first, last, s, fallback):
            stop = min(origin + pd.Timedelta(days=task.horizon_days - 1), last)
            target = train[(train["ds"] >= origin) & (train["ds"] <= stop)]
            fit_on = train[train["ds"] < origin]
            if target.empty or len(fit_on) < s.min_history_days:
                continue
            jobs.append(job("fold", origin, fit_on, target["ds"]))
            backtest_days += len(target)
    if backtest_days < _MIN_RESIDUALS:
        jobs.append(job("insample", None, train, train["ds"]))
    return jobs


def _run_fit(job: _FitJob) -> tuple[pd.DataFrame, float]:
    """Run one fit (top-level so worker processes can pickle it); returns prediction, seconds."""
    began = time.perf_counter()
    predicted = _fit_predict(job.train, job.predict_ds, job.settings, job.holidays, job.fallback)
    return predicted, time.perf_counter() - began


def _assemble(
    task: _QueueTask, jobs: list[_FitJob], results: list[tuple[pd.DataFrame, float]]
) -> _QueueOutput:
    """One queue's model prediction, backtest residuals and their provenance."""
    log_scale = task.settings.seasonality_mode == "multiplicative"
    observed = task.train.set_index("ds")["y"]
    predicted = pd.DataFrame()
    residuals: list[pd.DataFrame] = []
    fold_frames: list[pd.DataFrame] = []
    insample = None
    rank = 0
    for job, (pred, _) in zip(jobs, results, strict=True):
        if job.role == "main":
            predicted = pred
            continue
        y = observed.loc[pred["ds"]].to_numpy(dtype=float)
        yhat = pred["yhat"].to_numpy()
        r = pd.DataFrame(
            {"ds": pred["ds"].to_numpy(), "r": _forward(y, log_scale) - _forward(yhat, log_scale)}
        )
        if job.role == "insample":
            insample = r
            continue
        residuals.append(r)
        fold_frames.append(
            pd.DataFrame(
                {
                    "rank": rank,
                    "origin": job.origin,
                    "ds": pred["ds"].to_numpy(),
                    "y": y,
                    "yhat": yhat,
                }
            )
        )
        rank += 1
    if insample is not None:
        # no room to backtest (or calibration switched off): in-sample residuals, too narrow
        res = insample
        source = "in-sample residuals (no backtest possible): intervals are likely too narrow"
    else:
        res = pd.concat(residuals, ignore_index=True)
        source = f"calibrated on {len(fold_frames)} rolling-origin backtest(s), {len(res)} days"
    folds = (
        pd.concat(fold_frames, ignore_index=True)
        if fold_frames
        else pd.DataFrame(columns=["rank", "origin", "ds", "y", "yhat"])
    )
    return _QueueOutput(
        queue=task.queue,
        fallback=jobs[0].fallback,
        predicted=predicted,
        residuals=res,
        folds=folds,
        interval_source=source,
        seconds=sum(seconds for _, seconds in results),
    )


#: Calibration methods :func:`_offsets` knows; the first is the default. ``bench.forecast
#: --only calibration`` compares them over many seasons (see docs/forecast.md).
CALIBRATION_METHODS = ("conformal", "pooled", "weekday_normalised")


def conformal_quantile(values: np.ndarray, level: float) -> float:
    """The split-conformal quantile of ``values`` at ``level`` (0..1), finite-sample corrected.

    With n exchangeable residuals, the k-th smallest with k = ⌈(n + 1)·level⌉ is exceeded by a new
    residual with probability at most 1 − level (Vovk et al.; Lei et al. 2018), where the plain
    empirical quantile (k = n·level) is exceeded slightly more often. Levels below one half are
    mirrored (k = ⌊(n + 1)·level⌋), so an equal-tailed band widens on both sides. k is clipped to
    1..n: with too few residuals for the level the extreme residual is the best available bound.
    """
    ordered = np.sort(np.asarray(values, dtype=float))
    n = len(ordered)
    # the small epsilon keeps an exact integer (n + 1)·level from rounding past itself
    upper_tail = level >= 0.5
    k = math.ceil((n + 1) * level - 1e-9) if upper_tail else math.floor((n + 1) * level + 1e-9)
    return float(ordered[min(max(k, 1), n) - 1])


def _offsets(
    residuals: pd.DataFrame, settings: ForecastSettings, method: str = CALIBRATION_METHODS[0]
) -> pd.DataFrame:
    """Calibrated residual quantiles per weekday for the bounds and the staffing quantile.

    ``conformal`` (the default): split-conformal quantiles (:func:`conformal_quantile`) of all
    backtest residuals pooled; the same offsets for every weekday. Compared over 13 seasons
    (sample, real, synthetic) it was the simplest method with coverage closest to the target;
    weekday normalisation estimated 14 extra parameters from ~300 residuals and its noise cost
    more than it gained (docs/forecast.md, "Uncertainty").

    ``pooled``: plain empirical quantiles of the pooled residuals (no finite-sample correction).

    ``weekday_normalised``: residuals centred on their weekday's median and divided by its
    interquartile range, quantiles over all normalised residuals, mapped back per weekday
    (location-scale normalised conformal). A weekday with fewer than ``_MIN_PER_WEEKDAY``
    residuals uses the pooled median and spread.

    Args:
        residuals: ``ds, r`` — out-of-sample residuals on the model scale.
        settings: ``interval_width`` and ``staffing_quantile`` give the levels.
        method: one of :data:`CALIBRATION_METHODS`.

    Returns:
        Index weekday 0..6 (0 = Monday), columns ``lower``, ``upper``, ``plan`` (model scale).
    """
    w, q = settings.interval_width, settings.staffing_quantile
    levels = [(1 - w) / 2, (1 + w) / 2, q]
    values = residuals["r"].to_numpy(float)
    if method == "conformal":
        row = [conformal_quantile(values, level) for level in levels]
        return pd.DataFrame([row] * 7, columns=["lower", "upper", "plan"], index=range(7))
    if method == "pooled":
        row = list(np.quantile(values, levels))
        return pd.DataFrame([row] * 7, columns=["lower", "upper", "plan"], index=range(7))
    if method != "weekday_normalised":
        raise ValueError(f"unknown calibration method {method!r}; use one of {CALIBRATION_METHODS}")
    weekday = np.asarray(pd.DatetimeIndex(residuals["ds"]).day_of_week)

    def location_scale(part: np.ndarray) -> tuple[float, float]:
        q25, q50, q75 = np.quantile(part, [0.25, 0.5, 0.75])
        return float(q50), max(float(q75 - q25), 1e-9)

    pooled = location_scale(values)
    loc_scale = []
    for day in range(7):
        part = values[weekday == day]
        loc_scale.append(location_scale(part) if len(part) >= _MIN_PER_WEEKDAY else pooled)
    loc = np.array([ls[0] for ls in loc_scale])
    scale = np.array([ls[1] for ls in loc_scale])
    normalised = (values - loc[weekday]) / scale[weekday]
    quantiles = np.quantile(normalised, levels)
    rows = [loc[d] + scale[d] * quantiles for d in range(7)]
    return pd.DataFrame(rows, columns=["lower", "upper", "plan"], index=range(7))


def _with_bounds(
    yhat: np.ndarray, dates: pd.Series | pd.DatetimeIndex, offsets: pd.DataFrame, log_scale: bool
) -> dict[str, np.ndarray]:
    """``yhat_lower``/``yhat_upper``/``y_plan`` around ``yhat`` (bounds never exclude yhat)."""
    z = _forward(yhat, log_scale)
    rows = offsets.loc[pd.DatetimeIndex(pd.to_datetime(dates)).day_of_week]
    lower = np.minimum(_inverse(z + rows["lower"].to_numpy(), log_scale), yhat)
    upper = np.maximum(_inverse(z + rows["upper"].to_numpy(), log_scale), yhat)
    plan = _inverse(z + rows["plan"].to_numpy(), log_scale)
    return {"yhat_lower": lower, "yhat_upper": upper, "y_plan": plan}


def _run_all(tasks: list[_QueueTask], jobs: int) -> list[_QueueOutput]:
    """Run every fit of every queue inline (one job) or across worker processes.

    The unit of work is one fit, not one queue, so a single queue's model and backtests also
    share the cores.
    """
    plans = [_plan_fits(t) for t in tasks]
    flat = [job for plan in plans for job in plan]
    if not jobs:  # 0 = every core this process may use (affinity, not the host's count)
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    jobs = min(jobs or 1, len(flat))
    if jobs <= 1:
        results = [_run_fit(j) for j in flat]
    else:
        import prophet  # noqa: F401 — imported once here, inherited by forked workers

        # the largest fits first, so no worker is left with a long one at the end
        order = sorted(range(len(flat)), key=lambda i: -len(flat[i].train))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(_run_fit, [flat[i] for i in order]))
        results = [None] * len(flat)
        for i, result in zip(order, done, strict=True):
            results[i] = result
    outputs, at = [], 0
    for task, plan in zip(tasks, plans, strict=True):
        outputs.append(_assemble(task, plan, results[at : at + len(plan)]))  # type: ignore[arg-type]
        at += len(plan)
    return outputs


# --------------------------------------------------------------------------------------------
# All queues, daily
# --------------------------------------------------------------------------------------------


def _fallback_warning(queue: str, days: int, settings: ForecastSettings) -> str:
    s = settings
    return (
        f"WARNING {queue}: only {days} days of history (< {s.full_year_days}): the yearly surge "
        f"cannot be learned, so the forecast is a flat weekly baseline with an ASSUMED "
        f"{s.prior_uplift:+.0%} uplift over {s.prior_uplift_start}..{s.prior_uplift_end} "
        f"(forecast.prior_uplift), not learned from your data — check it against your own seasons"
    )


def forecast_daily(
    daily: pd.DataFrame,
    settings: ForecastSettings,
    start: dt.date,
    end: dt.date,
    country: str | None = None,
    subdivision: str | None = None,
    queues: list[str] | None = None,
) -> DailyForecast:
    """Fit one model per queue on daily history and forecast ``start..end``.

    Args:
        daily: ``queue, ds, y`` from :func:`daily_history` (``ds`` naive local midnight).
        settings: the scenario's forecast settings.
        start, end: first and last local date to forecast (inclusive).
        country, subdivision: public holidays to model (None: retail events only).
        queues: queues to forecast, in order (default: every queue in ``daily``).

    Returns:
        A :class:`DailyForecast` (no what-ifs applied).

    Raises:
        DataError: a queue has no or too little history.
        ScenarioError: a bad window or event rule.
    """
    if end < start:
        raise ScenarioError(f"forecast: end ({end}) is before start ({start})")
    queues = queues or sorted(daily["queue"].unique())
    s = settings
    log_scale = s.seasonality_mode == "multiplicative"
    # the coming season and its pre-season baseline are predicted too, for the surge report
    season_year = _season_year(start, s)
    base_lo, _ = season_window(season_year, s.baseline_start, s.baseline_end)
    _, season_hi = season_window(season_year, s.prior_uplift_start, s.prior_uplift_end)
    predict_ds = pd.date_range(
        min(pd.Timestamp(start), pd.Timestamp(base_lo)),
        max(pd.Timestamp(end), pd.Timestamp(season_hi)),
        freq="D",
    )
    first_year = int(daily["ds"].min().year) if not daily.empty else start.year
    years = range(min(first_year, start.year) - 1, predict_ds[-1].year + 2)
    hol = holidays_frame(s.events, years, country if s.country_holidays else None, subdivision)

    tasks: list[_QueueTask] = []
    warnings: list[str] = []
    for queue in queues:
        train = daily[daily["queue"] == queue][["ds", "y"]].sort_values("ds")
        train = train[train["ds"] < pd.Timestamp(start)].reset_index(drop=True)
        if train.empty:
            raise DataError(
                f"history: queue '{queue}' has no history before {start}; add its tickets to the "
                "history file or remove the queue from the scenario"
            )
        span = (train["ds"].max() - train["ds"].min()).days + 1
        if len(train) < s.min_history_days:
            raise DataError(
                f"history: queue '{queue}' has only {len(train)} days before {start}; at least "
                f"{s.min_history_days} are needed (forecast.min_history_days)"
            )
        if span < s.full_year_days:
            warnings.append(_fallback_warning(queue, span, s))
        horizon = max(1, (pd.Timestamp(end) - train["ds"].max()).days)
        tasks.append(_QueueTask(queue, train, predict_ds, horizon, s, hol))

    outputs = _run_all(tasks, s.parallel_jobs)

    names = holiday_names_by_date(hol)
    season_ahead = _any_in_season(pd.date_range(start, end, freq="D"), s)
    rows, extended, effects = [], [], []
    folds_all = []
    mask = (predict_ds >= pd.Timestamp(start)) & (predict_ds <= pd.Timestamp(end))
    for out in outputs:
        offsets = _offsets(out.residuals, s)
        pred = out.predicted
        extended.append(pd.DataFrame({"queue": out.queue, "ds": pred["ds"], "yhat": pred["yhat"]}))
        part = pred[mask].reset_index(drop=True)
        yhat = part["yhat"].to_numpy()
        frame = pd.DataFrame({"queue": out.queue, "ds": part["ds"], "yhat": yhat})
        for col, values in _with_bounds(yhat, part["ds"], offsets, log_scale).items():
            frame[col] = values
        frame["note"] = ""
        if out.fallback:
            frame["note"] = (
                f"ASSUMED {s.prior_uplift:+.0%} season uplift (short history), not learned"
            )
        rows.append(frame)
        effects.append(_effects_of(out, hol))
        if not out.folds.empty:
            folds_all.append(out.folds.assign(queue=out.queue))
        if not out.interval_source.startswith("calibrated"):
            warnings.append(f"{out.queue}: {out.interval_source}")
        elif season_ahead and not out.fallback and not _any_in_season(out.folds["ds"], s):
            warnings.append(
                f"{out.queue}: the band is calibrated on off-season backtests only (less than a "
                "year of history before each backtest origin in the season); it is likely too "
                "narrow in the season"
            )

    result = pd.concat(rows, ignore_index=True)
    result["holiday"] = [names.get(d.date(), "") for d in result["ds"]]
    result["date"] = [d.date() for d in result["ds"]]
    result = result[
        ["queue", "date", "yhat", "yhat_lower", "yhat_upper", "y_plan", "holiday", "note"]
    ]
    ext = pd.concat(extended, ignore_index=True)
    ext["date"] = [d.date() for d in ext["ds"]]
    return DailyForecast(
        daily=result,
        extended=ext[["queue", "date", "yhat"]],
        total_offsets=_total_offsets(folds_all, outputs, s, log_scale),
        effects=pd.concat(effects, ignore_index=True)
        if effects
        else pd.DataFrame(columns=["queue", "holiday", "date", "effect"]),
        fallback={o.queue: o.fallback for o in outputs},
        interval_source={o.queue: o.interval_source for o in outputs},
        warnings=sorted(warnings, key=lambda w: not w.startswith("WARNING")),
        fit_seconds={o.queue: o.seconds for o in outputs},
        log_scale=log_scale,
        folds=pd.concat(folds_all, ignore_index=True) if folds_all else pd.DataFrame(),
    )


def _any_in_season(days: pd.Series | pd.DatetimeIndex, settings: ForecastSettings) -> bool:
    """True when any of ``days`` lies in the season window (``prior_uplift_start..end``)."""
    if len(days) == 0:
        return False
    return bool(in_window(days, settings.prior_uplift_start, settings.prior_uplift_end).any())


def _season_year(start: dt.date, settings: ForecastSettings) -> int:
    """The year whose season window is the first to end on or after ``start``."""
    for year in (start.year - 1, start.year):
        _, last = season_window(year, settings.prior_uplift_start, settings.prior_uplift_end)
        if last >= start:
            return year
    return start.year + 1


def _effects_of(out: _QueueOutput, hol: pd.DataFrame) -> pd.DataFrame:
    """Each holiday's learned effect on its own (anchor) date within the predicted range."""
    pred = out.predicted.set_index("ds")
    rows = []
    for name, day in zip(hol["holiday"], hol["ds"], strict=True):
        if name in pred.columns and day in pred.index:
            rows.append(
                {
                    "queue": out.queue,
                    "holiday": name,
                    "date": day.date(),
                    "effect": float(pred.at[day, name]),
                    "yhat": float(pred.at[day, "yhat"]),
                }
            )
    return pd.DataFrame(rows, columns=["queue", "holiday", "date", "effect", "yhat"])


def _total_offsets(
    folds: list[pd.DataFrame],
    outputs: list[_QueueOutput],
    settings: ForecastSettings,
    log_scale: bool,
) -> pd.DataFrame:
    """Residual quantiles of the all-queue total, from the queues' shared backtest days."""
    if len(outputs) == 1:
        return _offsets(outputs[0].residuals, settings)
    if folds:
        stacked = pd.concat(folds, ignore_index=True)
        n_queues = len(outputs)
        grouped = stacked.groupby(["origin", "ds"]).agg(
            y=("y", "sum"), yhat=("yhat", "sum"), n=("queue", "nunique")
        )
        grouped = grouped[grouped["n"] == n_queues]
        if len(grouped) >= _MIN_RESIDUALS:
            r = _forward(grouped["y"].to_numpy(), log_scale) - _forward(
                grouped["yhat"].to_numpy(), log_scale
            )
            ds = grouped.index.get_level_values("ds")
            return _offsets(pd.DataFrame({"ds": ds, "r": r}), settings)
    # no shared backtest days: the widest queue's offsets, a conservative stand-in
    stacked_offsets = pd.concat([_offsets(o.residuals, settings) for o in outputs])
    by_day = stacked_offsets.groupby(level=0)
    return pd.DataFrame(
        {
            "lower": by_day["lower"].min(),
            "upper": by_day["upper"].max(),
            "plan": by_day["plan"].max(),
        }
    )


def total_forecast(daily: pd.DataFrame, offsets: pd.DataFrame, log_scale: bool) -> pd.DataFrame:
    """The all-queue total per day with its own calibrated interval.

    Args:
        daily: per-queue daily forecast (``queue, date, yhat``; after what-ifs if any).
        offsets: the total's residual quantiles (:attr:`DailyForecast.total_offsets`).
        log_scale: the model scale of the residuals.

    Returns:
        ``date, yhat, yhat_lower, yhat_upper, y_plan`` (contacts per day).
    """
    total = daily.groupby("date", as_index=False, sort=True)["yhat"].sum()
    yhat = total["yhat"].to_numpy(dtype=float)
    for col, values in _with_bounds(yhat, total["date"], offsets, log_scale).items():
        total[col] = values
    return total


# --------------------------------------------------------------------------------------------
# What-ifs
# --------------------------------------------------------------------------------------------


def apply_what_ifs(frame: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Apply ``forecast.overrides`` then each queue's ``deflection`` to a daily frame.

    Order: model volume × Π(1 + override uplift) for every override covering the queue and date
    (overlapping overrides compound) × (1 − deflection). Both are multipliers, so bounds and
    ``y_plan`` scale with the point forecast and promoted contacts are deflected at the same rate.

    Args:
        frame: has ``queue`` and ``date`` (``datetime.date``) and any of ``yhat, yhat_lower,
            yhat_upper, y_plan``.
        scenario: the scenario whose overrides and queue deflections apply.

    Returns:
        A new frame (the input is not modified).
    """
    out = frame.copy()
    factor = np.ones(len(out))
    dates = pd.to_datetime(pd.Series(out["date"]))
    queues = out["queue"].astype(str).to_numpy()
    for override in scenario.forecast.overrides:
        hit = (
            (dates >= pd.Timestamp(override.start)) & (dates <= pd.Timestamp(override.end))
        ).to_numpy()
        if override.queue is not None:
            hit = hit & (queues == override.queue)
        factor = np.where(hit, factor * (1.0 + override.uplift), factor)
    for queue in scenario.queues:
        if queue.deflection:
            factor = np.where(queues == queue.name, factor * (1.0 - queue.deflection), factor)
    for col in _VALUE_COLUMNS:
        if col in out.columns:
            out[col] = out[col].to_numpy(dtype=float) * factor
    return out


# --------------------------------------------------------------------------------------------
# Surge report
# --------------------------------------------------------------------------------------------


def _uplift(values: pd.Series, settings: ForecastSettings, year: int) -> float | None:
    """Mean daily volume of the season window over the baseline window of ``year`` − 1."""
    s = settings
    b_lo, b_hi = season_window(year, s.baseline_start, s.baseline_end)
    s_lo, s_hi = season_window(year, s.prior_uplift_start, s.prior_uplift_end)
    dates = pd.Index(values.index)
    base = values[(dates >= b_lo) & (dates <= b_hi)]
    season = values[(dates >= s_lo) & (dates <= s_hi)]
    need_base = (b_hi - b_lo).days + 1
    need_season = (s_hi - s_lo).days + 1
    # a year counts only with (nearly) every day present: a partial window would bias the ratio
    if len(base) < 0.9 * need_base or len(season) < 0.9 * need_season or base.mean() <= 0:
        return None
    return float(season.mean() / base.mean() - 1.0)


def surge_report(
    history_daily: pd.DataFrame,
    forecast: DailyForecast,
    daily: pd.DataFrame,
    extended: pd.DataFrame,
    settings: ForecastSettings,
    top_effects: int = 3,
) -> pd.DataFrame:
    """Per queue and in total: peak day and week, season uplift, past uplifts, holiday effects.

    Args:
        history_daily: ``queue, ds, y`` actual daily volume.
        forecast: the daily forecast (for effects and fallback flags).
        daily: per-queue daily forecast after what-ifs (the plan's dates).
        extended: per-queue ``queue, date, yhat`` over the season and its baseline (after
            what-ifs).
        settings: forecast settings (windows, prior uplift).
        top_effects: how many holiday effects to list.

    Returns:
        One row per queue plus ``total``: ``queue, season, peak_day, peak_day_volume,
        peak_week_start, peak_week_volume, season_uplift`` (fraction, this season: actuals where
        known, forecast elsewhere), ``uplift_source``, ``past_uplifts`` (text, measured in
        history), ``past_uplift_mean``, ``top_holiday_effects`` (text), ``note``.
    """
    s = settings
    start = min(daily["date"])
    season_year = _season_year(start, s)
    hist = history_daily.copy()
    hist["date"] = [d.date() for d in hist["ds"]]
    queues = list(dict.fromkeys(daily["queue"]))
    rows = []
    for queue in [*queues, TOTAL]:
        if queue == TOTAL:
            actual = hist[hist["queue"].isin(queues)].groupby("date")["y"].sum()
            plan = daily.groupby("date")["yhat"].sum()
            ext = extended.groupby("date")["yhat"].sum()
            fallback = any(forecast.fallback.values())
            eff = _total_effects(forecast.effects)
        else:
            actual = hist[hist["queue"] == queue].set_index("date")["y"]
            plan = daily[daily["queue"] == queue].set_index("date")["yhat"]
            ext = extended[extended["queue"] == queue].set_index("date")["yhat"]
            fallback = forecast.fallback.get(queue, False)
            eff = forecast.effects[forecast.effects["queue"] == queue]
        combined = pd.concat([actual, ext[~ext.index.isin(actual.index)]]).sort_index()
        peak_day = plan.idxmax()
        weekly = plan.groupby([d - dt.timedelta(days=d.weekday()) for d in plan.index]).agg(
            ["sum", "count"]
        )
        full = weekly[weekly["count"] == 7]
        weeks = full if not full.empty else weekly
        peak_week = weeks["sum"].idxmax()
        past = {
            y: u
            for y in range(min(actual.index).year if len(actual) else season_year, season_year)
            if (u := _uplift(actual, s, y)) is not None
        }
        eff_text = ""
        if not fallback and not eff.empty:
            season_eff = eff[[d.year in (season_year, season_year + 1) for d in eff["date"]]]
            top = season_eff.reindex(season_eff["effect"].abs().sort_values(ascending=False).index)
            eff_text = "; ".join(
                f"{r.holiday} {r.date:%Y-%m-%d} {r.effect:+.0%}"
                for r in top.head(top_effects).itertuples()
            )
        rows.append(
            {
                "queue": queue,
                "season": season_year,
                "peak_day": peak_day,
                "peak_day_volume": float(plan.max()),
                "peak_week_start": peak_week,
                "peak_week_volume": float(weeks["sum"].max()),
                "season_uplift": _uplift(combined, s, season_year),
                "uplift_source": (
                    f"assumed {s.prior_uplift:+.0%}, not learned" if fallback else "learned"
                ),
                "past_uplifts": "; ".join(f"{y}: {u:+.0%}" for y, u in past.items()),
                "past_uplift_mean": float(np.mean(list(past.values()))) if past else None,
                "top_holiday_effects": eff_text
                or ("none learned (short history)" if fallback else ""),
                "note": (
                    f"WARNING: season uplift ASSUMED {s.prior_uplift:+.0%} "
                    "(forecast.prior_uplift), not learned: history is shorter than a year"
                    if fallback
                    else ""
                ),
            }
        )
    return pd.DataFrame(rows)


def _total_effects(effects: pd.DataFrame) -> pd.DataFrame:
    """Holiday effects on the total: Σ yhat / Σ yhat-without-the-holiday − 1 per date."""
    if effects.empty:
        return effects
    work = effects.assign(without=effects["yhat"] / (1.0 + effects["effect"]))
    grouped = work.groupby(["holiday", "date"], as_index=False).agg(
        yhat=("yhat", "sum"), without=("without", "sum")
    )
    grouped["effect"] = grouped["yhat"] / grouped["without"] - 1.0
    grouped["queue"] = TOTAL
    return grouped[["queue", "holiday", "date", "effect", "yhat"]]


# --------------------------------------------------------------------------------------------
# The stage's entry point
# --------------------------------------------------------------------------------------------


def forecast_volume(
    history: pd.DataFrame,
    scenario: Scenario,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ForecastResult:
    """Forecast every scenario queue per interval, with intervals, what-ifs and a surge report.

    Args:
        history: the ``history`` table (``queue, ds, y``; tz-aware interval starts or daily
            stamps at local midnight).
        scenario: the plan's settings (site, queues, ``forecast`` section).
        start, end: first and last local date (default: ``scenario.horizon``).

    Returns:
        A :class:`ForecastResult`; ``forecast.attrs["warnings"]`` repeats the warnings.

    Raises:
        DataError: unusable history (missing queue, too little data, bad values).
        ScenarioError: bad dates or settings.
    """
    from planner.intraday import intraday_profiles, split_daily

    start = start or scenario.horizon.start
    end = end or scenario.horizon.end
    if end < start:
        raise ScenarioError(f"forecast: end ({end}) is before start ({start})")
    site, s = scenario.site, scenario.forecast
    daily_hist = daily_history(history, site.timezone)
    missing = [q for q in scenario.queue_names if q not in set(daily_hist["queue"])]
    if missing:
        raise DataError(
            f"history: no rows for queue '{missing[0]}'; history queues are "
            f"{sorted(daily_hist['queue'].unique())} (rename in the file or the scenario)"
        )
    result = forecast_daily(
        daily_hist, s, start, end, site.country, site.subdivision, scenario.queue_names
    )
    daily = apply_what_ifs(result.daily, scenario)
    extended = apply_what_ifs(result.extended, scenario)
    total = total_forecast(daily, result.total_offsets, result.log_scale)
    surge = surge_report(daily_hist, result, daily, extended, s)

    hist_years = range(int(daily_hist["ds"].min().year), end.year + 1)
    hist_hol = holidays_frame(
        s.events, hist_years, site.country if s.country_holidays else None, site.subdivision
    )
    profiles = intraday_profiles(
        history[history["queue"].isin(scenario.queue_names)],
        site,
        weeks=s.intraday_weeks,
        holiday_names=holiday_names_by_date(hist_hol),
        before=start,
    )
    forecast = split_daily(daily, profiles, site)
    warnings = list(result.warnings)
    forecast.attrs["warnings"] = warnings
    return ForecastResult(
        forecast=forecast,
        daily=daily,
        total=total,
        surge=surge,
        effects=result.effects,
        warnings=warnings,
        fallback_used=any(result.fallback.values()),
        fit_seconds=result.fit_seconds,
        interval_source=result.interval_source,
    )
