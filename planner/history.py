"""History loading and cleaning: a team's ticket export becomes the ``history`` table.

Two kinds of input are accepted, as CSV (optionally gzipped), Parquet or Excel:

- **per-ticket records** (``kind="tickets"``): one row per ticket with a created-at column and
  optional channel, priority, queue, handle-time and contact-reason columns. Zendesk
  (``Created at``, ``Channel``, ``Priority``) and Freshdesk (``Created time``, ``Source``,
  ``Priority``) exports load without a mapping; other names are mapped with ``columns``.
- **pre-aggregated counts** (``kind="counts"``): ``ds, y`` plus optional ``queue`` (or
  ``channel``/``priority``) and ``aht_s``. A plain daily ``ds,y`` file loads too.

The result is the ``history`` table (``queue, ds, y[, aht_s]``; ``ds`` timezone-aware, site-local
interval starts), the daily ``reasons`` table when reasons are known, and a
:class:`CleaningReport` of what was done: rows read and aggregated, missing-data gaps (reported,
never filled with zeros), outlier days (flagged, never dropped), DST handling.

Queue names are ``channel/priority`` (e.g. ``phone/urgent``). A file without channel or queue
columns lands in one queue called :data:`DEFAULT_QUEUE` (``all``), or ``all/<priority>`` when
only a priority column is present. Inside a day that has data, intervals without contacts are
zeros (exports omit empty intervals); a whole day without any row is a gap.

Bad input raises :class:`planner.errors.DataError` with one line naming the file, column and
spreadsheet row (header = row 1) at fault and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import DataError, ScenarioError
from planner.scenario import WEEKDAYS, ForecastSettings, RetailEvent, Scenario, Site
from planner.tables import table_suffix
from planner.timegrid import hours_in_day, interval_grid

__all__ = [
    "BUILTIN_ALIASES",
    "CHANNEL_ALIASES",
    "DEFAULT_QUEUE",
    "PLANNER_COLUMNS",
    "PRIORITY_ALIASES",
    "CleaningReport",
    "LoadedHistory",
    "load_history",
    "load_reasons",
    "load_scenario_history",
]

#: Queue name of a file that has no queue, channel or priority column.
DEFAULT_QUEUE = "all"

#: Planner column names a file's columns can be mapped onto (``history.columns``).
PLANNER_COLUMNS: tuple[str, ...] = (
    "created_at",
    "channel",
    "priority",
    "queue",
    "handle_time_s",
    "reason",
    "ds",
    "y",
    "aht_s",
)

#: Built-in, case-insensitive column-name aliases (Zendesk, Freshdesk, common spreadsheets).
BUILTIN_ALIASES: dict[str, tuple[str, ...]] = {
    "created_at": (
        "created_at",
        "created at",
        "created time",
        "created",
        "created date",
        "creation date",
        "date created",
        "ticket created at",
        "opened at",
        "opened",
    ),
    "channel": ("channel", "source", "via", "ticket channel", "medium"),
    "priority": ("priority", "ticket priority", "urgency"),
    "queue": ("queue", "queue name"),
    "handle_time_s": (
        "handle_time_s",
        "handle time (s)",
        "handle time",
        "handling time (s)",
        "time spent (s)",
        "total time spent (s)",
        "time tracked (s)",
    ),
    "reason": ("reason", "contact reason", "contact_reason", "ticket type", "type", "category"),
    "ds": ("ds", "interval", "interval start", "interval_start", "date", "day"),
    "y": ("y", "count", "contacts", "volume", "tickets", "offered"),
    "aht_s": ("aht_s", "aht", "aht (s)", "average handle time (s)"),
}

#: Built-in channel labels (case-insensitive) -> planner channel.
CHANNEL_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ["phone", "voice", "call", "calls", "phone call", "phone call (incoming)", "inbound call"],
        "phone",
    ),
    **dict.fromkeys(
        ["chat", "live chat", "messaging", "web widget", "chat widget", "whatsapp", "sms"], "chat"
    ),
    **dict.fromkeys(
        ["email", "e-mail", "mail", "web form", "web", "portal", "api", "feedback widget"], "email"
    ),
}

#: Built-in priority labels (case-insensitive) -> planner priority tier.
PRIORITY_ALIASES: dict[str, str] = {
    **dict.fromkeys(["urgent", "high", "critical", "p1"], "urgent"),
    **dict.fromkeys(["normal", "medium", "standard", "p2", "p3"], "normal"),
    **dict.fromkeys(["low", "p4"], "low"),
}

# Outlier rule: robust z of a day's total against the same weekday in the 4 weeks either side.
_NEIGHBOUR_WEEKS = 4
_Z_LIMIT = 4.0
_MIN_RELATIVE_DEVIATION = 0.4
_MIN_RELATIVE_SCALE = 0.1
_MIN_NEIGHBOURS = 4


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class CleaningReport:
    """What loading did to the file: counts, gaps, outliers and DST handling.

    Attributes:
        source: the file read.
        kind: ``tickets`` or ``counts``.
        rows_read: data rows in the file.
        rows_aggregated: rows of the resulting history table (queue × interval).
        queues: queue names found.
        start, end: first and last local date with data.
        interval_minutes: interval of the history table (1440 for daily data).
        columns_used: planner name -> file column.
        gaps: queue -> list of (first, last) local dates without any row (inclusive).
        filled_intervals: empty intervals set to 0 inside days that have data.
        daily: ``queue, date, y, expected, z, event, outlier`` — daily totals with the robust
            z-score against the same weekday in neighbouring weeks; ``outlier`` is True for an
            unexplained deviation (days on a known holiday or retail event are labelled, not
            flagged). Flagged days stay in the history.
        dst_notes: how DST days and naive timestamps were handled.
        notes: anything else worth knowing (time-zone conversion, aggregation, queue mismatch).
    """

    source: str
    kind: str
    rows_read: int
    rows_aggregated: int
    queues: list[str]
    start: dt.date | None
    end: dt.date | None
    interval_minutes: int
    columns_used: dict[str, str] = field(default_factory=dict)
    gaps: dict[str, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)
    filled_intervals: int = 0
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)
    dst_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def outliers(self) -> pd.DataFrame:
        """The flagged rows of :attr:`daily`."""
        if self.daily.empty:
            return self.daily
        return self.daily[self.daily["outlier"]].reset_index(drop=True)

    @property
    def outlier_dates(self) -> list[dt.date]:
        """Local dates flagged as outliers in at least one queue, sorted."""
        return sorted(set(self.outliers["date"])) if not self.daily.empty else []

    @property
    def gap_ranges(self) -> list[tuple[dt.date, dt.date]]:
        """Distinct gap date ranges over all queues, sorted."""
        return sorted({r for spans in self.gaps.values() for r in spans})

    def summary(self) -> str:
        """A short multi-line report for people (what the CLI prints)."""
        span = f"{self.start} … {self.end}" if self.start else "no data"
        interval = "daily" if self.interval_minutes == 1440 else f"{self.interval_minutes}-minute"
        lines = [
            f"History from {self.source} ({self.kind})",
            f"  rows read: {self.rows_read:,}; history rows: {self.rows_aggregated:,} "
            f"({interval} intervals)",
            f"  queues ({len(self.queues)}): {', '.join(self.queues)}",
            f"  dates: {span}",
        ]
        if self.columns_used:
            used = ", ".join(f"{k} <- '{v}'" for k, v in self.columns_used.items())
            lines.append(f"  columns: {used}")
        if self.filled_intervals:
            lines.append(
                f"  empty intervals set to 0 inside days with data: {self.filled_intervals:,}"
            )
        gap_ranges = self.gap_ranges
        if gap_ranges:
            lines.append(f"  missing-data gaps ({len(gap_ranges)}, not filled):")
            for first, last in gap_ranges:
                queues = [q for q, spans in self.gaps.items() if (first, last) in spans]
                who = "all queues" if len(queues) == len(self.queues) else ", ".join(queues)
                days = (last - first).days + 1
                lines.append(f"    {first} … {last} ({days} day(s), {who})")
        else:
            lines.append("  missing-data gaps: none")
        flagged = self.outliers
        if not flagged.empty:
            lines.append(f"  outlier days ({len(self.outlier_dates)}, flagged, kept):")
            for day, part in flagged.groupby("date", sort=True):
                total = int(part["y"].sum())
                expected = round(float(part["expected"].sum()))
                lines.append(
                    f"    {day} ({WEEKDAYS[day.weekday()]}): {total:,} contacts vs ~{expected:,} "
                    f"expected ({', '.join(part['queue'])})"
                )
        else:
            lines.append("  outlier days: none")
        for note in self.dst_notes:
            lines.append(f"  DST: {note}")
        for note in self.notes:
            lines.append(f"  note: {note}")
        return "\n".join(lines)


@dataclass
class LoadedHistory:
    """A loaded, cleaned history.

    Attributes:
        history: the ``history`` table: ``queue, ds, y[, aht_s]``, sorted, one row per queue and
            interval, ``ds`` timezone-aware site-local interval starts. Gap days have no rows.
        reasons: daily contact reasons ``queue, date, reason, y`` or None when unknown.
        report: what loading and cleaning found.
    """

    history: pd.DataFrame
    reasons: pd.DataFrame | None
    report: CleaningReport

    @property
    def interval_minutes(self) -> int:
        """Interval length of :attr:`history` in minutes (1440 for daily data)."""
        return self.report.interval_minutes

    @property
    def is_daily(self) -> bool:
        """True when the history holds one row per queue and day (no intraday detail)."""
        return self.report.interval_minutes == 1440


# --------------------------------------------------------------------------------------------
# Reading and column mapping
# --------------------------------------------------------------------------------------------


def _norm(name: object) -> str:
    """Case- and space-insensitive column key."""
    return re.sub(r"\s+", " ", str(name).strip().lower())


def _read_raw(path: Path) -> pd.DataFrame:
    """Read a file keeping cells as text (CSV, Excel) so error messages quote what was written."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    fmt = table_suffix(path)
    try:
        if fmt == "csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        elif fmt == "parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_excel(path, engine="openpyxl", dtype=object)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; export it with its header row") from None
    except Exception as exc:  # any parser failure becomes one line naming the file
        raise DataError(f"{path}: cannot read as {fmt} ({type(exc).__name__}: {exc})") from None
    if df.empty:
        found = ", ".join(map(str, df.columns)) or "none"
        raise DataError(f"{path}: the file has no data rows (columns found: {found})")
    return df.reset_index(drop=True)


