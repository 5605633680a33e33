"""Holiday and retail-event tables: moving dates, windows, public holidays, bad rules."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planner.errors import ScenarioError
from planner.events import event_date, holiday_names_by_date, holidays_frame, public_holidays
from planner.scenario import ForecastSettings, RetailEvent


@pytest.mark.parametrize(
    ("year", "black_friday", "cyber_monday"),
    [
        (2024, dt.date(2024, 11, 29), dt.date(2024, 12, 2)),
        (2025, dt.date(2025, 11, 28), dt.date(2025, 12, 1)),
        (2026, dt.date(2026, 11, 27), dt.date(2026, 11, 30)),
        (2019, dt.date(2019, 11, 29), dt.date(2019, 12, 2)),  # Nov 1 is a Friday: 5 Fridays
        (2018, dt.date(2018, 11, 23), dt.date(2018, 11, 26)),  # Nov 1 is a Thursday
    ],
)
def test_black_friday_is_the_day_after_the_fourth_thursday(
    year: int, black_friday: dt.date, cyber_monday: dt.date
) -> None:
    assert event_date("black_friday", year) == black_friday
    assert event_date("cyber_monday", year) == cyber_monday
    assert event_date("thanksgiving", year) == black_friday - dt.timedelta(days=1)
    assert event_date("thanksgiving", year).weekday() == 3


def test_fixed_rules_and_custom_month_day() -> None:
    assert event_date("christmas_eve", 2025) == dt.date(2025, 12, 24)
    assert event_date("new_year", 2026) == dt.date(2026, 1, 1)
    assert event_date("returns_wave", 2025) == dt.date(2025, 12, 27)
    assert event_date("07-15", 2026) == dt.date(2026, 7, 15)
    assert event_date("02-29", 2025) is None  # a leap-day promotion skips common years
    assert event_date("prime_day", 2026) is None


def test_default_events_follow_each_year_with_their_windows() -> None:
    frame = holidays_frame(ForecastSettings().events, [2024, 2025, 2026])
    assert list(frame.columns) == ["holiday", "ds", "lower_window", "upper_window"]
    bf = frame[frame["holiday"] == "black_friday"]
    assert sorted(bf["ds"].dt.date) == [
        dt.date(2024, 11, 29),
        dt.date(2025, 11, 28),
        dt.date(2026, 11, 27),
    ]
    assert set(bf["lower_window"]) == {-1} and set(bf["upper_window"]) == {2}
    waves = frame[frame["holiday"] == "returns_wave"]
    assert set(waves["upper_window"]) == {14}


def test_scenario_events_drive_the_table() -> None:
    events = [RetailEvent(name="summer_sale", rule="07-10", upper_window=3)]
    frame = holidays_frame(events, [2025, 2026])
    assert list(frame["holiday"]) == ["summer_sale", "summer_sale"]
    assert list(frame["ds"].dt.date) == [dt.date(2025, 7, 10), dt.date(2026, 7, 10)]
    assert set(frame["upper_window"]) == {3}


def test_public_holidays_join_and_retail_events_win_on_the_same_day() -> None:
    frame = holidays_frame(ForecastSettings().events, [2025], country="US")
    on_christmas = frame[frame["ds"] == pd.Timestamp(2025, 12, 25)]
    assert list(on_christmas["holiday"]) == ["christmas"]  # not also "Christmas Day"
    july4 = frame[frame["ds"] == pd.Timestamp(2025, 7, 4)]
    assert list(july4["holiday"]) == ["Independence Day"]
    names = holiday_names_by_date(frame)
    assert names[dt.date(2025, 11, 28)] == "black_friday"
    assert dt.date(2025, 11, 27) in names  # Thanksgiving, a public holiday in the US


def test_estimated_suffixes_are_stripped_so_names_repeat_across_years() -> None:
    frame = public_holidays("JO", None, [2022, 2023])
    assert not frame["holiday"].str.contains("estimated").any()
    eid = frame[frame["holiday"] == "Eid al-Fitr"]
    assert len(eid) == 2  # one per year, one name


def test_subdivision_holidays() -> None:
    ny = public_holidays("US", "NY", [2025])
    assert "Lincoln's Birthday" in set(ny["holiday"])


def test_bad_rules_and_countries_are_one_line_errors() -> None:
    with pytest.raises(ScenarioError, match="unknown rule 'black-friday'"):
        event_date("black-friday", 2025)
    with pytest.raises(ScenarioError, match="13-45"):
        event_date("13-45", 2025)
    with pytest.raises(ScenarioError, match=r"site\.country"):
        public_holidays("XX", None, [2025])
    with pytest.raises(ScenarioError, match=r"site\.subdivision"):
        public_holidays("US", "ZZ", [2025])
