"""Re-check every hard rule on a rota table, independently of the solver that built it.

``check_rota`` takes any rota (the solver's, or one a person edited by hand in Excel) and lists
each violation as a row ``employee_id, date, rule, detail, amount``: which person, which day (or
the first day of the week for weekly rules), which rule in plain words, what is wrong, and by how
much (the unit is in ``detail``). An empty table means the rota keeps every rule.

The checker reads only the rota's own columns (``start``, ``end``, ``breaks``, optionally
``skill``) and the scenario's rules; it shares with the solver only the *definitions* of the rules
(pro-rated weekly hours, break entitlement, candidate pool, start + training), never its model.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
import math
from collections import defaultdict
from pathlib import Path

import pandas as pd

from planner.errors import DataError
from planner.scenario import WEEKDAYS, Scenario, StaffMember
from planner.schedule.model import (
    break_cap,
    break_entitlement,
    candidate_staff,
    floor_date,
    week_groups,
    weekly_hour_bounds,
)
from planner.tables import read_table, validate_table

__all__ = ["VIOLATION_COLUMNS", "check_rota", "check_rota_file", "parse_breaks"]

VIOLATION_COLUMNS = ["employee_id", "date", "rule", "detail", "amount"]


def parse_breaks(value: object, tz: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The ``breaks`` cell as ``(start, end)`` pairs: a list, JSON text or a Python literal.

    Naive times are taken as site-local. Empty cells mean no breaks.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    items = value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            try:
                items = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                raise DataError(
                    f"rota: breaks cell {text[:60]!r} is not a list of [start, end] pairs"
                ) from None
    out = []
    for pair in items:  # type: ignore[union-attr]
        if len(pair) != 2:
            raise DataError(f"rota: break {pair!r} is not a [start, end] pair")
        a, b = (_local(pd.Timestamp(x), tz) for x in pair)
        out.append((a, b))
    return sorted(out)


def _local(ts: pd.Timestamp, tz: str) -> pd.Timestamp:
    if ts.tzinfo is None:
        return ts.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    return ts.tz_convert(tz)


def _people(scenario: Scenario) -> dict[str, StaffMember]:
    """Staff and hiring-pool candidates by id."""
    people = {m.id: m for m in candidate_staff(scenario)}
    people.update({m.id: m for m in scenario.staff})
    return people


def _normalise(scenario: Scenario, rota: pd.DataFrame) -> pd.DataFrame:
    """Aware local start/end, a date column, and parsed breaks."""
    validate_table(rota, "rota", "rota")
    tz = scenario.site.timezone
    out = rota.copy()
    for col in ("start", "end"):
        values = out[col]
        if not isinstance(values.dtype, pd.DatetimeTZDtype):
            values = pd.to_datetime(values.astype(str), errors="coerce", format="mixed", utc=False)
        bad = values.isna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(f"rota: column '{col}', row {row + 2}: not a timestamp")
        if getattr(values.dt, "tz", None) is None:
            values = values.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
        else:
            values = values.dt.tz_convert(tz)
        out[col] = values
    out["date"] = [
        d if isinstance(d, dt.date) and not isinstance(d, dt.datetime) else pd.Timestamp(d).date()
        for d in out["date"]
    ]
    out["chk_breaks"] = [parse_breaks(v, tz) for v in out["breaks"]]
    out["chk_paid_h"] = (out["end"] - out["start"]).dt.total_seconds() / 3600
    return out.sort_values(["employee_id", "start"], ignore_index=True)


def check_rota(
    scenario: Scenario, rota: pd.DataFrame, requirement: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every hard-rule violation of ``rota`` under ``scenario``'s rules.

    Args:
        scenario: gives staff, templates and labour rules.
        rota: ``employee_id, date, shift, start, end, breaks`` (+ optional ``skill``); start/end
            may be naive local times (as typed in Excel).
        requirement: unused by the hard rules (coverage is a soft goal); accepted so callers can
            pass the plan's tables uniformly.

    Returns:
        ``employee_id, date, rule, detail, amount`` — one row per violation (empty if none).
    """
    del requirement
    rules = scenario.rules
    brules = rules.breaks
    tz = scenario.site.timezone
    people = _people(scenario)
    templates = {t.name: t for t in scenario.shifts}
    rows: list[dict[str, object]] = []

    def flag(emp: str, day: dt.date, rule: str, detail: str, amount: float) -> None:
        rows.append(
            {"employee_id": emp, "date": day, "rule": rule, "detail": detail, "amount": amount}
        )

    shifts = rota.assign(chk_breaks=[], chk_paid_h=[]) if rota.empty else _normalise(scenario, rota)
    horizon = scenario.horizon.days
    weeks = [[horizon[i] for i in w] for w in week_groups(horizon)]

    # Per-shift rules ------------------------------------------------------------------------
    for r in shifts.itertuples(index=False):
        emp, day = str(r.employee_id), r.date
        member = people.get(emp)
        if member is None:
            flag(emp, day, "unknown employee", "employee_id is not in the scenario's staff", 1)
            continue
        start, end = r.start, r.end
        hours = r.chk_paid_h
        if hours <= 0:
            flag(emp, day, "shift times", f"end {end} is not after start {start}", 1)
            continue
        if start.date() != day:
            flag(emp, day, "shift times", f"starts on {start.date()}, not on its date", 1)
        avail = member.availability
        if WEEKDAYS[day.weekday()] not in avail.weekdays:
            flag(emp, day, "availability", f"not available on {WEEKDAYS[day.weekday()]}", 1)
        if start.time() < avail.earliest_start:
            flag(emp, day, "availability", f"starts before {avail.earliest_start:%H:%M}", 1)
        if avail.latest_end != dt.time.max and (end.date() > day or end.time() > avail.latest_end):
            flag(emp, day, "availability", f"ends after {avail.latest_end:%H:%M}", 1)
        if any(off.start <= day <= off.end for off in member.time_off):
            flag(emp, day, "approved time off", "scheduled on approved leave", 1)
        first = floor_date(member)
        if first is not None and day < first:
            flag(
                emp,
                day,
                "seasonal start and training",
                f"works before the end of training ({first})",
                (first - day).days,
            )
        skill = getattr(r, "skill", None)
        if isinstance(skill, str) and skill and skill not in member.skills:
            flag(emp, day, "skills", f"serves {skill} without the skill", 1)
        if hours > rules.max_hours_per_day + 1e-9:
            flag(
                emp,
                day,
                "maximum hours per day",
                f"{hours:g} h > {rules.max_hours_per_day:g} h (hours over)",
                round(hours - rules.max_hours_per_day, 3),
            )
        _check_breaks(flag, emp, day, start, end, r.chk_breaks, brules)

    # Per-person sequence and weekly rules ---------------------------------------------------
    banned = {(a, b) for a, b in rules.banned_sequences}
    for emp, mine in shifts.groupby("employee_id", sort=True):
        emp = str(emp)
        member = people.get(emp)
        if member is None:
            continue
        mine = mine.sort_values("start")
        dates = list(mine["date"])
        dupes = sorted({d for d in dates if dates.count(d) > 1})
        for d in dupes:
            flag(
                emp,
                d,
                "one shift per day",
                f"{dates.count(d)} shifts on one day",
                dates.count(d) - 1,
            )
        prev = None
        for r in mine.itertuples(index=False):
            if prev is not None:
                rest_h = (r.start - prev.end).total_seconds() / 3600
                if rest_h < rules.min_rest_h - 1e-9:
                    flag(
                        emp,
                        r.date,
                        "minimum rest between shifts",
                        f"{rest_h:g} h rest after the shift of {prev.date} < "
                        f"{rules.min_rest_h:g} h (hours short)",
                        round(rules.min_rest_h - rest_h, 3),
                    )
                if (r.date - prev.date).days == 1:
                    a, b = templates.get(prev.shift), templates.get(r.shift)
                    for x, y in banned:
                        if (
                            a is not None
                            and b is not None
                            and x in (a.name, a.category)
                            and y in (b.name, b.category)
                        ):
                            flag(emp, r.date, "banned shift sequences", f"{a.name} → {b.name}", 1)
                            break
            prev = r
        worked = sorted(set(dates))
        run, run_start = 0, None
        for i, d in enumerate(worked):
            if i and (d - worked[i - 1]).days == 1:
                run += 1
            else:
                run, run_start = 1, d
            nxt = worked[i + 1] if i + 1 < len(worked) else None
            if (nxt is None or (nxt - d).days != 1) and run > rules.max_consecutive_days:
                flag(
                    emp,
                    run_start,
                    "maximum consecutive working days",
                    f"{run} days in a row > {rules.max_consecutive_days} (days over)",
                    run - rules.max_consecutive_days,
                )
        hours_by_day: dict[dt.date, float] = defaultdict(float)
        for d, h in zip(mine["date"], mine["chk_paid_h"], strict=True):
            hours_by_day[d] += h
        for week in weeks:
            n_worked = sum(1 for d in week if d in hours_by_day)
            need_off = (
                rules.min_days_off_per_week
                if len(week) == 7
                else (rules.min_days_off_per_week * len(week)) // 7
            )
            if n_worked > len(week) - need_off:
                flag(
                    emp,
                    week[0],
                    "minimum days off per week",
                    f"{len(week) - n_worked} day(s) off < {need_off} (days short)",
                    n_worked - (len(week) - need_off),
                )
            total = sum(hours_by_day.get(d, 0.0) for d in week)
            lo, hi = weekly_hour_bounds(scenario, member, week)
            if total > hi + 1e-6:
                flag(
                    emp,
                    week[0],
                    "maximum hours per week",
                    f"{total:g} h > {hi:g} h (hours over)",
                    round(total - hi, 3),
                )
            if total < lo - 1e-6:
                flag(
                    emp,
                    week[0],
                    "contract minimum weekly hours",
                    f"{total:g} h < {lo:g} h (hours short)",
                    round(lo - total, 3),
                )
        if member.kind == "backup" and member.max_hours_total is not None:
            total = float(mine["chk_paid_h"].sum())
            if total > member.max_hours_total + 1e-6:
                flag(
                    emp,
                    worked[0],
                    "backup staff hour cap",
                    f"{total:g} h > {member.max_hours_total:g} h (hours over)",
                    round(total - member.max_hours_total, 3),
                )

    # Staff who never appear still owe their contract minimum (candidates are optional).
    on_rota = set(shifts["employee_id"].astype(str)) if len(shifts) else set()
    for member in scenario.staff:
        if member.id in on_rota:
            continue
        for week in weeks:
            lo, _ = weekly_hour_bounds(scenario, member, week)
            if lo > 1e-6:
                flag(
                    member.id,
                    week[0],
                    "contract minimum weekly hours",
                    f"0 h < {lo:g} h (hours short)",
                    round(lo, 3),
                )

    if "skill" in shifts.columns and len(shifts):
        _check_break_share(flag, shifts, brules, tz)
    return pd.DataFrame(rows, columns=VIOLATION_COLUMNS).sort_values(
        ["employee_id", "date", "rule"], ignore_index=True
    )


