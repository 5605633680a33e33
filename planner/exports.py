"""Exports people use: the rota in Excel and CSV, one calendar per person, a one-page summary.

Schedulers live in spreadsheets, agents in their calendar app, owners in their inbox. This module
turns the pipeline's tables into those three things:

- :func:`write_rota_excel` — a workbook with a sheet per week (people × days, each cell the shift
  name and times, coloured by shift category, header frozen), a coverage sheet and a summary sheet;
- :func:`write_rota_csv` — the rota table itself (the ``rota`` contract, ISO 8601 with offsets);
- :func:`person_calendar` / :func:`write_calendars` — RFC 5545 iCalendar text, one ``.ics`` per
  person, one ``VEVENT`` per shift with the breaks in its description; times are written in UTC
  (``...Z``), which every calendar app converts to the reader's zone and which is exact on DST days;
  UIDs are stable so re-importing an updated rota replaces events instead of duplicating them;
- :func:`plan_summary` / :func:`write_summary_html` — the headline numbers (cost, service level per
  queue, under-cover, hires, people at risk, the surge, the warnings) as one self-contained HTML
  page with no scripts or external files, so it survives being forwarded by e-mail.

Every write is atomic (:func:`planner.tables.atomic_path`): a crash never leaves half a file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import json
import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from planner.scenario import Scenario
from planner.tables import atomic_path, validate_table, write_table

__all__ = [
    "CATEGORY_COLOURS",
    "PlanSummary",
    "calendars_zip",
    "paid_hours",
    "person_calendar",
    "plan_summary",
    "rota_cost",
    "rota_csv_bytes",
    "rota_workbook",
    "summary_html",
    "workbook_bytes",
    "write_calendars",
    "write_rota_csv",
    "write_rota_excel",
    "write_summary_html",
    "write_summary_json",
]

#: Fill colour (RGB hex) of each shift category in the Excel rota and the timeline chart.
CATEGORY_COLOURS: dict[str, str] = {
    "early": "FFE699",  # pale amber: morning
    "day": "C6E0B4",  # pale green
    "late": "BDD7EE",  # pale blue
    "night": "B4A7D6",  # lavender
    "leave": "D9D9D9",  # grey: not available
    "other": "F4CCCC",  # pale red: a shift name not among the templates
}

_PRODID = "-//holiday-planner//rota export//EN"


# --------------------------------------------------------------------------------------------
# Helpers shared by every export
# --------------------------------------------------------------------------------------------


def _shift_category(scenario: Scenario) -> dict[str, str]:
    """Map shift template name -> category (early/day/late/night)."""
    return {s.name: s.category for s in scenario.shifts}


def _local(ts: Any, tz: str) -> pd.Timestamp:
    """An aware timestamp in the site's zone (naive ones are taken as site-local)."""
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is None:
        return stamp.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
    return stamp.tz_convert(tz)


def _checked_rota(rota: pd.DataFrame, source: str = "rota") -> pd.DataFrame:
    validate_table(rota, "rota", source)
    return rota


def paid_hours(rota: pd.DataFrame) -> pd.Series:
    """Paid hours of each rota row (``end - start``, breaks included, as templates are paid)."""
    if rota.empty:
        return pd.Series(dtype=float)
    start = pd.to_datetime(rota["start"], utc=True)
    end = pd.to_datetime(rota["end"], utc=True)
    return (end - start).dt.total_seconds() / 3600.0


def rota_cost(rota: pd.DataFrame, scenario: Scenario) -> float:
    """Labour cost of a rota in the scenario's currency.

    Each paid hour costs the person's ``hourly_cost``; backup staff cost
    ``schedule.backup_overtime_factor`` times that. People not in ``scenario.staff`` (e.g. seasonal
    hires the scheduler added) cost ``hiring.hourly_cost``.
    """
    if rota.empty:
        return 0.0
    rate: dict[str, float] = {}
    for person in scenario.staff:
        factor = scenario.schedule.backup_overtime_factor if person.kind == "backup" else 1.0
        rate[person.id] = person.hourly_cost * factor
    hours = paid_hours(rota)
    rates = rota["employee_id"].astype(str).map(rate).fillna(scenario.hiring.hourly_cost)
    return float((hours * rates).sum())


