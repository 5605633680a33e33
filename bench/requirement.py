"""Benchmark: the requirement stage on a year of 15-minute intervals × 6 queues.

Run: ``.venv/bin/python -m bench.requirement [--repeat N] [--pyworkforce-sample N]``

Measures (median of ``--repeat`` runs, wall clock on this machine):

1. ``agents_for_target`` over 35,040 × 6 = 210,240 intervals, Erlang C (80% in 20 s);
2. the same with a patience (Erlang A);
3. ``required_staff`` on the whole year's forecast table: pooled priority tiers, chat
   concurrency, email workload, shrinkage — once without patience, once with a patience on
   every live queue as in the bundled sample (tiers sharing a pool are sized by the priority
   model; patience adds the pool's Erlang A abandonment estimate);
4. pyworkforce's ``ErlangC.required_positions`` on a random sample of the same intervals (it is
   a pure-Python loop per interval): share of identical agent counts, and the speed ratio per
   interval against (1);
5. the pyworkforce defects FIELD-NOTES reports, checked on the same sample: "probabilities"
   above 1 when agents < traffic, and OverflowError for long answer-time targets.

The synthetic year is seeded: daily and weekly shape, a November–December surge, Poisson noise.
Nothing here reads ``../shared/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import numpy as np
import pandas as pd

from planner import erlang
from planner.requirement import required_staff
from planner.scenario import Scenario, parse_scenario
from planner.timegrid import interval_grid

TZ = "America/New_York"
QUEUES = [
    # name, channel, priority, mean contacts per open 15 min at the surge peak, AHT s, extras
    ("phone/urgent", "phone", "urgent", 60, 410, {}),
    ("phone/normal", "phone", "normal", 320, 375, {}),
    ("chat/urgent", "chat", "urgent", 40, 560, {"answer_within_s": 60, "concurrency": 2}),
    ("chat/normal", "chat", "normal", 240, 530, {"answer_within_s": 60, "concurrency": 2}),
    ("email/urgent", "email", "urgent", 30, 500, {"response_within_h": 4}),
    ("email/normal", "email", "normal", 200, 470, {"response_within_h": 24}),
]


def bench_scenario(patience: bool) -> Scenario:
    """A one-year scenario with the six queues (patience 180 s on live queues if asked)."""
    queues = []
    for name, channel, priority, _, aht, extra in QUEUES:
        q = {"name": name, "channel": channel, "priority": priority, "aht_s": aht} | extra
        if channel == "email":
            q["answer_within_s"] = None
        elif patience:
            q["patience_s"] = 180.0
        queues.append(q)
    return parse_scenario(
        {
            "site": {"name": "bench", "timezone": TZ, "interval_minutes": 15},
            "horizon": {"start": "2026-01-01", "end": "2026-12-31"},
            "history": {"path": "unused.csv"},
            "queues": queues,
            "shifts": [{"name": "day", "start": "08:00", "length_h": 8}],
        }
    )


def synthetic_forecast(seed: int = 0) -> pd.DataFrame:
    """``queue, ds, yhat, yhat_lower, yhat_upper, holiday`` for 2026 at 15 minutes."""
    rng = np.random.default_rng(seed)
    grid = interval_grid(dt.date(2026, 1, 1), dt.date(2026, 12, 31), TZ, 15)
    hour = grid.hour + grid.minute / 60
    daily = np.clip(np.sin((hour - 7) / 16 * np.pi), 0, None) ** 1.5  # 07:00–23:00 hump
    weekly = np.where(grid.day_of_week >= 5, 0.7, 1.0)
    doy = grid.day_of_year.to_numpy()
    surge = 1.0 + 1.2 * np.exp(-(((doy - 335) / 18.0) ** 2))  # peaks early December
    frames = []
    for name, channel, _, peak, _, _ in QUEUES:
        shape = daily * weekly * surge / 2.2
        if channel == "email":
            shape = 0.35 * weekly * surge / 2.2 + 0.65 * shape  # email arrives around the clock
        mean = peak * shape
        # a forecast is a float, not a count: Poisson noise smoothed by a lognormal factor
        y = rng.poisson(mean) * rng.lognormal(0.0, 0.05, mean.size)
        frames.append(
            pd.DataFrame(
                {
                    "queue": name,
                    "ds": grid,
                    "yhat": y,
                    "yhat_lower": y * 0.9,
                    "yhat_upper": y * 1.1,
                    "holiday": "",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def timed(func, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU time of ``repeat`` calls, and the last result.

    CPU time (this process only) is the steadier figure on a shared 2-core machine.
    """
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def pyworkforce_agents(contacts: float, aht: float, sl: float, answer: float) -> int:
    """pyworkforce's Erlang C agent count for one 15-minute interval (its units are minutes)."""
    from pyworkforce.queuing import ErlangC

    model = ErlangC(transactions=contacts, aht=aht / 60, asa=answer / 60, interval=15)
    return int(model.required_positions(service_level=sl, max_occupancy=1.0)["raw_positions"])


