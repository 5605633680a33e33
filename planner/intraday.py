"""Intraday profiles: how a day's contacts spread over its intervals, and the split itself.

A profile is, per queue and weekday, the share of a day's contacts that arrives in each wall-clock
slot (``minute`` since local midnight, at ``site.interval_minutes``). It is learned from the last
``forecast.intraday_weeks`` weeks of interval history; holidays seen in history (Christmas Eve,
Black Friday …) get their own profile, averaged over every past occurrence. Daily-only history has
no intraday shape to learn: contacts are spread evenly over the opening hours (over the whole day
on a closed day — an email still arrives on Sunday).

DST: profiles are learned from 24-hour days only. When splitting, a day's intervals come from
:func:`planner.timegrid.interval_grid` in absolute time, and each interval takes its wall-clock
slot's share: the skipped spring-forward hour simply has no interval (its share goes to the rest of
the day), and on the fall-back day both occurrences of the repeated hour take the slot's share
(contacts really do arrive during both real hours). The shares are then renormalised per day, so
interval forecasts sum to the daily forecast exactly (to floating-point rounding).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.errors import DataError
from planner.scenario import WEEKDAYS, Site
from planner.timegrid import interval_grid, to_local, wall_clock_minutes

__all__ = ["IntradayProfiles", "intraday_profiles", "opening_hours_profile", "split_daily"]

_VALUE_COLUMNS = ("yhat", "yhat_lower", "yhat_upper", "y_plan")


@dataclass
class IntradayProfiles:
    """Learned intraday shares.

    Attributes:
        weekday: ``queue, weekday`` (0 = Monday), ``minute`` (slot start, minutes after local
            midnight), ``share`` (fraction of the day; each queue × weekday sums to 1).
        holiday: ``queue, holiday, minute, share`` for holidays seen in interval history.
        source: queue -> ``"history"`` or ``"opening hours"`` (daily-only history).
        interval_minutes: slot length.
    """

    weekday: pd.DataFrame
    holiday: pd.DataFrame
    source: dict[str, str] = field(default_factory=dict)
    interval_minutes: int = 30


def opening_hours_profile(site: Site) -> pd.DataFrame:
    """Even shares over each weekday's opening hours (the whole day when closed).

    Returns:
        ``weekday, minute, share``.
    """
    step = site.interval_minutes
    minutes = np.arange(0, 24 * 60, step)
    rows = []
    for weekday, name in enumerate(WEEKDAYS):
        span = site.opening_hours.get(name)
        if span is None:
            open_slots = np.ones(len(minutes), dtype=bool)
        else:
            opens = span[0].hour * 60 + span[0].minute
            closes = 24 * 60 if span[1] == dt.time.max else span[1].hour * 60 + span[1].minute
            open_slots = (minutes >= opens) & (minutes + step <= closes)
            if not open_slots.any():
                open_slots = np.ones(len(minutes), dtype=bool)
        share = open_slots / open_slots.sum()
        rows.append(pd.DataFrame({"weekday": weekday, "minute": minutes, "share": share}))
    return pd.concat(rows, ignore_index=True)


def _is_daily(local: pd.Series, queues: pd.Series) -> bool:
    """True when every stamp is local midnight with one row per queue and date."""
    at_midnight = bool((wall_clock_minutes(local) == 0).all())
    return at_midnight and not pd.DataFrame({"q": queues, "d": local.dt.date}).duplicated().any()


def _slot_rows(frame: pd.DataFrame, step: int) -> pd.DataFrame:
    """Map interval rows (``minute``, ``y``) onto plan slots of ``step`` minutes.

    Finer history is summed into each slot; coarser history (e.g. hourly counts for a 30-minute
    plan) is split evenly over the slots it covers.
    """
    minutes = frame["minute"].to_numpy()
    resolution = int(np.gcd.reduce(np.append(minutes, 24 * 60)))
    if resolution <= step:
        return frame.assign(minute=(minutes // step) * step)
    parts = max(1, resolution // step)
    pieces = [frame.assign(minute=minutes + k * step, y=frame["y"] / parts) for k in range(parts)]
    return pd.concat(pieces, ignore_index=True)


def intraday_profiles(
    history: pd.DataFrame,
    site: Site,
    weeks: int = 8,
    holiday_names: dict[dt.date, str] | None = None,
    before: dt.date | None = None,
) -> IntradayProfiles:
    """Learn per-queue, per-weekday (and per-holiday) intraday shares from history.

    Args:
        history: the ``history`` table (``queue, ds, y``).
        site: the site (zone, interval length, opening hours for daily-only history).
        weeks: recent weeks the weekday profiles are learned from.
        holiday_names: local date -> holiday name, for holiday profiles.
        before: ignore history on or after this date (a backtest must not peek).

    Returns:
        :class:`IntradayProfiles`.
    """
    step = site.interval_minutes
    tz = site.timezone
    local = to_local(pd.to_datetime(history["ds"]), tz)
    if local.isna().any():
        raise DataError("history: column 'ds' has missing or ambiguous timestamps")
    work = pd.DataFrame(
        {
            "queue": history["queue"].astype(str).to_numpy(),
            "date": local.dt.date.to_numpy(),
            "minute": wall_clock_minutes(local).to_numpy(),
            "y": pd.to_numeric(history["y"], errors="coerce").fillna(0.0).to_numpy(float),
        }
    )
    if before is not None:
        keep = work["date"] < before
        work, local = work[keep.to_numpy()], local[keep.to_numpy()]
    fallback = opening_hours_profile(site)
    empty_holiday = pd.DataFrame(columns=["queue", "holiday", "minute", "share"])
    queues = list(dict.fromkeys(work["queue"]))
    weekday_parts, holiday_parts, source = [], [], {}
    daily_only = work.empty or _is_daily(local, work["queue"])
    for queue in queues:
        rows = work[work["queue"] == queue]
        if daily_only:
            weekday_parts.append(fallback.assign(queue=queue))
            source[queue] = "opening hours"
            continue
        rows = rows[_full_days(rows["date"], tz)]
        rows = _slot_rows(rows, step)
        per_slot = rows.groupby(["date", "minute"], as_index=False)["y"].sum()
        totals = per_slot.groupby("date")["y"].transform("sum")
        per_slot = per_slot[totals > 0].assign(share=per_slot["y"] / totals[totals > 0])
        per_slot["weekday"] = [d.weekday() for d in per_slot["date"]]
        weekday_parts.append(_weekday_shares(per_slot, weeks, fallback).assign(queue=queue))
        source[queue] = "history"
        if holiday_names:
            named = per_slot.assign(holiday=per_slot["date"].map(holiday_names))
            named = named[named["holiday"].notna()]
            if not named.empty:
                days = named.groupby("holiday")["date"].nunique()
                sums = named.groupby(["holiday", "minute"], as_index=False)["share"].sum()
                sums["share"] = sums["share"] / sums["holiday"].map(days)
                holiday_parts.append(sums.assign(queue=queue))
    weekday = pd.concat(weekday_parts, ignore_index=True) if weekday_parts else fallback.iloc[:0]
    holiday = pd.concat(holiday_parts, ignore_index=True) if holiday_parts else empty_holiday
    return IntradayProfiles(
        weekday=weekday[["queue", "weekday", "minute", "share"]],
        holiday=holiday[["queue", "holiday", "minute", "share"]],
        source=source,
        interval_minutes=step,
    )


def _full_days(dates: pd.Series, tz: str) -> np.ndarray:
    """True for rows on 24-hour local days (DST-change days would distort wall-clock shares)."""
    unique = pd.Index(pd.unique(dates))
    if unique.empty:
        return np.zeros(len(dates), dtype=bool)
    starts = pd.DatetimeIndex([pd.Timestamp(d) for d in unique])
    first = starts.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    after = (starts + pd.Timedelta(days=1)).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=True
    )
    normal = dict(zip(unique, (after - first) == pd.Timedelta(hours=24), strict=True))
    return dates.map(normal).to_numpy(dtype=bool)


def _weekday_shares(per_slot: pd.DataFrame, weeks: int, fallback: pd.DataFrame) -> pd.DataFrame:
    """Mean share per weekday × slot over the last ``weeks`` weeks (missing slots count as 0)."""
    if per_slot.empty:
        return fallback.copy()
    last = max(per_slot["date"])
    recent = per_slot[per_slot["date"] > last - dt.timedelta(weeks=weeks)]
    days = recent.groupby("weekday")["date"].nunique()
    sums = recent.groupby(["weekday", "minute"], as_index=False)["share"].sum()
    sums["share"] = sums["share"] / sums["weekday"].map(days)
    # a weekday never seen recently takes the all-days shape of the recent weeks
    overall = recent.groupby("minute")["share"].sum() / recent["date"].nunique()
    parts = [sums]
    for weekday in range(7):
        if weekday not in days.index:
            parts.append(
                pd.DataFrame(
                    {"weekday": weekday, "minute": overall.index, "share": overall.to_numpy()}
                )
            )
    return pd.concat(parts, ignore_index=True)


def split_daily(daily: pd.DataFrame, profiles: IntradayProfiles, site: Site) -> pd.DataFrame:
    """Split daily forecasts into the site's intervals, preserving each day's totals.

    Args:
        daily: ``queue, date, yhat, yhat_lower, yhat_upper, y_plan, holiday[, note]``.
        profiles: from :func:`intraday_profiles`.
        site: zone and interval length.

    Returns:
        The ``forecast`` table: ``queue, ds`` (tz-aware interval start), ``yhat, yhat_lower,
        yhat_upper, holiday, y_plan, note``; contacts per interval.
    """
    step = site.interval_minutes
    first, last = min(daily["date"]), max(daily["date"])
    grid = interval_grid(first, last, site.timezone, step)
    slots = pd.DataFrame(
        {
            "ds": grid,
            "date": grid.date,
            "weekday": grid.day_of_week,
            "minute": np.asarray(wall_clock_minutes(grid)),
        }
    )
    values = [c for c in _VALUE_COLUMNS if c in daily.columns]
    extra = [c for c in ("holiday", "note") if c in daily.columns]
    parts = []
    for queue, days in daily.groupby("queue", sort=False):
        frame = slots.merge(days[["date", *values, *extra]], on="date", how="inner")
        weekday = profiles.weekday[profiles.weekday["queue"] == queue]
        frame = frame.merge(
            weekday[["weekday", "minute", "share"]], on=["weekday", "minute"], how="left"
        )
        frame["share"] = frame["share"].fillna(0.0)
        holiday = profiles.holiday[profiles.holiday["queue"] == queue]
        if not holiday.empty and "holiday" in frame.columns:
            special = frame.merge(
                holiday[["holiday", "minute", "share"]].rename(columns={"share": "h_share"}),
                on=["holiday", "minute"],
                how="left",
            )["h_share"]
            has_profile = frame["holiday"].isin(set(holiday["holiday"])).to_numpy()
            frame["share"] = np.where(has_profile, special.fillna(0.0), frame["share"])
        total = frame.groupby("date")["share"].transform("sum")
        count = frame.groupby("date")["share"].transform("size")
        # a day whose profile is empty (no contacts ever seen then) is spread evenly
        frame["share"] = np.where(
            total > 0, frame["share"] / total.where(total > 0, 1.0), 1.0 / count
        )
        for col in values:
            frame[col] = frame[col] * frame["share"]
        frame["queue"] = queue
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    if "holiday" not in out.columns:
        out["holiday"] = ""
    if "note" not in out.columns:
        out["note"] = ""
    columns = ["queue", "ds", "yhat", "yhat_lower", "yhat_upper", "holiday"]
    columns += [c for c in ("y_plan", "note") if c in out.columns]
    return out[columns].reset_index(drop=True)
