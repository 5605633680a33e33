"""The sample support centre: a seeded generator of a fictional online retailer's contact history.

"Northwind Outfitters support" answers phone, chat and email in two priority tiers from one site in
New York. :func:`generate_sample` writes, deterministically for a given seed:

- ``history.csv.gz``: 30-minute contact counts and mean handle time per queue (``queue, ds, y,
  aht_s``), 2022-01-01 … 2026-10-31, with weekly and intraday shapes per channel, yearly
  seasonality, growth, the holiday surge, Black Friday / Cyber Monday peaks (dates computed per
  year), a Christmas dip, a January returns wave, DST days of 23/25 hours, overdispersed noise, a
  few outage days and one missing-data gap;
- ``reasons.csv.gz``: daily contact reasons per queue (``queue, date, reason, y``) whose mix shifts
  with the season and sums to the day's total;
- ``tickets_export.csv``: a Zendesk-style per-ticket export of the email queues for late October
  2026 (the "bring your own export" demo), with ``tickets_mapping.yaml`` showing its mapping;
- ``scenario.yaml``: the sample plan (staff, shifts, rules, hiring pool, horizon);
- ``README.md``: what the files are and how to regenerate them.

Every number below is invented; the shapes follow what support teams of online retailers report.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel

from planner.tables import atomic_path
from planner.timegrid import interval_grid

__all__ = [
    "FIELD_NOTES",
    "QUEUES",
    "REASONS",
    "SAMPLE_END",
    "SAMPLE_START",
    "SAMPLE_TZ",
    "black_friday",
    "cyber_monday",
    "generate_history",
    "generate_reasons",
    "generate_sample",
    "generate_tickets",
    "sample_scenario",
    "scenario_reference_markdown",
]

SAMPLE_START = dt.date(2022, 1, 1)
SAMPLE_END = dt.date(2026, 10, 31)
SAMPLE_TZ = "America/New_York"
INTERVAL_MINUTES = 30
#: Mean contacts per day of all queues in Sep–Oct 2026 (the off-season reference level). Sized so
#: ~45 permanent agents carry the off-season with some slack and the +75% peak needs about ten
#: seasonal hires (the capacity model of planner.hiring recommends 8–12 at these handle times).
OFFSEASON_DAILY_2026 = 850.0
#: Holiday surge: mean volume from Nov 15 to Dec 31 relative to Sep–Oct of the same year.
SURGE_UPLIFT = 0.75
#: Volume growth per year (compounded daily).
GROWTH_PER_YEAR = 0.10
#: Days of a platform outage: 08:00–16:00 local has almost no contacts (the loader flags them).
OUTAGE_DAYS: tuple[dt.date, ...] = (
    dt.date(2022, 5, 10),
    dt.date(2023, 3, 14),
    dt.date(2024, 6, 5),
    dt.date(2025, 2, 19),
    dt.date(2026, 4, 8),
)
#: The missing-data gap: no rows at all on these dates (inclusive).
GAP = (dt.date(2024, 8, 12), dt.date(2024, 8, 15))
#: The per-ticket export covers the email queues over these dates (inclusive).
EXPORT_DATES = (dt.date(2026, 10, 19), dt.date(2026, 10, 31))


@dataclass(frozen=True)
class QueueProfile:
    """How one sample queue behaves: its share of volume and its handle time."""

    name: str
    channel: str
    priority: str
    share: float  # of all contacts
    aht_s: float  # mean handle time, seconds


QUEUES: tuple[QueueProfile, ...] = (
    QueueProfile("phone/urgent", "phone", "urgent", 0.40 * 0.15, 410.0),
    QueueProfile("phone/normal", "phone", "normal", 0.40 * 0.85, 375.0),
    QueueProfile("chat/urgent", "chat", "urgent", 0.35 * 0.15, 560.0),
    QueueProfile("chat/normal", "chat", "normal", 0.35 * 0.85, 530.0),
    QueueProfile("email/urgent", "email", "urgent", 0.25 * 0.15, 500.0),
    QueueProfile("email/normal", "email", "normal", 0.25 * 0.85, 470.0),
)

#: Relative volume Monday … Sunday per channel (normalised to mean 1 when used).
WEEKLY: dict[str, tuple[float, ...]] = {
    "phone": (1.15, 1.08, 1.04, 1.02, 0.98, 0.75, 0.62),
    "chat": (1.06, 1.03, 1.00, 1.00, 0.98, 0.90, 0.88),
    "email": (1.35, 1.08, 1.00, 0.97, 0.92, 0.78, 0.80),
}

#: Contact reasons and their base shares (normal tier).
REASONS: tuple[str, ...] = (
    "where_is_my_order",
    "returns",
    "payment",
    "gift_cards",
    "account",
    "product_question",
    "other",
)
_REASON_BASE = np.array([0.27, 0.17, 0.12, 0.04, 0.12, 0.19, 0.09])
_REASON_LABELS = {
    "where_is_my_order": "Where is my order",
    "returns": "Returns",
    "payment": "Payment",
    "gift_cards": "Gift cards",
    "account": "Account",
    "product_question": "Product question",
    "other": "Other",
}

# Non-holiday yearly shape: (month, day, multiplier) anchors, linear in between; Sep–Oct = 1.
_YEARLY_ANCHORS = (
    (1, 1, 1.00),
    (2, 1, 0.97),
    (3, 1, 0.95),
    (4, 15, 0.96),
    (6, 1, 0.93),
    (7, 15, 0.90),
    (8, 15, 0.94),
    (9, 1, 1.00),
    (10, 31, 1.00),
    (11, 1, 1.00),
    (12, 31, 1.00),
)
# Holiday surge shape above the baseline: (month, day, excess), scaled to hit SURGE_UPLIFT.
_SURGE_ANCHORS = (
    (11, 1, 0.00),
    (11, 15, 0.45),
    (12, 1, 0.70),
    (12, 14, 0.95),
    (12, 20, 0.90),
    (12, 23, 0.60),
    (12, 24, 0.30),
    (12, 26, 0.80),
    (12, 31, 0.40),
)


def black_friday(year: int) -> dt.date:
    """The day after US Thanksgiving (the fourth Thursday of November)."""
    nov1 = dt.date(year, 11, 1)
    first_thursday = nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thursday + dt.timedelta(days=21 + 1)


def cyber_monday(year: int) -> dt.date:
    """The Monday after Black Friday."""
    return black_friday(year) + dt.timedelta(days=3)


def _anchored(dates: pd.DatetimeIndex, anchors: Sequence[tuple[int, int, float]]) -> np.ndarray:
    """Piecewise-linear yearly curve through (month, day, value) anchors, per date."""
    out = np.zeros(len(dates))
    for year in np.unique(dates.year):
        xs = [pd.Timestamp(int(year), m, d).day_of_year for m, d, _ in anchors]
        ys = [v for _, _, v in anchors]
        mask = dates.year == year
        out[mask] = np.interp(dates.day_of_year[mask], xs, ys)
    return out


def _event_multiplier(dates: pd.DatetimeIndex) -> np.ndarray:
    """Day-level retail events: Thanksgiving, Black Friday weekend, Cyber Monday, Christmas, …"""
    mult = np.ones(len(dates))
    as_date = dates.date
    for year in np.unique(dates.year):
        bf = black_friday(int(year))
        cm = cyber_monday(int(year))
        events = {
            bf - dt.timedelta(days=1): 0.65,  # Thanksgiving
            bf: 1.55,
            bf + dt.timedelta(days=1): 1.30,
            bf + dt.timedelta(days=2): 1.25,
            cm: 1.60,
            cm + dt.timedelta(days=1): 1.30,
            dt.date(int(year), 12, 24): 0.90,  # the evening dip is intraday
            dt.date(int(year), 12, 25): 0.35,
            dt.date(int(year), 1, 1): 0.55,
        }
        for day, factor in events.items():
            mult[as_date == day] *= factor
    # post-Christmas returns wave: peaks on Jan 2-3, fades over about three weeks
    doy = dates.day_of_year.to_numpy()
    wave = np.where((doy >= 2) & (doy <= 31), 0.45 * np.exp(-np.maximum(doy - 3, 0) / 7.0), 0.0)
    return mult * (1.0 + wave)


def _surge(dates: pd.DatetimeIndex) -> np.ndarray:
    """Holiday surge multiplier (1 outside Nov–Dec), scaled so Nov 15–Dec 31 ≈ 1 + SURGE_UPLIFT.

    The scale is solved on a reference year including the event multipliers, so Black Friday and
    Cyber Monday count towards the +75%.
    """
    ref = pd.date_range("2025-09-01", "2025-12-31", freq="D")
    raw = _anchored(ref, _SURGE_ANCHORS)
    events = _event_multiplier(ref)
    season = ref >= pd.Timestamp("2025-11-15")
    base = ref <= pd.Timestamp("2025-10-31")
    # mean(events * (1 + k * raw)) over the season == (1 + uplift) * mean(events) over Sep-Oct
    target = (1 + SURGE_UPLIFT) * events[base].mean()
    k = (target - events[season].mean()) / (events[season] * raw[season]).mean()
    return 1.0 + k * _anchored(dates, _SURGE_ANCHORS)


def _gauss(minutes: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((minutes - centre) / width) ** 2)


def _intraday_weights(channel: str, minutes: np.ndarray) -> np.ndarray:
    """Unnormalised arrival weight of an interval starting ``minutes`` past local midnight."""
    centre = minutes + INTERVAL_MINUTES / 2
    if channel == "phone":  # morning peak, lunch dip, smaller evening peak
        w = 0.15 + _gauss(centre, 630, 100) + 0.35 * _gauss(centre, 870, 120)
        w = w + 0.55 * _gauss(centre, 1170, 90)
    elif channel == "chat":  # morning and a stronger evening peak
        w = 0.20 + 0.8 * _gauss(centre, 660, 120) + 0.3 * _gauss(centre, 900, 150)
        w = w + 0.9 * _gauss(centre, 1230, 100)
    else:  # email arrives around the clock with a daytime hump
        w = 0.25 + _gauss(centre, 780, 240)
    if channel in ("phone", "chat"):  # live channels: only while open, 07:00–23:00
        w = np.where((minutes >= 7 * 60) & (minutes < 23 * 60), w, 0.0)
    return w


def _intraday(channel: str, minutes: np.ndarray) -> np.ndarray:
    """Share of a day's contacts per interval starting at ``minutes`` past local midnight.

    Normalised over a standard 24-hour day, so a 25-hour day carries slightly more volume and a
    23-hour day slightly less, as the real clock does.
    """
    day = np.arange(0, 24 * 60, INTERVAL_MINUTES)
    return _intraday_weights(channel, minutes) / _intraday_weights(channel, day).sum()


def _iso(index: pd.DatetimeIndex) -> np.ndarray:
    """ISO 8601 text with a ``-05:00`` style offset for aware timestamps (vectorised)."""
    wall = index.tz_localize(None)
    utc = index.tz_convert("UTC").tz_localize(None)
    base = np.datetime_as_string(wall.to_numpy().astype("datetime64[s]"), unit="s")
    offset_min = ((wall - utc).total_seconds().to_numpy() // 60).astype(int)
    names = {
        m: f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
        for m in np.unique(offset_min)
    }
    suffix = np.array([names[m] for m in offset_min], dtype=object)
    return np.char.add(base.astype(str), suffix.astype(str)).astype(object)


def generate_history(
    seed: int = 7, start: dt.date = SAMPLE_START, end: dt.date = SAMPLE_END
) -> pd.DataFrame:
    """The sample's interval history table (``queue, ds, y, aht_s``), sorted by ``ds``, queue.

    Randomness is drawn per calendar year from ``(seed, year)``, so generating whole years alone
    gives the same numbers as the full run.

    Args:
        seed: random seed.
        start, end: first and last local date (inclusive).
    """
    grid = interval_grid(start, end, SAMPLE_TZ, INTERVAL_MINUTES)
    wall = grid.tz_localize(None)
    local_day = wall.normalize()
    minutes = (wall.hour * 60 + wall.minute).to_numpy()
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    day_pos = ((local_day - days[0]).days).to_numpy()

    yearly = _anchored(days, _YEARLY_ANCHORS)
    surge = _surge(days)
    events = _event_multiplier(days)
    ref = pd.Timestamp("2026-09-30")
    growth = (1 + GROWTH_PER_YEAR) ** ((days - ref).days.to_numpy() / 365.25)
    level = yearly * surge * events * growth
    weekday = days.day_of_week.to_numpy()

    # intraday exceptions: quiet Christmas Eve / New Year's Eve evenings, outages
    wall_date = local_day.to_numpy()
    md = wall.strftime("%m-%d").to_numpy()
    evening = np.ones(len(grid))
    evening[(md == "12-24") & (minutes >= 15 * 60)] = 0.5
    evening[(md == "12-31") & (minutes >= 18 * 60)] = 0.6
    outage = np.isin(wall_date, pd.DatetimeIndex(OUTAGE_DAYS).to_numpy())
    evening[outage & (minutes >= 8 * 60) & (minutes < 16 * 60)] = 0.03

    years = days.year.to_numpy()
    interval_year = years[day_pos]
    iso = _iso(grid)
    n_days, n = len(days), len(grid)
    counts = np.zeros((len(QUEUES), n), dtype=np.int64)
    aht = np.full((len(QUEUES), n), np.nan)
    for qi, queue in enumerate(QUEUES):
        week = np.array(WEEKLY[queue.channel])
        week = week / week.mean()
        daily_mu = OFFSEASON_DAILY_2026 * queue.share * level * week[weekday]
        shape = _intraday(queue.channel, minutes)
        base_mu = daily_mu[day_pos] * shape * evening
        y = np.zeros(n, dtype=np.int64)
        aht_day = np.empty(n_days)
        normal = np.empty(n)
        for year in np.unique(years):
            # one stream per (seed, queue, year): generating whole years alone gives equal numbers
            rng = np.random.default_rng([seed, qi, int(year)])
            dmask = years == year
            imask = interval_year == year
            # gamma-Poisson (negative binomial): day-level and interval-level overdispersion
            # (day-level swings clipped at ±15%: the planted outages stay the only big anomalies)
            day_noise = np.clip(rng.gamma(300.0, 1 / 300.0, dmask.sum()), 0.85, 1.15)
            interval_noise = rng.gamma(25.0, 1 / 25.0, imask.sum())
            local_day = day_pos[imask] - day_pos[imask][0]
            mu = base_mu[imask] * day_noise[local_day] * interval_noise
            y[imask] = rng.poisson(mu)
            aht_day[dmask] = rng.lognormal(0.0, 0.03, dmask.sum())
            normal[imask] = rng.standard_normal(imask.sum())
        counts[qi] = y
        # peak season brings new starters and harder contacts: handle times rise a little
        season_aht = 1.0 + 0.04 * (surge - 1.0) / SURGE_UPLIFT
        mean = queue.aht_s * aht_day[day_pos] * season_aht[day_pos]
        with np.errstate(divide="ignore", invalid="ignore"):
            noisy = mean * (1.0 + 0.45 * normal / np.sqrt(np.maximum(y, 1)))
        aht[qi] = np.where(y > 0, np.round(np.maximum(noisy, 30.0)), np.nan)

    gap = (wall_date >= np.datetime64(GAP[0])) & (wall_date <= np.datetime64(GAP[1]))
    keep = ~gap
    frames = []
    for qi, queue in enumerate(QUEUES):
        frames.append(
            pd.DataFrame(
                {
                    "queue": queue.name,
                    "ds": iso[keep],
                    "y": counts[qi][keep],
                    "aht_s": aht[qi][keep],
                    "_i": np.nonzero(keep)[0],
                    "_q": qi,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True).sort_values(["_i", "_q"], kind="stable")
    table["ds"] = pd.to_datetime(table["ds"], format="ISO8601", utc=True).dt.tz_convert(SAMPLE_TZ)
    table["aht_s"] = table["aht_s"].astype("Int64")
    return table.drop(columns=["_i", "_q"]).reset_index(drop=True)


def _reason_probabilities(days: pd.DatetimeIndex, priority: str) -> np.ndarray:
    """Reason mix per day (rows sum to 1): WISMO, gift cards rise in the surge; returns in Jan."""
    surge_excess = (_surge(days) - 1.0) / SURGE_UPLIFT  # ~0 off-season, ~1 at the peak
    doy = days.day_of_year.to_numpy()
    md = days.month.to_numpy() * 100 + days.day.to_numpy()
    returns_wave = np.where((doy >= 1) & (doy <= 31), np.exp(-np.maximum(doy - 3, 0) / 9.0), 0.0)
    returns_wave = returns_wave + np.where(md >= 1226, 0.6, 0.0)
    gift = np.where((md >= 1215) | (doy <= 10), 1.0, 0.0)
    factors = np.ones((len(days), len(REASONS)))
    factors[:, 0] += 0.8 * surge_excess  # where_is_my_order
    factors[:, 1] += 2.5 * returns_wave  # returns
    factors[:, 3] += 3.0 * surge_excess + 2.0 * gift  # gift_cards
    base = _REASON_BASE.copy()
    if priority == "urgent":  # urgent contacts skew to money and access problems
        base = base * np.array([0.8, 0.8, 2.2, 1.0, 1.8, 0.4, 0.8])
    p = base * factors
    return p / p.sum(axis=1, keepdims=True)


def generate_reasons(history: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Daily contact reasons per queue (``queue, date, reason, y``) summing to each day's total."""
    local = history["ds"].dt.tz_convert(SAMPLE_TZ)
    daily = (
        history.assign(date=local.dt.tz_localize(None).dt.normalize())
        .groupby(["queue", "date"], sort=False)["y"]
        .sum()
        .reset_index()
    )
    frames = []
    for qi, queue in enumerate(QUEUES):
        part = daily[daily["queue"] == queue.name].sort_values("date")
        days = pd.DatetimeIndex(part["date"])
        p = _reason_probabilities(days, queue.priority)
        rng = np.random.default_rng([seed, 100 + qi])
        draws = rng.multinomial(part["y"].to_numpy(), p)
        frames.append(
            pd.DataFrame(
                {
                    "queue": queue.name,
                    "date": np.repeat(days.date, len(REASONS)),
                    "reason": np.tile(REASONS, len(days)),
                    "y": draws.reshape(-1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def generate_tickets(history: pd.DataFrame, reasons: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """A Zendesk-style per-ticket export of the email queues over :data:`EXPORT_DATES`.

    Ticket counts per interval equal the history's, and reasons per day equal the reasons table,
    so loading the export reproduces those numbers exactly.
    """
    rng = np.random.default_rng([seed, 200])
    local = history["ds"].dt.tz_convert(SAMPLE_TZ)
    first = pd.Timestamp(EXPORT_DATES[0]).tz_localize(SAMPLE_TZ)
    stop = pd.Timestamp(EXPORT_DATES[1] + dt.timedelta(days=1)).tz_localize(SAMPLE_TZ)
    rows = history[
        history["queue"].str.startswith("email/") & (local >= first) & (local < stop)
    ].sort_values(["queue", "ds"])
    tickets = rows.loc[rows.index.repeat(rows["y"])].reset_index(drop=True)
    offset_s = rng.integers(0, INTERVAL_MINUTES * 60, len(tickets))
    created = tickets["ds"] + pd.to_timedelta(offset_s, unit="s")
    aht = tickets["aht_s"].astype(float).to_numpy()
    handle = np.round(aht * rng.gamma(4.0, 0.25, len(tickets))).astype(int)
    tickets = tickets.assign(created=created, handle=np.maximum(handle, 20))
    tickets["date"] = tickets["created"].dt.tz_localize(None).dt.normalize().dt.date
    # hand each day's reasons out to that day's tickets in random order
    tickets["reason"] = ""
    want = reasons[reasons["date"].between(EXPORT_DATES[0], EXPORT_DATES[1])]
    for (queue, date), part in tickets.groupby(["queue", "date"], sort=True):
        mix = want[(want["queue"] == queue) & (want["date"] == date)]
        labels = np.repeat(mix["reason"].to_numpy(), mix["y"].to_numpy())
        tickets.loc[part.index, "reason"] = rng.permutation(labels)
    urgent = tickets["queue"] == "email/urgent"
    priority = np.where(urgent, np.where(rng.random(len(tickets)) < 0.6, "Urgent", "High"), "")
    priority = np.where(urgent, priority, "Normal")
    channel = np.where(rng.random(len(tickets)) < 0.8, "Email", "Web form")
    out = pd.DataFrame(
        {
            "created": tickets["created"],
            "Channel": channel,
            "Priority": priority,
            "Status": np.where(rng.random(len(tickets)) < 0.93, "Solved", "Open"),
            "Contact reason": tickets["reason"].map(_REASON_LABELS),
            "Handle time (s)": tickets["handle"],
        }
    ).sort_values("created", kind="stable")
    out.insert(0, "Ticket ID", np.arange(184_201, 184_201 + len(out)))
    # Zendesk exports local wall time without an offset
    out.insert(1, "Created at", out.pop("created").dt.strftime("%Y-%m-%d %H:%M:%S"))
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The sample scenario
# --------------------------------------------------------------------------------------------

_FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jamal",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Xena",
    "Yusuf",
    "Zoe",
    "Aiden",
    "Bianca",
    "Carlos",
    "Dana",
    "Emeka",
    "Fiona",
    "Gabe",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Marco",
    "Nina",
    "Omar",
    "Priya",
    "Rafael",
    "Sofia",
    "Theo",
    "Uma",
    "Victor",
    "Willa",
    "Yara",
    "Zane",
    "Alma",
    "Bruno",
    "Cleo",
    "Dario",
]
_LAST = [
    "Adams",
    "Baker",
    "Chen",
    "Diaz",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Murphy",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zhang",
]


def sample_scenario(seed: int = 7) -> dict[str, object]:
    """The sample scenario as a plain dict (what ``scenario.yaml`` holds)."""
    rng = np.random.default_rng([seed, 300])
    names = [f"{_FIRST[i]} {_LAST[(i * 7) % len(_LAST)]}" for i in range(len(_FIRST))]
    staff: list[dict[str, object]] = []
    contracts = [40.0] * 26 + [32.0] * 8 + [24.0] * 6 + [20.0] * 5
    skill_sets = (
        [["phone"]] * 9
        + [["chat"]] * 7
        + [["email"]] * 6
        + [["phone", "chat"]] * 10
        + [["chat", "email"]] * 7
        + [["phone", "email"]] * 3
        + [["phone", "chat", "email"]] * 3
    )
    order = rng.permutation(len(skill_sets))
    christmas_requests = set(rng.choice(45, size=15, replace=False).tolist())
    for i in range(45):
        person: dict[str, object] = {
            "id": f"E{101 + i:03d}",
            "name": names[i],
            "kind": "permanent",
            "skills": list(skill_sets[int(order[i])]),
            "contract_hours": contracts[i],
            "max_hours_per_week": 44.0 if contracts[i] >= 40 else contracts[i] + 8.0,
            "hourly_cost": float(20 + int(rng.integers(0, 11))),
        }
        if i % 9 == 2:
            person["availability"] = {"latest_end": "18:00"}  # no late shifts (childcare)
        elif i % 9 == 5:
            person["availability"] = {"weekdays": ["mon", "tue", "wed", "thu", "fri"]}
        elif i % 11 == 7:
            person["availability"] = {"earliest_start": "11:00"}  # studies in the morning
        if i % 6 == 1:
            person["preferred_shifts"] = ["early"]
        elif i % 6 == 4:
            person["preferred_shifts"] = ["late"]
        if i % 10 == 3:
            start = dt.date(2027, 1, 4) + dt.timedelta(days=int(rng.integers(0, 3)))
            person["time_off"] = [
                {"start": start, "end": start + dt.timedelta(days=4), "reason": "holiday"}
            ]
        elif i % 13 == 6:
            person["time_off"] = [
                {"start": dt.date(2026, 11, 26), "end": dt.date(2026, 11, 27), "reason": "family"}
            ]
        if i in christmas_requests:
            if i % 3 == 0:
                wish = {"start": dt.date(2026, 12, 31), "end": dt.date(2027, 1, 1)}
            else:
                wish = {"start": dt.date(2026, 12, 24), "end": dt.date(2026, 12, 26)}
            wish |= {"reason": "Christmas", "weight": float(1 + (i % 3 == 1))}
            person["time_off_requests"] = [wish]
        staff.append(person)
    backup_skills = [
        ["email"],
        ["chat", "email"],
        ["phone"],
        ["email"],
        ["chat"],
        ["phone", "chat"],
    ]
    for j, skills in enumerate(backup_skills):
        staff.append(
            {
                "id": f"B{201 + j}",
                "name": names[45 + j],
                "kind": "backup",
                "skills": skills,
                "contract_hours": 0.0,
                "max_hours_total": float(40 + 8 * (j % 6)),
                "hourly_cost": float(32 + j),
                "availability": {
                    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                    "earliest_start": "09:00",
                    "latest_end": "18:00",
                },
            }
        )
    seasonal = [("chat", 40.0), ("email", 24.0), ("chat", 40.0)]
    for j, (skill, hours) in enumerate(seasonal):
        staff.append(
            {
                "id": f"S{301 + j}",
                "name": names[51 + j],
                "kind": "seasonal",
                "skills": [skill, "email"] if skill != "email" else ["email"],
                "contract_hours": hours,
                "hourly_cost": 21.0,
                "start_date": dt.date(2026, 11, 2) + dt.timedelta(days=7 * (j == 2)),
                "training_days": 10,
            }
        )
    queues = []
    for q in QUEUES:
        entry: dict[str, object] = {
            "name": q.name,
            "channel": q.channel,
            "priority": q.priority,
            "aht_s": q.aht_s,
            "service_level": 0.8,
        }
        if q.channel == "phone":
            entry |= {"answer_within_s": 20.0, "patience_s": 180.0}
        elif q.channel == "chat":
            entry |= {"answer_within_s": 60.0, "patience_s": 240.0, "concurrency": 2}
        else:
            entry |= {
                "answer_within_s": None,
                "response_within_h": 4.0 if q.priority == "urgent" else 24.0,
            }
        queues.append(entry)
    shifts = [
        {"name": "early", "start": "07:00", "length_h": 8.5, "category": "early"},
        {"name": "mid", "start": "09:00", "length_h": 8.5, "category": "day"},
        {"name": "day", "start": "11:00", "length_h": 8.5, "category": "day"},
        {"name": "late", "start": "14:30", "length_h": 8.5, "category": "late"},
        {"name": "part_morning", "start": "07:00", "length_h": 6.0, "category": "early"},
        {"name": "part_midday", "start": "12:00", "length_h": 6.0, "category": "day"},
        {"name": "part_evening", "start": "17:00", "length_h": 6.0, "category": "late"},
        {"name": "evening", "start": "19:00", "length_h": 4.0, "category": "late"},
    ]
    return {
        "name": "Northwind Outfitters holiday plan 2026",
        "site": {
            "name": "Northwind Outfitters support",
            "country": "US",
            "subdivision": "NY",
            "timezone": SAMPLE_TZ,
            "interval_minutes": INTERVAL_MINUTES,
            "opening_hours": {
                d: ["07:00", "23:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
            "currency": "USD",
        },
        "horizon": {"start": dt.date(2026, 11, 16), "end": dt.date(2027, 1, 10)},
        "history": {"path": "history.csv.gz", "kind": "counts", "reasons_path": "reasons.csv.gz"},
        "queues": queues,
        "staff": staff,
        "shifts": shifts,
        "rules": {
            "preset": "custom",
            "min_rest_h": 11.0,
            "max_consecutive_days": 6,
            "min_days_off_per_week": 1,
            "max_hours_per_day": 10.0,
            "max_hours_per_week": 48.0,
            "weekly_hours_tolerance": 4.0,
            "banned_sequences": [["late", "early"]],
        },
        "hiring": {
            "pool_size": 20,
            "contract_hours": [40.0, 24.0],
            "hourly_cost": 21.0,
            "hire_cost": 900.0,
            "skills": ["phone", "chat"],
            "training_days": 10,
            "ramp_up": [0.6, 0.85],
            "earliest_start": dt.date(2026, 11, 2),
        },
    }


_SCENARIO_HEADER = """\
# Sample scenario: Northwind Outfitters support (a fictional online retailer).
# Generated by `planner sample --out data/sample` (planner/sample.py); every field is documented
# in docs/scenario.md. Edit a copy to plan your own team.
"""


def _scenario_yaml(seed: int) -> str:
    body = yaml.safe_dump(
        sample_scenario(seed), sort_keys=False, default_flow_style=None, width=100
    )
    return _SCENARIO_HEADER + body


_TICKETS_MAPPING = """\
# How tickets_export.csv (a Zendesk-style export) maps onto the planner's names.
# The built-in aliases already recognise these Zendesk/Freshdesk names; this block shows how to
# spell the mapping out for an export whose headers differ. Paste it as `history:` in a scenario.
history:
  path: tickets_export.csv
  kind: tickets
  columns:
    created_at: Created at
    channel: Channel
    priority: Priority
    handle_time_s: Handle time (s)
    reason: Contact reason
  channel_values:
    Email: email
    Web form: email
  priority_values:
    Urgent: urgent
    High: urgent
    Normal: normal
"""

_README = """\
# Sample data: Northwind Outfitters support

Fictional data of a fictional online retailer, written by a seeded generator
(`planner/sample.py`). Nothing here comes from a real company. Regenerate it with

    planner sample --out data/sample          # or: make sample

(the default seed is 7; a test checks the committed files equal a fresh run).

Files:

- `history.csv.gz`: `queue, ds, y, aht_s`, contacts arriving per 30-minute interval (`ds` =
  interval start, ISO 8601 with the New York offset) and their mean handle time in seconds,
  2022-01-01 … 2026-10-31, six queues (`phone`, `chat`, `email` × `urgent`, `normal`). Phone and
  chat are open 07:00–23:00 (zero outside); email arrives around the clock.
- `reasons.csv.gz`: `queue, date, reason, y`, daily contacts per reason (`where_is_my_order`,
  `returns`, `payment`, `gift_cards`, `account`, `product_question`, `other`); per queue and day
  they sum to the history's daily total.
- `tickets_export.csv`: a Zendesk-style per-ticket export of the email queues,
  2026-10-19 … 2026-10-31 (`Ticket ID, Created at, Channel, Priority, Status, Contact reason,
  Handle time (s)`; local wall time, no offset). Loading it gives the same interval counts as
  `history.csv.gz` for those days: `planner history --file data/sample/tickets_export.csv`.
- `tickets_mapping.yaml`: the `history:` block mapping that export's columns and values (the
  built-in aliases already recognise them).
- `scenario.yaml`: the sample plan: site, horizon 2026-11-16 … 2027-01-10, queues and targets,
  45 permanent agents, 6 backup staff, 3 seasonal hires, shift templates, labour rules, hiring
  pool. Every field is explained in `docs/scenario.md`.

What is planted in the history, for the forecast and the cleaning report to find:

- about 1,000 contacts a day in Sep–Oct 2026 (phone 40%, chat 35%, email 25%; 15% urgent),
  growing 10% a year; weekly shapes per channel (quiet phone weekends, Monday email peak);
  intraday shapes (phone: morning and evening peaks; chat: evening peak; email: daytime hump);
- the holiday surge: about +75% from Nov 15 to Dec 31 versus Sep–Oct, ramping from Nov 1;
  Black Friday and Cyber Monday peaks (computed per year); a dip on Thanksgiving, Christmas Day
  and New Year's Day, quiet Christmas Eve and New Year's Eve evenings; a returns wave in early
  January;
- DST days of 46 and 50 half-hours; gamma-Poisson (overdispersed) noise;
- outage days with almost no contacts 08:00–16:00: {outages} (flagged as outliers by the loader);
- one missing-data gap: no rows at all from {gap_start} to {gap_end}.
"""


def _write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o644)  # mkstemp makes 0600 files; these are shared data


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    """CSV (gzipped for ``.gz``) with a fixed gzip header, so reruns are byte-identical."""
    text = df.to_csv(index=False, lineterminator="\n")
    with atomic_path(path) as tmp:
        if path.name.endswith(".gz"):
            buffer = io.BytesIO()
            with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0) as gz:
                gz.write(text.encode("utf-8"))
            tmp.write_bytes(buffer.getvalue())
        else:
            tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o644)  # mkstemp makes 0600 files; these are shared data


def _history_for_file(history: pd.DataFrame) -> pd.DataFrame:
    codes, uniques = pd.factorize(history["ds"])  # ~48 distinct stamps a day, six queues each
    return history.assign(ds=_iso(pd.DatetimeIndex(uniques))[codes])


def generate_sample(
    out_dir: str | Path,
    seed: int = 7,
    start: dt.date = SAMPLE_START,
    end: dt.date = SAMPLE_END,
) -> dict[str, Path]:
    """Write the whole sample into ``out_dir`` (created if missing); return the paths by name.

    Args:
        out_dir: target folder.
        seed: random seed; the committed sample uses 7.
        start, end: history date range (inclusive); the defaults make the committed sample.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    history = generate_history(seed, start, end)
    reasons = generate_reasons(history, seed)
    paths = {
        "history": out / "history.csv.gz",
        "reasons": out / "reasons.csv.gz",
        "tickets": out / "tickets_export.csv",
        "tickets_mapping": out / "tickets_mapping.yaml",
        "scenario": out / "scenario.yaml",
        "readme": out / "README.md",
    }
    _write_csv(_history_for_file(history), paths["history"])
    _write_csv(reasons, paths["reasons"])
    if start <= EXPORT_DATES[0] and end >= EXPORT_DATES[1]:
        _write_csv(generate_tickets(history, reasons, seed), paths["tickets"])
    else:
        del paths["tickets"]
    _write_text(paths["tickets_mapping"], _TICKETS_MAPPING)
    _write_text(paths["scenario"], _scenario_yaml(seed))
    readme = _README.format(
        outages=", ".join(d.isoformat() for d in OUTAGE_DAYS),
        gap_start=GAP[0].isoformat(),
        gap_end=GAP[1].isoformat(),
    )
    _write_text(paths["readme"], readme)
    return paths


# --------------------------------------------------------------------------------------------
# Scenario reference (docs/scenario.md)
# --------------------------------------------------------------------------------------------


#: Meanings of scenario fields whose model declares no ``description`` (keyed by model, field).
#: The reference test fails when a new field has neither, so every field stays documented.
FIELD_NOTES: dict[tuple[str, str], str] = {
    ("Scenario", "name"): "display name of the plan (shown in the app and reports)",
    ("Horizon", "start"): "first local date of the rota",
    ("Horizon", "end"): "last local date of the rota (inclusive)",
    ("Queue", "channel"): "phone and chat are answered live; email is a backlog",
    ("Queue", "priority"): "priority tier; the queue name is channel/priority",
    ("StaffMember", "name"): "display name",
    ("StaffMember", "kind"): (
        "permanent (contracted hours), seasonal (hired for the season, with start_date and "
        "training_days) or backup (from other departments, called in up to max_hours_total)"
    ),
    ("ShiftTemplate", "name"): "unique template name, used in preferred_shifts and the rota",
    ("ShiftTemplate", "start"): "local start time, HH:MM",
    ("Availability", "earliest_start"): "no shift may start before this local time, HH:MM",
    ("Availability", "latest_end"): "no shift may end after this local time, HH:MM (24:00 = none)",
    ("LabourRules", "preset"): (
        "eu (Working Time Directive), us_ca (California) or custom; the preset fills every "
        "rule you do not set"
    ),
    ("LabourRules", "max_consecutive_days"): "most working days in a row",
    ("LabourRules", "min_days_off_per_week"): "fewest days off in each Monday–Sunday week",
    ("LabourRules", "max_hours_per_day"): "most paid hours in one day",
    ("LabourRules", "max_hours_per_week"): "most paid hours in one Monday–Sunday week",
    ("HiringOptions", "hourly_cost"): "cost per paid hour of a seasonal hire",
    ("HiringOptions", "skills"): "skills a seasonal hire is trained for",
    ("ForecastSettings", "seasonality_mode"): (
        "multiplicative scales the seasons with the trend (the default; additive can carry the "
        "surge into the trend on short histories)"
    ),
    ("ScheduleSettings", "time_limit_s"): "CP-SAT wall-clock limit in seconds",
    ("ScheduleSettings", "workers"): "CP-SAT search workers (threads)",
    ("ScheduleSettings", "seed"): "CP-SAT random seed, for reproducible rotas",
    ("RiskSettings", "medium_score"): "risk score (0–100) from which a person is medium risk",
    ("RiskSettings", "high_score"): "risk score (0–100) from which a person is high risk",
    ("Availability", "weekdays"): "weekdays the person can work",
    ("TimeOff", "start"): "first day off",
    ("TimeOff", "end"): "last day off (inclusive)",
    ("TimeOff", "reason"): "free text shown on the rota",
    ("TimeOffRequest", "start"): "first day asked for",
    ("TimeOffRequest", "end"): "last day asked for (inclusive)",
    ("TimeOffRequest", "reason"): "free text shown on the rota",
    ("RetailEvent", "name"): "event name (a holiday column in the forecast)",
    ("RetailEvent", "rule"): (
        "how the date is computed each year: black_friday, cyber_monday, thanksgiving, "
        "christmas_eve, christmas, new_years_eve, new_year, returns_wave, prime_day or MM-DD"
    ),
    ("RetailEvent", "lower_window"): "days before the date that share the effect (<= 0)",
    ("RetailEvent", "upper_window"): "days after the date that share the effect (>= 0)",
    ("VolumeOverride", "start"): "first day of the uplift",
    ("VolumeOverride", "end"): "last day of the uplift (inclusive)",
}


def _type_name(annotation: object) -> str:
    """A short readable name of a field's type for the reference table."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        parts = [_type_name(a) for a in args if a is not type(None)]
        text = " \\| ".join(parts)
        return f"{text} or null" if type(None) in args else text
    if origin in (list, tuple, dict):
        inner = ", ".join(_type_name(a) for a in args if a is not Ellipsis)
        return f"{origin.__name__}[{inner}]"
    if isinstance(annotation, type):
        names = {"str": "text", "float": "number", "int": "integer", "bool": "true/false"}
        if annotation.__name__ == "time":
            return "HH:MM"
        if annotation.__name__ == "date":
            return "YYYY-MM-DD"
        if annotation.__name__.endswith("Path"):
            return "path"
        return names.get(annotation.__name__, annotation.__name__)
    return str(annotation)


def _default_text(field: object) -> str:
    from pydantic_core import PydanticUndefined

    if getattr(field, "is_required", lambda: False)():
        return "required"
    default = getattr(field, "default", None)
    factory = getattr(field, "default_factory", None)
    if default is PydanticUndefined and factory is not None:
        try:
            default = factory()
        except TypeError:
            return "(computed)"
    if isinstance(default, BaseModel):
        return "see below"
    if isinstance(default, list) and default and isinstance(default[0], BaseModel):
        return f"{len(default)} entries (see below)"
    if isinstance(default, dt.time):
        return "24:00" if default == dt.time.max else default.strftime("%H:%M")
    if (
        isinstance(default, dict)
        and default
        and all(isinstance(v, tuple) for v in default.values())
    ):
        spans = {tuple(t.strftime("%H:%M") for t in v) for v in default.values()}
        if len(spans) == 1:
            opens, closes = spans.pop()
            return f"every day {opens}–{closes}"
    text = "null" if default is None else str(default)
    return text.replace("|", "\\|")


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """Pydantic models nested inside a type annotation (list[Queue] -> [Queue])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


_HISTORY_FILES = """\
## History files (`history.path`)

`planner.history.load_history` reads CSV, CSV.GZ, Parquet or Excel, of two kinds:

- **per-ticket records** (`kind: tickets`): one row per ticket. Needs a created-at column;
  optional channel, priority, queue, handle time (seconds) and contact reason. Zendesk
  (`Created at`, `Channel`, `Priority`) and Freshdesk (`Created time`, `Source`, `Priority`)
  names are recognised without a mapping (case-insensitive); map other names with `columns`,
  e.g. `columns: {created_at: Opened, channel: Medium}`. Channel labels such as `Web form`,
  `Voice`, `Messaging` and priority labels `High`/`Medium` have built-in meanings; map others
  with `channel_values` / `priority_values`. See `data/sample/tickets_mapping.yaml`.
- **pre-aggregated counts** (`kind: counts`): `ds, y` plus optional `queue` (or `channel` /
  `priority`) and `aht_s`. A plain daily `ds,y` file loads as one queue called `all`.

Timestamps with an offset are converted to the site's zone; naive ones are read in
`source_timezone` (default: the site's zone). Missing days are reported, not filled; outlier days
are flagged, not dropped: run `planner history --scenario FILE` to see the cleaning report.
"""


def scenario_reference_markdown() -> str:
    """Markdown reference of every scenario field, walked from the pydantic models.

    ``docs/scenario.md`` is this text; a test checks it is up to date.
    """
    from planner.scenario import Scenario

    lines = [
        "# Scenario reference",
        "",
        "<!-- Generated by planner.sample.scenario_reference_markdown(); do not edit by hand. "
        "Regenerate: planner scenario-docs -->",
        "",
        "A scenario is one YAML file (see `data/sample/scenario.yaml`). Unknown keys are errors. "
        "Errors name the YAML path at fault, e.g. `staff[12].contract_hours: must be > 0`. "
        "Relative paths are resolved against the scenario file's folder.",
        "",
    ]
    seen: set[type[BaseModel]] = set()
    queue: list[tuple[str, type[BaseModel]]] = [("(top level)", Scenario)]
    while queue:
        path, model = queue.pop(0)
        if model in seen:
            continue
        seen.add(model)
        doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        lines += [f"## `{path}` — {model.__name__}", "", doc, ""]
        lines += ["| field | type | default | meaning |", "| --- | --- | --- | --- |"]
        for name, field in model.model_fields.items():
            if field.exclude:
                continue
            nested = _models_in(field.annotation)
            # a note written for this field beats a generic type description (e.g. "HH:MM")
            meaning = FIELD_NOTES.get((model.__name__, name)) or field.description or ""
            meaning = meaning.replace("|", "\\|")
            if not meaning and nested:
                meaning = (nested[0].__doc__ or "").strip().split("\n")[0]
            lines.append(
                f"| `{name}` | {_type_name(field.annotation)} | {_default_text(field)} "
                f"| {meaning} |"
            )
            for sub in nested:
                sub_path = name if path == "(top level)" else f"{path}.{name}"
                if typing.get_origin(field.annotation) is list:
                    sub_path += "[i]"
                queue.append((sub_path, sub))
        lines.append("")
    lines += _HISTORY_FILES.splitlines()
    return "\n".join(lines) + "\n"
