"""The planning clock: interval starts per local date, correct on DST days.

Every stage that needs "the intervals of a day" asks here, so a 23- or 25-hour day is handled in
one place. Interval starts are timezone-aware timestamps in the site's zone, stepped in absolute
time: a spring-forward day has 46 half-hours, a fall-back day 50.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from planner.scenario import WEEKDAYS, Site

__all__ = [
    "day_intervals",
    "hours_in_day",
    "interval_grid",
    "local_midnight",
    "open_intervals",
    "open_mask",
    "to_local",
    "wall_clock_minutes",
]


def local_midnight(date: dt.date, tz: str) -> pd.Timestamp:
    """The first instant of a local date (shifted forward where midnight itself does not exist)."""
    naive = pd.Timestamp(date.year, date.month, date.day)
    return naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)


def day_intervals(date: dt.date, tz: str, interval_minutes: int) -> pd.DatetimeIndex:
    """Interval starts covering one local date, in absolute time (46/48/50 half-hours)."""
    start = local_midnight(date, tz)
    end = local_midnight(date + dt.timedelta(days=1), tz)
    return pd.date_range(start, end, freq=f"{interval_minutes}min", inclusive="left", name="ds")


def interval_grid(start: dt.date, end: dt.date, tz: str, interval_minutes: int) -> pd.DatetimeIndex:
    """Interval starts from the first instant of ``start`` to the last interval of ``end``."""
    first = local_midnight(start, tz)
    stop = local_midnight(end + dt.timedelta(days=1), tz)
    return pd.date_range(first, stop, freq=f"{interval_minutes}min", inclusive="left", name="ds")


def to_local(ds: pd.Series | pd.DatetimeIndex, tz: str) -> pd.Series | pd.DatetimeIndex:
    """Convert aware timestamps to the site's zone (naive ones are taken as site-local)."""
    if isinstance(ds, pd.Series):
        values = pd.to_datetime(ds)
        if values.dt.tz is None:
            return values.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT")
        return values.dt.tz_convert(tz)
    index = pd.DatetimeIndex(ds)
    if index.tz is None:
        return index.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT")
    return index.tz_convert(tz)


def wall_clock_minutes(ds: pd.Series | pd.DatetimeIndex) -> pd.Series | pd.Index:
    """Minutes since local midnight on the wall clock (07:30 -> 450), for aware local stamps."""
    if isinstance(ds, pd.Series):
        return ds.dt.hour * 60 + ds.dt.minute
    return ds.hour * 60 + ds.minute


def open_mask(ds: pd.DatetimeIndex, site: Site) -> pd.Series:
    """True where an interval starting at ``ds`` lies inside the site's opening hours."""
    local = to_local(pd.DatetimeIndex(ds), site.timezone)
    start_min = wall_clock_minutes(local)
    end_min = start_min + site.interval_minutes
    weekday = local.weekday
    result = pd.Series(False, index=pd.DatetimeIndex(ds))
    for i, day in enumerate(WEEKDAYS):
        span = site.opening_hours.get(day)
        if span is None:
            continue
        opens = span[0].hour * 60 + span[0].minute
        closes = 24 * 60 if span[1] == dt.time.max else span[1].hour * 60 + span[1].minute
        hit = (weekday == i) & (start_min >= opens) & (end_min <= closes)
        result[hit] = True
    return result


def open_intervals(site: Site, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Interval starts inside opening hours between two local dates (inclusive)."""
    grid = interval_grid(start, end, site.timezone, site.interval_minutes)
    return grid[open_mask(grid, site).to_numpy()]


def hours_in_day(date: dt.date, tz: str) -> float:
    """Length of a local date in hours: 23, 24 or 25 around DST changes."""
    start = local_midnight(date, tz)
    end = local_midnight(date + dt.timedelta(days=1), tz)
    return (end - start).total_seconds() / 3600


def dates_of(ds: Iterable[pd.Timestamp]) -> list[dt.date]:
    """Local calendar dates of aware timestamps (already in the site's zone)."""
    return [pd.Timestamp(t).date() for t in ds]
