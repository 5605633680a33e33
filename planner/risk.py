"""Burnout risk of a rota: per person, per person × week, and for the team.

From any rota — generated or edited by hand — this module measures the working-time patterns that
shift-work research links to fatigue, errors and sick leave, and combines them into one 0–100
score per person-week with low/medium/high levels. See ``docs/risk.md`` for the score, every
indicator, the thresholds and their sources.

Build order of :func:`burnout_risk`:

1. normalise the rota (tz-aware site-local ``start``/``end``, parsed ``breaks``);
2. per shift: paid hours, long/late/early/night flags, rest since the previous shift (real elapsed
   time, so a quick return across a DST change is measured correctly), missed breaks, holiday and
   weekend, refused request or approved leave;
3. per person-week (ISO weeks, Monday start): sum and max of the shift indicators, hours against
   the pro-rated contract, longest run of consecutive days, expected occupancy;
4. score each person-week: every indicator adds up to its *points* as its weekly excess grows to
   *full_at*; the sum is capped at 100;
5. person table (peak week's score and the horizon's indicators) and team table (per week).

Defaults and their sources (approximate where the literature is):

- quick returns < 11 h: EU Working Time Directive 2003/88/EC art. 3 (11 h daily rest); Vedaa et
  al. (2016), a systematic review of quick returns: more sleepiness, fatigue and sick leave;
- long shifts > 10 h: Folkard & Tucker (2003), Folkard & Lombardi (2006): relative risk of
  incidents roughly +13% for 10 h and roughly +27% for 12 h shifts compared with 8 h;
- consecutive days: Folkard & Tucker (2003): risk rises over successive shifts (more steeply
  over successive nights); WTD art. 5: an uninterrupted weekly rest;
- long weeks > 48 h: WTD art. 6;
- night work: WTD art. 2 (night time includes 00:00–05:00; a night worker works at least 3 h of
  it); the UK HSE Fatigue and Risk Index (Research Report RR446, 2006) scores night duty,
  early starts, long duty, short rest and runs of duties as the main fatigue drivers — our
  indicator list follows it, although our score is a simpler additive index, not the FRI.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.errors import DataError, ScenarioError
from planner.events import public_holidays
from planner.scenario import RiskSettings, Scenario, StaffMember
from planner.tables import validate_table

__all__ = [
    "DEFAULT_FULL_AT",
    "DEFAULT_POINTS",
    "INDICATORS",
    "RiskComparison",
    "RiskResult",
    "burnout_risk",
    "compare_risk",
    "parse_breaks",
    "risk_drivers",
    "score_weeks",
    "what_lowers_risk",
]

#: Scored indicators, in the order of the tables' columns. Each is a per-week "excess": a count,
#: hours, or a share above a threshold (see :data:`DEFAULT_FULL_AT` for the unit of each).
INDICATORS: tuple[str, ...] = (
    "overtime_h",
    "excess_week_h",
    "consecutive_days",
    "quick_returns",
    "long_shifts",
    "late_shifts",
    "early_shifts",
    "night_shifts",
    "weekend_days",
    "holidays_worked",
    "refused_requests",
    "leave_days_worked",
    "occupancy_excess",
    "missed_breaks",
)

#: The most points each indicator adds to a week's score. They sum to more than 100 on purpose:
#: the score is capped at 100, and two or three maxed-out drivers should make a week high-risk
#: (60 by default). Heavier weights go to the drivers the fatigue literature rates strongest
#: (short rest, runs of days, nights, long weeks; HSE RR446) and to refused leave, a known
#: driver of disengagement.
DEFAULT_POINTS: dict[str, float] = {
    "overtime_h": 15.0,
    "excess_week_h": 15.0,
    "consecutive_days": 20.0,
    "quick_returns": 20.0,
    "long_shifts": 10.0,
    "late_shifts": 5.0,
    "early_shifts": 5.0,
    "night_shifts": 15.0,
    "weekend_days": 5.0,
    "holidays_worked": 10.0,
    "refused_requests": 15.0,
    "leave_days_worked": 20.0,
    "occupancy_excess": 15.0,
    "missed_breaks": 10.0,
}

#: Weekly excess at which an indicator scores its full points (points grow linearly up to it).
DEFAULT_FULL_AT: dict[str, float] = {
    "overtime_h": 8.0,  # hours above the pro-rated contract in the week
    "excess_week_h": 8.0,  # hours above risk.long_week_h (48 h: WTD art. 6), i.e. a 56 h week
    "consecutive_days": 2.0,  # days beyond long_run_days - 1: a 7-day run scores full by default
    "quick_returns": 2.0,  # rests < quick_return_h in the week
    "long_shifts": 3.0,  # shifts > long_shift_h
    "late_shifts": 4.0,
    "early_shifts": 4.0,
    "night_shifts": 3.0,
    "weekend_days": 2.0,  # a whole weekend worked
    "holidays_worked": 2.0,
    "refused_requests": 1.0,  # one day worked against a time-off request
    "leave_days_worked": 1.0,  # one day worked inside approved leave (the rota breaks a rule)
    "occupancy_excess": 0.10,  # occupancy 10 points above risk.high_occupancy (95% by default)
    "missed_breaks": 2.0,
}

#: What a manager can change when an indicator drives the team's risk.
_LEVERS: dict[str, str] = {
    "overtime_h": "more hours from hires or part-timers instead of overtime",
    "excess_week_h": "cap weekly hours lower (staff max_hours_per_week) or add hires",
    "consecutive_days": "lower rules.max_consecutive_days or add hires to free days off",
    "quick_returns": "raise rules.min_rest_h or ban late→early sequences",
    "long_shifts": "use shorter shift templates on peak days",
    "late_shifts": "spread late shifts (schedule.weights.fairness) or hire evening part-timers",
    "early_shifts": "spread early shifts (schedule.weights.fairness)",
    "night_shifts": "limit night shifts per week or staff nights with dedicated hires",
    "weekend_days": "rotate weekends (schedule.weights.fairness) or hire weekend part-timers",
    "holidays_worked": "rotate holiday duty or use backup staff on public holidays",
    "refused_requests": "raise schedule.weights.time_off_request or add hires for those days",
    "leave_days_worked": "fix the rota: approved leave is a hard rule",
    "occupancy_excess": "add staff at peak intervals (hires, backups) to bring occupancy down",
    "missed_breaks": "let the scheduler place breaks (rules.breaks) or shorten shifts",
}

_LEVELS = ("low", "medium", "high")


@dataclass
class RiskResult:
    """Burnout risk of one rota.

    Attributes:
        person: the ``risk`` table — one row per person: horizon indicators, ``risk_score``
            (0–100, the peak week's score), ``risk_level``, ``main_driver``, ``high_risk_weeks``.
        weekly: one row per person × ISO week (``week`` = its Monday): indicators, ``risk_score``,
            ``risk_level``, ``main_driver`` and one ``pts_<indicator>`` column per indicator.
        team: one row per week: people working, mean score of people working, high- and
            medium-risk person-weeks, top drivers.
    """

    person: pd.DataFrame
    weekly: pd.DataFrame
    team: pd.DataFrame

    @property
    def high_risk_person_weeks(self) -> int:
        """Number of person-weeks at the high level."""
        return int((self.weekly["risk_level"] == "high").sum())


@dataclass
class RiskComparison:
    """Two rotas' risk side by side: ``table`` (metric, a, b, change) and a one-line summary."""

    table: pd.DataFrame
    summary: str


# --------------------------------------------------------------------------------------------
# Rota normalisation
# --------------------------------------------------------------------------------------------

_ISO_STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_CLOCK = re.compile(r"(?<![\d:-])(\d{1,2}:\d{2})(?::\d{2})?(?![\d])")


def _stamp(value: object, tz: str) -> pd.Timestamp:
    """A tz-aware site-local timestamp from a Timestamp, datetime or ISO text (naive = local)."""
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    if ts.tzinfo is None:
        return ts.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    return ts.tz_convert(tz)


def _clock_on(clock: str, shift_start: pd.Timestamp, tz: str) -> pd.Timestamp:
    """A wall-clock time ``HH:MM`` inside a shift: on its start date, or the next day if earlier."""
    hh, mm = (int(p) for p in clock.split(":")[:2])
    day = shift_start.date()
    if (hh, mm) < (shift_start.hour, shift_start.minute):
        day += dt.timedelta(days=1)
    return _stamp(dt.datetime.combine(day, dt.time(hh, mm)), tz)


def parse_breaks(
    value: object, shift_start: pd.Timestamp, tz: str
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Breaks of one rota row as ``[(start, end), ...]`` tz-aware site-local timestamps.

    Accepts what a rota's ``breaks`` cell may hold after any round trip: a list of
    ``[start, end]`` pairs (Timestamps, datetimes, ISO text or ``HH:MM`` clock times) or of
    ``{"start":…, "end":…}`` dicts; that list as JSON or Python-repr text (including
    ``Timestamp('…')`` reprs); or empty/missing (no breaks). Clock times are read on the shift's
    start date (the next day when earlier than the start, for shifts past midnight).

    Raises:
        ValueError: the text cannot be read as pairs (the caller names the row).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    items: object = value
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "[]", "nan", "None"):
            return []
        items = None
        for loader in (json.loads, ast.literal_eval):
            try:
                items = loader(text)
                break
            except (ValueError, SyntaxError, TypeError):
                continue
        if items is None:  # e.g. "[[Timestamp('2026-11-27 12:00:00-0500', tz=...), ...]]"
            stamps: list[object] = _ISO_STAMP.findall(text)
            if not stamps:
                stamps = _CLOCK.findall(text)
            if len(stamps) % 2:
                raise ValueError(f"odd number of times in {text!r}")
            items = [stamps[i : i + 2] for i in range(0, len(stamps), 2)]
    if isinstance(items, np.ndarray):
        items = items.tolist()
    if not isinstance(items, (list, tuple)):
        raise ValueError(f"{value!r} is not a list of [start, end] pairs")
    out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for item in items:
        if isinstance(item, dict):
            pair: list[object] = [item.get("start"), item.get("end")]
        elif isinstance(item, (list, tuple, np.ndarray)) and len(item) == 2:
            pair = list(item)
        else:
            raise ValueError(f"break {item!r} is not a [start, end] pair")
        stamps_pair = []
        for part in pair:
            if isinstance(part, str) and re.fullmatch(r"\d{1,2}:\d{2}(?::\d{2})?", part.strip()):
                stamps_pair.append(_clock_on(part.strip(), shift_start, tz))
            else:
                stamps_pair.append(_stamp(part, tz))
        if stamps_pair[1] <= stamps_pair[0]:
            raise ValueError(f"break {item!r} ends before it starts")
        out.append((stamps_pair[0], stamps_pair[1]))
    return sorted(out)


def _local_stamps(values: pd.Series, column: str, tz: str, source: str) -> pd.Series:
    """A rota column as tz-aware site-local timestamps; naive values are site-local wall time."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(tz)
    out = []
    for i, v in enumerate(values):
        try:
            if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
                raise ValueError("missing")
            out.append(_stamp(v, tz))
        except (ValueError, TypeError):
            raise DataError(
                f"{source}: column '{column}', row {i + 2}: {v!r} is not a timestamp; write ISO "
                "8601 with offset, e.g. 2026-11-27T09:30:00-05:00"
            ) from None
    return pd.Series(pd.DatetimeIndex(out).tz_convert(tz), index=values.index)


def _normalise_rota(rota: pd.DataFrame, tz: str, source: str) -> pd.DataFrame:
    """Check and normalise a rota: aware local start/end, ``date``, parsed ``breaks``."""
    validate_table(rota, "rota", source)
    df = rota.reset_index(drop=True).copy()
    df["employee_id"] = df["employee_id"].astype(str)
    df["start"] = _local_stamps(df["start"], "start", tz, source)
    df["end"] = _local_stamps(df["end"], "end", tz, source)
    bad = df["end"] <= df["start"]
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{source}: row {row + 2}: shift of {df.at[row, 'employee_id']} ends "
            f"({df.at[row, 'end']}) before it starts ({df.at[row, 'start']}); fix start/end"
        )
    df["date"] = [pd.Timestamp(s).date() for s in df["start"]]
    parsed = []
    for i, (value, start) in enumerate(zip(df["breaks"], df["start"], strict=True)):
        try:
            parsed.append(parse_breaks(value, start, tz))
        except (ValueError, TypeError) as exc:
            raise DataError(
                f"{source}: column 'breaks', row {i + 2}: {exc}; write breaks as "
                '[["2026-11-27T12:00:00-05:00", "2026-11-27T12:30:00-05:00"], ...]'
            ) from None
    df["breaks"] = parsed
    return df.sort_values(["employee_id", "start"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


def _weights(settings: RiskSettings) -> tuple[dict[str, float], dict[str, float]]:
    """Points and full-at values: defaults overridden by the scenario's ``risk`` settings."""
    for key, table in (("points", settings.points), ("full_at", settings.full_at)):
        for name, value in table.items():
            if name not in INDICATORS:
                raise ScenarioError(
                    f"risk.{key}.{name}: unknown indicator; indicators are {', '.join(INDICATORS)}"
                )
            if value < 0 or (key == "full_at" and value == 0):
                raise ScenarioError(f"risk.{key}.{name}: must be > 0 (got {value})")
    if settings.high_score < settings.medium_score:
        raise ScenarioError("risk.high_score: must be at least risk.medium_score")
    return {**DEFAULT_POINTS, **settings.points}, {**DEFAULT_FULL_AT, **settings.full_at}


def _holiday_dates(scenario: Scenario, years: Iterable[int]) -> set[dt.date]:
    """Public holidays of the site plus the holiday-season days (Christmas Eve, NYE by default)."""
    years = sorted(set(years))
    days = {
        pd.Timestamp(d).date()
        for d in public_holidays(scenario.site.country, scenario.site.subdivision, years)["ds"]
    }
    for i, mmdd in enumerate(scenario.risk.holiday_season_days):
        try:
            month, day = (int(p) for p in mmdd.split("-"))
            days |= {dt.date(y, month, day) for y in years}
        except ValueError:
            raise ScenarioError(
                f"risk.holiday_season_days[{i}]: '{mmdd}' is not MM-DD, e.g. 12-24"
            ) from None
    return days


def _date_set(spans: Iterable[object]) -> set[dt.date]:
    """Every date covered by a list of TimeOff-like spans (inclusive)."""
    out: set[dt.date] = set()
    for span in spans:
        start, end = span.start, span.end  # type: ignore[attr-defined]
        out |= {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}
    return out


def _staff_for(scenario: Scenario, ids: Iterable[str]) -> dict[str, StaffMember]:
    """Scenario staff by id, plus a stand-in seasonal hire for each unknown rota id."""
    staff = {s.id: s for s in scenario.staff}
    missing = [pid for pid in ids if pid not in staff]
    if missing:
        try:  # the scheduler's hiring pool (ids cand-01, …) knows each candidate's contract
            from planner.schedule.model import candidate_staff

            pool = {c.id: c for c in candidate_staff(scenario)}
            staff.update({pid: pool[pid] for pid in missing if pid in pool})
        except ImportError:  # pragma: no cover - the schedule stage is part of the package
            pass
    contract = scenario.hiring.contract_hours[0] if scenario.hiring.contract_hours else 40.0
    for pid in ids:
        if pid not in staff:
            # Hires created by the scheduler are not in scenario.staff: treat them as seasonal
            # staff on the first contract option (the person table flags them: in_scenario).
            staff[pid] = StaffMember(
                id=pid,
                name=pid,
                kind="seasonal",
                skills=list(scenario.hiring.skills) or [scenario.queues[0].skill_needed],
                contract_hours=contract,
                hourly_cost=scenario.hiring.hourly_cost,
            )
    return staff


# --------------------------------------------------------------------------------------------
# Per-shift indicators
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _at(day: dt.date, clock: dt.time, tz: str) -> pd.Timestamp:
    """A local wall-clock instant (DST gaps shifted forward); cached: rotas repeat days."""
    if clock == dt.time.max:
        return _stamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)), tz)
    return _stamp(dt.datetime.combine(day, clock), tz)