def pyworkforce_defects(sample: pd.DataFrame) -> tuple[int, int, int]:
    """(cases checked, P(wait) > 1 at agents = traffic/2, OverflowError with an 8 h target)."""
    from pyworkforce.queuing import ErlangC

    above_one = overflow = 0
    for contacts, aht in sample[["contacts", "aht_s"]].itertuples(index=False):
        model = ErlangC(transactions=contacts, aht=aht / 60, asa=8 * 60, interval=15)
        few = max(1, int(model.intensity / 2))
        if model.intensity > 2 and model.waiting_probability(few) > 1:
            above_one += 1
        try:
            model.service_level(few)
        except OverflowError:
            overflow += 1
    return len(sample), above_one, overflow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pyworkforce-sample", type=int, default=3000)
    args = parser.parse_args()

    forecast = synthetic_forecast()
    plain, patient = bench_scenario(patience=False), bench_scenario(patience=True)
    aht = forecast["queue"].map({q[0]: q[4] for q in QUEUES}).to_numpy(dtype=float)
    contacts = forecast["yhat"].to_numpy(dtype=float)
    traffic = contacts * aht / 900.0
    rows = len(forecast)

    t_c, cpu_c, agents_c = timed(
        lambda: erlang.agents_for_target(traffic, aht, 0.8, 20.0), args.repeat
    )
    t_a, cpu_a, _ = timed(
        lambda: erlang.agents_for_target(traffic, aht, 0.8, 20.0, patience_s=180.0), args.repeat
    )
    t_req_c, cpu_req_c, req = timed(lambda: required_staff(forecast, plain), args.repeat)
    t_req_a, cpu_req_a, _ = timed(lambda: required_staff(forecast, patient), args.repeat)

    rng = np.random.default_rng(1)
    busy = np.flatnonzero(contacts > 0)
    pick = rng.choice(busy, size=min(args.pyworkforce_sample, busy.size), replace=False)
    start, cpu = time.perf_counter(), time.process_time()
    theirs = np.array(
        [pyworkforce_agents(contacts[i], aht[i], 0.8, 20.0) for i in pick], dtype=float
    )
    t_pw, cpu_pw = time.perf_counter() - start, time.process_time() - cpu
    same = float(np.mean(theirs == agents_c[pick]))
    per_ours = cpu_c / rows
    per_theirs = cpu_pw / pick.size
    sample = pd.DataFrame({"contacts": contacts[pick][:500], "aht_s": aht[pick][:500]})
    checked, above_one, overflow = pyworkforce_defects(sample)

    print(
        f"requirement benchmark: {rows:,} intervals (35,040 × 6 queues, 15 min), "
        f"traffic 0–{traffic.max():.0f} Erlangs, median of {args.repeat}"
    )
    print()
    print(f"{'what':<62} {'wall':>8} {'CPU':>8} {'CPU/interval':>13}")
    lines = [
        ("agents_for_target, Erlang C (80/20), all intervals", t_c, cpu_c, rows),
        ("agents_for_target, Erlang A (patience 180 s), all intervals", t_a, cpu_a, rows),
        ("required_staff, live queues on Erlang C (tiers, chat, email)", t_req_c, cpu_req_c, rows),
        ("required_staff, live queues with patience (as the sample)", t_req_a, cpu_req_a, rows),
        (f"pyworkforce ErlangC, {pick.size:,} sampled intervals", t_pw, cpu_pw, pick.size),
    ]
    for label, wall, cpu_s, count in lines:
        print(f"{label:<62} {wall:>7.3f}s {cpu_s:>7.3f}s {cpu_s / count * 1e6:>10.2f} µs")
    print()
    print(f"identical agent counts vs pyworkforce (Erlang C, 80/20): {same:.1%} of {pick.size:,}")
    print(f"speed ratio per interval, CPU (pyworkforce / ours):      {per_theirs / per_ours:,.0f}×")
    print(
        f"pyworkforce defects on {checked} intervals at agents = traffic/2, 8 h target: "
        f"P(wait) > 1 in {above_one}, OverflowError in {overflow}"
    )
    verdict = "yes" if max(cpu_c, cpu_req_c) < 1.0 else "no"
    print(
        f"year × 6 queues under 1 s CPU (Erlang C, agents_for_target and required_staff): "
        f"{verdict}; peak staff needed {req['staff_needed'].max():.1f}"
    )


if __name__ == "__main__":
    main()