# --------------------------------------------------------------------------------------------
# CSV and Excel
# --------------------------------------------------------------------------------------------


def write_rota_csv(rota: pd.DataFrame, path: str | Path) -> Path:
    """Write the rota table as CSV (timestamps ISO 8601 with offset; breaks as JSON lists)."""
    _checked_rota(rota, str(path))
    out = rota.copy()
    out["breaks"] = out["breaks"].map(_breaks_json)
    return write_table(out, path, kind="rota")


def rota_csv_bytes(rota: pd.DataFrame) -> bytes:
    """The CSV of :func:`write_rota_csv` as bytes (for a download button)."""
    with tempfile.TemporaryDirectory() as folder:
        return write_rota_csv(rota, Path(folder) / "rota.csv").read_bytes()


def _breaks_json(breaks: Any) -> str:
    """``[[start, end], ...]`` as JSON text with ISO 8601 timestamps."""
    items = _break_list(breaks)
    return json.dumps([[a.isoformat(), b.isoformat()] for a, b in items])


def _break_list(breaks: Any) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Normalise a ``breaks`` cell (list of pairs, JSON text or empty) to timestamp pairs."""
    if breaks is None or (isinstance(breaks, float) and math.isnan(breaks)):
        return []
    if isinstance(breaks, str):
        breaks = json.loads(breaks) if breaks.strip() else []
    pairs = []
    for pair in breaks:
        start, end = list(pair)[:2]
        pairs.append((pd.Timestamp(start), pd.Timestamp(end)))
    return pairs


def _staff_lookup(scenario: Scenario) -> dict[str, tuple[str, str]]:
    """employee id -> (name, kind)."""
    return {p.id: (p.name, p.kind) for p in scenario.staff}


def _leave_days(scenario: Scenario) -> dict[str, set[dt.date]]:
    """employee id -> dates of approved leave (shown greyed in the Excel rota)."""
    out: dict[str, set[dt.date]] = {}
    for person in scenario.staff:
        days: set[dt.date] = set()
        for leave in person.time_off:
            n = (leave.end - leave.start).days + 1
            days.update(leave.start + dt.timedelta(days=i) for i in range(n))
        out[person.id] = days
    return out


def rota_workbook(
    rota: pd.DataFrame,
    scenario: Scenario,
    coverage: pd.DataFrame | None = None,
    summary: PlanSummary | None = None,
) -> Workbook:
    """Build the rota workbook in memory (see :func:`write_rota_excel`)."""
    _checked_rota(rota)
    tz = scenario.site.timezone
    categories = _shift_category(scenario)
    names = _staff_lookup(scenario)
    leave = _leave_days(scenario)
    fills = {
        k: PatternFill("solid", start_color=v, end_color=v) for k, v in CATEGORY_COLOURS.items()
    }
    bold = Font(bold=True)

    # People in scenario order first, then anyone else on the rota (e.g. new hires).
    people = [p.id for p in scenario.staff]
    people += sorted(set(rota["employee_id"].astype(str)) - set(people))
    cells: dict[tuple[str, dt.date], tuple[str, str, float]] = {}
    for row in rota.itertuples(index=False):
        start = _local(row.start, tz)
        end = _local(row.end, tz)
        day = pd.Timestamp(row.date).date() if not isinstance(row.date, dt.date) else row.date
        text = f"{row.shift} {start:%H:%M}–{end:%H:%M}"
        hours = (end - start).total_seconds() / 3600.0
        cells[(str(row.employee_id), day)] = (text, categories.get(str(row.shift), "other"), hours)

    wb = Workbook()
    wb.remove(wb.active)
    days = scenario.horizon.days
    weeks: dict[dt.date, list[dt.date]] = {}
    for day in days:
        weeks.setdefault(day - dt.timedelta(days=day.weekday()), []).append(day)
    for monday, week_days in weeks.items():
        ws = wb.create_sheet(f"Week {monday:%Y-%m-%d}")
        header = ["Employee", "Name", "Kind"] + [f"{d:%a %d %b}" for d in week_days] + ["Hours"]
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
            cell.alignment = Alignment(horizontal="center")
        for person in people:
            name, kind = names.get(person, (person, "seasonal"))
            line: list[Any] = [person, name, kind]
            colours: list[str | None] = []
            total = 0.0
            for day in week_days:
                entry = cells.get((person, day))
                if entry is not None:
                    line.append(entry[0])
                    colours.append(entry[1])
                    total += entry[2]
                elif day in leave.get(person, set()):
                    line.append("leave")
                    colours.append("leave")
                else:
                    line.append("")
                    colours.append(None)
            line.append(round(total, 2))
            ws.append(line)
            for offset, colour in enumerate(colours):
                if colour is not None:
                    ws.cell(row=ws.max_row, column=4 + offset).fill = fills[colour]
        ws.freeze_panes = "D2"  # header row and the three identity columns stay in view
        ws.column_dimensions["A"].width = 12
        ws.column_dimensions["B"].width = 20
        ws.column_dimensions["C"].width = 10
        for offset in range(len(week_days)):
            ws.column_dimensions[get_column_letter(4 + offset)].width = 17
    if not weeks:
        wb.create_sheet("Rota")

    legend = wb.create_sheet("Legend")
    legend.append(["Category", "Shifts"])
    for category in CATEGORY_COLOURS:
        members = [s.name for s in scenario.shifts if s.category == category]
        legend.append([category, ", ".join(members)])
        legend.cell(row=legend.max_row, column=1).fill = fills[category]

    if coverage is not None:
        _coverage_sheet(wb, coverage, tz)
    if summary is not None:
        _summary_sheet(wb, summary)
    return wb


def _coverage_sheet(wb: Workbook, coverage: pd.DataFrame, tz: str) -> None:
    """Long coverage table; negative gaps (under-cover) highlighted red."""
    validate_table(coverage, "coverage", "coverage")
    ws = wb.create_sheet("Coverage")
    ws.append(["Queue", "Interval start", "Staff needed", "Staff scheduled", "Gap"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    local = pd.to_datetime(coverage["ds"]).map(lambda t: _local(t, tz).strftime("%Y-%m-%d %H:%M"))
    for queue, when, need, have, gap in zip(
        coverage["queue"],
        local,
        coverage["staff_needed"],
        coverage["staff_scheduled"],
        coverage["gap"],
        strict=True,
    ):
        ws.append([str(queue), when, float(need), float(have), float(gap)])
    if ws.max_row > 1:
        red = PatternFill("solid", start_color="F8CBAD", end_color="F8CBAD")
        ws.conditional_formatting.add(
            f"E2:E{ws.max_row}", CellIsRule(operator="lessThan", formula=["0"], fill=red)
        )
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 18


def _summary_sheet(wb: Workbook, summary: PlanSummary) -> None:
    ws = wb.create_sheet("Summary", 0)
    ws.append(["Plan", summary.scenario_name])
    ws.append(["Site", summary.site])
    ws.append(["Horizon", f"{summary.horizon_start} to {summary.horizon_end}"])
    ws.append([f"Labour cost ({summary.currency})", round(summary.labour_cost, 2)])
    ws.append([f"Hiring cost ({summary.currency})", round(summary.hiring_cost, 2)])
    ws.append(["Paid hours", round(summary.paid_hours, 1)])
    ws.append(["Under-cover staff-hours", round(summary.under_cover_hours, 1)])
    ws.append(["Hires", summary.hires])
    for queue, level in summary.service_level.items():
        ws.append([f"Service level {queue}", round(level, 3)])
    for warning in summary.warnings:
        ws.append(["Warning", warning])
    for cell in ws["A"]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 60


def write_rota_excel(
    rota: pd.DataFrame,
    scenario: Scenario,
    path: str | Path,
    coverage: pd.DataFrame | None = None,
    summary: PlanSummary | None = None,
) -> Path:
    """Write the rota workbook atomically.

    Sheets: ``Summary`` (when given), ``Week YYYY-MM-DD`` for each week of the horizon (people ×
    days, cell = shift name and local times, fill = shift category, approved leave greyed,
    weekly paid hours in the last column), ``Legend``, and ``Coverage`` (when given).
    """
    path = Path(path)
    wb = rota_workbook(rota, scenario, coverage=coverage, summary=summary)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


# --------------------------------------------------------------------------------------------
# iCalendar (RFC 5545)
# --------------------------------------------------------------------------------------------


def _ics_escape(text: str) -> str:
    """Escape TEXT values (RFC 5545 §3.3.11)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = " " + char
            limit = 75  # continuation lines start with a space, which counts
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def _ics_utc(ts: Any) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y%m%dT%H%M%SZ")


