"""Seeded synthetic inputs of the schedule stage, for tests and benchmarks.

``synthetic_requirement`` draws a requirement table (``queue, ds, staff_needed``) with a daily
double-peak shape over the site's opening hours; ``team_scenario`` builds a scenario dict of any
team size (permanent, backup and seasonal staff plus a hiring pool) on top of the sample shifts and
rules, so the 200-person benchmark and the small tests share one generator.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from planner.scenario import Scenario
from planner.timegrid import open_intervals

__all__ = ["flat_requirement", "synthetic_requirement", "team_scenario", "tiny_scenario"]


def synthetic_requirement(
    scenario: Scenario,
    peak: dict[str, float] | float = 3.0,
    *,
    seed: int = 0,
    noise: float = 0.1,
) -> pd.DataFrame:
    """A requirement table over the horizon's open intervals.

    Args:
        scenario: gives the queues, site hours and horizon.
        peak: staff needed at the daily peak, per queue name or for every queue.
        seed: random seed of the noise.
        noise: relative standard deviation of multiplicative noise.
    """
    rng = np.random.default_rng(seed)
    grid = open_intervals(scenario.site, scenario.horizon.start, scenario.horizon.end)
    minutes = np.asarray(grid.hour * 60 + grid.minute, dtype=float)
    # Two humps (late morning and early evening) over a base load.
    shape = (
        0.35
        + 0.65 * np.exp(-(((minutes - 660) / 150) ** 2))
        + 0.45 * np.exp(-(((minutes - 1140) / 120) ** 2))
    )
    weekend = np.asarray(grid.weekday >= 5)
    shape = shape * np.where(weekend, 0.75, 1.0)
    rows = []
    for q in scenario.queues:
        top = peak[q.name] if isinstance(peak, dict) else peak
        values = top * shape * np.exp(rng.normal(0.0, noise, len(grid)))
        rows.append(
            pd.DataFrame({"queue": q.name, "ds": grid, "staff_needed": np.round(values, 2)})
        )
    return pd.concat(rows, ignore_index=True)


def team_scenario(
    n_permanent: int,
    *,
    n_backup: int = 0,
    pool_size: int = 0,
    start: dt.date = dt.date(2026, 11, 16),
    days: int = 7,
    interval_minutes: int = 30,
    timezone: str = "America/New_York",
    seed: int = 0,
) -> dict[str, object]:
    """A scenario dict with ``n_permanent`` staff over ``days`` days (three live queues + email)."""
    rng = np.random.default_rng(seed)
    skill_sets = [["phone"], ["chat"], ["email"], ["phone", "chat"], ["chat", "email"]]
    staff: list[dict[str, object]] = []
    for i in range(n_permanent):
        contract = [40.0, 40.0, 32.0, 24.0][i % 4]
        staff.append(
            {
                "id": f"E{i + 1:03d}",
                "name": f"Agent {i + 1}",
                "skills": skill_sets[int(rng.integers(0, len(skill_sets)))],
                "contract_hours": contract,
                "hourly_cost": float(20 + int(rng.integers(0, 8))),
            }
        )
    for j in range(n_backup):
        staff.append(
            {
                "id": f"B{j + 1:02d}",
                "name": f"Backup {j + 1}",
                "kind": "backup",
                "skills": skill_sets[j % len(skill_sets)],
                "contract_hours": 0.0,
                "hourly_cost": 30.0,
                "max_hours_total": 24.0,
                "availability": {"weekdays": ["mon", "tue", "wed", "thu", "fri"]},
            }
        )
    return {
        "name": "synthetic team",
        "site": {
            "name": "synthetic",
            "timezone": timezone,
            "interval_minutes": interval_minutes,
            "opening_hours": {
                d: ["07:00", "23:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
        },
        "horizon": {"start": start, "end": start + dt.timedelta(days=days - 1)},
        "history": {"path": "none.csv"},
        "queues": [
            {"name": "phone/normal", "channel": "phone", "aht_s": 300},
            {"name": "chat/normal", "channel": "chat", "aht_s": 400, "answer_within_s": 60},
            {
                "name": "email/normal",
                "channel": "email",
                "aht_s": 600,
                "answer_within_s": None,
                "response_within_h": 24,
            },
        ],
        "staff": staff,
        "shifts": [
            {"name": "early", "start": "07:00", "length_h": 8.5, "category": "early"},
            {"name": "mid", "start": "09:00", "length_h": 8.5, "category": "day"},
            {"name": "day", "start": "11:00", "length_h": 8.5, "category": "day"},
            {"name": "late", "start": "14:30", "length_h": 8.5, "category": "late"},
            {"name": "part_midday", "start": "12:00", "length_h": 6.0, "category": "day"},
            {"name": "evening", "start": "19:00", "length_h": 4.0, "category": "late"},
        ],
        "hiring": {
            "pool_size": pool_size,
            "skills": ["chat", "email"],
            "earliest_start": start - dt.timedelta(days=14),
        },
    }


def tiny_scenario(
    n_people: int = 3,
    *,
    days: int = 7,
    start: dt.date = dt.date(2026, 11, 16),
    timezone: str = "America/New_York",
    rules: dict[str, object] | None = None,
    staff: list[dict[str, object]] | None = None,
    shifts: list[dict[str, object]] | None = None,
    pool_size: int = 0,
    open_all_day: bool = False,
) -> dict[str, object]:
    """A small scenario dict for tests: one phone queue, 60-minute intervals, 8 h shifts.

    ``rules`` overrides labour-rule fields (breaks are relaxed to one 15-minute break per 4 h
    and a 30-minute lunch for shifts of 6 h or more unless given).
    """
    people = staff or [
        {
            "id": f"P{i + 1}",
            "name": f"Person {i + 1}",
            "skills": ["phone"],
            "contract_hours": 24.0,
            "hourly_cost": 20.0 + i,
        }
        for i in range(n_people)
    ]
    hours = ["00:00", "24:00"] if open_all_day else ["07:00", "23:00"]
    return {
        "name": "tiny",
        "site": {
            "name": "tiny",
            "timezone": timezone,
            "interval_minutes": 60,
            "opening_hours": {d: hours for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        },
        "horizon": {"start": start, "end": start + dt.timedelta(days=days - 1)},
        "history": {"path": "none.csv"},
        "queues": [{"name": "phone/normal", "channel": "phone", "aht_s": 300}],
        "staff": people,
        "shifts": shifts
        or [
            {"name": "early", "start": "07:00", "length_h": 8, "category": "early"},
            {"name": "late", "start": "15:00", "length_h": 8, "category": "late"},
        ],
        "rules": {"preset": "custom", "banned_sequences": [], **(rules or {})},
        "hiring": {"pool_size": pool_size, "skills": ["phone"]},
    }


def flat_requirement(scenario: Scenario, staff_needed: float) -> pd.DataFrame:
    """The same ``staff_needed`` in every open interval of every queue."""
    grid = open_intervals(scenario.site, scenario.horizon.start, scenario.horizon.end)
    return pd.concat(
        [
            pd.DataFrame({"queue": q.name, "ds": grid, "staff_needed": float(staff_needed)})
            for q in scenario.queues
        ],
        ignore_index=True,
    )
