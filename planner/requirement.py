"""The requirement stage: contacts per interval -> agents and staff needed per queue and interval.

:func:`required_staff` turns the ``forecast`` table into the ``requirement`` table; its inverse
:func:`achieved_service` reports the service a rota actually gives, and :func:`service_summary`
rolls that up per queue. The models (documented in ``docs/requirement.md``):

* **phone** — Erlang C, or Erlang A when the queue sets ``patience_s``: the fewest agents that
  answer ``service_level`` of contacts within ``answer_within_s``.
* **chat** — the same queueing model over *slots*: an agent holds up to ``concurrency`` chats,
  each lasting ``aht_s`` (the customer's session length); agents = slots / concurrency.
* **email** — a backlog, not a queue: each interval's work (contacts × AHT) is spread evenly over
  the open intervals of its response window, which starts when the contact arrives or, if the
  site is closed, when it next opens; agents = workload / occupancy cap.
* **priority tiers** — live queues of one channel that need the same skill share one pool of
  agents, served urgent -> normal -> low without interrupting a call (non-pre-emptive priority,
  :func:`planner.erlang.priority_metrics`). The pool is the fewest agents giving every tier its
  own target; it is split back over the tiers by load.

Then the occupancy cap (``max_occupancy`` of the queue or ``requirement.max_occupancy``), the
floor ``requirement.min_staff_when_open``, and shrinkage: ``staff_needed = agents_needed /
(1 - shrinkage.total)`` (fractional on purpose: the scheduler covers per-interval numbers).
Live queues need nobody while the site is closed.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from planner import erlang
from planner.errors import DataError, ScenarioError
from planner.scenario import Queue, Scenario
from planner.tables import TABLE_COLUMNS
from planner.timegrid import interval_grid, open_mask, to_local

__all__ = [
    "REQUIREMENT_COLUMNS",
    "achieved_service",
    "queue_pools",
    "required_staff",
    "service_summary",
]

#: Columns of the requirement table, in order (the first nine are the contract).
REQUIREMENT_COLUMNS: tuple[str, ...] = (
    *TABLE_COLUMNS["requirement"],
    "abandonment",
    "p_wait",
    "workload_erlangs",
    "open",
    "pool",
    "pool_agents_needed",
    "model",
)

_PRIORITY_ORDER = {"urgent": 0, "normal": 1, "low": 2}
_LIVE = ("phone", "chat")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _interval_s(scenario: Scenario) -> float:
    return scenario.site.interval_minutes * 60.0


def _per_queue(names: pd.Series, values: dict[str, float]) -> np.ndarray:
    """``values[name]`` for every row, as floats (a factorised lookup: fast on long tables)."""
    codes, uniques = pd.factorize(names)
    return np.array([values[u] for u in uniques], dtype=float)[codes]


def _max_occupancy(queue: Queue, scenario: Scenario) -> float:
    cap = queue.max_occupancy if queue.max_occupancy is not None else None
    return float(cap if cap is not None else scenario.requirement.max_occupancy)


def _model_name(queue: Queue) -> str:
    if queue.channel == "email":
        return "workload"
    return "erlang_a" if queue.patience_s is not None else "erlang_c"


def queue_pools(scenario: Scenario) -> dict[str, list[Queue]]:
    """Live queues grouped into agent pools: same channel and same skill, urgent tier first.

    Email queues are never pooled (their workload simply adds up); each is its own pool.
    """
    pools: dict[str, list[Queue]] = {}
    for q in scenario.queues:
        key = f"{q.channel}:{q.skill_needed}" if q.channel in _LIVE else q.name
        pools.setdefault(key, []).append(q)
    for members in pools.values():
        members.sort(key=lambda q: _PRIORITY_ORDER[q.priority])
    return pools


def _local_ds(values: pd.Series, scenario: Scenario, source: str) -> pd.Series:
    values = pd.Series(values)
    try:
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            # ISO text: offsets differ across a DST change, so parse through UTC
            text = values.astype("string")
            if text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True, na=False).all():
                values = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        ds = to_local(values, scenario.site.timezone)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{source}: column 'ds' is not a timestamp column ({exc})") from None
    bad = ds.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{source}: column 'ds', row {row + 2}: missing or ambiguous timestamp; write ISO "
            "8601 with offset"
        )
    return ds


def _check_keys(df: pd.DataFrame, scenario: Scenario, source: str) -> None:
    known = set(scenario.queue_names)
    unknown = ~df["queue"].isin(known)
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(
            f"{source}: column 'queue', row {row + 2}: unknown queue {df['queue'].iloc[row]!r}; "
            f"the scenario's queues are {scenario.queue_names}"
        )
    dupes = df.duplicated(["queue", "ds"])
    if dupes.any():
        row = int(np.flatnonzero(dupes.to_numpy())[0])
        raise DataError(
            f"{source}: row {row + 2}: queue {df['queue'].iloc[row]!r} has two rows for "
            f"{df['ds'].iloc[row].isoformat()}; keep one row per queue and interval"
        )


def _grid_positions(
    ds: pd.Series, scenario: Scenario, extra_days: int, source: str, queue: str
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The full interval grid around ``ds`` (plus ``extra_days``) and each stamp's position."""
    first = ds.min().date()
    last = ds.max().date()
    grid = interval_grid(
        first,
        last + pd.Timedelta(days=extra_days).to_pytimedelta(),
        scenario.site.timezone,
        scenario.site.interval_minutes,
    )
    pos = grid.get_indexer(pd.DatetimeIndex(ds))
    if (pos < 0).any():
        row = int(np.flatnonzero(pos < 0)[0])
        raise DataError(
            f"{source}: queue {queue!r}: {ds.iloc[row].isoformat()} is not the start of a "
            f"{scenario.site.interval_minutes}-minute interval; align ds to "
            "site.interval_minutes"
        )
    return grid, pos


