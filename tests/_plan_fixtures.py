"""Small hand-made plan tables for the report-side tests (exports, store, plots, app).

They follow the table contracts exactly but are built by hand, so the report layer is tested
independently of the forecast and schedule stages. The horizon crosses the US DST change of
2026-11-01 on purpose.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from planner.scenario import Scenario, parse_scenario

TZ = "America/New_York"


def small_scenario(name: str = "test plan") -> Scenario:
    """Two queues, three people, two shift templates, 2026-10-29 .. 2026-11-08 (DST ends 11-01)."""
    return parse_scenario(
        {
            "name": name,
            "site": {"name": "Test Site", "timezone": TZ, "interval_minutes": 60},
            "horizon": {"start": "2026-10-29", "end": "2026-11-08"},
            "history": {"path": "history.csv"},
            "queues": [
                {"name": "phone/normal", "channel": "phone", "aht_s": 300},
                {"name": "chat/normal", "channel": "chat", "aht_s": 420, "concurrency": 2},
            ],
            "staff": [
                {
                    "id": "E1",
                    "name": "Ana, Lopez",
                    "skills": ["phone", "chat"],
                    "contract_hours": 40,
                    "hourly_cost": 20,
                },
                {
                    "id": "E2",
                    "name": "Ben Ng",
                    "skills": ["phone"],
                    "contract_hours": 32,
                    "hourly_cost": 18,
                    "time_off": [{"start": "2026-11-03", "end": "2026-11-04"}],
                },
                {
                    "id": "E3",
                    "name": "Cy Backup",
                    "kind": "backup",
                    "skills": ["chat"],
                    "contract_hours": 0,
                    "hourly_cost": 10,
                },
            ],
            "shifts": [
                {"name": "Early", "start": "07:00", "length_h": 8, "category": "early"},
                {"name": "Late", "start": "14:00", "length_h": 8, "category": "late"},
            ],
        }
    )


def small_rota(scenario: Scenario) -> pd.DataFrame:
    """E1 works Early every weekday, E2 Late Mon-Thu except leave, E3 one Saturday."""
    rows = []
    for day in scenario.horizon.days:
        plan = []
        if day.weekday() < 5:
            plan.append(("E1", "Early", 7))
        if day.weekday() < 4 and day not in (dt.date(2026, 11, 3), dt.date(2026, 11, 4)):
            plan.append(("E2", "Late", 14))
        if day == dt.date(2026, 10, 31):
            plan.append(("E3", "Late", 14))
        for employee, shift, hour in plan:
            start = pd.Timestamp(day.year, day.month, day.day, hour).tz_localize(TZ)
            end = start + pd.Timedelta(hours=8)
            lunch = start + pd.Timedelta(hours=4)
            rows.append(
                {
                    "employee_id": employee,
                    "date": day,
                    "shift": shift,
                    "start": start,
                    "end": end,
                    "breaks": [[lunch, lunch + pd.Timedelta(minutes=30)]],
                }
            )
    return pd.DataFrame(rows)


def small_coverage(scenario: Scenario, seed: int = 0) -> pd.DataFrame:
    """Hourly coverage per queue over the horizon, open 07:00-22:00, with some under-cover."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(scenario.horizon.start).tz_localize(TZ)
    end = pd.Timestamp(scenario.horizon.end + dt.timedelta(days=1)).tz_localize(TZ)
    ds = pd.date_range(start, end, freq="60min", inclusive="left")
    frames = []
    for queue in scenario.queue_names:
        open_ = (ds.hour >= 7) & (ds.hour < 22)
        needed = np.where(open_, rng.integers(1, 4, len(ds)), 0)
        scheduled = np.where(open_, rng.integers(0, 4, len(ds)), 0)
        frames.append(
            pd.DataFrame(
                {
                    "queue": queue,
                    "ds": ds,
                    "staff_needed": needed.astype(float),
                    "staff_scheduled": scheduled.astype(float),
                    "gap": (scheduled - needed).astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def small_risk() -> pd.DataFrame:
    """A risk table with two indicators."""
    return pd.DataFrame(
        {
            "employee_id": ["E1", "E2", "E3"],
            "quick_returns": [3, 0, 1],
            "long_runs": [1, 0, 0],
            "risk_score": [72.0, 10.0, 40.0],
            "risk_level": ["high", "low", "medium"],
        }
    )


def write_small_sample(folder, days: int = 7, staff: int = 14, history_from: str = "2024-09-01"):
    """A small copy of the bundled sample: 2 queues, ``staff`` people, a one-week horizon.

    History: the sample's ``phone/normal`` and ``chat/normal`` rows from ``history_from`` (two
    holiday seasons, so the surge is learned, not the fallback). Returns the scenario path.
    """
    import pathlib

    import yaml

    root = pathlib.Path(__file__).resolve().parents[1] / "data" / "sample"
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((root / "scenario.yaml").read_text())
    keep = ("phone/normal", "chat/normal")
    hist = pd.read_csv(root / "history.csv.gz")
    hist = hist[hist["queue"].isin(keep) & (hist["ds"] >= history_from)]
    hist.to_csv(folder / "history.csv.gz", index=False)
    reasons = pd.read_csv(root / "reasons.csv.gz")
    reasons = reasons[reasons["queue"].isin(keep) & (reasons["date"] >= history_from)]
    reasons.to_csv(folder / "reasons.csv.gz", index=False)
    data["name"] = "Small test plan"
    data["history"] = {"path": "history.csv.gz", "kind": "counts", "reasons_path": "reasons.csv.gz"}
    data["queues"] = [q for q in data["queues"] if q["name"] in keep]
    start = dt.date(2026, 11, 23)
    data["horizon"] = {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(days=days - 1)).isoformat(),
    }
    people = [p for p in data["staff"] if p.get("kind", "permanent") == "permanent"][:staff]
    for p in people:
        p["skills"] = [k for k in p["skills"] if k in ("phone", "chat")] or ["phone"]
    data["staff"] = people
    data.setdefault("hiring", {})["pool_size"] = 4
    data.setdefault("schedule", {})["time_limit_s"] = 10
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