def _check_breaks(flag, emp, day, start, end, breaks, brules) -> None:
    """Break entitlement, length, placement and spacing inside one shift."""
    length_h = (end - start).total_seconds() / 3600
    n_short, lunch = break_entitlement(length_h, brules)
    guard = pd.Timedelta(minutes=brules.none_in_first_last_min)
    lunch_like = brules.lunch_min_min > brules.short_break_min

    def minutes(a: pd.Timestamp, b: pd.Timestamp) -> float:
        return (b - a).total_seconds() / 60

    lunches = [b for b in breaks if lunch_like and minutes(*b) >= brules.lunch_min_min]
    shorts = [b for b in breaks if b not in lunches]
    if len(shorts) < n_short:
        flag(
            emp,
            day,
            "breaks",
            f"{len(shorts)} short break(s), entitled to {n_short}",
            n_short - len(shorts),
        )
    for a, b in shorts:
        if minutes(a, b) < brules.short_break_min:
            flag(
                emp,
                day,
                "breaks",
                f"break of {minutes(a, b):g} min < {brules.short_break_min} min",
                brules.short_break_min - minutes(a, b),
            )
    if lunch and not lunches:
        flag(emp, day, "breaks", f"no lunch in a {length_h:g} h shift", 1)
    for a, b in lunches:
        if minutes(a, b) > brules.lunch_max_min:
            flag(emp, day, "breaks", f"lunch of {minutes(a, b):g} min > {brules.lunch_max_min}", 1)
        lo = start + pd.Timedelta(hours=brules.lunch_window_after_start_h)
        hi = end - pd.Timedelta(hours=brules.lunch_window_before_end_h)
        latest = brules.lunch_latest_start_h
        late = latest is not None and a > start + pd.Timedelta(hours=latest)
        if a < lo or b > hi or late:
            flag(emp, day, "breaks", f"lunch {a:%H:%M}-{b:%H:%M} outside its window", 1)
    for a, b in breaks:
        if a < start or b > end:
            flag(emp, day, "breaks", f"break {a:%H:%M}-{b:%H:%M} outside the shift", 1)
        elif a < start + guard or b > end - guard:
            flag(
                emp,
                day,
                "breaks",
                f"break {a:%H:%M}-{b:%H:%M} in the first/last {brules.none_in_first_last_min} min",
                1,
            )
    for (_, b1), (a2, _) in itertools.pairwise(breaks):
        gap = minutes(b1, a2)
        if gap < brules.min_gap_between_breaks_min:
            flag(
                emp,
                day,
                "breaks",
                f"{gap:g} min of work between breaks < {brules.min_gap_between_breaks_min} min",
                brules.min_gap_between_breaks_min - gap,
            )


