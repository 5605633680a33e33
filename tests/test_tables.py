"""Round trips and edge errors of the table I/O."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planner.errors import DataError
from planner.tables import read_table, write_table
from planner.timegrid import day_intervals

TZ = "America/New_York"


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".xlsx"])
def test_round_trip_keeps_aware_timestamps_across_dst(tmp_path, suffix):
    ds = day_intervals(dt.date(2026, 11, 1), TZ, 30)  # fall-back day: 50 half-hours
    df = pd.DataFrame({"queue": "phone/normal", "ds": ds, "y": range(len(ds))})
    path = write_table(df, tmp_path / f"history{suffix}", kind="history")
    back = read_table(path, kind="history", tz=TZ)
    assert len(back) == 50
    assert back["ds"].is_unique
    assert (back["ds"] == df["ds"]).all()


def test_missing_column_names_file_and_column(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("queue,ds\nphone/normal,2026-11-01T00:00:00-04:00\n")
    with pytest.raises(DataError, match=r"f\.csv: the history table has no column 'y'"):
        read_table(path, kind="history")


def test_bad_timestamp_names_row(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("queue,ds,y\na,2026-11-01T00:00:00-04:00,1\na,yesterday,2\n")
    with pytest.raises(DataError, match=r"column 'ds', row 3: 'yesterday'"):
        read_table(path, kind="history")


def test_naive_timestamps_are_site_local(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("queue,ds,y\na,2026-07-01 09:00,1\n")
    back = read_table(path, kind="history", tz=TZ)
    assert back["ds"].iloc[0] == pd.Timestamp("2026-07-01 09:00", tz=TZ)


def test_empty_file_is_a_clear_error(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("")
    with pytest.raises(DataError, match="empty"):
        read_table(path, kind="history")


def test_failed_write_leaves_no_file(tmp_path):
    df = pd.DataFrame({"queue": ["a"], "ds": [pd.Timestamp("2026-01-01", tz=TZ)]})
    target = tmp_path / "out.csv"
    with pytest.raises(DataError):
        write_table(df, target, kind="history")  # no 'y' column
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