def _night_hours(start: pd.Timestamp, end: pd.Timestamp, s: RiskSettings, tz: str) -> float:
    """Hours of ``[start, end)`` inside night time (``night_start``..``night_end``, local)."""
    total = 0.0
    first = start.date() - dt.timedelta(days=1)
    for k in range((end.date() - first).days + 1):
        day = first + dt.timedelta(days=k)
        n_start = _at(day, s.night_start, tz)
        end_day = day + dt.timedelta(days=1) if s.night_end <= s.night_start else day
        n_end = _at(end_day, s.night_end, tz)
        overlap = (min(end, n_end) - max(start, n_start)).total_seconds()
        total += max(0.0, overlap) / 3600
    return total


def _shift_indicators(
    rota: pd.DataFrame,
    scenario: Scenario,
    staff: dict[str, StaffMember],
    holidays: set[dt.date],
) -> pd.DataFrame:
    """One row per shift with its flags (0/1) and measured hours."""
    s = scenario.risk
    b = scenario.rules.breaks
    tz = scenario.site.timezone
    rows = []
    prev_end: dict[str, pd.Timestamp] = {}
    requested = {pid: _date_set(p.time_off_requests) for pid, p in staff.items()}
    leave = {pid: _date_set(p.time_off) for pid, p in staff.items()}
    for r in rota.itertuples(index=False):
        pid, start, end, day = r.employee_id, r.start, r.end, r.date
        paid_h = (end - start).total_seconds() / 3600  # real elapsed time: DST-aware
        rest_h = np.nan
        if pid in prev_end:
            rest_h = (start - prev_end[pid]).total_seconds() / 3600
        prev_end[pid] = max(end, prev_end.get(pid, end))
        # breaks: the lunch is a break at least lunch_min_min long; the rest are short breaks
        durations = [(e - st).total_seconds() / 60 for st, e in r.breaks]
        lunch_floor = max(b.lunch_min_min, b.short_break_min + 1)
        has_lunch = any(d >= lunch_floor for d in durations)
        short = sum(1 for d in durations if d < lunch_floor)
        needs_lunch = paid_h >= b.lunch_if_shift_h_at_least and b.lunch_min_min > 0
        needs_short = int(paid_h // b.short_break_every_h) if b.short_break_min > 0 else 0
        missed = (needs_lunch and not has_lunch) or short < needs_short
        break_h = sum(durations) / 60
        rows.append(
            {
                "employee_id": pid,
                "date": day,
                "week": day - dt.timedelta(days=day.weekday()),
                "start": start,
                "end": end,
                "paid_h": paid_h,
                "worked_h": max(0.0, paid_h - break_h),
                "rest_h": rest_h,
                "quick_return": int(bool(rest_h < s.quick_return_h)),
                "long_shift": int(paid_h > s.long_shift_h),
                "late_shift": int(end > _at(day, s.late_after, tz)),
                "early_shift": int(start < _at(day, s.early_before, tz)),
                "night_shift": int(_night_hours(start, end, s, tz) >= s.night_min_h),
                "weekend_day": int(day.weekday() >= 5),
                "holiday": int(day in holidays),
                "refused_request": int(day in requested[pid]),
                "leave_day": int(day in leave[pid]),
                "missed_break": int(missed),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Occupancy
# --------------------------------------------------------------------------------------------


def _interval_occupancy(
    scenario: Scenario, coverage: pd.DataFrame, requirement: pd.DataFrame
) -> pd.DataFrame:
    """Expected occupancy inputs per queue × interval: ``workload`` and ``on_queue`` (agents).

    ``workload`` (busy agents, Erlangs) is ``occupancy × agents_needed`` from the requirement, or
    ``contacts × aht_s / interval_s / concurrency`` when those columns are missing. ``on_queue``
    is ``staff_scheduled × (1 − shrinkage)``: the requirement grossed staff up by the scenario's
    shrinkage, so the same share of scheduled people is away from the queue.
    """
    validate_table(coverage, "coverage", "coverage")
    tz = scenario.site.timezone
    interval_s = scenario.site.interval_minutes * 60
    cov = coverage[["queue", "ds", "staff_scheduled"]].copy()
    cov["ds"] = _local_stamps(cov["ds"], "ds", tz, "coverage")
    req = requirement.copy()
    req["ds"] = _local_stamps(req["ds"], "ds", tz, "requirement")
    if {"occupancy", "agents_needed"} <= set(req.columns):
        req["workload"] = req["occupancy"].fillna(0) * req["agents_needed"].fillna(0)
    elif {"contacts", "aht_s"} <= set(req.columns):
        conc = req["queue"].map({q.name: q.concurrency for q in scenario.queues}).fillna(1)
        req["workload"] = req["contacts"] * req["aht_s"] / interval_s / conc
    else:
        raise DataError(
            "requirement: needs 'occupancy' and 'agents_needed' (or 'contacts' and 'aht_s') "
            "to estimate occupancy"
        )
    merged = cov.merge(req[["queue", "ds", "workload"]], on=["queue", "ds"], how="left")
    merged["workload"] = merged["workload"].fillna(0.0)
    merged["on_queue"] = merged["staff_scheduled"].clip(lower=0) * (
        1 - scenario.requirement.shrinkage.total
    )
    return merged


def _person_intervals(rota: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Interval starts each person is on shift and not on a break: ``employee_id, ds`` (UTC).

    An interval counts when its midpoint lies inside the shift and outside every break.
    Plain integer nanoseconds keep this fast on a season's rota (thousands of shifts).
    """
    step = interval_minutes * 60 * 10**9
    ids, stamps = [], []
    for r in rota.itertuples(index=False):
        s, e = r.start.value, r.end.value
        first = s - (s % step)
        ds = np.arange(first, e, step, dtype=np.int64)
        mid = ds + step // 2
        keep = (mid >= s) & (mid < e)
        for b_start, b_end in r.breaks:
            keep &= ~((mid >= b_start.value) & (mid < b_end.value))
        ds = ds[keep]
        stamps.append(ds)
        ids.append(np.full(len(ds), r.employee_id, dtype=object))
    if not stamps:
        return pd.DataFrame({"employee_id": pd.Series(dtype=str), "ds": pd.Series(dtype=object)})
    return pd.DataFrame(
        {
            "employee_id": np.concatenate(ids),
            "ds": pd.to_datetime(np.concatenate(stamps), utc=True),
        }
    )


def _occupancy_by_person_week(
    scenario: Scenario,
    rota: pd.DataFrame,
    staff: dict[str, StaffMember],
    coverage: pd.DataFrame,
    requirement: pd.DataFrame,
    activity: pd.DataFrame | None,
) -> pd.DataFrame:
    """Mean expected occupancy of each person's on-queue intervals per week (and overall).

    With an ``activity`` table, a person's ``work`` intervals take their queue's occupancy.
    Without it, each on-shift, off-break interval takes the pooled occupancy of the queues the
    person has the skills for (total workload / total on-queue agents). Occupancy is capped at 1.
    """
    tz = scenario.site.timezone
    occ = _interval_occupancy(scenario, coverage, requirement)
    occ["ds"] = occ["ds"].dt.tz_convert("UTC")
    if activity is not None:
        validate_table(activity, "activity", "activity")
        act = activity[activity["activity"] == "work"][["employee_id", "ds", "queue"]].copy()
        act["employee_id"] = act["employee_id"].astype(str)
        act["ds"] = _local_stamps(act["ds"], "ds", tz, "activity").dt.tz_convert("UTC")
        # a work interval may name several queues served from one pool ("phone/urgent+phone/normal")
        parts = []
        for label in act["queue"].dropna().unique():
            names = [q for q in str(label).split("+") if q]
            pool = occ[occ["queue"].isin(names)].groupby("ds")[["workload", "on_queue"]].sum()
            pool = pool[pool["on_queue"] > 0]
            pooled = (pool["workload"] / pool["on_queue"]).clip(upper=1.0).rename("occ")
            sub = act[act["queue"] == label]
            parts.append(sub.merge(pooled, left_on="ds", right_index=True, how="inner"))
        per = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        per = per[["employee_id", "ds", "occ"]] if not per.empty else per
    else:
        skill_of = {q.name: q.skill_needed for q in scenario.queues}
        occ["skill"] = occ["queue"].map(skill_of)
        worked = _person_intervals(rota, scenario.site.interval_minutes)
        parts = []
        skill_sets = {pid: frozenset(staff[pid].skills) for pid in worked["employee_id"].unique()}
        for skills in set(skill_sets.values()):
            pool = occ[occ["skill"].isin(skills)].groupby("ds")[["workload", "on_queue"]].sum()
            pool = pool[pool["on_queue"] > 0]
            pooled = (pool["workload"] / pool["on_queue"]).clip(upper=1.0).rename("occ")
            ids = [p for p, s in skill_sets.items() if s == skills]
            sub = worked[worked["employee_id"].isin(ids)]
            parts.append(sub.merge(pooled, left_on="ds", right_index=True, how="inner"))
        per = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if per.empty:
        return pd.DataFrame(columns=["employee_id", "week", "occupancy"])
    local = per["ds"].dt.tz_convert(tz)
    dates = local.dt.date
    per = per.assign(week=[d - dt.timedelta(days=d.weekday()) for d in dates])
    return (
        per.groupby(["employee_id", "week"], as_index=False)["occ"]
        .mean()
        .rename(columns={"occ": "occupancy"})
    )


# --------------------------------------------------------------------------------------------
# Weeks and scores
# --------------------------------------------------------------------------------------------


def _run_lengths(days: list[dt.date]) -> dict[dt.date, int]:
    """Length of the run of consecutive worked dates ending on each worked date."""
    out: dict[dt.date, int] = {}
    for d in sorted(set(days)):
        out[d] = out.get(d - dt.timedelta(days=1), 0) + 1
    return out


def _contract_reference(person: StaffMember, week: dt.date, span: tuple[dt.date, dt.date]) -> float:
    """Contract hours expected in a week, pro-rated to days in the span, employed, not on leave."""
    leave = _date_set(person.time_off)
    days = 0
    for k in range(7):
        d = week + dt.timedelta(days=k)
        if d < span[0] or d > span[1] or d in leave:
            continue
        if person.start_date is not None and d < person.start_date:
            continue
        days += 1
    return person.contract_hours * days / 7


def score_weeks(weekly: pd.DataFrame, settings: RiskSettings) -> pd.DataFrame:
    """Add ``pts_<indicator>``, ``risk_score``, ``risk_level`` and ``main_driver`` to weekly rows.

    Each indicator adds ``points × min(1, excess / full_at)``; the score is the sum capped at 100.
    Levels: ``high`` at or above ``risk.high_score``, ``medium`` at or above ``risk.medium_score``.
    """
    points, full_at = _weights(settings)
    out = weekly.copy()
    pts = pd.DataFrame(index=out.index)
    for name in INDICATORS:
        excess = out[name].astype(float).fillna(0.0).clip(lower=0.0)
        pts[f"pts_{name}"] = points[name] * np.minimum(1.0, excess / full_at[name])
    total = pts.sum(axis=1).clip(upper=100.0)
    out[list(pts.columns)] = pts
    out["risk_score"] = total.round(1)
    out["risk_level"] = _level(out["risk_score"], settings)
    top = pts.to_numpy().argmax(axis=1) if len(pts) else np.array([], dtype=int)
    out["main_driver"] = [INDICATORS[i] if total.iloc[k] > 0 else "" for k, i in enumerate(top)]
    return out


def _level(score: pd.Series, settings: RiskSettings) -> pd.Series:
    """low/medium/high from the scenario's thresholds."""
    level = np.where(
        score >= settings.high_score,
        "high",
        np.where(score >= settings.medium_score, "medium", "low"),
    )
    return pd.Series(level, index=score.index, dtype=object)


def burnout_risk(
    scenario: Scenario,
    rota: pd.DataFrame,
    coverage: pd.DataFrame | None = None,
    requirement: pd.DataFrame | None = None,
    activity: pd.DataFrame | None = None,
    *,
    source: str = "rota",
) -> RiskResult:
    """Score a rota's burnout risk per person, per person × week and for the team.

    Args:
        scenario: staff (contract hours, leave, time-off requests, skills), site (time zone,
            country for public holidays), break rules and ``risk`` thresholds.
        rota: the ``rota`` table (``employee_id, date, shift, start, end, breaks``); start/end
            tz-aware or naive site-local; breaks as lists or their JSON/repr text.
        coverage: optional ``coverage`` table; with ``requirement`` it gives expected occupancy.
        requirement: optional ``requirement`` table (``occupancy``, ``agents_needed``).
        activity: optional ``activity`` table; when given, occupancy follows each person's queue.
        source: name used in error messages (e.g. the rota's file name).

    Returns:
        A :class:`RiskResult`. Hours are decimal hours; occupancy a share (0–1); counts are
        shifts or days. People in the scenario with no shift appear with zero indicators.

    Raises:
        DataError: a row with a missing/bad timestamp or unreadable breaks (named).
        ScenarioError: an unknown indicator in ``risk.points``/``risk.full_at``.
    """
    settings = scenario.risk
    tz = scenario.site.timezone
    points, _ = _weights(settings)
    df = _normalise_rota(rota, tz, source)
    ids = list(dict.fromkeys([s.id for s in scenario.staff] + df["employee_id"].tolist()))
    staff = _staff_for(scenario, ids)
    if df.empty:
        span = (scenario.horizon.start, scenario.horizon.end)
    else:
        span = (min(df["date"]), max(df["date"]))
    years = range(span[0].year, span[1].year + 1)
    shifts = _shift_indicators(df, scenario, staff, _holiday_dates(scenario, years))

    first_week = span[0] - dt.timedelta(days=span[0].weekday())
    n_weeks = (span[1] - first_week).days // 7 + 1
    weeks = [first_week + dt.timedelta(days=7 * k) for k in range(n_weeks)]
    grid = pd.MultiIndex.from_product([ids, weeks], names=["employee_id", "week"])

    sums = {
        "shifts": ("paid_h", "size"),
        "paid_h": ("paid_h", "sum"),
        "worked_h": ("worked_h", "sum"),
        "quick_returns": ("quick_return", "sum"),
        "long_shifts": ("long_shift", "sum"),
        "late_shifts": ("late_shift", "sum"),
        "early_shifts": ("early_shift", "sum"),
        "night_shifts": ("night_shift", "sum"),
        "weekend_days": ("weekend_day", "sum"),
        "holidays_worked": ("holiday", "sum"),
        "refused_requests": ("refused_request", "sum"),
        "leave_days_worked": ("leave_day", "sum"),
        "missed_breaks": ("missed_break", "sum"),
        "min_rest_h": ("rest_h", "min"),
    }
    if shifts.empty:
        weekly = pd.DataFrame(0.0, index=grid, columns=list(sums))
        weekly["min_rest_h"] = np.nan
    else:
        weekly = shifts.groupby(["employee_id", "week"]).agg(**sums).reindex(grid)
        counts = [c for c in sums if c != "min_rest_h"]
        weekly[counts] = weekly[counts].fillna(0)
    weekly = weekly.reset_index()

    # longest run of consecutive days ending inside each week (a run carries over from before)
    runs: dict[tuple[str, dt.date], int] = {}
    for pid, group in shifts.groupby("employee_id") if not shifts.empty else []:
        for day, length in _run_lengths(list(group["date"])).items():
            key = (str(pid), day - dt.timedelta(days=day.weekday()))
            runs[key] = max(runs.get(key, 0), length)
    weekly["longest_run_days"] = [
        runs.get((p, w), 0) for p, w in zip(weekly["employee_id"], weekly["week"], strict=True)
    ]
    weekly["consecutive_days"] = (weekly["longest_run_days"] - (settings.long_run_days - 1)).clip(
        lower=0
    )
    # contract hours are pro-rated only where a week leaves both the horizon and the rota
    horizon = scenario.horizon
    contract_span = (min(horizon.start, span[0]), max(horizon.end, span[1]))
    weekly["contract_h"] = [
        _contract_reference(staff[p], w, contract_span)
        for p, w in zip(weekly["employee_id"], weekly["week"], strict=True)
    ]
    zero_contract = weekly["employee_id"].map(lambda p: staff[p].contract_hours <= 0)
    # zero-hour (backup) staff have no contract to exceed; their load shows in excess_week_h
    weekly["overtime_h"] = (
        (weekly["paid_h"] - weekly["contract_h"]).clip(lower=0).where(~zero_contract, 0.0)
    )
    weekly["excess_week_h"] = (weekly["paid_h"] - settings.long_week_h).clip(lower=0)

    weekly["occupancy"] = np.nan
    if coverage is not None and requirement is not None and not df.empty:
        occ = _occupancy_by_person_week(scenario, df, staff, coverage, requirement, activity)
        if not occ.empty:
            weekly = weekly.drop(columns="occupancy").merge(
                occ, on=["employee_id", "week"], how="left"
            )
    weekly["occupancy_excess"] = (weekly["occupancy"] - settings.high_occupancy).clip(lower=0)
    weekly = score_weeks(weekly, settings)

    person = _person_table(weekly, shifts, staff, scenario, ids, points)
    team = _team_table(weekly)
    return RiskResult(person=person, weekly=weekly, team=team)


def _person_table(
    weekly: pd.DataFrame,
    shifts: pd.DataFrame,
    staff: dict[str, StaffMember],
    scenario: Scenario,
    ids: list[str],
    points: dict[str, float],
) -> pd.DataFrame:
    """The ``risk`` table: horizon indicators per person, the peak week's score and level."""
    known = {s.id for s in scenario.staff}
    g = weekly.groupby("employee_id", sort=False)
    # indicators that are whole events per week sum to a horizon count; the hour, run-length
    # and share indicators get their own horizon summary below
    counts = [
        i
        for i in INDICATORS
        if i not in ("overtime_h", "excess_week_h", "consecutive_days", "occupancy_excess")
    ]
    person = pd.DataFrame(index=pd.Index(ids, name="employee_id"))
    person["kind"] = [staff[p].kind for p in ids]
    person["in_scenario"] = [p in known for p in ids]
    person["contract_hours"] = [staff[p].contract_hours for p in ids]
    person["shifts"] = g["shifts"].sum().astype(int)
    person["paid_hours"] = g["paid_h"].sum().round(2)
    worked_weeks = weekly[weekly["shifts"] > 0].groupby("employee_id")["paid_h"]
    person["avg_weekly_hours"] = worked_weeks.mean().round(2)
    person["max_weekly_hours"] = g["paid_h"].max().round(2)
    person["overtime_h"] = g["overtime_h"].sum().round(2)
    person["long_weeks"] = g["excess_week_h"].apply(lambda s: int((s > 0).sum()))
    person["longest_run_days"] = g["longest_run_days"].max().astype(int)
    person["min_rest_h"] = g["min_rest_h"].min().round(2)
    for c in counts:
        person[c] = g[c].sum().astype(int)
    occ = weekly.assign(w=weekly["shifts"]).dropna(subset=["occupancy"])
    if not occ.empty:
        weighted = (occ["occupancy"] * occ["w"]).groupby(occ["employee_id"]).sum()
        person["occupancy"] = (weighted / occ.groupby("employee_id")["w"].sum()).round(3)
    else:
        person["occupancy"] = np.nan
    person["mean_weekly_score"] = g["risk_score"].mean().round(1)
    person["high_risk_weeks"] = g["risk_level"].apply(lambda s: int((s == "high").sum()))
    person["risk_score"] = g["risk_score"].max().round(1)
    person["risk_level"] = _level(person["risk_score"], scenario.risk)
    pts_cols = [f"pts_{i}" for i in INDICATORS]
    totals = g[pts_cols].sum()
    top = totals.to_numpy().argmax(axis=1)
    drivers = pd.Series(
        [INDICATORS[i] if totals.iloc[k].sum() > 0 else "" for k, i in enumerate(top)],
        index=totals.index,
    )
    person["main_driver"] = drivers
    return person.reset_index()


def _team_table(weekly: pd.DataFrame) -> pd.DataFrame:
    """Per week: people working, their mean score, high/medium person-weeks, top drivers."""
    rows = []
    pts_cols = [f"pts_{i}" for i in INDICATORS]
    for week, group in weekly.groupby("week"):
        working = group[group["shifts"] > 0]
        totals = group[pts_cols].sum()
        totals = totals[totals > 0].sort_values(ascending=False).head(3)
        rows.append(
            {
                "week": week,
                "people_working": len(working),
                "mean_score": round(float(working["risk_score"].mean()), 1)
                if len(working)
                else 0.0,
                "max_score": float(group["risk_score"].max()),
                "high_risk_person_weeks": int((group["risk_level"] == "high").sum()),
                "medium_risk_person_weeks": int((group["risk_level"] == "medium").sum()),
                "top_drivers": ", ".join(
                    f"{k.removeprefix('pts_')} ({v:.0f} pts)" for k, v in totals.items()
                ),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# What lowers risk
# --------------------------------------------------------------------------------------------


def risk_drivers(result: RiskResult) -> pd.DataFrame:
    """The team's drivers: per indicator, total points, share of all points, person-weeks hit,
    and the lever a manager can pull. Sorted by points, largest first; zero-point rows dropped."""
    weekly = result.weekly
    rows = []
    total = sum(float(weekly[f"pts_{i}"].sum()) for i in INDICATORS) or 1.0
    for name in INDICATORS:
        pts = weekly[f"pts_{name}"]
        if pts.sum() <= 0:
            continue
        rows.append(
            {
                "indicator": name,
                "points": round(float(pts.sum()), 1),
                "share": round(float(pts.sum()) / total, 3),
                "person_weeks": int((pts > 0).sum()),
                "lever": _LEVERS[name],
            }
        )
    out = pd.DataFrame(rows, columns=["indicator", "points", "share", "person_weeks", "lever"])
    return out.sort_values("points", ascending=False, kind="stable").reset_index(drop=True)


def what_lowers_risk(result: RiskResult, top: int = 3) -> list[str]:
    """Plain-language suggestions for the ``top`` drivers of the team's risk."""
    drivers = risk_drivers(result).head(top)
    return [
        f"{r.indicator.replace('_', ' ')} ({r.share:.0%} of risk points, {r.person_weeks} "
        f"person-weeks): {r.lever}"
        for r in drivers.itertuples()
    ]


def _metrics(result: RiskResult) -> dict[str, float]:
    weekly, person = result.weekly, result.person
    working = weekly[weekly["shifts"] > 0]
    return {
        "high-risk person-weeks": int((weekly["risk_level"] == "high").sum()),
        "medium-risk person-weeks": int((weekly["risk_level"] == "medium").sum()),
        "people at high risk": int((person["risk_level"] == "high").sum()),
        "mean weekly score (people working)": round(float(working["risk_score"].mean()), 1)
        if len(working)
        else 0.0,
        "quick returns": int(person["quick_returns"].sum()),
        "refused time-off days": int(person["refused_requests"].sum()),
        "overtime hours": round(float(person["overtime_h"].sum()), 1),
    }


def compare_risk(
    a: RiskResult, b: RiskResult, change: str = "the change", labels: tuple[str, str] = ("a", "b")
) -> RiskComparison:
    """Compare two rotas' risk, e.g. without and with two more seasonal hires.

    Args:
        a: the baseline's risk.
        b: the alternative's risk.
        change: what turns ``a`` into ``b``, for the summary (e.g. ``"+2 seasonal hires"``).
        labels: column names of the two rotas in the table.

    Returns:
        A :class:`RiskComparison`; the summary reads like
        ``"+2 seasonal hires cuts high-risk person-weeks from 9 to 2"``.
    """
    ma, mb = _metrics(a), _metrics(b)
    table = pd.DataFrame(
        {
            "metric": list(ma),
            labels[0]: list(ma.values()),
            labels[1]: list(mb.values()),
        }
    )
    table["change"] = table[labels[1]] - table[labels[0]]
    key = "high-risk person-weeks"
    before, after = ma[key], mb[key]
    if after < before:
        verb = "cuts"
    elif after > before:
        verb = "raises"
    else:
        verb = "leaves"
    if verb == "leaves":
        summary = f"{change} leaves high-risk person-weeks at {before}"
    else:
        summary = f"{change} {verb} high-risk person-weeks from {before} to {after}"
    mean_key = "mean weekly score (people working)"
    summary += f" (mean weekly score {ma[mean_key]:.0f} → {mb[mean_key]:.0f})"
    return RiskComparison(table=table, summary=summary)
