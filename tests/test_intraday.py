"""Intraday profiles and the DST-correct split of daily forecasts into intervals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from planner.intraday import intraday_profiles, opening_hours_profile, split_daily
from planner.scenario import Site
from planner.timegrid import interval_grid

TZ = "America/New_York"
SPRING = dt.date(2026, 3, 8)  # 23 hours in New York
FALL = dt.date(2026, 11, 1)  # 25 hours
NORMAL = dt.date(2026, 11, 2)


def _site(minutes: int = 30, **kwargs: object) -> Site:
    return Site(name="t", timezone=TZ, interval_minutes=minutes, **kwargs)


def _daily(dates: list[dt.date], queue: str = "phone/normal", value: float = 480.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "queue": queue,
            "date": dates,
            "yhat": value,
            "yhat_lower": value * 0.8,
            "yhat_upper": value * 1.25,
            "y_plan": value * 1.1,
            "holiday": "",
            "note": "",
        }
    )


def _interval_history(
    start: dt.date, days: int, shape: dict[int, float], minutes: int = 30, queue: str = "q/a"
) -> pd.DataFrame:
    """History with ``shape[hour]`` contacts in every interval of that local hour."""
    grid = interval_grid(start, start + dt.timedelta(days=days - 1), TZ, minutes)
    y = np.array([shape.get(t.hour, 0.0) for t in grid])
    return pd.DataFrame({"queue": queue, "ds": grid, "y": y})


def test_dst_days_have_46_and_50_half_hours_and_keep_their_totals() -> None:
    history = _interval_history(dt.date(2026, 1, 5), 28, {h: 1.0 for h in range(24)})
    profiles = intraday_profiles(history, _site(), weeks=4)
    daily = _daily([SPRING, FALL, NORMAL], queue="q/a")
    out = split_daily(daily, profiles, _site())
    counts = out.groupby(out["ds"].dt.date).size()
    assert counts[SPRING] == 46 and counts[FALL] == 50 and counts[NORMAL] == 48
    sums = out.groupby(out["ds"].dt.date)[["yhat", "yhat_lower", "yhat_upper", "y_plan"]].sum()
    for col, factor in [("yhat", 1.0), ("yhat_lower", 0.8), ("yhat_upper", 1.25), ("y_plan", 1.1)]:
        np.testing.assert_allclose(sums[col].to_numpy(), 480.0 * factor, rtol=1e-12)
    assert str(out["ds"].dt.tz) == TZ


def test_skipped_hour_gets_nothing_and_the_repeated_hour_gets_both_occurrences() -> None:
    # all contacts between 01:00 and 03:00 on the wall clock
    history = _interval_history(dt.date(2026, 1, 5), 28, {1: 1.0, 2: 1.0})
    out = split_daily(
        _daily([SPRING, FALL], "q/a", 100.0), intraday_profiles(history, _site()), _site()
    )
    spring = out[out["ds"].dt.date == SPRING]
    assert not (spring["ds"].dt.hour == 2).any()  # 02:00-02:59 does not exist that night
    # only 01:00 and 01:30 remain of the profile: they carry the whole day
    assert spring.loc[spring["yhat"] > 0, "ds"].dt.hour.unique().tolist() == [1]
    assert spring["yhat"].sum() == pytest.approx(100.0)
    fall = out[out["ds"].dt.date == FALL]
    one_am = fall[fall["ds"].dt.hour == 1]
    assert len(one_am) == 4  # 01:00 and 01:30, twice (EDT, then EST)
    assert one_am["ds"].dt.tz_convert("UTC").is_unique
    assert one_am["yhat"].nunique() == 1  # both occurrences take the wall-clock slot's share
    assert fall["yhat"].sum() == pytest.approx(100.0)
    two_am = fall[fall["ds"].dt.hour == 2]["yhat"].sum()
    assert one_am["yhat"].sum() == pytest.approx(2 * two_am)


def test_profile_is_learned_per_weekday_from_recent_weeks() -> None:
    start = dt.date(2026, 1, 5)  # a Monday
    rows = []
    for i in range(21):
        day = start + dt.timedelta(days=i)
        hour = 9 if day.weekday() < 5 else 15  # weekdays peak at 9, weekends at 15
        rows.append(_interval_history(day, 1, {hour: 5.0}))
    history = pd.concat(rows, ignore_index=True)
    profiles = intraday_profiles(history, _site(), weeks=2)
    assert profiles.source == {"q/a": "history"}
    monday, saturday = dt.date(2026, 2, 2), dt.date(2026, 2, 7)
    out = split_daily(_daily([monday, saturday], "q/a", 70.0), profiles, _site())
    by_day = {d: part for d, part in out.groupby(out["ds"].dt.date)}
    assert by_day[monday].loc[by_day[monday]["yhat"] > 0, "ds"].dt.hour.unique().tolist() == [9]
    assert by_day[saturday].loc[by_day[saturday]["yhat"] > 0, "ds"].dt.hour.unique().tolist() == [
        15
    ]


def test_holidays_seen_in_history_get_their_own_profile() -> None:
    normal = _interval_history(dt.date(2025, 12, 1), 40, {h: 1.0 for h in range(8, 20)})
    normal = normal[normal["ds"].dt.date != dt.date(2025, 12, 24)]
    eve = _interval_history(dt.date(2025, 12, 24), 1, {8: 3.0, 9: 3.0})
    history = pd.concat([normal, eve], ignore_index=True)
    names = {dt.date(2025, 12, 24): "christmas_eve", dt.date(2026, 12, 24): "christmas_eve"}
    profiles = intraday_profiles(history, _site(), weeks=8, holiday_names=names)
    daily = _daily([dt.date(2026, 12, 23), dt.date(2026, 12, 24)], "q/a", 100.0)
    daily["holiday"] = ["", "christmas_eve"]
    out = split_daily(daily, profiles, _site())
    eve_out = out[out["ds"].dt.date == dt.date(2026, 12, 24)]
    busy = eve_out.loc[eve_out["yhat"] > 0, "ds"].dt.hour.unique().tolist()
    assert busy == [8, 9]
    assert (out["holiday"] == "christmas_eve").sum() == 48
    before = out[out["ds"].dt.date == dt.date(2026, 12, 23)]
    assert before.loc[before["yhat"] > 0, "ds"].dt.hour.nunique() == 12


def test_daily_history_spreads_over_opening_hours() -> None:
    site = _site(
        opening_hours={
            "sun": None,
            **{d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
        }
    )
    days = pd.date_range("2026-01-01", periods=30, freq="D", tz=TZ)
    history = pd.DataFrame({"queue": "q/a", "ds": days, "y": 100.0})
    profiles = intraday_profiles(history, site)
    assert profiles.source == {"q/a": "opening hours"}
    monday, sunday = dt.date(2026, 2, 2), dt.date(2026, 2, 1)
    out = split_daily(_daily([monday, sunday], "q/a", 200.0), profiles, site)
    mon = out[out["ds"].dt.date == monday]
    assert (mon["yhat"] > 0).sum() == 20  # 08:00-18:00 in half-hours
    assert mon.loc[mon["yhat"] > 0, "ds"].dt.hour.min() == 8
    sun = out[out["ds"].dt.date == sunday]
    assert (sun["yhat"] > 0).sum() == 48  # closed: contacts still arrive, spread over the day
    assert sun["yhat"].sum() == pytest.approx(200.0)


def test_hourly_history_is_split_evenly_into_half_hours() -> None:
    history = _interval_history(dt.date(2026, 1, 5), 14, {10: 4.0}, minutes=60)
    out = split_daily(
        _daily([dt.date(2026, 2, 2)], "q/a", 10.0), intraday_profiles(history, _site()), _site()
    )
    busy = out[out["yhat"] > 0]
    assert busy["ds"].dt.strftime("%H:%M").tolist() == ["10:00", "10:30"]
    np.testing.assert_allclose(busy["yhat"].to_numpy(), [5.0, 5.0])


def test_history_after_the_cutoff_is_ignored() -> None:
    early = _interval_history(dt.date(2026, 1, 5), 14, {9: 1.0})
    late = _interval_history(dt.date(2026, 1, 19), 14, {20: 1.0})
    history = pd.concat([early, late], ignore_index=True)
    profiles = intraday_profiles(history, _site(), before=dt.date(2026, 1, 19))
    out = split_daily(_daily([dt.date(2026, 2, 2)], "q/a", 10.0), profiles, _site())
    assert out.loc[out["yhat"] > 0, "ds"].dt.hour.unique().tolist() == [9]


def test_opening_hours_profile_sums_to_one_per_weekday() -> None:
    profile = opening_hours_profile(_site(15))
    sums = profile.groupby("weekday")["share"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0)
    assert len(profile) == 7 * 96