def _uid_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", text)


def person_calendar(
    employee_id: str,
    rota: pd.DataFrame,
    scenario: Scenario,
    generated_at: dt.datetime | None = None,
) -> str:
    """The iCalendar text (CRLF line ends) of one person's shifts.

    One ``VEVENT`` per rota row: ``SUMMARY`` is the shift name, ``DTSTART``/``DTEND`` in UTC,
    ``DESCRIPTION`` lists the breaks in site-local time, ``UID`` is
    ``<employee>-<date>@<site>`` (stable: one shift per person per day), so importing a revised
    rota updates the event. ``generated_at`` (default: now) becomes ``DTSTAMP``.
    """
    _checked_rota(rota)
    tz = scenario.site.timezone
    when = pd.Timestamp(generated_at or dt.datetime.now(dt.UTC))
    stamp = _ics_utc(when if when.tzinfo else when.tz_localize("UTC"))
    names = _staff_lookup(scenario)
    person_name = names.get(employee_id, (employee_id, ""))[0]
    site = _uid_part(scenario.site.name)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_escape(f'{person_name} – {scenario.site.name} rota')}",
        f"X-WR-TIMEZONE:{tz}",
    ]
    mine = rota[rota["employee_id"].astype(str) == str(employee_id)].sort_values("start")
    for row in mine.itertuples(index=False):
        start = _local(row.start, tz)
        end = _local(row.end, tz)
        day = pd.Timestamp(row.date).date()
        breaks = _break_list(row.breaks)
        if breaks:
            listed = ", ".join(f"{_local(a, tz):%H:%M}–{_local(b, tz):%H:%M}" for a, b in breaks)
            description = f"Shift {row.shift}, {start:%H:%M}–{end:%H:%M} ({tz}). Breaks: {listed}."
        else:
            description = f"Shift {row.shift}, {start:%H:%M}–{end:%H:%M} ({tz}). No breaks."
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_uid_part(str(employee_id))}-{day:%Y%m%d}@{site}.holiday-planner",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_utc(start)}",
            f"DTEND:{_ics_utc(end)}",
            f"SUMMARY:{_ics_escape(f'{row.shift} shift')}",
            f"DESCRIPTION:{_ics_escape(description)}",
            f"LOCATION:{_ics_escape(scenario.site.name)}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


