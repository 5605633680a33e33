"""Contact reasons: which few make most of the holiday volume, and what deflecting them buys.

The history loader gives a daily ``reasons`` table (``queue, date, reason, y``). Two questions an
owner asks of it:

- the **80/20**: over the holiday season, which reasons make up most contacts
  (:func:`reason_pareto`);
- the **what-if**: if self-service removed a share of each reason's contacts, how much of each
  queue's volume goes (:func:`deflection_by_queue`). The answer is each queue's ``deflection``
  setting, which the forecast stage applies; nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from planner.errors import DataError, ScenarioError

__all__ = ["deflection_by_queue", "reason_pareto", "season_rows"]


def _mmdd(text: str, setting: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in text.split("-"))
        dt.date(2000, month, day)  # a leap year accepts 02-29
    except ValueError:
        raise ScenarioError(f"{setting}: '{text}' is not MM-DD, e.g. 11-15") from None
    return month, day


def season_rows(reasons: pd.DataFrame, start_mmdd: str, end_mmdd: str) -> pd.DataFrame:
    """The rows of ``reasons`` whose date falls in the yearly window ``start_mmdd..end_mmdd``.

    A window whose end is before its start wraps the new year (e.g. ``12-15`` to ``01-10``).
    """
    for col in ("queue", "date", "reason", "y"):
        if col not in reasons.columns:
            raise DataError(f"reasons: no column '{col}' (needs queue, date, reason, y)")
    first = _mmdd(start_mmdd, "season start")
    last = _mmdd(end_mmdd, "season end")
    dates = pd.to_datetime(pd.Series(reasons["date"]).astype(str))
    key = dates.dt.month * 100 + dates.dt.day
    lo, hi = first[0] * 100 + first[1], last[0] * 100 + last[1]
    inside = (key >= lo) & (key <= hi) if lo <= hi else (key >= lo) | (key <= hi)
    return reasons[inside.to_numpy()]


def reason_pareto(reasons: pd.DataFrame) -> pd.DataFrame:
    """Contacts per reason, largest first, with share and cumulative share.

    Returns:
        ``reason, contacts, share, cumulative_share, top80`` (``top80`` is True for the fewest
        reasons that together reach 80% of contacts).
    """
    # ties keep alphabetical order (groupby sorts by reason), so the table is deterministic
    totals = reasons.groupby("reason")["y"].sum().sort_values(ascending=False, kind="stable")
    total = float(totals.sum())
    out = pd.DataFrame({"reason": totals.index.astype(str), "contacts": totals.to_numpy(float)})
    out["share"] = out["contacts"] / total if total > 0 else 0.0
    out["cumulative_share"] = out["share"].cumsum()
    before = out["cumulative_share"].shift(fill_value=0.0)
    out["top80"] = before < 0.8 - 1e-12
    return out


def deflection_by_queue(reasons: pd.DataFrame, deflection: Mapping[str, float]) -> dict[str, float]:
    """Share of each queue's contacts removed when each reason is deflected by a share.

    Args:
        reasons: ``queue, reason, y`` rows (typically :func:`season_rows` of the holiday season).
        deflection: reason -> share of its contacts deflected (0–1); missing reasons 0.

    Returns:
        queue -> deflection share (0–1): Σ_reason share of the reason in the queue × its
        deflection.

    Raises:
        ScenarioError: a deflection outside 0–1.
    """
    for reason, value in deflection.items():
        if not 0.0 <= float(value) <= 1.0:
            raise ScenarioError(
                f"deflection of reason '{reason}': {value} is not a share between 0 and 1"
            )
    per = reasons.groupby(["queue", "reason"])["y"].sum().reset_index()
    out: dict[str, float] = {}
    for queue, part in per.groupby("queue", sort=True):
        total = float(part["y"].sum())
        if total <= 0:
            out[str(queue)] = 0.0
            continue
        removed = sum(
            float(y) * float(deflection.get(str(r), 0.0))
            for r, y in zip(part["reason"], part["y"], strict=True)
        )
        out[str(queue)] = removed / total
    return out
