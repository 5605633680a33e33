"""Exports: Excel rota, CSV, iCalendar per person, one-page HTML summary."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest
from _plan_fixtures import small_coverage, small_risk, small_rota, small_scenario
from openpyxl import load_workbook

from planner.errors import DataError
from planner.exports import (
    CATEGORY_COLOURS,
    PlanSummary,
    person_calendar,
    plan_summary,
    rota_cost,
    summary_html,
    write_calendars,
    write_rota_csv,
    write_rota_excel,
    write_summary_html,
    write_summary_json,
)
from planner.tables import read_table

STAMP = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def scenario():
    return small_scenario()


@pytest.fixture
def rota(scenario):
    return small_rota(scenario)


# ---------------------------------------------------------------------------- a tiny ICS reader


def parse_ics(text: str) -> list[dict[str, str]]:
    """Minimal RFC 5545 reader: checks CRLF, line length, unfolding and BEGIN/END nesting."""
    assert text.endswith("\r\n")
    raw = text.split("\r\n")[:-1]
    for line in raw:
        assert len(line.encode("utf-8")) <= 75, line
        assert "\n" not in line and "\r" not in line
    lines: list[str] = []
    for line in raw:  # unfold: a line starting with a space continues the previous one
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    events: list[dict[str, str]] = []
    stack: list[str] = []
    current: dict[str, str] | None = None
    for line in lines:
        name, _, value = line.partition(":")
        assert re.fullmatch(r"[A-Z-]+(;[^:]*)?", name), line
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                current = {}
        elif name == "END":
            assert stack.pop() == value
            if value == "VEVENT":
                events.append(current)
                current = None
        elif current is not None:
            current[name] = value
    assert not stack
    return events


def test_calendar_parses_back_with_utc_times_across_dst(scenario, rota):
    text = person_calendar("E1", rota, scenario, generated_at=STAMP)
    events = parse_ics(text)
    mine = rota[rota["employee_id"] == "E1"]
    assert len(events) == len(mine)
    for event in events:
        for key in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert key in event
    by_start = {e["DTSTART"]: e for e in events}
    # 07:00 New York is 11:00Z in EDT (Oct 30) and 12:00Z in EST (Nov 2): DST handled
    assert "20261030T110000Z" in by_start
    assert "20261102T120000Z" in by_start
    assert by_start["20261102T120000Z"]["DTEND"] == "20261102T200000Z"
    assert "Breaks: 11:00–11:30" in by_start["20261102T120000Z"]["DESCRIPTION"]
    assert len({e["UID"] for e in events}) == len(events)


def test_calendar_uids_are_stable_and_text_is_escaped(scenario, rota):
    a = person_calendar("E1", rota, scenario, generated_at=STAMP)
    b = person_calendar("E1", rota, scenario, generated_at=STAMP)
    assert a == b
    # the name has a comma: escaped in the calendar name
    assert "X-WR-CALNAME:Ana\\, Lopez" in a.replace("\r\n ", "")


def test_write_calendars_one_file_per_person(tmp_path, scenario, rota):
    paths = write_calendars(rota, scenario, tmp_path / "calendars", generated_at=STAMP)
    assert sorted(p.name for p in paths) == ["E1.ics", "E2.ics", "E3.ics"]
    events = parse_ics(paths[2].read_bytes().decode("utf-8"))
    assert len(events) == 1 and events[0]["SUMMARY"] == "Late shift"
    assert not list((tmp_path / "calendars").glob(".*tmp"))


def test_excel_has_week_sheets_colours_and_frozen_header(tmp_path, scenario, rota):
    cov = small_coverage(scenario)
    summary = plan_summary(scenario, rota=rota, coverage=cov)
    path = write_rota_excel(rota, scenario, tmp_path / "rota.xlsx", coverage=cov, summary=summary)
    wb = load_workbook(path)
    weeks = [n for n in wb.sheetnames if n.startswith("Week ")]
    # 2026-10-29 (Thu) .. 2026-11-08 (Sun): weeks of Oct 26 and Nov 2
    assert weeks == ["Week 2026-10-26", "Week 2026-11-02"]
    assert {"Summary", "Coverage", "Legend"} <= set(wb.sheetnames)
    ws = wb["Week 2026-11-02"]
    assert ws.freeze_panes == "D2"
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Employee", "Name", "Kind", "Mon 02 Nov"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert rows["E1"][3].value == "Early 07:00–15:00"
    assert rows["E1"][3].fill.start_color.rgb.endswith(CATEGORY_COLOURS["early"])
    assert rows["E2"][3].value == "Late 14:00–22:00"
    assert rows["E2"][3].fill.start_color.rgb.endswith(CATEGORY_COLOURS["late"])
    assert rows["E2"][4].value == "leave"  # Tue Nov 3, approved leave
    assert rows["E1"][-1].value == 40.0  # five 8-hour shifts
    cov_ws = wb["Coverage"]
    assert cov_ws.max_row == len(cov) + 1
    assert cov_ws["B2"].value == "2026-10-29 00:00"


def test_rota_csv_round_trips(tmp_path, scenario, rota):
    path = write_rota_csv(rota, tmp_path / "rota.csv")
    back = read_table(path, kind="rota", tz=scenario.site.timezone)
    assert len(back) == len(rota)
    assert back["start"].iloc[0] == rota["start"].iloc[0]
    first = json.loads(back["breaks"].iloc[0])
    assert pd.Timestamp(first[0][0]) == rota["breaks"].iloc[0][0][0]


def test_rota_without_required_column_is_refused(tmp_path, scenario, rota):
    with pytest.raises(DataError, match="no column 'shift'"):
        write_rota_excel(rota.drop(columns="shift"), scenario, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_cost_counts_backup_premium(scenario, rota):
    # E1: 8 weekdays x 8 h x 20; E2: 5 days x 8 h x 18; E3: 8 h x 10 x 1.5 (backup premium)
    e1_days = int((rota["employee_id"] == "E1").sum())
    e2_days = int((rota["employee_id"] == "E2").sum())
    expected = e1_days * 8 * 20 + e2_days * 8 * 18 + 8 * 10 * 1.5
    assert rota_cost(rota, scenario) == pytest.approx(expected)


def test_summary_numbers_and_html(tmp_path, scenario, rota):
    cov = small_coverage(scenario)
    summary = plan_summary(
        scenario,
        rota=rota,
        coverage=cov,
        risk=small_risk(),
        hires=["H01 seasonal 40 h/week"],
        surge=["Peak day 2026-12-01: 3.1× a September day"],
        warnings=["History shorter than a year: the +75% prior uplift was used"],
    )
    short = (-cov["gap"]).clip(lower=0).sum()
    assert summary.under_cover_hours == pytest.approx(short)  # 60-minute intervals
    assert summary.hiring_cost == scenario.hiring.hire_cost
    assert summary.risk_highlights[0]["employee_id"] == "E1"
    assert summary.risk_highlights[0]["drivers"].startswith("quick_returns 3")
    named = small_risk().assign(main_driver=["quick_returns", "", "long_runs"])
    again = plan_summary(scenario, risk=named)
    assert [h["drivers"] for h in again.risk_highlights] == ["quick returns", "long runs", ""]
    assert set(summary.service_level) == {"phone/normal", "chat/normal"}
    assert all(0 <= v <= 1 for v in summary.service_level.values())
    page = summary_html(summary)
    assert "+75% prior uplift" in page
    assert "<script" not in page and "http" not in page  # self-contained
    assert "Ana, Lopez" in page
    html_path = write_summary_html(summary, tmp_path / "summary.html")
    json_path = write_summary_json(summary, tmp_path / "summary.json")
    assert html_path.read_text(encoding="utf-8") == page
    loaded = PlanSummary.from_dict(json.loads(json_path.read_text()))
    assert loaded.total_cost == pytest.approx(summary.total_cost)
    assert loaded.service_level == summary.service_level


def test_summary_prefers_the_requirement_stage_service_level(scenario, rota):
    summary = plan_summary(scenario, coverage=small_coverage(scenario), service_level={"x": 0.5})
    assert summary.service_level == {"x": 0.5}
