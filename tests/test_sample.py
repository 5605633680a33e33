"""The sample support centre: reproducible, and shaped the way the issue describes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.sample import (
    EXPORT_DATES,
    GAP,
    OFFSEASON_DAILY_2026,
    OUTAGE_DAYS,
    black_friday,
    cyber_monday,
    generate_history,
    scenario_reference_markdown,
)
from planner.scenario import WEEKDAYS, load_scenario

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"
TZ = "America/New_York"


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """The committed history with local dates, weekdays and wall-clock minutes."""
    df = pd.read_csv(SAMPLE / "history.csv.gz")
    ds = pd.to_datetime(df["ds"], utc=True, format="ISO8601").dt.tz_convert(TZ)
    wall = ds.dt.tz_localize(None)
    df["ds"] = ds
    df["date"] = wall.dt.normalize()
    df["minute"] = wall.dt.hour * 60 + wall.dt.minute
    df["channel"] = df["queue"].str.split("/").str[0]
    return df


@pytest.fixture(scope="module")
def daily(history) -> pd.Series:
    return history.groupby("date")["y"].sum()


def test_generator_reproduces_the_committed_files(tmp_path):
    result = CliRunner().invoke(app, ["sample", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    committed = sorted(p.name for p in SAMPLE.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_whole_years_generate_alone_with_the_same_numbers(history):
    alone = generate_history(7, dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    full = history[history["date"].dt.year == 2023]
    assert len(alone) == len(full)
    assert (alone["y"].to_numpy() == full["y"].to_numpy()).all()


@pytest.mark.parametrize(
    ("year", "friday"),
    [(2022, 25), (2023, 24), (2024, 29), (2025, 28), (2026, 27), (2027, 26)],
)
def test_black_friday_and_cyber_monday_move_with_thanksgiving(year, friday):
    assert black_friday(year) == dt.date(year, 11, friday)
    assert black_friday(year).weekday() == 4
    assert cyber_monday(year) == black_friday(year) + dt.timedelta(days=3)


def test_sizes_and_channel_mix(history, daily):
    sep_oct = daily["2026-09-01":"2026-10-31"].mean()
    assert 0.9 * OFFSEASON_DAILY_2026 < sep_oct < 1.1 * OFFSEASON_DAILY_2026
    share = history.groupby("channel")["y"].sum() / history["y"].sum()
    assert share["phone"] == pytest.approx(0.40, abs=0.02)
    assert share["chat"] == pytest.approx(0.35, abs=0.02)
    assert share["email"] == pytest.approx(0.25, abs=0.02)
    tier = history.groupby(history["queue"].str.endswith("urgent"))["y"].sum()
    assert tier[True] / tier.sum() == pytest.approx(0.15, abs=0.01)
    growth = daily["2025-09-01":"2025-10-31"].mean() / daily["2024-09-01":"2024-10-31"].mean()
    assert growth == pytest.approx(1.10, abs=0.04)


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025])
def test_holiday_surge_about_75_percent(daily, year):
    season = daily[f"{year}-11-15" : f"{year}-12-31"].mean()
    base = daily[f"{year}-09-01" : f"{year}-10-31"].mean()
    assert 1.65 < season / base < 1.90


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025])
def test_retail_peaks_dips_and_returns_wave(daily, year):
    bf = pd.Timestamp(black_friday(year))
    cm = pd.Timestamp(cyber_monday(year))
    around = daily[bf - pd.Timedelta(days=14) : bf + pd.Timedelta(days=14)]
    assert around.idxmax() in (bf, cm)
    assert daily[cm] > 1.3 * daily[cm - pd.Timedelta(days=7)]
    xmas_week = daily[f"{year}-12-18" : f"{year}-12-22"].mean()
    assert daily[pd.Timestamp(f"{year}-12-25")] < 0.5 * xmas_week
    new_year = pd.Timestamp(f"{year + 1}-01-01")
    if new_year in daily.index:
        assert daily[new_year] < 0.8 * daily[f"{year + 1}-01-05" : f"{year + 1}-01-09"].mean()
    jan_early = daily[f"{year + 1}-01-02" : f"{year + 1}-01-10"].mean()
    jan_late = daily[f"{year + 1}-01-24" : f"{year + 1}-02-01"].mean()
    assert jan_early > 1.15 * jan_late


def test_weekly_and_intraday_shapes(history):
    recent = history[history["date"] >= "2026-01-05"]
    by_day = recent.groupby(["channel", "date"])["y"].sum().reset_index()
    by_day["weekday"] = by_day["date"].dt.day_of_week
    week = by_day.groupby(["channel", "weekday"])["y"].mean().unstack()
    assert week.loc["phone", [5, 6]].max() < 0.8 * week.loc["phone", [0, 1, 2, 3, 4]].mean()
    assert week.loc["email"].idxmax() == 0  # Monday peak
    live = recent[recent["channel"].isin(["phone", "chat"])]
    closed = live[(live["minute"] < 7 * 60) | (live["minute"] >= 23 * 60)]
    assert closed["y"].sum() == 0  # live channels only while open
    email_night = recent[(recent["channel"] == "email") & (recent["minute"] < 5 * 60)]
    assert email_night["y"].mean() > 0.5  # email arrives around the clock
    phone = recent[recent["channel"] == "phone"].groupby("minute")["y"].mean()
    assert 9 * 60 <= phone.idxmax() <= 12 * 60  # morning peak
    assert phone[19 * 60] > phone[16 * 60 + 30]  # evening peak above the afternoon lull
    chat = recent[recent["channel"] == "chat"].groupby("minute")["y"].mean()
    assert chat[20 * 60 + 30] > chat[15 * 60]


def test_dst_days_gap_and_outages(history):
    rows = history[history["queue"] == "phone/normal"].groupby("date").size()
    assert rows[pd.Timestamp("2026-03-08")] == 46
    assert rows[pd.Timestamp("2025-11-02")] == 50
    assert (
        rows.drop([pd.Timestamp(d) for d in ("2026-03-08", "2025-11-02")]).isin([46, 48, 50]).all()
    )
    gap_days = pd.date_range(GAP[0], GAP[1])
    assert not history["date"].isin(gap_days).any()
    assert history["date"].isin([gap_days[0] - pd.Timedelta(days=1)]).any()
    for day in OUTAGE_DAYS:
        same = history[history["date"] == pd.Timestamp(day)]
        week_before = history[history["date"] == pd.Timestamp(day) - pd.Timedelta(days=7)]
        hours = (same["minute"] >= 8 * 60) & (same["minute"] < 16 * 60)
        hours_before = (week_before["minute"] >= 8 * 60) & (week_before["minute"] < 16 * 60)
        assert same.loc[hours, "y"].sum() < 0.1 * week_before.loc[hours_before, "y"].sum()


def test_overdispersed_noise(history):
    # interval counts vary more than Poisson around a smooth mean (gamma-Poisson mixing)
    autumn = history["date"].between("2026-09-07", "2026-10-25")
    part = history[(history["queue"] == "chat/normal") & autumn]
    part = part[part["date"].dt.day_of_week == 2]  # Wednesdays
    by_slot = part.groupby("minute")["y"].agg(["mean", "var"])
    busy = by_slot[by_slot["mean"] > 5]
    assert (busy["var"] / busy["mean"]).median() > 1.2


def test_handle_times(history):
    aht = history.groupby("queue").apply(
        lambda g: np.average(g["aht_s"].dropna(), weights=g.loc[g["aht_s"].notna(), "y"]),
        include_groups=False,
    )
    assert 360 <= aht["phone/normal"] <= 420 and 360 <= aht["phone/urgent"] <= 440
    assert 510 <= aht["chat/normal"] <= 590
    assert 450 <= aht["email/normal"] <= 520
    assert history.loc[history["y"] == 0, "aht_s"].isna().all()


def test_reasons_sum_to_daily_totals_and_shift_with_the_season(history):
    reasons = pd.read_csv(SAMPLE / "reasons.csv.gz", parse_dates=["date"])
    totals = history.groupby(["queue", "date"])["y"].sum()
    summed = reasons.groupby(["queue", "date"])["y"].sum()
    assert summed.index.equals(totals.index)
    assert (summed == totals).all()
    share = reasons.pivot_table(index="date", columns="reason", values="y", aggfunc="sum")
    share = share.div(share.sum(axis=1), axis=0)

    def mean(reason: str, first: str, last: str) -> float:
        return float(share.loc[first:last, reason].mean())

    assert mean("where_is_my_order", "2025-12-01", "2025-12-20") > 1.3 * mean(
        "where_is_my_order", "2025-09-01", "2025-10-31"
    )
    assert mean("gift_cards", "2025-12-01", "2025-12-24") > 2 * mean(
        "gift_cards", "2025-09-01", "2025-10-31"
    )
    assert mean("returns", "2026-01-02", "2026-01-10") > 2 * mean(
        "returns", "2025-09-01", "2025-10-31"
    )


def test_ticket_export_looks_like_an_export():
    export = pd.read_csv(SAMPLE / "tickets_export.csv")
    assert list(export.columns[:4]) == ["Ticket ID", "Created at", "Channel", "Priority"]
    assert 2000 < len(export) < 6000
    assert export["Ticket ID"].is_unique
    created = pd.to_datetime(export["Created at"], format="%Y-%m-%d %H:%M:%S")
    assert created.dt.date.min() == EXPORT_DATES[0]
    assert created.dt.date.max() == EXPORT_DATES[1]
    assert set(export["Channel"]) == {"Email", "Web form"}


def test_sample_scenario_is_feasible_but_tight(history):
    """Rough sizing: the peak needs more than the permanent team's contracts, not more than
    what overtime, backups, seasonal staff and the candidate pool can add."""
    plan = load_scenario(SAMPLE / "scenario.yaml")
    kinds = pd.Series([p.kind for p in plan.staff]).value_counts()
    assert kinds["permanent"] == 45 and kinds["backup"] == 6 and 2 <= kinds["seasonal"] <= 3
    assert sum(bool(p.time_off_requests) for p in plan.staff) == 15
    assert {p.contract_hours for p in plan.staff if p.kind == "permanent"} == {40, 32, 24, 20}
    assert (plan.horizon.start, plan.horizon.end) == (dt.date(2026, 11, 16), dt.date(2027, 1, 10))
    # shifts cover opening hours 07:00-23:00
    covered = set()
    for shift in plan.shifts:
        start = shift.start.hour * 60 + shift.start.minute
        covered |= set(range(start, start + shift.length_min, 30))
    assert set(range(7 * 60, 23 * 60, 30)) <= covered
    assert max(s.start.hour * 60 + s.start.minute + s.length_min for s in plan.shifts) == 23 * 60
    # need: last season's peak five weeks of contacts grown 10%, through the real requirement
    # stage (Erlang per interval, email windows, occupancy cap, shrinkage)
    from planner.requirement import required_staff

    season = history[history["date"].between("2025-11-17", "2025-12-21")]
    as_forecast = pd.DataFrame(
        {"queue": season["queue"], "ds": season["ds"], "yhat": season["y"] * 1.10}
    ).assign(yhat_lower=lambda d: d.yhat, yhat_upper=lambda d: d.yhat, holiday="")
    need = required_staff(as_forecast.reset_index(drop=True), plan)
    weekly_need = need["staff_needed"].sum() * plan.site.interval_minutes / 60 / 5
    permanent = sum(p.contract_hours for p in plan.staff if p.kind == "permanent")
    ceiling = sum(p.max_hours_per_week or 48 for p in plan.staff if p.kind == "permanent")
    weeks = len(plan.horizon.days) / 7
    extra = sum(p.contract_hours for p in plan.staff if p.kind == "seasonal")
    extra += sum(p.max_hours_total or 0 for p in plan.staff if p.kind == "backup") / weeks
    pool = plan.hiring.pool_size * max(plan.hiring.contract_hours)
    assert weekly_need > permanent  # the peak needs more than contracted hours
    assert weekly_need < ceiling + extra + pool  # ... and the options can cover it


def test_scenario_reference_is_up_to_date_and_complete():
    text = scenario_reference_markdown()
    assert (ROOT / "docs" / "scenario.md").read_text(encoding="utf-8") == text, (
        "docs/scenario.md is stale: regenerate it with `planner scenario-docs`"
    )
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    undocumented = [row for row in rows if row.rstrip().endswith("|  |")]
    assert not undocumented, f"fields without a meaning: {undocumented}"
    for name in ("site", "staff[i]", "staff[i].availability", "rules.breaks", "forecast.events[i]"):
        assert f"## `{name}`" in text
    assert WEEKDAYS[0] in text
