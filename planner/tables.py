"""The pipeline's table contracts and their file I/O.

Each stage hands the next a long-format table (see ``docs/conventions.md``). This module names the
required columns of each, checks them at the edges, and reads and writes them as CSV (optionally
gzipped), Parquet or Excel. Writes are atomic: a crash never leaves a half-written file.
Timestamps are written as ISO 8601 with their UTC offset and read back timezone-aware.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from planner.errors import DataError

__all__ = [
    "TABLE_COLUMNS",
    "atomic_path",
    "read_table",
    "table_suffix",
    "validate_table",
    "write_table",
]

#: Required columns of each table (more may follow; none may be renamed).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "history": ("queue", "ds", "y"),
    "forecast": ("queue", "ds", "yhat", "yhat_lower", "yhat_upper", "holiday"),
    "requirement": (
        "queue",
        "ds",
        "contacts",
        "aht_s",
        "agents_needed",
        "service_level",
        "asa_s",
        "occupancy",
        "staff_needed",
    ),
    "rota": ("employee_id", "date", "shift", "start", "end", "breaks"),
    "activity": ("employee_id", "ds", "activity", "queue"),
    "coverage": ("queue", "ds", "staff_needed", "staff_scheduled", "gap"),
    "risk": ("employee_id", "risk_score", "risk_level"),
}

#: Columns holding timestamps (parsed tz-aware on read).
_TIMESTAMP_COLUMNS = ("ds", "start", "end")
_DATE_COLUMNS = ("date",)


def table_suffix(path: Path) -> str:
    """The file kind of ``path``: ``csv``, ``parquet`` or ``xlsx``."""
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".xlsx", ".xls")):
        return "xlsx"
    raise DataError(f"{path}: unknown file type; use .csv, .csv.gz, .parquet or .xlsx")


def validate_table(df: pd.DataFrame, kind: str, source: str = "table") -> pd.DataFrame:
    """Check ``df`` has every required column of table ``kind``; return it unchanged.

    Raises:
        DataError: naming the source and the first missing column.
    """
    required = TABLE_COLUMNS[kind]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(
            f"{source}: the {kind} table has no column '{missing[0]}' "
            f"(needs {', '.join(required)}; found {', '.join(map(str, df.columns)) or 'none'})"
        )
    return df


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); outputs are ordinary files people share
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _for_file(df: pd.DataFrame, excel: bool) -> pd.DataFrame:
    """Timestamps as ISO 8601 text with offset (Excel cannot hold aware datetimes)."""
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.map(lambda t: t.isoformat() if pd.notna(t) else "")
        elif excel and series.dtype == object:
            out[col] = series.map(lambda v: str(v) if isinstance(v, (list, tuple, dict)) else v)
    return out


def write_table(df: pd.DataFrame, path: str | Path, kind: str | None = None) -> Path:
    """Write a table atomically as CSV (``.csv``/``.csv.gz``), Parquet or Excel.

    Args:
        df: the table.
        path: target file; its suffix picks the format.
        kind: if given, the table contract to check first (e.g. ``"forecast"``).
    """
    path = Path(path)
    if kind is not None:
        validate_table(df, kind, str(path))
    fmt = table_suffix(path)
    with atomic_path(path) as tmp:
        if fmt == "csv":
            compression = "gzip" if path.name.lower().endswith(".gz") else None
            _for_file(df, excel=False).to_csv(tmp, index=False, compression=compression)
        elif fmt == "parquet":
            _for_file(df, excel=True).to_parquet(tmp, index=False)
        else:
            _for_file(df, excel=True).to_excel(tmp, index=False, engine="openpyxl")
    return path


def read_table(path: str | Path, kind: str | None = None, tz: str | None = None) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (or by a person, in the same layout).

    Timestamp columns (``ds``, ``start``, ``end``) come back timezone-aware: converted to ``tz``
    when given, otherwise kept at the offset written. ``date`` comes back as ``datetime.date``.

    Raises:
        DataError: the file is missing, empty, unreadable, lacks a required column, or has a
            timestamp that cannot be parsed (naming the row).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    fmt = table_suffix(path)
    try:
        if fmt == "csv":
            df = pd.read_csv(path, keep_default_na=True)
        elif fmt == "parquet":
            df = pd.read_parquet(path)
        else:
            df = pd.read_excel(path, engine="openpyxl")
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{path}: the file is empty; export the table with its header row"
        ) from None
    except Exception as exc:  # any parser failure becomes one line naming the file
        raise DataError(f"{path}: cannot read as {fmt} ({type(exc).__name__}: {exc})") from None
    if df.empty and kind is not None and not len(df.columns):
        raise DataError(f"{path}: the file is empty; export the table with its header row")
    if kind is not None:
        validate_table(df, kind, str(path))
    for col in _TIMESTAMP_COLUMNS:
        if col in df.columns:
            df[col] = _parse_timestamps(df[col], path, col, tz)
    for col in _DATE_COLUMNS:
        if col in df.columns:
            parsed = pd.to_datetime(df[col], errors="coerce")
            bad = parsed.isna() & df[col].notna()
            if bad.any():
                row = int(bad.to_numpy().nonzero()[0][0])
                raise DataError(
                    f"{path}: column '{col}', row {row + 2}: '{df[col].iloc[row]}' is not a "
                    "date; write dates as YYYY-MM-DD"
                )
            df[col] = parsed.dt.date
    return df


def _parse_timestamps(values: pd.Series, path: Path, col: str, tz: str | None) -> pd.Series:
    """Parse ISO 8601 text with offsets into aware timestamps; name the first bad row."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(tz) if tz else values
    present = values.notna() & (values.astype(str).str.strip() != "")
    text = values.where(present).astype("string")
    has_offset = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True, na=False)
    if has_offset[present].all():
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
    else:
        # naive wall-clock times (e.g. a rota edited by hand in Excel) are site-local
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert("UTC")
        elif tz:
            parsed = parsed.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous="NaT")
    bad = present & parsed.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{path}: column '{col}', row {row + 2}: '{values.iloc[row]}' is not a timestamp; "
            "write ISO 8601 with offset, e.g. 2026-11-27T09:30:00-05:00"
        )
    if tz and isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert(tz)
    return parsed