def _resolve_columns(
    df: pd.DataFrame, path: Path, columns: Mapping[str, str] | None
) -> dict[str, str]:
    """Planner name -> file column, from the user's mapping first, then the built-in aliases."""
    by_key: dict[str, str] = {}
    for col in df.columns:
        by_key.setdefault(_norm(col), str(col))
    found = ", ".join(f"'{c}'" for c in df.columns)
    resolved: dict[str, str] = {}
    for name, col in (columns or {}).items():
        if name not in PLANNER_COLUMNS:
            raise DataError(
                f"{path}: history.columns: unknown planner name '{name}'; use one of "
                f"{', '.join(PLANNER_COLUMNS)}"
            )
        if _norm(col) not in by_key:
            raise DataError(
                f"{path}: history.columns.{name} is '{col}' but the file has no such column "
                f"(found {found})"
            )
        resolved[name] = by_key[_norm(col)]
    taken = set(resolved.values())
    for name, aliases in BUILTIN_ALIASES.items():
        if name in resolved:
            continue
        for alias in aliases:
            col = by_key.get(alias)
            if col is not None and col not in taken:
                resolved[name] = col
                taken.add(col)
                break
    return resolved


def _row(index: int) -> int:
    """Spreadsheet row number of a 0-based data row (the header is row 1)."""
    return int(index) + 2


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped text ('' for empty/NaN)."""
    if isinstance(values.dtype, pd.StringDtype):  # CSV read as text: the fast path
        return values.fillna("").str.strip()
    out = values.astype(object).where(values.notna(), "")
    return out.map(lambda v: v if isinstance(v, str) else str(v)).astype(str).str.strip()


def _numbers(df: pd.DataFrame, col: str, path: Path, what: str, required: bool) -> pd.Series:
    """Parse a numeric column; name the first bad row. Empty cells are NaN unless required."""
    raw = df[col]
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype(float)
        empty = values.isna()
        bad = pd.Series(False, index=raw.index)
    else:
        text = _text(raw).str.replace(",", "", regex=False)
        empty = text == ""
        values = pd.to_numeric(text.where(~empty), errors="coerce")
        bad = values.isna() & ~empty
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: column '{col}', row {_row(i)}: '{raw.iloc[i]}' is not a number; "
            f"{what} must be numeric"
        )
    if required and empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise DataError(
            f"{path}: column '{col}', row {_row(i)}: empty {what}; every row needs one "
            "(write 0 for none)"
        )
    negative = values < 0
    if negative.any():
        i = int(np.flatnonzero(negative.to_numpy())[0])
        raise DataError(
            f"{path}: column '{col}', row {_row(i)}: negative {what} {raw.iloc[i]}; "
            "counts and durations must be >= 0"
        )
    return values


# --------------------------------------------------------------------------------------------
# Timestamps
# --------------------------------------------------------------------------------------------


def _parse_timestamps(
    df: pd.DataFrame,
    col: str,
    path: Path,
    site_tz: str,
    source_tz: str,
    group: pd.Series,
    dst_notes: list[str],
    notes: list[str],
) -> tuple[pd.Series, pd.Series]:
    """Parse a timestamp column to site-local aware timestamps.

    Offsets are honoured; naive values are taken in ``source_tz``. A naive time inside the
    spring-forward gap is shifted forward to the first valid instant; one inside the repeated
    fall-back hour is placed by file order (within each queue: the first pass is daylight time,
    the wall clock going backwards starts standard time). Both are reported.

    Returns:
        (timestamps, shifted) where ``shifted`` marks values moved out of a nonexistent hour.
    """
    raw = df[col]
    shifted = pd.Series(False, index=df.index)
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        notes.append(f"timestamps converted from {raw.dt.tz} to {site_tz}")
        return raw.dt.tz_convert(site_tz), shifted
    if pd.api.types.is_datetime64_dtype(raw):
        naive = pd.Series(raw, index=df.index)
        empty = naive.isna()
        bad = pd.Series(False, index=df.index)
        aware = None
    else:
        text = _text(raw)
        empty = text == ""
        has_offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z|UTC)$", regex=True)
        aware = None
        naive = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
        if has_offset.any():
            aware = pd.Series(
                pd.to_datetime(text.where(has_offset), errors="coerce", utc=True, format="ISO8601"),
                index=df.index,
            )
        plain = ~has_offset & ~empty
        if plain.any():
            part = text[plain]
            parsed = pd.to_datetime(part, errors="coerce", format="ISO8601")
            if parsed.isna().any():
                retry = parsed.isna()
                parsed[retry] = pd.to_datetime(part[retry], errors="coerce", format="mixed")
            naive[plain] = parsed.astype("datetime64[ns]")
        bad = ~empty & naive.isna() & (aware.isna() if aware is not None else True)
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise DataError(
            f"{path}: column '{col}', row {_row(i)}: empty timestamp; every row needs one"
        )
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: column '{col}', row {_row(i)}: '{raw.iloc[i]}' is not a timestamp; write "
            "e.g. 2026-11-27 09:30 or 2026-11-27T09:30:00-05:00"
        )
    out = pd.Series(pd.NaT, index=df.index, dtype=f"datetime64[ns, {site_tz}]")
    if aware is not None and aware.notna().any():
        out[aware.notna()] = aware[aware.notna()].dt.tz_convert(site_tz)
        tails = pd.Series(text[aware.notna()].str[-6:].unique())
        offsets = set(tails.str.extract(r"([+-]\d\d:?\d\d|Z|UTC)$")[0].dropna())
        zone_offsets = {
            out[aware.notna()].iloc[0].strftime("%z"),
            out[aware.notna()].iloc[-1].strftime("%z"),
        }
        if not {o.replace(":", "") for o in offsets} <= zone_offsets:
            notes.append(f"timestamps with offsets {sorted(offsets)} converted to {site_tz}")
    naive_mask = naive.notna()
    if naive_mask.any():
        values = naive[naive_mask]
        localized = values.dt.tz_localize(source_tz, ambiguous="NaT", nonexistent="NaT")
        gap = localized.isna()
        if gap.any():
            forward = values[gap].dt.tz_localize(
                source_tz, ambiguous="NaT", nonexistent="shift_forward"
            )
            ambiguous = forward.isna()
            shifted_idx = forward.index[~ambiguous]
            localized[shifted_idx] = forward[~ambiguous]
            shifted[shifted_idx] = True
            for day, count in values[shifted_idx].dt.date.value_counts().sort_index().items():
                dst_notes.append(
                    f"{day}: {count} naive timestamp(s) in the skipped spring-forward hour "
                    "moved to the first instant after it"
                )
            amb_idx = forward.index[ambiguous]
            if len(amb_idx):
                localized[amb_idx] = _place_ambiguous(values[amb_idx], group[amb_idx], source_tz)
                for day, count in values[amb_idx].dt.date.value_counts().sort_index().items():
                    dst_notes.append(
                        f"{day}: {count} naive timestamp(s) in the repeated fall-back hour "
                        "placed by file order (first pass daylight time, then standard time)"
                    )
        out[naive_mask] = localized.dt.tz_convert(site_tz)
        if source_tz != site_tz:
            notes.append(f"naive timestamps read as {source_tz} and converted to {site_tz}")
    return out, shifted


def _place_ambiguous(values: pd.Series, group: pd.Series, tz: str) -> pd.Series:
    """Localize wall times of a repeated hour by file order within each group and day."""
    out = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {tz}]")
    frame = pd.DataFrame({"t": values, "g": group.astype(str), "d": values.dt.date})
    for _, part in frame.groupby(["g", "d"], sort=False):
        running_max = part["t"].cummax().shift(1)
        second_pass = (part["t"] < running_max).cummax()
        flags = (~second_pass).to_numpy()  # True = daylight time (the first pass)
        out[part.index] = part["t"].dt.tz_localize(tz, ambiguous=flags)
    return out


def _interval_start(ts: pd.Series, minutes: int) -> pd.Series:
    """Floor aware timestamps to the start of their local interval, in absolute time.

    Flooring the wall clock and subtracting the difference keeps the UTC offset of each instant,
    so the repeated fall-back hour stays two distinct intervals.
    """
    wall = ts.dt.tz_localize(None)
    delta = wall - wall.dt.floor(f"{minutes}min")
    return ts - delta


# --------------------------------------------------------------------------------------------
# Queue labels
# --------------------------------------------------------------------------------------------


def _map_labels(
    values: pd.Series,
    col: str,
    path: Path,
    user: Mapping[str, str] | None,
    builtin: Mapping[str, str],
    allowed: Sequence[str],
    setting: str,
) -> pd.Series:
    """Map channel/priority labels to planner values; unknown labels are an error naming the row."""
    table = dict(builtin)
    for label, target in (user or {}).items():
        if target not in allowed:
            raise DataError(
                f"{path}: history.{setting}: '{label}' maps to '{target}'; use one of "
                f"{', '.join(allowed)}"
            )
        table[_norm(label)] = target
    text = _text(values)
    lookup = {label: table.get(_norm(label)) for label in text.unique()}  # few distinct labels
    mapped = text.map(lookup)
    bad = mapped.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        label = text.iloc[i]
        shown = f"'{label}'" if label else "an empty value"
        raise DataError(
            f"{path}: column '{col}', row {_row(i)}: unknown {setting.split('_')[0]} {shown}; "
            f"map it with history.{setting}, e.g. {{'{label or '?'}': {allowed[-1]}}}"
        )
    return mapped.astype(str)


def _queues(
    df: pd.DataFrame,
    cols: Mapping[str, str],
    path: Path,
    channel_values: Mapping[str, str] | None,
    priority_values: Mapping[str, str] | None,
) -> pd.Series:
    """The queue of each row: its queue column, or channel/priority, or :data:`DEFAULT_QUEUE`."""
    if "queue" in cols:
        queue = _text(df[cols["queue"]])
        empty = queue == ""
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise DataError(
                f"{path}: column '{cols['queue']}', row {_row(i)}: empty queue name; every row "
                "needs one"
            )
        return queue
    priority = None
    if "priority" in cols:
        priority = _map_labels(
            df[cols["priority"]],
            cols["priority"],
            path,
            priority_values,
            PRIORITY_ALIASES,
            ("urgent", "low", "normal"),
            "priority_values",
        )
    if "channel" in cols:
        channel = _map_labels(
            df[cols["channel"]],
            cols["channel"],
            path,
            channel_values,
            CHANNEL_ALIASES,
            ("phone", "chat", "email"),
            "channel_values",
        )
        return channel + "/" + (priority if priority is not None else "normal")
    if priority is not None:
        return DEFAULT_QUEUE + "/" + priority
    return pd.Series(DEFAULT_QUEUE, index=df.index)


def _slug(label: object) -> str:
    """'Where is my order' -> 'where_is_my_order'."""
    return re.sub(r"[^0-9a-z]+", "_", str(label).strip().lower()).strip("_") or "other"


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_history(
    path: str | Path,
    site: Site,
    *,
    kind: str = "auto",
    columns: Mapping[str, str] | None = None,
    channel_values: Mapping[str, str] | None = None,
    priority_values: Mapping[str, str] | None = None,
    source_timezone: str | None = None,
    interval_minutes: int | None = None,
    events: Sequence[RetailEvent] | None = None,
) -> LoadedHistory:
    """Load a history file, aggregate it to the ``history`` table and report what was cleaned.

    Args:
        path: CSV, CSV.GZ, Parquet or Excel file.
        site: the site (time zone, interval, opening days).
        kind: ``tickets`` (one row per ticket), ``counts`` (pre-aggregated) or ``auto``.
        columns: planner name -> file column (see :data:`PLANNER_COLUMNS`); built-in aliases
            cover Zendesk and Freshdesk exports.
        channel_values: your channel labels -> ``phone|chat|email`` (added to the built-ins).
        priority_values: your priority labels -> ``urgent|normal|low`` (added to the built-ins).
        source_timezone: zone of naive timestamps in the file (default: the site's zone).
        interval_minutes: interval to aggregate to (default: ``site.interval_minutes``).
            Pre-aggregated data coarser than this keeps its own interval; daily data stays daily.
        events: retail events whose days are labelled rather than flagged as outliers (default:
            the forecast's default events); public holidays of ``site.country`` are labelled too.

    Returns:
        The history table, the reasons table (if the file has a reason column) and the report.

    Raises:
        DataError: one line naming the file, column and row at fault.
    """
    path = Path(path)
    if kind not in ("auto", "tickets", "counts"):
        raise DataError(f"{path}: history.kind '{kind}' is not one of auto, tickets, counts")
    tz = site.timezone
    source_tz = source_timezone or tz
    _check_zone(source_tz, path)
    target_minutes = int(interval_minutes or site.interval_minutes)
    if 1440 % target_minutes:
        raise DataError(f"{path}: interval_minutes {target_minutes} does not divide a day")
    df = _read_raw(path)
    cols = _resolve_columns(df, path, columns)
    found = ", ".join(f"'{c}'" for c in df.columns)
    if kind == "auto":
        if "y" in cols and "ds" in cols:
            kind = "counts"
        elif "created_at" in cols:
            kind = "tickets"
        else:
            raise DataError(
                f"{path}: cannot tell per-ticket records from counts: no created-at column and no "
                f"ds/y columns (found {found}); set history.columns, e.g. "
                "{created_at: 'Opened'} for tickets or {ds: 'Interval', y: 'Calls'} for counts"
            )
    needed = ("created_at",) if kind == "tickets" else ("ds", "y")
    for name in needed:
        if name not in cols:
            raise DataError(
                f"{path}: no '{name}' column for {kind} data (found {found}); set "
                f"history.columns.{name} to the column that holds it"
            )
    used = {
        k: v
        for k, v in cols.items()
        if k
        in (
            ("created_at", "channel", "priority", "queue", "handle_time_s", "reason")
            if kind == "tickets"
            else ("ds", "y", "queue", "channel", "priority", "aht_s")
        )
    }
    dst_notes: list[str] = []
    notes: list[str] = []
    queue = _queues(df, used, path, channel_values, priority_values)
    ts_col = used["created_at"] if kind == "tickets" else used["ds"]
    ts, shifted = _parse_timestamps(df, ts_col, path, tz, source_tz, queue, dst_notes, notes)

    reasons = None
    if kind == "tickets":
        history, reasons, interval, present_by_queue, filled = _from_tickets(
            df, used, path, queue, ts, target_minutes, tz
        )
    else:
        history, interval, present_by_queue, filled = _from_counts(
            df, used, path, queue, ts, shifted, target_minutes, tz, notes
        )

    gaps = _gaps(present_by_queue, site)
    daily = _daily_outliers(history, site, events, interval)
    dst_days = _dst_days(history, tz, interval)
    if dst_days:
        dst_notes.insert(
            0,
            f"{len(dst_days)} DST day(s) in range ({dst_days[0]} … {dst_days[-1]}): 23/25-hour "
            "days keep their real number of intervals",
        )
    dates = [d for spans in present_by_queue.values() for d in (min(spans), max(spans)) if spans]
    report = CleaningReport(
        source=str(path),
        kind=kind,
        rows_read=len(df),
        rows_aggregated=len(history),
        queues=sorted(history["queue"].unique().tolist()),
        start=min(dates) if dates else None,
        end=max(dates) if dates else None,
        interval_minutes=interval,
        columns_used=used,
        gaps=gaps,
        filled_intervals=filled,
        daily=daily,
        dst_notes=dst_notes,
        notes=notes,
    )
    return LoadedHistory(history=history, reasons=reasons, report=report)


def _check_zone(zone: str, path: Path) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"{path}: history.source_timezone '{zone}' is not an IANA zone, e.g. Europe/Berlin"
        ) from None


def _local_dates(ds: pd.Series) -> pd.Series:
    """Local calendar date (as a midnight naive Timestamp) of aware site-local timestamps."""
    return ds.dt.tz_localize(None).dt.normalize()


def _from_tickets(
    df: pd.DataFrame,
    cols: Mapping[str, str],
    path: Path,
    queue: pd.Series,
    ts: pd.Series,
    minutes: int,
    tz: str,
) -> tuple[pd.DataFrame, pd.DataFrame | None, int, dict[str, set[dt.date]], int]:
    """Count tickets per queue and interval; zero-fill days on which the file has any ticket."""
    frame = pd.DataFrame({"queue": queue, "ds": _interval_start(ts, minutes)})
    if "handle_time_s" in cols:
        frame["handle"] = _numbers(df, cols["handle_time_s"], path, "handle time", required=False)
    grouped = frame.groupby(["queue", "ds"], sort=True)
    counts = grouped.size().rename("y").reset_index()
    if "handle" in frame:
        counts["aht_s"] = grouped["handle"].mean().to_numpy()
    day_of = _local_dates(frame["ds"]).dt.date
    file_days = set(day_of)  # a ticket on any queue means the export covers that day
    present: dict[str, set[dt.date]] = {}
    for name, part in day_of.groupby(frame["queue"]):
        # from the queue's first ticket (a channel may open later) to the end of the export
        first = part.min()
        present[str(name)] = {d for d in file_days if first <= d}
    history, filled = _fill_days(counts, present, tz, minutes)
    reasons = None
    if "reason" in cols:
        reason = _text(df[cols["reason"]]).map(lambda v: _slug(v) if v else "unknown")
        reasons = (
            pd.DataFrame({"queue": frame["queue"], "date": day_of, "reason": reason})
            .groupby(["queue", "date", "reason"], sort=True)
            .size()
            .rename("y")
            .reset_index()
        )
    return history, reasons, minutes, present, filled


def _from_counts(
    df: pd.DataFrame,
    cols: Mapping[str, str],
    path: Path,
    queue: pd.Series,
    ts: pd.Series,
    shifted: pd.Series,
    minutes: int,
    tz: str,
    notes: list[str],
) -> tuple[pd.DataFrame, int, dict[str, set[dt.date]], int]:
    """Check and aggregate pre-aggregated counts; detect daily and coarse data."""
    y = _numbers(df, cols["y"], path, "count", required=True)
    frame = pd.DataFrame({"queue": queue, "ds": ts, "y": y})
    if "aht_s" in cols:
        frame["aht_s"] = _numbers(df, cols["aht_s"], path, "handle time", required=False)
    dup = frame.duplicated(["queue", "ds"], keep=False) & ~shifted
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        first = rows[0]
        twin = next(
            r
            for r in rows[1:]
            if frame["queue"].iat[r] == frame["queue"].iat[first]
            and frame["ds"].iat[r] == frame["ds"].iat[first]
        )
        raise DataError(
            f"{path}: column '{cols['ds']}', rows {_row(first)} and {_row(twin)}: duplicate "
            f"interval {frame['ds'].iat[first].isoformat()} for queue '{frame['queue'].iat[first]}'"
            "; aggregated data needs one row per queue and interval (sum or remove the copy)"
        )
    wall = frame["ds"].dt.tz_localize(None)
    day = wall.dt.normalize()
    at_midnight = wall == day
    one_per_day = not frame.assign(d=day).duplicated(["queue", "d"]).any()
    if at_midnight.all() and one_per_day:
        interval = 1440
        frame["ds"] = frame["ds"].dt.normalize()  # local midnight (tz-aware normalize is local)
        out = frame
        notes.append("daily counts: one row per queue and day, ds at local midnight")
    else:
        step = _native_step(frame)
        aligned = (wall.dt.hour * 60 + wall.dt.minute) % minutes == 0
        if step >= minutes and step < 1440 and aligned.all():
            interval = step if step % minutes == 0 else minutes
            out = frame
            if interval != minutes:
                notes.append(
                    f"data is at {interval}-minute intervals, coarser than the site's "
                    f"{minutes}; kept as is"
                )
        else:
            interval = minutes
            frame["ds"] = _interval_start(frame["ds"], minutes)
            out = _aggregate(frame)
            notes.append(
                f"{len(frame):,} rows at {step}-minute steps summed into {minutes}-minute intervals"
            )
    if shifted.any():
        out = _aggregate(out)
    day_of = _local_dates(out["ds"]).dt.date
    present = {str(q): set(part) for q, part in day_of.groupby(out["queue"])}
    if interval == 1440:
        history = out.sort_values(["queue", "ds"]).reset_index(drop=True)
        filled = 0
    else:
        history, filled = _fill_days(out, present, tz, interval)
    if "aht_s" in history:
        history["aht_s"] = history["aht_s"].astype(float)
    if (history["y"] == history["y"].round()).all():
        history["y"] = history["y"].astype("int64")
    history = history[[c for c in ("queue", "ds", "y", "aht_s") if c in history]]
    return history, interval, present, filled


def _native_step(frame: pd.DataFrame) -> int:
    """The most common step between consecutive timestamps of a queue, in minutes."""
    diffs = (
        frame.sort_values(["queue", "ds"]).groupby("queue")["ds"].diff().dropna().dt.total_seconds()
    )
    diffs = diffs[diffs > 0]
    if diffs.empty:
        return 0
    return round(float(diffs.mode().iloc[0]) / 60)


def _aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum counts per queue and interval; handle time weighted by counts."""
    frame = frame.copy()
    if "aht_s" in frame:
        frame["_work"] = frame["aht_s"] * frame["y"]
        frame["_n"] = frame["y"].where(frame["aht_s"].notna(), 0)
    out = frame.groupby(["queue", "ds"], sort=True).sum(numeric_only=True, min_count=1)
    out = out.reset_index()
    if "aht_s" in frame:
        with np.errstate(divide="ignore", invalid="ignore"):
            out["aht_s"] = np.where(out["_n"] > 0, out["_work"] / out["_n"], np.nan)
        out = out.drop(columns=["_work", "_n"])
    out["y"] = out["y"].fillna(0)
    return out


def _fill_days(
    counts: pd.DataFrame, present: Mapping[str, set[dt.date]], tz: str, minutes: int
) -> tuple[pd.DataFrame, int]:
    """Give every queue every interval of its present days (zeros where no contact arrived)."""
    frames = []
    all_days = sorted({d for days in present.values() for d in days})
    if not all_days:
        return counts.iloc[0:0], 0
    grid = interval_grid(all_days[0], all_days[-1], tz, minutes)
    grid_days = pd.Series(grid.tz_localize(None).normalize().date, index=grid)
    for name, days in sorted(present.items()):
        ds = grid[grid_days.isin(days).to_numpy()]
        frames.append(pd.DataFrame({"queue": name, "ds": ds}))
    full = pd.concat(frames, ignore_index=True)
    merged = full.merge(counts, on=["queue", "ds"], how="left", validate="one_to_one")
    filled = int(merged["y"].isna().sum())
    merged["y"] = merged["y"].fillna(0)
    if (merged["y"] == merged["y"].round()).all():
        merged["y"] = merged["y"].astype("int64")
    if "aht_s" in merged:
        merged["aht_s"] = merged["aht_s"].astype(float)
    return merged.sort_values(["queue", "ds"]).reset_index(drop=True), filled


# --------------------------------------------------------------------------------------------
# Gaps, outliers, DST
# --------------------------------------------------------------------------------------------


def _gaps(
    present: Mapping[str, set[dt.date]], site: Site
) -> dict[str, list[tuple[dt.date, dt.date]]]:
    """Runs of dates without data between each queue's first and last day (closed days skipped)."""
    closed = {i for i, day in enumerate(WEEKDAYS) if site.opening_hours.get(day) is None}
    out: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for name, days in sorted(present.items()):
        if not days:
            continue
        first, last = min(days), max(days)
        runs: list[tuple[dt.date, dt.date]] = []
        run_start: dt.date | None = None
        previous: dt.date | None = None
        day = first
        while day <= last:
            missing = day not in days and day.weekday() not in closed
            if missing:
                if run_start is None:
                    run_start = day
                previous = day
            elif run_start is not None and day not in days:
                pass  # a closed day inside a run neither ends nor extends it
            elif run_start is not None:
                runs.append((run_start, previous or run_start))
                run_start = None
            day += dt.timedelta(days=1)
        if run_start is not None:
            runs.append((run_start, previous or run_start))
        if runs:
            out[name] = runs
    return out


def _event_labels(
    site: Site, events: Sequence[RetailEvent] | None, years: Sequence[int]
) -> dict[dt.date, str]:
    """Known holiday and retail-event days (windows included): deviations there are expected."""
    from planner.events import holidays_frame

    events = list(events) if events is not None else ForecastSettings().events
    try:
        frame = holidays_frame(events, years, site.country, site.subdivision)
    except ScenarioError:
        frame = holidays_frame(events, years)
    labels: dict[dt.date, str] = {}
    for row in frame.itertuples(index=False):
        anchor = pd.Timestamp(row.ds).date()
        for offset in range(int(row.lower_window), int(row.upper_window) + 1):
            labels.setdefault(anchor + dt.timedelta(days=offset), str(row.holiday))
    return labels


def _daily_outliers(
    history: pd.DataFrame, site: Site, events: Sequence[RetailEvent] | None, interval: int
) -> pd.DataFrame:
    """Daily totals per queue with a robust z-score against the same weekday nearby.

    For each day, the neighbours are the same weekday up to four weeks before and after; the
    score is ``(y - median) / max(1.4826 MAD, sqrt(median), 0.1 median)`` (never tighter than
    Poisson noise or normal day-to-day swings). A day is an outlier when ``|z| > 4`` and it is at
    least 40% off the median, unless it is a known holiday or retail-event day.
    """
    columns = ["queue", "date", "y", "expected", "z", "event", "outlier"]
    if history.empty:
        return pd.DataFrame(columns=columns)
    date = _local_dates(history["ds"])
    daily = history.assign(date=date).groupby(["queue", "date"], sort=True)["y"].sum()
    seen = {d.year for d in daily.index.get_level_values("date")}
    years = list(range(min(seen) - 1, max(seen) + 1))  # last December's windows reach January
    labels = _event_labels(site, events, years)
    frames = []
    for name, series in daily.groupby(level="queue"):
        s = series.droplevel("queue")
        full = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D"))
        values = full.to_numpy(dtype=float)
        shifts = []
        for k in range(1, _NEIGHBOUR_WEEKS + 1):
            for sign in (-1, 1):
                shifted = np.full(len(values), np.nan)
                lag = 7 * k * sign
                if lag > 0:
                    shifted[lag:] = values[:-lag]
                else:
                    shifted[:lag] = values[-lag:]
                shifts.append(shifted)
        neighbours = np.vstack(shifts)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            # a day without neighbours (series edges, gaps) simply gets no score
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            median = np.nanmedian(neighbours, axis=0)
            mad = np.nanmedian(np.abs(neighbours - median), axis=0)
        # the spread of counts is at least Poisson: small queues must not look noisy-as-outliers
        # and day-to-day swings of ~10% are normal in contact data, so never score tighter
        floor = np.maximum(np.sqrt(np.maximum(median, 0)), _MIN_RELATIVE_SCALE * median)
        scale = np.maximum(1.4826 * mad, np.maximum(floor, 1.0))
        z = (values - median) / scale
        # fewer than four comparable days is no baseline: such days get no score
        z[np.sum(~np.isnan(neighbours), axis=0) < _MIN_NEIGHBOURS] = np.nan
        part = pd.DataFrame(
            {"queue": name, "date": full.index.date, "y": values, "expected": median, "z": z}
        )
        part = part[~np.isnan(values)]
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["event"] = out["date"].map(labels).fillna("")
    deviation = (out["y"] - out["expected"]).abs()
    out["outlier"] = (
        (out["z"].abs() > _Z_LIMIT)
        & (deviation > _MIN_RELATIVE_DEVIATION * out["expected"])
        & (out["event"] == "")
    ).fillna(False)
    out["y"] = out["y"].astype(history["y"].dtype)
    return out[columns]


def _dst_days(history: pd.DataFrame, tz: str, interval: int) -> list[dt.date]:
    """Dates in the history whose local day is not 24 hours long."""
    if history.empty or interval == 1440:
        return []
    days = sorted(set(_local_dates(history["ds"]).dt.date))
    return [d for d in days if hours_in_day(d, tz) != 24]


# --------------------------------------------------------------------------------------------
# Reasons and scenarios
# --------------------------------------------------------------------------------------------


def load_reasons(path: str | Path) -> pd.DataFrame:
    """Read a daily reasons table (``queue, date, reason, y``); name the first bad row.

    Raises:
        DataError: a column is missing, a date is not a date, or a count is negative.
    """
    path = Path(path)
    df = _read_raw(path)
    missing = [c for c in ("queue", "date", "reason", "y") if c not in df.columns]
    if missing:
        raise DataError(
            f"{path}: the reasons table has no column '{missing[0]}' (needs queue, date, reason, "
            f"y; found {', '.join(map(str, df.columns))})"
        )
    dates = pd.to_datetime(_text(df["date"]), errors="coerce", format="ISO8601")
    if dates.isna().any():
        i = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(
            f"{path}: column 'date', row {_row(i)}: '{df['date'].iloc[i]}' is not a date; "
            "write YYYY-MM-DD"
        )
    y = _numbers(df, "y", path, "count", required=True)
    out = pd.DataFrame(
        {
            "queue": _text(df["queue"]),
            "date": dates.dt.date,
            "reason": _text(df["reason"]).map(_slug),
            "y": y.astype("int64") if (y == y.round()).all() else y,
        }
    )
    return out


def load_scenario_history(scenario: Scenario) -> LoadedHistory:
    """Load the scenario's history (``scenario.history``) and its reasons file, if any.

    Queues in the history but not in the scenario, and scenario queues without history, are
    noted in the report.
    """
    source = scenario.history
    loaded = load_history(
        scenario.history_path(),
        scenario.site,
        kind=source.kind,
        columns=source.columns,
        channel_values=source.channel_values,
        priority_values=source.priority_values,
        source_timezone=source.source_timezone,
        events=scenario.forecast.events,
    )
    if source.reasons_path is not None:
        path = source.reasons_path
        path = path if path.is_absolute() else scenario.base_dir / path
        loaded.reasons = load_reasons(path)
    names = set(scenario.queue_names)
    found = set(loaded.report.queues)
    if found - names:
        loaded.report.notes.append(
            f"queues in the history but not in the scenario: {', '.join(sorted(found - names))}"
        )
    if names - found:
        loaded.report.notes.append(
            f"scenario queues without history: {', '.join(sorted(names - found))}"
        )
    return loaded