# ---------------------------------------------------------------------------------------------
# Contacts from the forecast
# ---------------------------------------------------------------------------------------------


def _contacts(forecast: pd.DataFrame, scenario: Scenario, source: str) -> pd.DataFrame:
    """``queue, ds, contacts, aht_s`` from the forecast (y_plan, else deflected yhat)."""
    if "queue" not in forecast.columns or "ds" not in forecast.columns:
        raise DataError(f"{source}: the forecast table needs columns 'queue' and 'ds'")
    column = "y_plan" if "y_plan" in forecast.columns else "yhat"
    if column not in forecast.columns:
        raise DataError(f"{source}: the forecast table has neither 'y_plan' nor 'yhat'")
    df = pd.DataFrame({"queue": forecast["queue"].astype(str).to_numpy()})
    df["ds"] = _local_ds(forecast["ds"], scenario, source).reset_index(drop=True)
    _check_keys(df, scenario, source)
    step = scenario.site.interval_minutes
    stamps = df["ds"].dt
    off_grid = ((stamps.hour * 60 + stamps.minute) % step != 0) | (stamps.second != 0)
    if off_grid.any():
        row = int(np.flatnonzero(off_grid.to_numpy())[0])
        raise DataError(
            f"{source}: column 'ds', row {row + 2}: {df['ds'].iloc[row].isoformat()} is not the "
            f"start of a {step}-minute interval; align ds to site.interval_minutes"
        )
    volume = pd.to_numeric(forecast[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(volume)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{source}: column '{column}', row {row + 2}: {forecast[column].iloc[row]!r} is not "
            "a number of contacts"
        )
    if column == "yhat":  # y_plan is already deflected by the forecast stage; yhat is not
        deflect = _per_queue(df["queue"], {q.name: q.deflection for q in scenario.queues})
        volume = volume * (1.0 - deflect)
    # Additive forecasts can dip a little below zero at quiet hours: no contacts, not an error.
    df["contacts"] = np.maximum(volume, 0.0)
    aht = _per_queue(df["queue"], {q.name: q.aht_s for q in scenario.queues})
    if "aht_s" in forecast.columns:
        given = pd.to_numeric(forecast["aht_s"], errors="coerce").to_numpy(dtype=float)
        bad = np.isfinite(given) & (given <= 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{source}: column 'aht_s', row {row + 2}: handle time must be > 0 seconds"
            )
        aht = np.where(np.isfinite(given), given, aht)
    df["aht_s"] = aht
    return df


# ---------------------------------------------------------------------------------------------
# Live queues (phone, chat), pooled by skill
# ---------------------------------------------------------------------------------------------


def _pool_frame(rows: pd.DataFrame, members: list[Queue]) -> tuple[pd.DatetimeIndex, dict]:
    """Per-member arrays (contacts, aht) aligned on the union of the pool's interval starts."""
    index = pd.DatetimeIndex(rows["ds"].unique()).sort_values()
    data = {}
    for q in members:
        part = rows[rows["queue"] == q.name].set_index("ds")
        contacts = part["contacts"].reindex(index).fillna(0.0).to_numpy(dtype=float)
        aht = part["aht_s"].reindex(index).fillna(q.aht_s).to_numpy(dtype=float)
        data[q.name] = (contacts, aht)
    return index, data


def _pool_loads(
    members: list[Queue], data: dict, interval_s: float
) -> tuple[list[np.ndarray], np.ndarray]:
    """Each tier's offered load (Erlangs) and the pool's contact-weighted mean handle time."""
    loads = [data[q.name][0] * data[q.name][1] / interval_s for q in members]
    contacts = np.sum([data[q.name][0] for q in members], axis=0)
    fallback = float(np.mean([q.aht_s for q in members]))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_aht = np.where(contacts > 0, np.sum(loads, axis=0) * interval_s / contacts, fallback)
    return loads, mean_aht


def _pool_slots_needed(
    members: list[Queue], data: dict, is_open: np.ndarray, interval_s: float, cap: float
) -> np.ndarray:
    """Slots (agents × concurrency) a pool needs: exact Erlang C/A alone, priority model shared."""
    loads, mean_aht = _pool_loads(members, data, interval_s)
    loads = [np.where(is_open, load, 0.0) for load in loads]  # closed: skip the search
    if len(members) == 1:
        q = members[0]
        return erlang.agents_for_target(
            loads[0], data[q.name][1], q.service_level, q.answer_within_s, _patience(q), cap
        )
    return erlang.agents_for_priority(
        loads,
        mean_aht,
        [q.service_level for q in members],
        [q.answer_within_s for q in members],
        max_occupancy=cap,
    )


def _pool_service(
    slots: np.ndarray, members: list[Queue], data: dict, interval_s: float
) -> list[erlang.QueueMetrics]:
    """Each tier's service when its pool offers ``slots``.

    A queue alone in its pool gets exact Erlang C, or Erlang A with a patience. Tiers sharing a
    pool get the non-pre-emptive priority model (:func:`planner.erlang.priority_metrics`, Erlang
    C based); where tiers set a patience, their abandonment is the whole pool's Erlang A
    abandonment (an estimate: priority shifts abandonment towards the lower tiers).
    """
    loads, mean_aht = _pool_loads(members, data, interval_s)
    if len(members) == 1:
        q = members[0]
        return [
            erlang.queue_metrics(slots, loads[0], data[q.name][1], q.answer_within_s, _patience(q))
        ]
    metrics = erlang.priority_metrics(slots, loads, mean_aht, [q.answer_within_s for q in members])
    patience = [q.patience_s for q in members if q.patience_s is not None]
    if patience:
        pooled = erlang.erlang_a(slots, np.sum(loads, axis=0), mean_aht, min(patience), 0.0)
        metrics = [
            dataclasses.replace(m, abandonment=pooled.abandonment) if q.patience_s else m
            for q, m in zip(members, metrics, strict=True)
        ]
    return metrics


def _patience(q: Queue) -> float:
    return float(q.patience_s) if q.patience_s is not None else np.nan


def _live_pool(
    rows: pd.DataFrame, members: list[Queue], scenario: Scenario, pool: str
) -> list[dict[str, object]]:
    """Requirement rows of one pool of live queues."""
    interval_s = _interval_s(scenario)
    index, data = _pool_frame(rows, members)
    is_open = open_mask(index, scenario.site).to_numpy()
    # Chat agents hold several chats: the pool is sized in slots; a mixed pool uses the smallest
    # concurrency of its tiers (conservative).
    slots_per_agent = min(q.concurrency for q in members)
    cap = min(_max_occupancy(q, scenario) for q in members)
    slots = _pool_slots_needed(members, data, is_open, interval_s, cap)
    pool_agents = np.ceil(slots / slots_per_agent - 1e-9)
    loads, _ = _pool_loads(members, data, interval_s)
    total_load = np.sum(loads, axis=0)
    floor = scenario.requirement.min_staff_when_open
    tier_agents = {}
    for q, own in zip(members, loads, strict=True):
        if len(members) == 1:
            agents = pool_agents.copy()
        else:  # the pool's agents split over its tiers by load
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(total_load > 0, own / total_load, 1.0 / len(members))
            agents = pool_agents * share
        tier_agents[q.name] = np.where(is_open, np.maximum(agents, floor), 0.0)
    # the pool actually staffed: the tiers' agents after the floor
    pool_agents = np.sum(list(tier_agents.values()), axis=0)
    service = _pool_service(pool_agents * slots_per_agent, members, data, interval_s)
    blocks = []
    for q, metrics in zip(members, service, strict=True):
        contacts, aht = data[q.name]
        # keep only the tier's own forecast rows (the pool grid is the union of its tiers')
        pos = index.get_indexer(pd.DatetimeIndex(rows.loc[rows["queue"] == q.name, "ds"]))
        closed = ~is_open[pos]

        def unserved(values: np.ndarray, closed: np.ndarray = closed) -> np.ndarray:
            # closed intervals: nobody answers, so there is no service to report
            return np.where(closed, np.nan, values)

        blocks.append(
            {
                "queue": q.name,
                "ds": index.as_unit("ns").asi8[pos],
                "contacts": contacts[pos],
                "aht_s": aht[pos],
                "agents_needed": tier_agents[q.name][pos],
                "service_level": unserved(metrics.service_level[pos]),
                "asa_s": unserved(metrics.asa_s[pos]),
                "occupancy": np.where(closed, 0.0, metrics.occupancy[pos]),
                "abandonment": unserved(metrics.abandonment[pos]),
                "p_wait": unserved(metrics.p_wait[pos]),
                "workload_erlangs": contacts[pos] * aht[pos] / interval_s,
                "open": is_open[pos],
                "pool": pool,
                "pool_agents_needed": pool_agents[pos],
                "model": _model_name(q) if len(members) == 1 else "priority",
            }
        )
    return blocks


# ---------------------------------------------------------------------------------------------
# Email: the backlog workload model
# ---------------------------------------------------------------------------------------------


def _window_intervals(queue: Queue, scenario: Scenario) -> int:
    """Intervals in the response window (those starting before arrival + response_within_h)."""
    hours = float(queue.response_within_h or 0.0)
    return max(1, math.ceil(hours * 60.0 / scenario.site.interval_minutes - 1e-9))


def _email_queue(rows: pd.DataFrame, queue: Queue, scenario: Scenario) -> dict[str, object]:
    """Requirement rows of one email queue: spread each interval's work over its window."""
    interval_s = _interval_s(scenario)
    k = _window_intervals(queue, scenario)
    rows = rows.sort_values("ds").reset_index(drop=True)
    extra_days = math.ceil(k * scenario.site.interval_minutes / 1440) + 8
    grid, pos = _grid_positions(rows["ds"], scenario, extra_days, "forecast", queue.name)
    size = len(grid)
    is_open = open_mask(grid, scenario.site).to_numpy()
    if not is_open.any():
        raise ScenarioError("site.opening_hours: the site never opens, so no email is answered")
    work = np.zeros(size)
    work[pos] = rows["contacts"].to_numpy() * rows["aht_s"].to_numpy()  # seconds of work
    arrivals = np.flatnonzero(work > 0)
    # window start: the first open interval at or after arrival
    idx = np.arange(size)
    next_open = np.where(is_open, idx, size)
    next_open = np.minimum.accumulate(next_open[::-1])[::-1]
    cum_open = np.concatenate([[0], np.cumsum(is_open)])
    ws = next_open[arrivals]
    if (ws >= size).any():
        raise ScenarioError(
            f"queues: {queue.name}: some email arrives after the site's last opening in reach; "
            "check site.opening_hours"
        )
    # the window is the open part of [arrival, arrival + H); when the site is closed for all of
    # it, the target cannot be met and the work is spread over a full window from the opening
    we = np.minimum(np.where(ws < arrivals + k, arrivals + k, ws + k), size)
    n_open = cum_open[we] - cum_open[ws]
    rate = work[arrivals] / n_open  # seconds of work per open interval of the window
    diff = np.zeros(size + 1)
    np.add.at(diff, ws, rate)
    np.add.at(diff, we, -rate)
    workload_s = np.cumsum(diff)[:size] * is_open
    workload_s[workload_s < 1e-6] = 0.0  # cumulative-sum round-off, not work
    workload = workload_s / interval_s  # Erlangs
    cap = _max_occupancy(queue, scenario)
    agents = workload / cap
    # Arrival-side measures: on-time share and mean time to the planned work, per arrival row.
    p = pos
    ws_all = next_open[np.minimum(p, size - 1)]
    we_all = np.minimum(np.where(ws_all < p + k, p + k, ws_all + k), size)
    n_all = np.maximum(cum_open[we_all] - cum_open[ws_all], 1)
    deadline = np.minimum(p + k, size)
    on_time = np.clip(cum_open[np.maximum(deadline, ws_all)] - cum_open[ws_all], 0, None) / n_all
    cum_idx = np.concatenate([[0.0], np.cumsum(idx * is_open)])
    mean_pos = (cum_idx[we_all] - cum_idx[ws_all]) / n_all
    delay_s = (mean_pos - p + 0.5) * interval_s
    agents_row = agents[p]
    with np.errstate(invalid="ignore", divide="ignore"):
        occ = np.where(agents_row > 0, workload[p] / agents_row, 0.0)
    return {
        "queue": queue.name,
        "ds": pd.DatetimeIndex(rows["ds"]).as_unit("ns").asi8,
        "contacts": rows["contacts"].to_numpy(dtype=float),
        "aht_s": rows["aht_s"].to_numpy(dtype=float),
        "agents_needed": agents_row,
        "service_level": on_time,
        "asa_s": delay_s,
        "occupancy": occ,
        "abandonment": 0.0,
        "p_wait": np.nan,
        "workload_erlangs": workload[p],
        "open": is_open[p],
        "pool": queue.name,
        "pool_agents_needed": agents_row,
        "model": "workload",
    }


# ---------------------------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------------------------


def required_staff(forecast: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The ``requirement`` table: agents and staff needed per queue and interval.

    Args:
        forecast: the ``forecast`` table (``queue, ds`` and ``y_plan`` or ``yhat``; an optional
            ``aht_s`` column overrides the queue's handle time per row).
        scenario: the plan's settings (queues, opening hours, ``requirement`` section).

    Returns:
        One row per forecast row, columns :data:`REQUIREMENT_COLUMNS`, sorted by scenario queue
        order then ``ds``. ``agents_needed`` are on-queue agents (whole numbers for a queue that
        has its pool to itself, a load share of the pool for priority tiers, fractional workload
        for email); ``staff_needed = agents_needed / (1 - shrinkage.total)``.

    Raises:
        DataError: unknown queue, duplicate key, non-numeric volume, misaligned timestamp.
    """
    source = "forecast"
    contacts = _contacts(forecast, scenario, source)
    blocks: list[dict[str, object]] = []
    for pool, members in queue_pools(scenario).items():
        names = [q.name for q in members]
        rows = contacts[contacts["queue"].isin(names)]
        if rows.empty:
            continue
        if members[0].channel == "email":
            blocks.append(_email_queue(rows, members[0], scenario))
        else:
            blocks.extend(_live_pool(rows, members, scenario, pool))
    return _assemble(blocks, scenario)


def _assemble(blocks: list[dict[str, object]], scenario: Scenario) -> pd.DataFrame:
    """One requirement table from per-queue column blocks (numpy all the way: fast)."""
    if not blocks:
        return pd.DataFrame({c: [] for c in REQUIREMENT_COLUMNS})
    text = ("queue", "pool", "model")
    labels: dict[str, list[str]] = {c: [] for c in text}
    columns: dict[str, list[np.ndarray]] = {c: [] for c in REQUIREMENT_COLUMNS}
    for block in blocks:
        size = len(block["contacts"])  # type: ignore[arg-type]
        for col in REQUIREMENT_COLUMNS:
            if col == "staff_needed":
                continue
            value = block[col]
            if col in text:  # strings travel as integer codes until the end
                if value not in labels[col]:
                    labels[col].append(str(value))
                columns[col].append(np.full(size, labels[col].index(str(value))))
            elif isinstance(value, np.ndarray):
                columns[col].append(value)
            else:
                columns[col].append(np.full(size, value, dtype=float))
    data = {c: np.concatenate(v) for c, v in columns.items() if v}
    order = {name: i for i, name in enumerate(scenario.queue_names)}
    rank = np.array([order[name] for name in labels["queue"]])[data["queue"]]
    sort = np.lexsort((data["ds"], rank))
    data = {c: v[sort] for c, v in data.items()}
    for col in text:
        data[col] = np.array(labels[col], dtype=object)[data[col]]
    shrinkage = scenario.requirement.shrinkage.total
    data["staff_needed"] = data["agents_needed"] / (1.0 - shrinkage)
    table = pd.DataFrame({c: data[c] for c in REQUIREMENT_COLUMNS if c != "ds"})
    ds = pd.to_datetime(data["ds"], utc=True, unit="ns").tz_convert(scenario.site.timezone)
    table.insert(1, "ds", ds)
    table["open"] = table["open"].astype(bool)
    return table


# ---------------------------------------------------------------------------------------------
# The inverse: what a rota achieves
# ---------------------------------------------------------------------------------------------


def _email_achieved(part: pd.DataFrame, queue: Queue, scenario: Scenario) -> pd.DataFrame:
    """Fluid first-in-first-out backlog of one email queue under the scheduled capacity."""
    interval_s = _interval_s(scenario)
    k = _window_intervals(queue, scenario)
    part = part.sort_values("ds").reset_index(drop=True)
    _, pos = _grid_positions(part["ds"], scenario, 0, "scheduled", queue.name)
    size = int(pos.max()) + 1
    arrive = np.zeros(size)
    arrive[pos] = part["contacts"].to_numpy() * part["aht_s"].to_numpy()
    effective = np.zeros(size)
    effective[pos] = part["agents_effective"].to_numpy()
    capacity = effective * interval_s * _max_occupancy(queue, scenario)
    # Lindley: backlog b_i = max(0, b_{i-1} + a_i - c_i) = X_i - min(0, min_{k<=i} X_k)
    x = np.cumsum(arrive - capacity)
    backlog = x - np.minimum(0.0, np.minimum.accumulate(x))
    cum_arrive = np.cumsum(arrive)
    done = cum_arrive - backlog  # cumulative seconds of work finished by the end of interval i
    before = cum_arrive - arrive
    deadline = pos + k - 1
    judged = deadline < size
    d = np.minimum(deadline, size - 1)
    amount = arrive[pos]
    with np.errstate(invalid="ignore", divide="ignore"):
        on_time = np.clip((done[d] - before[pos]) / amount, 0.0, 1.0)
    on_time = np.where(amount > 0, on_time, 1.0)
    on_time = np.where(judged, on_time, np.nan)
    middle = before[pos] + amount / 2.0
    finish = np.searchsorted(done, middle - 1e-9, side="left")
    delay = np.where(finish < size, (finish - pos + 0.5) * interval_s, np.nan)
    delay = np.where(amount > 0, delay, 0.0)
    worked = np.diff(np.concatenate([[0.0], done]))
    with np.errstate(invalid="ignore", divide="ignore"):
        occ = np.where(effective > 0, worked / (effective * interval_s), 0.0)
    return pd.DataFrame(
        {
            "queue": queue.name,
            "ds": part["ds"].array,
            "service_level": on_time,
            "asa_s": delay,
            "occupancy": np.minimum(occ[pos], 1.0),
            "abandonment": 0.0,
            "p_wait": np.nan,
            "backlog_s": backlog[pos],
        }
    )


def achieved_service(
    requirement: pd.DataFrame, scheduled: pd.DataFrame, scenario: Scenario
) -> pd.DataFrame:
    """The service a rota gives, per queue and interval (the inverse of :func:`required_staff`).

    Args:
        requirement: the ``requirement`` table (``queue, ds, contacts, aht_s``; other columns are
            ignored and recomputed).
        scheduled: ``queue, ds, staff_scheduled`` — on-queue heads per interval *before*
            shrinkage (e.g. the ``coverage`` table). Only these keys are judged.
        scenario: the plan's settings.

    Returns:
        ``queue, ds, contacts, aht_s, staff_scheduled, agents_effective, service_level, asa_s,
        occupancy, abandonment, p_wait, open`` (+ ``backlog_s`` for email). ``agents_effective``
        is ``staff_scheduled × (1 - shrinkage)``; priority tiers of one pool share its agents.
        Service measures are NaN where nothing can be judged (a live queue while closed, an email
        whose deadline falls after the table ends).

    Raises:
        DataError: a scheduled key missing from the requirement, or a bad staff number.
    """
    for col in ("queue", "ds", "staff_scheduled"):
        if col not in scheduled.columns:
            raise DataError(f"scheduled: no column '{col}' (needs queue, ds, staff_scheduled)")
    for col in ("queue", "ds", "contacts", "aht_s"):
        if col not in requirement.columns:
            raise DataError(f"requirement: no column '{col}'; build it with required_staff()")
    req = requirement[["queue", "ds", "contacts", "aht_s"]].copy()
    req["ds"] = _local_ds(req["ds"], scenario, "requirement")
    sched = scheduled[["queue", "ds", "staff_scheduled"]].copy()
    sched["ds"] = _local_ds(sched["ds"], scenario, "scheduled")
    _check_keys(sched, scenario, "scheduled")
    staff = pd.to_numeric(sched["staff_scheduled"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(staff) | (staff < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"scheduled: column 'staff_scheduled', row {row + 2}: "
            f"{scheduled['staff_scheduled'].iloc[row]!r} is not a head count >= 0"
        )
    sched["staff_scheduled"] = staff
    merged = sched.merge(req, on=["queue", "ds"], how="left", indicator=True)
    missing = merged["_merge"] != "both"
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0])
        raise DataError(
            f"scheduled: row {row + 2}: no requirement for queue {merged['queue'].iloc[row]!r} "
            f"at {merged['ds'].iloc[row].isoformat()}; schedule against the requirement's grid"
        )
    merged = merged.drop(columns="_merge")
    merged["agents_effective"] = merged["staff_scheduled"] * (
        1.0 - scenario.requirement.shrinkage.total
    )
    interval_s = _interval_s(scenario)
    frames = []
    for members in queue_pools(scenario).values():
        names = [q.name for q in members]
        rows = merged[merged["queue"].isin(names)]
        if rows.empty:
            continue
        if members[0].channel == "email":
            frames.append(_email_achieved(rows, members[0], scenario))
            continue
        index, data = _pool_frame(rows, members)
        is_open = open_mask(index, scenario.site).to_numpy()
        pool_agents = np.zeros(len(index))
        for q in members:
            part = rows[rows["queue"] == q.name].set_index("ds")["agents_effective"]
            pool_agents += part.reindex(index).fillna(0.0).to_numpy()
        slots = pool_agents * min(q.concurrency for q in members)
        service = _pool_service(slots, members, data, interval_s)
        for q, m in zip(members, service, strict=True):
            frame = pd.DataFrame(
                {
                    "queue": q.name,
                    "ds": index,
                    "service_level": m.service_level,
                    "asa_s": m.asa_s,
                    "occupancy": m.occupancy,
                    "abandonment": m.abandonment,
                    "p_wait": m.p_wait,
                }
            )
            for col in ("service_level", "asa_s", "abandonment", "p_wait"):
                frame.loc[~is_open, col] = np.nan
            frame.loc[~is_open, "occupancy"] = 0.0
            frames.append(frame)
    if not frames:  # nothing scheduled: the columns, no rows
        empty = {c: pd.Series(dtype=float) for c in ("service_level", "asa_s", "occupancy")}
        out = merged.assign(**empty, abandonment=np.nan, p_wait=np.nan)
        out["open"] = pd.Series(dtype=bool)
        return out
    measures = pd.concat(frames, ignore_index=True)
    out = merged.merge(measures, on=["queue", "ds"], how="left")
    out["open"] = open_mask(pd.DatetimeIndex(out["ds"]), scenario.site).to_numpy()
    return out.reset_index(drop=True)


def service_summary(achieved: pd.DataFrame, scenario: Scenario | None = None) -> pd.DataFrame:
    """Per-queue service of an :func:`achieved_service` (or ``requirement``) table.

    Contact-weighted service level and abandonment, ASA weighted by answered contacts, occupancy
    weighted by agents. Rows with no judgement (NaN) are left out of each average.

    Returns:
        ``queue, contacts, service_level, asa_s, abandonment, occupancy`` and, given a scenario,
        ``target_service_level`` and ``meets_target``.
    """
    agents_col = "agents_effective" if "agents_effective" in achieved.columns else "agents_needed"
    records = []
    for queue, part in achieved.groupby("queue", sort=False):
        contacts = part["contacts"].to_numpy(dtype=float)
        sl = part["service_level"].to_numpy(dtype=float)
        ab = part["abandonment"].to_numpy(dtype=float)
        asa_s = part["asa_s"].to_numpy(dtype=float)
        occ = part["occupancy"].to_numpy(dtype=float)
        agents = part[agents_col].to_numpy(dtype=float)

        def weighted(values: np.ndarray, weights: np.ndarray) -> float:
            ok = ~np.isnan(values) & (weights > 0)
            total = weights[ok].sum()
            if total <= 0:
                return float("nan")
            with np.errstate(invalid="ignore"):
                return float(np.sum(values[ok] * weights[ok]) / total)

        answered = contacts * (1.0 - np.nan_to_num(ab))
        records.append(
            {
                "queue": queue,
                "contacts": float(contacts.sum()),
                "service_level": weighted(sl, contacts),
                "asa_s": weighted(asa_s, answered),
                "abandonment": weighted(ab, contacts),
                "occupancy": weighted(occ, agents),
            }
        )
    summary = pd.DataFrame(
        records, columns=["queue", "contacts", "service_level", "asa_s", "abandonment", "occupancy"]
    )
    if scenario is not None and not summary.empty:
        targets = {q.name: q.service_level for q in scenario.queues}
        summary["target_service_level"] = summary["queue"].map(targets)
        summary["meets_target"] = summary["service_level"] >= summary["target_service_level"]
    return summary