def write_calendars(
    rota: pd.DataFrame,
    scenario: Scenario,
    folder: str | Path,
    generated_at: dt.datetime | None = None,
) -> list[Path]:
    """Write ``<folder>/<employee_id>.ics`` for everyone with at least one shift; return paths."""
    _checked_rota(rota)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for employee in sorted(rota["employee_id"].astype(str).unique()):
        path = folder / f"{_uid_part(employee)}.ics"
        text = person_calendar(employee, rota, scenario, generated_at=generated_at)
        with atomic_path(path) as tmp:
            tmp.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def calendars_zip(
    rota: pd.DataFrame, scenario: Scenario, generated_at: dt.datetime | None = None
) -> bytes:
    """Every person's ``.ics`` in one ZIP archive (for a single download in the app)."""
    _checked_rota(rota)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for employee in sorted(rota["employee_id"].astype(str).unique()):
            text = person_calendar(employee, rota, scenario, generated_at=generated_at)
            archive.writestr(f"calendars/{_uid_part(employee)}.ics", text.encode("utf-8"))
    return buffer.getvalue()


def workbook_bytes(
    rota: pd.DataFrame,
    scenario: Scenario,
    coverage: pd.DataFrame | None = None,
    summary: PlanSummary | None = None,
) -> bytes:
    """The rota workbook of :func:`write_rota_excel` as bytes (for a download button)."""
    buffer = io.BytesIO()
    rota_workbook(rota, scenario, coverage=coverage, summary=summary).save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# The one-page summary
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class PlanSummary:
    """The headline numbers of a plan (what the HTML page, ``summary.json`` and Compare show).

    Money in ``currency``; hours are decimal hours; ``service_level`` maps queue -> achieved share
    of contacts meeting the target (or, where the requirement stage cannot compute it, the share
    of needed staff-intervals covered); ``risk_highlights`` are the highest-risk people.
    """

    scenario_name: str
    site: str
    currency: str
    horizon_start: str
    horizon_end: str
    labour_cost: float = 0.0
    hiring_cost: float = 0.0
    paid_hours: float = 0.0
    under_cover_hours: float = 0.0
    service_level: dict[str, float] = dataclasses.field(default_factory=dict)
    service_target: dict[str, float] = dataclasses.field(default_factory=dict)
    hires: int = 0
    hire_details: list[str] = dataclasses.field(default_factory=list)
    risk_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    risk_highlights: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    surge: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    stages: dict[str, str] = dataclasses.field(default_factory=dict)
    #: the rota solver's answer: status, objective, best bound, gap, bound source, seconds
    solver: dict[str, Any] = dataclasses.field(default_factory=dict)
    generated_at: str = ""

    @property
    def total_cost(self) -> float:
        """Labour plus hiring cost."""
        return self.labour_cost + self.hiring_cost

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (adds ``total_cost``)."""
        out = dataclasses.asdict(self)
        out["total_cost"] = self.total_cost
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlanSummary:
        """Inverse of :meth:`to_dict` (unknown keys ignored, so old saves still open)."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def plan_summary(
    scenario: Scenario,
    *,
    rota: pd.DataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    risk: pd.DataFrame | None = None,
    service_level: Mapping[str, float] | None = None,
    hires: Sequence[str] | None = None,
    hiring_cost: float | None = None,
    surge: Iterable[str] = (),
    warnings: Iterable[str] = (),
    stages: Mapping[str, str] | None = None,
    highlights: int = 5,
) -> PlanSummary:
    """Summarise whatever tables a plan has (every argument is optional but the scenario).

    Args:
        scenario: the plan's settings (names, currency, costs, targets).
        rota, coverage, risk: the contract tables, when the stages produced them.
        service_level: queue -> achieved service level from the requirement stage; without it the
            share of needed staff-intervals that were covered is reported instead.
        hires: one line per hire (e.g. ``"H01 seasonal 40 h/week from 2026-11-09"``).
        hiring_cost: one-off hiring cost; default ``len(hires) * hiring.hire_cost``.
        surge, warnings: plain-language lines from the forecast stage.
        stages: stage name -> status line (``"ok 3.1 s"``, ``"not available"``).
        highlights: how many highest-risk people to list.
    """
    summary = PlanSummary(
        scenario_name=scenario.name,
        site=scenario.site.name,
        currency=scenario.site.currency,
        horizon_start=scenario.horizon.start.isoformat(),
        horizon_end=scenario.horizon.end.isoformat(),
        surge=list(surge),
        warnings=list(warnings),
        stages=dict(stages or {}),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        service_target={q.name: q.service_level for q in scenario.queues},
    )
    if rota is not None and not rota.empty:
        # the scheduler's own per-shift cost when it gives one (it knows hires' contracts)
        if "cost" in rota.columns and rota["cost"].notna().all():
            summary.labour_cost = float(rota["cost"].astype(float).sum())
        else:
            summary.labour_cost = rota_cost(rota, scenario)
        summary.paid_hours = float(paid_hours(rota).sum())
    if coverage is not None and not coverage.empty:
        validate_table(coverage, "coverage", "coverage")
        interval_h = scenario.site.interval_minutes / 60.0
        short = (-coverage["gap"].astype(float)).clip(lower=0.0)
        summary.under_cover_hours = float(short.sum() * interval_h)
        if service_level is None:
            needed = coverage["staff_needed"].astype(float)
            met = pd.concat([needed, coverage["staff_scheduled"].astype(float)], axis=1).min(axis=1)
            by_queue = pd.DataFrame({"queue": coverage["queue"], "need": needed, "met": met})
            totals = by_queue.groupby("queue", sort=False)[["need", "met"]].sum()
            summary.service_level = {
                str(q): float(r.met / r.need) if r.need > 0 else 1.0 for q, r in totals.iterrows()
            }
    if service_level is not None:
        summary.service_level = {str(k): float(v) for k, v in service_level.items()}
    if hires:
        summary.hires = len(hires)
        summary.hire_details = list(hires)
    if hiring_cost is not None:
        summary.hiring_cost = float(hiring_cost)
    else:
        summary.hiring_cost = summary.hires * scenario.hiring.hire_cost
    if risk is not None and not risk.empty:
        validate_table(risk, "risk", "risk")
        summary.risk_counts = {
            level: int((risk["risk_level"] == level).sum()) for level in ("high", "medium", "low")
        }
        names = _staff_lookup(scenario)
        indicators = [
            c
            for c in risk.columns
            if c not in ("employee_id", "risk_score", "risk_level", "name")
            and pd.api.types.is_numeric_dtype(risk[c])
        ]
        top = risk.sort_values("risk_score", ascending=False).head(highlights)
        for row in top.to_dict("records"):
            worst = sorted(
                ((c, float(row[c])) for c in indicators if pd.notna(row[c]) and row[c] > 0),
                key=lambda kv: -kv[1],
            )[:3]
            # the risk stage names each person's main driver; raw totals (hours, shifts) are not
            driver = row.get("main_driver")
            drivers = (
                str(driver).replace("_", " ")
                if isinstance(driver, str) and driver
                else ", ".join(f"{c} {v:g}" for c, v in worst)
            )
            summary.risk_highlights.append(
                {
                    "employee_id": str(row["employee_id"]),
                    "name": names.get(str(row["employee_id"]), (str(row["employee_id"]),))[0],
                    "risk_score": round(float(row["risk_score"]), 1),
                    "risk_level": str(row["risk_level"]),
                    "drivers": drivers,
                }
            )
    return summary


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:820px;margin:24px auto;
color:#1f2933;padding:0 16px}
h1{font-size:22px;margin-bottom:2px}
h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd}
.sub{color:#616e7c;margin-top:0}.tiles{display:flex;gap:10px;flex-wrap:wrap}
.tile{border:1px solid #d9e2ec;border-radius:6px;padding:8px 12px;min-width:150px}
.tile b{display:block;font-size:20px}table{border-collapse:collapse;width:100%;font-size:14px}
td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}
.bad{color:#b42318;font-weight:600}.ok{color:#067647}.warn{background:#fff4e5;border-left:4px solid
#f79009;padding:6px 10px;margin:4px 0}
"""


def _money(value: float, currency: str) -> str:
    return f"{currency} {value:,.0f}"


def summary_html(summary: PlanSummary) -> str:
    """The one-page plan summary as self-contained HTML (inline CSS, no scripts, no links)."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(summary.scenario_name)} – plan summary</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(summary.scenario_name)}</h1>",
        f'<p class="sub">{e(summary.site)} · {e(summary.horizon_start)} to '
        f"{e(summary.horizon_end)} · generated {e(summary.generated_at)}</p>",
    ]
    if summary.warnings:
        parts.append("<h2>Read this first</h2>")
        parts += [f'<div class="warn">{e(w)}</div>' for w in summary.warnings]
    tiles = [
        ("Total cost", _money(summary.total_cost, summary.currency)),
        ("Labour cost", _money(summary.labour_cost, summary.currency)),
        ("Paid hours", f"{summary.paid_hours:,.0f} h"),
        ("Under-cover", f"{summary.under_cover_hours:,.1f} staff-h"),
        ("Seasonal hires", str(summary.hires)),
    ]
    parts.append("<h2>Headline</h2><div class='tiles'>")
    parts += [f'<div class="tile">{e(k)}<b>{e(v)}</b></div>' for k, v in tiles]
    parts.append("</div>")

    if summary.service_level:
        parts.append(
            "<h2>Service level per queue</h2><table><tr><th>Queue</th><th>Achieved</th>"
            "<th>Target</th></tr>"
        )
        for queue, level in summary.service_level.items():
            target = summary.service_target.get(queue)
            cls = "ok" if target is None or level >= target - 1e-9 else "bad"
            shown_target = f"{target:.0%}" if target is not None else "–"
            parts.append(
                f'<tr><td>{e(queue)}</td><td class="{cls}">{level:.1%}</td>'
                f"<td>{shown_target}</td></tr>"
            )
        parts.append("</table>")
    if summary.surge:
        parts.append("<h2>The holiday surge</h2><ul>")
        parts += [f"<li>{e(line)}</li>" for line in summary.surge]
        parts.append("</ul>")
    if summary.hire_details or summary.hires:
        parts.append(
            f"<h2>Hiring</h2><p>{summary.hires} seasonal hire(s), one-off cost "
            f"{e(_money(summary.hiring_cost, summary.currency))}.</p><ul>"
        )
        parts += [f"<li>{e(line)}</li>" for line in summary.hire_details]
        parts.append("</ul>")
    if summary.risk_highlights:
        counts = ", ".join(f"{n} {lvl}" for lvl, n in summary.risk_counts.items())
        parts.append(
            f"<h2>Burnout risk</h2><p>{e(counts)}.</p><table><tr><th>Person</th><th>Score</th>"
            "<th>Level</th><th>Main driver</th></tr>"
        )
        for item in summary.risk_highlights:
            cls = "bad" if item["risk_level"] == "high" else ""
            parts.append(
                f"<tr><td>{e(item['name'])} ({e(item['employee_id'])})</td>"
                f"<td>{item['risk_score']:.0f}</td><td class='{cls}'>{e(item['risk_level'])}</td>"
                f"<td>{e(item['drivers'])}</td></tr>"
            )
        parts.append("</table>")
    if summary.solver:
        parts.append("<h2>Rota solver</h2><table>")
        for k, v in summary.solver.items():
            if k == "gap":
                text = f"{v:.1%}"
            elif isinstance(v, float):
                text = f"{v:,.1f}"
            else:
                text = str(v)
            parts.append(f"<tr><td>{e(k.replace('_', ' '))}</td><td>{e(text)}</td></tr>")
        parts.append("</table>")
    if summary.stages:
        parts.append("<h2>Stages</h2><table>")
        parts += [f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in summary.stages.items()]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_summary_html(summary: PlanSummary, path: str | Path) -> Path:
    """Write :func:`summary_html` atomically (UTF-8)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(summary_html(summary), encoding="utf-8")
    return path


def write_summary_json(summary: PlanSummary, path: str | Path) -> Path:
    """Write the summary as JSON atomically (machine-readable twin of the HTML page)."""
    path = Path(path)
    payload = json.dumps(summary.to_dict(), indent=2, default=str, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(payload + "\n", encoding="utf-8")
    return path