def _check_break_share(flag, shifts: pd.DataFrame, brules, tz: str) -> None:
    """At most ``model.break_cap(heads)`` (``max(1, ceil(share × heads))``) of a group on break."""
    step = pd.Timedelta(minutes=5)
    events: dict[tuple[str, pd.Timestamp], list[int]] = defaultdict(lambda: [0, 0])
    for r in shifts.itertuples(index=False):
        skill = getattr(r, "skill", None)
        if not isinstance(skill, str) or not skill:
            continue
        t = r.start.floor("5min")
        while t < r.end:
            events[skill, t][0] += 1
            t += step
        for a, b in r.chk_breaks:
            t = a.floor("5min")
            while t < b:
                events[skill, t][1] += 1
                t += step
    reported: set[tuple[str, dt.date]] = set()
    for (skill, t), (heads, on_break) in sorted(events.items()):
        cap = break_cap(heads, brules.max_share_on_break)
        local = t.tz_convert(tz)
        if on_break > cap and (skill, local.date()) not in reported:
            reported.add((skill, local.date()))
            flag(
                f"[{skill}]",
                local.date(),
                "share of staff on break",
                f"{on_break} of {heads} {skill} staff on break at {local:%H:%M} > {cap} "
                "(people over)",
                on_break - cap,
            )


def check_rota_file(scenario: Scenario, path: str | Path) -> pd.DataFrame:
    """Read a rota file (CSV, Parquet or Excel; naive times are site-local) and check it."""
    rota = read_table(path, kind="rota", tz=scenario.site.timezone)
    return check_rota(scenario, rota)
