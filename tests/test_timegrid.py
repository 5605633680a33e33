"""The planning clock on ordinary and DST days."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planner.scenario import Site
from planner.timegrid import (
    day_intervals,
    hours_in_day,
    interval_grid,
    local_midnight,
    open_intervals,
    open_mask,
    to_local,
    wall_clock_minutes,
)

TZ = "America/New_York"
SPRING = dt.date(2026, 3, 8)  # 23 hours
FALL = dt.date(2026, 11, 1)  # 25 hours
ORDINARY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("day", "minutes", "count"),
    [
        (ORDINARY, 30, 48),
        (SPRING, 30, 46),
        (FALL, 30, 50),
        (SPRING, 15, 92),
        (FALL, 60, 25),
    ],
)
def test_day_intervals_count(day, minutes, count):
    ds = day_intervals(day, TZ, minutes)
    assert len(ds) == count
    assert ds.is_unique and ds.is_monotonic_increasing
    assert str(ds.tz) == TZ
    assert ds[0] == local_midnight(day, TZ)
    # steps are constant in absolute time
    assert (ds[1:] - ds[:-1] == pd.Timedelta(minutes=minutes)).all()


def test_fall_back_day_repeats_the_one_oclock_wall_time():
    ds = day_intervals(FALL, TZ, 30)
    walls = wall_clock_minutes(ds)
    assert list(walls).count(60) == 2  # 01:00 EDT and 01:00 EST
    spring = wall_clock_minutes(day_intervals(SPRING, TZ, 30))
    assert 120 not in set(spring)  # 02:00 does not exist


def test_hours_in_day():
    assert hours_in_day(SPRING, TZ) == 23
    assert hours_in_day(FALL, TZ) == 25
    assert hours_in_day(ORDINARY, TZ) == 24
    assert hours_in_day(SPRING, "UTC") == 24


def test_interval_grid_spans_days_exactly():
    grid = interval_grid(dt.date(2026, 10, 31), dt.date(2026, 11, 2), TZ, 30)
    assert len(grid) == 48 + 50 + 48
    assert grid[-1] == pd.Timestamp("2026-11-02 23:30").tz_localize(TZ)


def test_open_intervals_keep_opening_hours_on_dst_days():
    site = Site(name="x", timezone=TZ)
    for day in (SPRING, FALL, ORDINARY):
        opened = open_intervals(site, day, day)
        assert len(opened) == 32  # 07:00-23:00 is 16 wall-clock hours every day
        assert wall_clock_minutes(opened)[0] == 7 * 60
    closed_sunday = Site(
        name="y", timezone=TZ, opening_hours={"mon": ["09:00", "17:00"], "sun": None}
    )
    mask = open_mask(day_intervals(dt.date(2026, 11, 29), TZ, 30), closed_sunday)
    assert not mask.any()


def test_to_local_converts_aware_and_localizes_naive():
    aware = pd.Series(pd.to_datetime(["2026-11-27T14:00:00Z"], utc=True))
    assert to_local(aware, TZ).iloc[0] == pd.Timestamp("2026-11-27 09:00").tz_localize(TZ)
    naive = pd.DatetimeIndex(["2026-11-27 09:00"])
    assert to_local(naive, TZ)[0].utcoffset() == pd.Timedelta(hours=-5)
