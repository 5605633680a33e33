"""History loading and cleaning: formats, mappings, DST days, bad inputs, the cleaning report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import DataError
from planner.history import DEFAULT_QUEUE, load_history, load_reasons, load_scenario_history
from planner.scenario import Site, load_scenario
from planner.timegrid import day_intervals

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).parents[1] / "data" / "sample"
TZ = "America/New_York"
SITE = Site(name="test", timezone=TZ, interval_minutes=30)


def _at(local: str) -> pd.Timestamp:
    return pd.Timestamp(local).tz_localize(TZ)


# --------------------------------------------------------------------------------------------
# Per-ticket exports
# --------------------------------------------------------------------------------------------


def test_zendesk_export_loads_without_mapping():
    loaded = load_history(FIXTURES / "zendesk_tickets.csv", SITE)
    h = loaded.history.set_index(["queue", "ds"])
    assert loaded.report.kind == "tickets"
    assert loaded.report.rows_read == 9
    assert int(loaded.history["y"].sum()) == 9  # every ticket counted, none dropped
    # 09:01 and 09:29:59 fall in the 09:00 interval; 09:30:00 starts the next one
    assert h.loc[("email/normal", _at("2026-11-27 09:00")), "y"] == 1
    assert h.loc[("email/normal", _at("2026-11-27 09:30")), "y"] == 1
    assert h.loc[("email/urgent", _at("2026-11-27 09:00")), "y"] == 1  # "Web form" + "High"
    assert h.loc[("phone/normal", _at("2026-11-27 09:00")), "y"] == 1
    assert h.loc[("chat/urgent", _at("2026-11-27 10:30")), "y"] == 1
    assert h.loc[("email/urgent", _at("2026-11-27 09:00")), "aht_s"] == 600
    # the ticket without a handle time counts but has no handle time
    assert np.isnan(h.loc[("email/normal", _at("2026-11-27 09:30")), "aht_s"])
    # complete 48-interval days (zeros where nothing arrived) from each queue's first ticket on
    sizes = loaded.history.groupby("queue").size()
    assert sizes.pop("phone/urgent") == 48  # its first ticket is on the second day
    assert set(sizes) == {96}
    assert loaded.report.columns_used["created_at"] == "Created at"
    reasons = loaded.reasons
    assert reasons is not None
    assert set(reasons["reason"]) >= {"where_is_my_order", "gift_cards", "payment"}
    assert int(reasons["y"].sum()) == 9


def test_freshdesk_export_loads_without_mapping():
    loaded = load_history(FIXTURES / "freshdesk_tickets.csv", SITE)
    queues = set(loaded.history["queue"])
    assert queues == {"email/normal", "phone/urgent", "chat/urgent", "email/low", "chat/normal"}
    assert loaded.report.columns_used["created_at"] == "Created time"
    assert loaded.report.columns_used["channel"] == "Source"
    assert loaded.reasons is not None and "product_question" in set(loaded.reasons["reason"])


def test_custom_column_and_value_mapping(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Opened,Medium,Tier\n"
        "2026-11-02 10:05,Fax,P1\n"
        "2026-11-02 10:20,Voice,P2\n"
        "2026-11-02 10:40,Fax,P2\n"
    )
    loaded = load_history(
        path,
        SITE,
        kind="tickets",
        columns={"created_at": "opened", "channel": "MEDIUM", "priority": "Tier"},
        channel_values={"Fax": "email"},
    )
    h = loaded.history.set_index(["queue", "ds"])["y"]
    assert h[("email/urgent", _at("2026-11-02 10:00"))] == 1
    assert h[("phone/normal", _at("2026-11-02 10:00"))] == 1
    assert h[("email/normal", _at("2026-11-02 10:30"))] == 1


def test_sample_ticket_export_reproduces_the_sample_history():
    tickets = load_history(SAMPLE / "tickets_export.csv", SITE)
    history = pd.read_csv(SAMPLE / "history.csv.gz")
    history = history[history["queue"].str.startswith("email/")]
    history["ds"] = pd.to_datetime(history["ds"], utc=True).dt.tz_convert(TZ)
    merged = tickets.history.merge(history, on=["queue", "ds"], suffixes=("", "_sample"))
    assert len(merged) == len(tickets.history) == 13 * 48 * 2
    assert (merged["y"] == merged["y_sample"]).all()
    reasons = pd.read_csv(SAMPLE / "reasons.csv.gz")
    reasons = reasons[reasons["queue"].str.startswith("email/") & (reasons["date"] >= "2026-10-19")]
    assert tickets.reasons is not None
    got = tickets.reasons.groupby("reason")["y"].sum()
    want = reasons.groupby("reason")["y"].sum()
    assert got.to_dict() == want[want > 0].to_dict()


# --------------------------------------------------------------------------------------------
# Formats and aggregated counts
# --------------------------------------------------------------------------------------------


def _write(df: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    elif path.suffix == ".xlsx":
        df.to_excel(path, index=False, engine="openpyxl")
    else:
        df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".xlsx"])
def test_tickets_in_every_format(tmp_path, suffix):
    df = pd.DataFrame(
        {
            "Created at": ["2026-11-03 08:10:00", "2026-11-03 08:20:00", "2026-11-03 09:05:00"],
            "Channel": ["Chat", "Chat", "Email"],
            "Priority": ["Normal", "Urgent", "Normal"],
        }
    )
    loaded = load_history(_write(df, tmp_path / f"t{suffix}"), SITE)
    h = loaded.history.set_index(["queue", "ds"])["y"]
    assert h[("chat/normal", _at("2026-11-03 08:00"))] == 1
    assert h[("chat/urgent", _at("2026-11-03 08:00"))] == 1
    assert h[("email/normal", _at("2026-11-03 09:00"))] == 1
    assert loaded.history["y"].sum() == 3


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_counts_in_every_format(tmp_path, suffix):
    ds = day_intervals(dt.date(2026, 10, 5), TZ, 30)
    df = pd.DataFrame(
        {
            "queue": "chat/normal",
            "ds": [t.isoformat() for t in ds],
            "y": np.arange(48),
            "aht_s": 500.0,
        }
    )
    loaded = load_history(_write(df, tmp_path / f"c{suffix}"), SITE)
    assert loaded.report.kind == "counts"
    assert list(loaded.history.columns) == ["queue", "ds", "y", "aht_s"]
    assert (loaded.history["ds"] == pd.Series(ds)).all()
    assert loaded.history["y"].tolist() == list(range(48))
    assert str(loaded.history["ds"].dt.tz) == TZ


def test_plain_daily_counts_load_into_one_queue():
    loaded = load_history(FIXTURES / "daily_counts.csv", SITE)
    h = loaded.history
    assert loaded.is_daily and loaded.interval_minutes == 1440
    assert set(h["queue"]) == {DEFAULT_QUEUE}
    assert len(h) == 7
    assert h["ds"].iloc[0] == _at("2026-09-01 00:00")
    assert h["y"].tolist() == [120, 131, 118, 125, 80, 75, 140]


def test_channel_and_priority_columns_make_queues_in_counts(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text(
        "interval start,channel,priority,contacts\n"
        "2026-10-05T09:00:00-04:00,Voice,High,4\n"
        "2026-10-05T09:00:00-04:00,chat,normal,6\n"
    )
    h = load_history(path, SITE).history.set_index(["queue", "ds"])["y"]
    assert h[("phone/urgent", _at("2026-10-05 09:00"))] == 4
    assert h[("chat/normal", _at("2026-10-05 09:00"))] == 6


def test_fifteen_minute_counts_are_summed_to_half_hours(tmp_path):
    ds = pd.date_range(_at("2026-10-05 00:00"), periods=96, freq="15min")
    df = pd.DataFrame({"ds": [t.isoformat() for t in ds], "y": 1, "aht_s": 300.0})
    df.loc[1, "aht_s"] = 600.0
    df.loc[1, "y"] = 3
    loaded = load_history(_write(df, tmp_path / "q.csv"), SITE)
    h = loaded.history
    assert len(h) == 48
    assert h["y"].iloc[0] == 4  # 1 + 3
    assert h["aht_s"].iloc[0] == pytest.approx((300 + 3 * 600) / 4)  # weighted by contacts
    assert any("summed into 30-minute" in n for n in loaded.report.notes)


def test_utc_offsets_are_converted_to_the_site_zone(tmp_path):
    path = tmp_path / "utc.csv"
    path.write_text("Created at,Channel\n2026-11-27T14:10:00Z,Chat\n")
    h = load_history(path, SITE).history
    assert h.loc[h["y"] == 1, "ds"].iloc[0] == _at("2026-11-27 09:00")


def test_naive_timestamps_in_a_source_zone(tmp_path):
    path = tmp_path / "berlin.csv"
    path.write_text("Created at,Channel\n2026-11-27 15:10:00,Chat\n")
    loaded = load_history(path, SITE, source_timezone="Europe/Berlin")
    h = loaded.history
    assert h.loc[h["y"] == 1, "ds"].iloc[0] == _at("2026-11-27 09:00")
    assert any("Europe/Berlin" in n for n in loaded.report.notes)


# --------------------------------------------------------------------------------------------
# DST days
# --------------------------------------------------------------------------------------------


def test_dst_days_have_46_and_50_half_hours_with_correct_counts(tmp_path):
    frames = []
    for day in (dt.date(2026, 3, 8), dt.date(2026, 11, 1)):
        ds = day_intervals(day, TZ, 30)
        frames.append(
            pd.DataFrame({"queue": "phone/normal", "ds": [t.isoformat() for t in ds], "y": 1})
        )
    df = pd.concat(frames)
    # make the two 01:00 intervals of the fall-back day distinguishable: 7 (EDT) and 9 (EST)
    df.loc[df["ds"] == "2026-11-01T01:00:00-04:00", "y"] = 7
    df.loc[df["ds"] == "2026-11-01T01:00:00-05:00", "y"] = 9
    loaded = load_history(_write(df, tmp_path / "dst.csv"), SITE)
    h = loaded.history
    per_day = h.groupby(h["ds"].dt.tz_localize(None).dt.normalize()).size()
    assert per_day.tolist() == [46, 50]
    by_ds = h.set_index("ds")["y"]
    first_one = pd.Timestamp("2026-11-01T01:00:00-04:00").tz_convert(TZ)
    second_one = pd.Timestamp("2026-11-01T01:00:00-05:00").tz_convert(TZ)
    assert by_ds[first_one] == 7 and by_ds[second_one] == 9
    assert any("DST day" in n for n in loaded.report.dst_notes)
    # the days between the two are missing, and say so
    assert loaded.report.gaps == {"phone/normal": [(dt.date(2026, 3, 9), dt.date(2026, 10, 31))]}


def test_naive_tickets_on_dst_days_are_placed_and_reported(tmp_path):
    path = tmp_path / "naive.csv"
    path.write_text(
        "Created at,Channel\n"
        "2026-03-08 01:50:00,Email\n"
        "2026-03-08 02:15:00,Email\n"  # does not exist: shifted to 03:00
        "2026-03-08 03:10:00,Email\n"
        "2026-11-01 01:10:00,Email\n"  # first pass (EDT)
        "2026-11-01 01:40:00,Email\n"
        "2026-11-01 01:05:00,Email\n"  # the clock went back: second pass (EST)
        "2026-11-01 01:20:00,Email\n"
    )
    loaded = load_history(path, SITE)
    h = loaded.history.set_index("ds")["y"]
    assert h.sum() == 7
    assert h[_at("2026-03-08 03:00")] == 2  # 02:15 moved forward + 03:10
    edt = pd.Timestamp("2026-11-01T01:00:00-04:00").tz_convert(TZ)
    edt_half = pd.Timestamp("2026-11-01T01:30:00-04:00").tz_convert(TZ)
    est = pd.Timestamp("2026-11-01T01:00:00-05:00").tz_convert(TZ)
    assert (h[edt], h[edt_half], h[est]) == (1, 1, 2)
    assert len(loaded.history) == 46 + 50
    notes = " ".join(loaded.report.dst_notes)
    assert "2026-03-08: 1 naive timestamp(s) in the skipped spring-forward hour" in notes
    assert "2026-11-01: 4 naive timestamp(s) in the repeated fall-back hour" in notes


# --------------------------------------------------------------------------------------------
# Bad input: one line naming file, column and row
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            "ds,count_of_calls\n2026-10-05T09:00:00-04:00,3\n",
            r"bad\.csv: cannot tell per-ticket records from counts.*found 'ds', "
            r"'count_of_calls'.*history\.columns",
        ),
        (
            "ds,y\n2026-10-05T09:00:00-04:00,3\nnot a time,4\n",
            r"bad\.csv: column 'ds', row 3: 'not a time' is not a timestamp",
        ),
        (
            "ds,y\n2026-10-05T09:00:00-04:00,3\n2026-10-05T09:30:00-04:00,-2\n",
            r"bad\.csv: column 'y', row 3: negative count -2",
        ),
        (
            "ds,y\n2026-10-05T09:00:00-04:00,three\n",
            r"bad\.csv: column 'y', row 2: 'three' is not a number",
        ),
        (
            "ds,y\n2026-10-05T09:00:00-04:00,\n",
            r"bad\.csv: column 'y', row 2: empty count",
        ),
        (
            "queue,ds,y\nchat/normal,2026-10-05T09:00:00-04:00,3\n"
            "chat/normal,2026-10-05T09:30:00-04:00,3\nchat/normal,2026-10-05T09:00:00-04:00,1\n",
            r"bad\.csv: column 'ds', rows 2 and 4: duplicate interval 2026-10-05T09:00:00-04:00 "
            r"for queue 'chat/normal'",
        ),
        ("", r"bad\.csv: the file is empty"),
        ("Created at,Channel\n", r"bad\.csv: the file has no data rows \(columns found: "),
        (
            "Created at,Channel\n2026-10-05 09:00,Chat\n2026-10-05 09:10,Carrier pigeon\n",
            r"bad\.csv: column 'Channel', row 3: unknown channel 'Carrier pigeon'; map it with "
            r"history\.channel_values",
        ),
        (
            "Created at,Priority\n2026-10-05 09:00,Meh\n",
            r"bad\.csv: column 'Priority', row 2: unknown priority 'Meh'; map it with "
            r"history\.priority_values",
        ),
        (
            "Created at,Channel\n2026-10-05 09:00,Chat\n,Chat\n",
            r"bad\.csv: column 'Created at', row 3: empty timestamp",
        ),
        (
            "Created at,Handle time (s)\n2026-10-05 09:00,abc\n",
            r"bad\.csv: column 'Handle time \(s\)', row 2: 'abc' is not a number",
        ),
    ],
)
def test_bad_input_is_one_line_naming_file_column_row(tmp_path, text, pattern):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=pattern) as info:
        load_history(path, SITE)
    assert "\n" not in str(info.value)


def test_unknown_mapped_column_says_what_was_found(tmp_path):
    with pytest.raises(DataError, match=r"history\.columns\.created_at is 'Opened'.*found 'Ticket"):
        load_history(FIXTURES / "zendesk_tickets.csv", SITE, columns={"created_at": "Opened"})


def test_unknown_planner_name_in_mapping():
    with pytest.raises(DataError, match=r"unknown planner name 'start'"):
        load_history(FIXTURES / "zendesk_tickets.csv", SITE, columns={"start": "Created at"})


def test_missing_required_column_for_the_kind():
    with pytest.raises(DataError, match=r"no 'ds' column for counts data.*history\.columns\.ds"):
        load_history(FIXTURES / "zendesk_tickets.csv", SITE, kind="counts")


def test_missing_file():
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        load_history(FIXTURES / "nope.csv", SITE)


def test_bad_reasons_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("queue,date,reason,y\nchat/normal,2026-13-45,returns,3\n")
    with pytest.raises(DataError, match=r"column 'date', row 2: '2026-13-45' is not a date"):
        load_reasons(path)


# --------------------------------------------------------------------------------------------
# The cleaning report: planted gap and outlier
# --------------------------------------------------------------------------------------------


def _planted(tmp_path: Path) -> tuple[Path, dt.date, tuple[dt.date, dt.date]]:
    """Ten weeks of half-hourly counts with a 3-day gap and one outage day."""
    rng = np.random.default_rng(1)
    outage = dt.date(2026, 9, 16)
    gap = (dt.date(2026, 10, 6), dt.date(2026, 10, 8))
    frames = []
    day = dt.date(2026, 8, 24)
    while day <= dt.date(2026, 10, 31):
        if not gap[0] <= day <= gap[1]:
            ds = day_intervals(day, TZ, 30)
            hours = ds.hour.to_numpy()
            mu = np.where((hours >= 8) & (hours < 20), 20.0, 2.0)
            if day == outage:
                mu = mu * 0.2
            frames.append(pd.DataFrame({"queue": "chat/normal", "ds": ds, "y": rng.poisson(mu)}))
        day += dt.timedelta(days=1)
    df = pd.concat(frames)
    df["ds"] = [t.isoformat() for t in df["ds"]]
    return _write(df, tmp_path / "planted.csv"), outage, gap


def test_report_finds_the_planted_gap_and_outlier(tmp_path):
    path, outage, gap = _planted(tmp_path)
    loaded = load_history(path, SITE)
    report = loaded.report
    assert report.gaps == {"chat/normal": [gap]}
    assert report.outlier_dates == [outage]
    # gaps are reported, not filled with zeros; outliers are flagged, not dropped
    days = set(loaded.history["ds"].dt.tz_localize(None).dt.date)
    assert gap[0] not in days and outage in days
    flagged = report.daily[report.daily["outlier"]]
    assert flagged["z"].iloc[0] < -4
    text = report.summary()
    assert f"{gap[0]} … {gap[1]} (3 day(s), all queues)" in text
    assert f"{outage} (wed)" in text


def test_holidays_are_labelled_not_flagged(tmp_path):
    rng = np.random.default_rng(2)
    days = pd.date_range("2025-11-01", "2026-01-31", freq="D")
    y = rng.poisson(200, len(days))
    y[days == pd.Timestamp("2025-12-25")] = 20  # Christmas Day dip
    path = _write(pd.DataFrame({"ds": days.strftime("%Y-%m-%d"), "y": y}), tmp_path / "d.csv")
    report = load_history(path, SITE).report
    christmas = report.daily[report.daily["date"] == dt.date(2025, 12, 25)].iloc[0]
    assert christmas["z"] < -4
    assert christmas["event"] and not christmas["outlier"]
    assert report.outlier_dates == []


def test_closed_days_are_not_gaps(tmp_path):
    site = SITE.model_copy(update={"opening_hours": {**SITE.opening_hours, "sun": None}})
    days = [d for d in pd.date_range("2026-09-01", "2026-09-30") if d.day_of_week != 6]
    path = _write(
        pd.DataFrame({"ds": [d.strftime("%Y-%m-%d") for d in days], "y": 50}), tmp_path / "d.csv"
    )
    assert load_history(path, site).report.gaps == {}
    assert load_history(path, SITE).report.gaps["all"][0] == (dt.date(2026, 9, 6),) * 2


# --------------------------------------------------------------------------------------------
# The sample scenario and the CLI
# --------------------------------------------------------------------------------------------


def test_sample_scenario_history_report():
    from planner.sample import GAP, OUTAGE_DAYS, QUEUES

    loaded = load_scenario_history(load_scenario(SAMPLE / "scenario.yaml"))
    report = loaded.report
    assert report.queues == sorted(q.name for q in QUEUES)
    assert report.gap_ranges == [GAP]
    assert set(OUTAGE_DAYS) <= set(report.outlier_dates)
    # few false alarms: the sample's noise is overdispersed (gamma-Poisson), so a handful of
    # ordinary queue-days in five years pass |z| > 4; flagged days are kept, never dropped
    daily = report.daily
    false_alarms = daily[daily["outlier"] & ~daily["date"].isin(OUTAGE_DAYS)]
    assert len(false_alarms) <= 0.003 * len(daily)
    assert len(report.outlier_dates) <= 5 * len(OUTAGE_DAYS)
    assert loaded.reasons is not None and set(loaded.reasons.columns) == {
        "queue",
        "date",
        "reason",
        "y",
    }
    assert report.filled_intervals == 0  # the sample writes every interval
    assert loaded.history["ds"].is_monotonic_increasing is False  # sorted by queue, then ds
    assert loaded.history.groupby("queue")["ds"].apply(lambda s: s.is_monotonic_increasing).all()
    assert not loaded.history.duplicated(["queue", "ds"]).any()


def test_cli_history_prints_the_report_and_writes_tables(tmp_path):
    path, outage, _ = _planted(tmp_path)
    out = tmp_path / "history.csv"
    result = CliRunner().invoke(app, ["history", "--file", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "missing-data gaps (1, not filled)" in result.output
    assert str(outage) in result.output
    assert pd.read_csv(out)["y"].sum() > 0


def test_cli_history_bad_file_is_one_line_exit_2(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ds,y\n2026-10-05T09:00:00-04:00,-1\n")
    result = CliRunner().invoke(app, ["history", "--file", str(path)])
    assert result.exit_code == 2
    assert "negative count" in result.output


def test_naive_counts_on_the_fall_back_day_keep_both_one_oclocks(tmp_path):
    ds = day_intervals(dt.date(2026, 11, 1), TZ, 30)
    wall = ds.tz_localize(None).strftime("%Y-%m-%d %H:%M")  # 01:00 and 01:30 appear twice
    df = pd.DataFrame({"ds": wall, "y": range(50)})
    loaded = load_history(_write(df, tmp_path / "naive.csv"), SITE)
    h = loaded.history
    assert len(h) == 50
    assert (h["ds"].reset_index(drop=True) == pd.Series(ds)).all()
    assert h["y"].tolist() == list(range(50))
    assert any("repeated fall-back hour" in n for n in loaded.report.dst_notes)


@pytest.mark.parametrize("aware", [False, True])
def test_parquet_with_real_datetime_columns(tmp_path, aware):
    created = pd.to_datetime(["2026-11-03 08:10", "2026-11-03 08:50"])
    if aware:
        created = created.tz_localize("UTC")  # 03:10 and 03:50 New York time
    df = pd.DataFrame({"created_at": created, "channel": ["phone", "phone"]})
    df.to_parquet(tmp_path / "t.parquet", index=False)
    h = load_history(tmp_path / "t.parquet", SITE).history.set_index("ds")["y"]
    first = "2026-11-03 03:00" if aware else "2026-11-03 08:00"
    assert h[_at(first)] == 1
    assert h.sum() == 2


def test_the_shipped_mapping_block_loads_the_export():
    import yaml

    from planner.scenario import HistorySource

    block = yaml.safe_load((SAMPLE / "tickets_mapping.yaml").read_text())["history"]
    source = HistorySource.model_validate(block)
    loaded = load_history(
        SAMPLE / source.path,
        SITE,
        kind=source.kind,
        columns=source.columns,
        channel_values=source.channel_values,
        priority_values=source.priority_values,
    )
    assert loaded.report.queues == ["email/normal", "email/urgent"]
    assert loaded.report.columns_used["handle_time_s"] == "Handle time (s)"
