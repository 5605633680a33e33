"""The requirement stage: live queues, pooled priority tiers, chat concurrency, the email workload
model, shrinkage, the inverse (achieved service), a priority-queue simulation, and the CLI."""

from __future__ import annotations

import datetime as dt
import heapq
import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from planner import erlang
from planner.cli import app
from planner.errors import DataError
from planner.requirement import (
    REQUIREMENT_COLUMNS,
    achieved_service,
    queue_pools,
    required_staff,
    service_summary,
)
from planner.scenario import parse_scenario
from planner.tables import read_table, write_table
from planner.timegrid import interval_grid, open_mask

TZ = "America/New_York"
SHRINK = {"absence": 0.1, "meetings": 0.05, "training": 0.05, "other": 0.0}  # total 0.2


def make_scenario(queues: list[dict] | None = None, **requirement) -> object:
    queues = queues or [
        {
            "name": "phone/urgent",
            "channel": "phone",
            "priority": "urgent",
            "aht_s": 300,
            "service_level": 0.9,
            "answer_within_s": 10,
            "patience_s": 120,
        },
        {
            "name": "phone/normal",
            "channel": "phone",
            "priority": "normal",
            "aht_s": 360,
            "service_level": 0.8,
            "answer_within_s": 30,
        },
        {
            "name": "chat/normal",
            "channel": "chat",
            "aht_s": 600,
            "service_level": 0.8,
            "answer_within_s": 60,
            "concurrency": 2,
        },
        {
            "name": "email/normal",
            "channel": "email",
            "aht_s": 400,
            "service_level": 0.8,
            "answer_within_s": None,
            "response_within_h": 4,
        },
    ]
    return parse_scenario(
        {
            "site": {
                "name": "test",
                "timezone": TZ,
                "interval_minutes": 30,
                "opening_hours": {
                    d: ["08:00", "20:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
            },
            "horizon": {"start": "2026-11-30", "end": "2026-12-02"},
            "history": {"path": "unused.csv"},
            "queues": queues,
            "shifts": [{"name": "day", "start": "08:00", "length_h": 8}],
            "requirement": {"shrinkage": SHRINK, **requirement},
        }
    )


def make_forecast(scenario, days: int = 3, seed: int = 0, scale: float = 1.0) -> pd.DataFrame:
    """Contacts per 30 min: busy while open, a trickle of email (only) while closed."""
    rng = np.random.default_rng(seed)
    first = dt.date(2026, 11, 30)
    grid = interval_grid(first, first + dt.timedelta(days=days - 1), TZ, 30)
    is_open = open_mask(grid, scenario.site).to_numpy()
    base = {"phone/urgent": 12, "phone/normal": 60, "chat/normal": 40, "email/normal": 25}
    frames = []
    for q in scenario.queues:
        mean = base.get(q.name, 20) * scale * np.where(is_open, 1.0, 0.0)
        if q.channel == "email":
            mean = mean + 6 * scale * ~is_open
        y = mean * rng.uniform(0.7, 1.3, len(grid))
        frames.append(
            pd.DataFrame(
                {
                    "queue": q.name,
                    "ds": grid,
                    "yhat": y,
                    "yhat_lower": y * 0.8,
                    "yhat_upper": y * 1.2,
                    "holiday": "",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def scenario():
    return make_scenario()


@pytest.fixture(scope="module")
def forecast(scenario):
    return make_forecast(scenario)


@pytest.fixture(scope="module")
def requirement(forecast, scenario):
    return required_staff(forecast, scenario)


# ---------------------------------------------------------------------------------------------
# The requirement table
# ---------------------------------------------------------------------------------------------


def test_table_contract_and_one_row_per_forecast_row(requirement, forecast, scenario):
    assert list(requirement.columns) == list(REQUIREMENT_COLUMNS)
    assert len(requirement) == len(forecast)
    assert not requirement.duplicated(["queue", "ds"]).any()
    assert str(requirement["ds"].dt.tz) == TZ
    assert requirement["queue"].unique().tolist() == scenario.queue_names
    merged = forecast.merge(requirement, on=["queue", "ds"])
    assert np.allclose(merged["yhat"], merged["contacts"])


def test_live_queues_need_nobody_while_closed(requirement):
    closed_live = requirement[~requirement["open"] & (requirement["model"] != "workload")]
    assert len(closed_live) > 0
    assert (closed_live["agents_needed"] == 0).all()
    assert (closed_live["staff_needed"] == 0).all()
    assert closed_live["service_level"].isna().all()


def test_shrinkage_turns_agents_into_staff(requirement):
    assert np.allclose(requirement["staff_needed"], requirement["agents_needed"] / 0.8)


def test_solo_chat_queue_uses_slots_and_concurrency(requirement, scenario):
    chat = requirement[(requirement["queue"] == "chat/normal") & requirement["open"]]
    q = scenario.queue("chat/normal")
    traffic = chat["contacts"] * q.aht_s / 1800
    slots = erlang.agents_for_target(traffic, q.aht_s, 0.8, 60.0, max_occupancy=0.85)
    assert np.array_equal(chat["agents_needed"], np.ceil(slots / 2))
    assert (chat["service_level"] >= 0.8).all()
    assert (chat["occupancy"] <= 0.85 + 1e-12).all()
    assert (chat["agents_needed"] == np.round(chat["agents_needed"])).all()


def test_priority_tiers_share_one_pool(requirement, scenario):
    pools = queue_pools(scenario)
    assert [q.name for q in pools["phone:phone"]] == ["phone/urgent", "phone/normal"]
    phone = requirement[requirement["pool"] == "phone:phone"]
    live = phone[phone["open"]]
    by_ds = live.groupby("ds")
    # the tiers' agents add up to the pool, which each tier reports
    assert np.allclose(by_ds["agents_needed"].sum(), by_ds["pool_agents_needed"].first())
    # priority model: the pool is the fewest agents giving each tier its own target
    urgent = live[live["queue"] == "phone/urgent"].set_index("ds")
    normal = live[live["queue"] == "phone/normal"].set_index("ds")
    pool = urgent["pool_agents_needed"].to_numpy()
    a_u = (urgent["contacts"] * 300 / 1800).to_numpy()
    a_n = (normal["contacts"] * 360 / 1800).to_numpy()
    mean_aht = (a_u + a_n) * 1800 / (urgent["contacts"] + normal["contacts"]).to_numpy()
    expected = erlang.agents_for_priority(
        [a_u, a_n], mean_aht, [0.9, 0.8], [10.0, 30.0], max_occupancy=0.85
    )
    assert np.allclose(pool, expected)
    assert (urgent["service_level"] >= 0.9).all() and (normal["service_level"] >= 0.8).all()
    below = erlang.priority_metrics(pool - 1, [a_u, a_n], mean_aht, [10.0, 30.0])
    at_cap = pool - 1 < np.ceil((a_u + a_n) / 0.85)
    missed = (below[0].service_level < 0.9) | (below[1].service_level < 0.8)
    assert np.all(missed | at_cap)  # one agent fewer misses a target or the occupancy cap
    # pooling needs no more agents than two separate teams
    alone_u = erlang.agents_for_target(a_u, 300, 0.9, 10, patience_s=120, max_occupancy=0.85)
    alone_n = erlang.agents_for_target(a_n, 360, 0.8, 30, max_occupancy=0.85)
    assert (pool <= alone_u + alone_n).all()
    assert (pool < alone_u + alone_n).any()
    # tiers with a patience report the pool's abandonment; tiers without, none
    assert (urgent["abandonment"] > 0).any() and (normal["abandonment"] == 0).all()


def test_email_workload_is_conserved_and_worked_only_while_open(requirement, scenario):
    email = requirement[requirement["queue"] == "email/normal"]
    assert (email.loc[~email["open"], "agents_needed"] == 0).all()
    # every second of work arriving lands in an open interval of its window; the work of
    # contacts whose window runs past the table's end is planned after it (not in the table)
    ds = email["ds"].reset_index(drop=True)
    ends_inside = ds + pd.Timedelta(hours=4) <= ds.iloc[-1] - pd.Timedelta(hours=12)
    arrived = float((email["contacts"] * email["aht_s"]).to_numpy()[ends_inside.to_numpy()].sum())
    worked = float(email["workload_erlangs"].sum() * 1800)
    total = float((email["contacts"] * email["aht_s"]).sum())
    assert arrived <= worked <= total + 1e-6
    # agents carry the workload at the occupancy cap
    open_rows = email[email["agents_needed"] > 0]
    assert np.allclose(open_rows["agents_needed"] * 0.85, open_rows["workload_erlangs"])


def test_email_window_starts_at_opening_for_overnight_contacts(scenario):
    # one email at 21:00 (closed until 08:00) with a 4 h target: impossible, worked 08:00-12:00
    grid = interval_grid(dt.date(2026, 11, 30), dt.date(2026, 12, 1), TZ, 30)
    y = np.zeros(len(grid))
    y[list(grid).index(pd.Timestamp("2026-11-30 21:00", tz=TZ))] = 8.0
    y[list(grid).index(pd.Timestamp("2026-12-01 10:00", tz=TZ))] = 8.0
    fc = pd.DataFrame({"queue": "email/normal", "ds": grid, "yhat": y})
    only_email = make_scenario([q.model_dump() for q in scenario.queues if q.channel == "email"])
    req = required_staff(fc, only_email).set_index("ds")
    work = req["workload_erlangs"] * 1800
    night = work[pd.Timestamp("2026-12-01 08:00", tz=TZ) : pd.Timestamp("2026-12-01 09:30", tz=TZ)]
    assert np.allclose(night.iloc[:4] > 0, True)
    assert req.loc[pd.Timestamp("2026-11-30 21:00", tz=TZ), "service_level"] == 0.0
    assert req.loc[pd.Timestamp("2026-12-01 10:00", tz=TZ), "service_level"] == 1.0
    assert work.sum() == pytest.approx(16 * 400)
    # the 10:00 contacts are spread over 10:00-13:30 (8 intervals), 400 s·8/8 per interval
    assert work[pd.Timestamp("2026-12-01 13:30", tz=TZ)] == pytest.approx(400.0)
    assert work[pd.Timestamp("2026-12-01 14:00", tz=TZ)] == pytest.approx(0.0)


def test_y_plan_wins_over_yhat_and_deflection_applies_to_yhat_only(scenario):
    queues = [q.model_dump() for q in scenario.queues]
    queues[1]["deflection"] = 0.25
    deflected = make_scenario(queues)
    fc = make_forecast(deflected, days=1)
    base = required_staff(fc, deflected)
    normal = base["queue"] == "phone/normal"
    expected = fc.set_index(["queue", "ds"])["yhat"] * 0.75
    got = base[normal].set_index(["queue", "ds"])["contacts"]
    assert np.allclose(got, expected.loc[got.index])
    planned = fc.assign(y_plan=fc["yhat"] * 2)
    with_plan = required_staff(planned, deflected)
    assert np.allclose(with_plan["contacts"], planned["y_plan"])  # already deflected upstream


def test_forecast_aht_column_overrides_the_queue(scenario):
    fc = make_forecast(scenario, days=1)
    fc["aht_s"] = np.where(fc["queue"] == "phone/normal", 720.0, np.nan)
    req = required_staff(fc, scenario)
    assert (req.loc[req["queue"] == "phone/normal", "aht_s"] == 720.0).all()
    assert (req.loc[req["queue"] == "chat/normal", "aht_s"] == 600.0).all()


def test_min_staff_floor_and_zero_contacts(scenario):
    floored = make_scenario([q.model_dump() for q in scenario.queues], min_staff_when_open=2)
    fc = make_forecast(floored, days=1, scale=0.0)
    req = required_staff(fc, floored)
    live = req[req["model"] != "workload"]
    assert (live.loc[live["open"], "agents_needed"] == 2).all()
    assert (live.loc[~live["open"], "agents_needed"] == 0).all()
    plain = required_staff(make_forecast(scenario, days=1, scale=0.0), scenario)
    assert (plain["agents_needed"] == 0).all()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.assign(queue=f["queue"].where(f.index != 3, "fax/normal")), "unknown queue"),
        (lambda f: pd.concat([f, f.iloc[[5]]], ignore_index=True), "two rows"),
        (lambda f: f.assign(yhat=f["yhat"].where(f.index != 7, np.nan)), "row 9"),
        (
            lambda f: f.assign(ds=f["ds"].where(f.index != 2, f["ds"] + pd.Timedelta(minutes=7))),
            "not the start of a 30-minute interval",
        ),
        (lambda f: f.assign(aht_s=np.where(f.index == 4, -1.0, 300.0)), "aht_s"),
    ],
)
def test_bad_forecast_rows_are_one_line_errors(scenario, mutate, message):
    fc = make_forecast(scenario, days=1)
    fc = fc[fc["queue"].isin(["email/normal", "phone/normal"])].reset_index(drop=True)
    with pytest.raises(DataError, match=message) as info:
        required_staff(mutate(fc), scenario)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------------------------
# The inverse
# ---------------------------------------------------------------------------------------------


def test_scheduling_exactly_the_requirement_gives_back_its_service(requirement, scenario):
    scheduled = requirement[["queue", "ds", "staff_needed"]].rename(
        columns={"staff_needed": "staff_scheduled"}
    )
    achieved = achieved_service(requirement, scheduled, scenario)
    assert len(achieved) == len(requirement)
    live = requirement["model"] != "workload"
    assert np.allclose(
        achieved.loc[live, "agents_effective"], requirement.loc[live, "agents_needed"]
    )
    assert np.allclose(
        achieved.loc[live, "service_level"],
        requirement.loc[live, "service_level"],
        equal_nan=True,
    )
    summary = service_summary(achieved, scenario).set_index("queue")
    assert summary["meets_target"].all()
    # email: planned capacity clears each contact within its window whenever the window is in
    # the table and the contact arrived while open
    email = achieved[(achieved["queue"] == "email/normal") & achieved["open"]]
    assert (email["service_level"].dropna() >= 1 - 1e-9).all()


def test_fewer_staff_give_worse_service(requirement, scenario):
    scheduled = requirement[["queue", "ds", "staff_needed"]].rename(
        columns={"staff_needed": "staff_scheduled"}
    )
    full = service_summary(achieved_service(requirement, scheduled, scenario)).set_index("queue")
    thin = scheduled.assign(staff_scheduled=scheduled["staff_scheduled"] * 0.7)
    worse = service_summary(achieved_service(requirement, thin, scenario)).set_index("queue")
    assert (worse["service_level"] < full["service_level"]).all()
    assert worse.loc["phone/urgent", "abandonment"] > full.loc["phone/urgent", "abandonment"]
    nobody = scheduled.assign(staff_scheduled=0.0)
    none = achieved_service(requirement, nobody, scenario)
    busy = none["open"] & (none["contacts"] > 0) & none["service_level"].notna()
    assert (none.loc[busy, "service_level"] == 0).all()


def test_summary_weights_by_contacts():
    table = pd.DataFrame(
        {
            "queue": ["q", "q", "q"],
            "contacts": [10.0, 30.0, 0.0],
            "service_level": [1.0, 0.6, np.nan],
            "asa_s": [0.0, 40.0, np.nan],
            "abandonment": [0.0, 0.1, np.nan],
            "occupancy": [0.5, 0.9, 0.0],
            "agents_needed": [2.0, 6.0, 0.0],
        }
    )
    row = service_summary(table).iloc[0]
    assert row["service_level"] == pytest.approx((10 * 1.0 + 30 * 0.6) / 40)
    assert row["abandonment"] == pytest.approx(30 * 0.1 / 40)
    assert row["asa_s"] == pytest.approx(27 * 40 / (10 + 27))
    assert row["occupancy"] == pytest.approx((2 * 0.5 + 6 * 0.9) / 8)


def test_scheduled_rows_must_exist_in_the_requirement(requirement, scenario):
    bad = pd.DataFrame(
        {
            "queue": ["phone/normal"],
            "ds": [pd.Timestamp("2030-01-01 09:00", tz=TZ)],
            "staff_scheduled": [3.0],
        }
    )
    with pytest.raises(DataError, match="no requirement for queue 'phone/normal'"):
        achieved_service(requirement, bad, scenario)


# ---------------------------------------------------------------------------------------------
# Priority tiers: an independent simulation of one pool serving urgent before normal
# ---------------------------------------------------------------------------------------------


def simulate_priority_pool(
    agents: int,
    rates: list[float],
    aht_s: float,
    target_s: float,
    customers: int,
    seed: int,
    patience_s: float | None = None,
) -> list[float]:
    """Non-preemptive priority M/M/n(+M): each tier's share *answered* within ``target_s``.

    Event-driven: arrivals of each tier are Poisson, handle times exponential; a free agent takes
    the oldest waiting contact of the most urgent tier that still has one. With a patience,
    callers whose wait passed their (exponential) patience have hung up and are skipped.
    """
    rng = np.random.default_rng(seed)
    total = sum(rates)
    times = np.cumsum(rng.exponential(1 / total, customers))
    tiers = rng.choice(len(rates), size=customers, p=np.array(rates) / total)
    service = rng.exponential(aht_s, customers)
    patience = rng.exponential(patience_s, customers) if patience_s else np.full(customers, np.inf)
    busy: list[float] = []  # completion times of busy agents
    queues: list[list[int]] = [[] for _ in rates]
    heads = [0] * len(rates)
    waits = np.full(customers, np.nan)

    def start_waiting(now: float) -> None:
        while len(busy) < agents:
            for k, q in enumerate(queues):
                while heads[k] < len(q) and now - times[q[heads[k]]] > patience[q[heads[k]]]:
                    heads[k] += 1  # hung up while waiting: never answered (waits stays NaN)
                if heads[k] < len(q):
                    i = q[heads[k]]
                    heads[k] += 1
                    waits[i] = now - times[i]
                    heapq.heappush(busy, now + service[i])
                    break
            else:
                return

    for i in range(customers):
        while busy and busy[0] <= times[i]:
            done = heapq.heappop(busy)
            start_waiting(done)
        queues[tiers[i]].append(i)
        start_waiting(times[i])
    keep = np.arange(customers) >= customers // 10
    shares = []
    for k in range(len(rates)):
        sel = keep & (tiers == k)
        offered = np.count_nonzero(sel & (times < times[-1] - 20 * aht_s))  # all decided
        sel &= times < times[-1] - 20 * aht_s
        shares.append(float(np.count_nonzero(sel & (waits <= target_s)) / offered))
    return shares


@pytest.mark.parametrize(
    ("urgent_load", "normal_load", "urgent_target", "normal_target", "urgent_sl", "normal_sl"),
    [(6.0, 24.0, 10.0, 30.0, 0.9, 0.8), (10.0, 20.0, 20.0, 20.0, 0.8, 0.8)],
)
def test_priority_model_agrees_with_simulation(
    urgent_load, normal_load, urgent_target, normal_target, urgent_sl, normal_sl
):
    """Non-pre-emptive priority M/M/n: model vs simulation for each tier, at the sized pool.

    Measured when this test was written (300,000 contacts): within 0.8 points for both tiers;
    the check allows 1.5 points (the lower tier's exponential conditional wait is approximate).
    """
    aht = 300.0
    loads = [urgent_load, normal_load]
    pool = float(
        erlang.agents_for_priority(
            loads, aht, [urgent_sl, normal_sl], [urgent_target, normal_target]
        )
    )
    model = erlang.priority_metrics(pool, loads, aht, [urgent_target, normal_target])
    rates = [urgent_load / aht, normal_load / aht]
    urgent, _ = simulate_priority_pool(int(pool), rates, aht, urgent_target, 120_000, seed=5)
    _, normal = simulate_priority_pool(int(pool), rates, aht, normal_target, 120_000, seed=5)
    assert abs(urgent - float(model[0].service_level)) < 0.015
    assert abs(normal - float(model[1].service_level)) < 0.015
    assert urgent >= urgent_sl - 0.015 and normal >= normal_sl - 0.015
    # a pool serving both in one FCFS line would give the lower tier more than priority does
    fcfs = float(erlang.service_level(pool, sum(loads), aht, normal_target))
    assert normal < fcfs


def test_priority_pool_sized_without_patience_still_meets_targets_with_patience():
    """Shared pools ignore patience when sized (docs/requirement.md): with callers who wait far
    longer than the answer target, as in the sample, the simulated pool still meets every
    tier's target (hang-ups shorten the queue more than they cost in time)."""
    aht, loads, target = 400.0, [5.0, 20.0], 20.0
    pool = int(erlang.agents_for_priority(loads, aht, [0.8, 0.8], [target, target]))
    rates = [load / aht for load in loads]
    urgent, normal = simulate_priority_pool(
        pool, rates, aht, target, 120_000, seed=3, patience_s=180.0
    )
    assert urgent >= 0.8 and normal >= 0.8


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_erlang_json_has_exactly_the_documented_keys():
    result = runner.invoke(
        app,
        [
            "erlang",
            "--contacts",
            "100",
            "--interval-min",
            "30",
            "--aht-s",
            "180",
            "--target-sl",
            "0.8",
            "--target-answer-s",
            "20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["agents", "service_level", "asa_s", "occupancy", "abandonment"]
    assert data["agents"] == 14  # 10 Erlangs: 13 agents give 79.6% < 80%
    assert data["abandonment"] == 0.0
    assert data["service_level"] == pytest.approx(float(erlang.service_level(14, 10, 180, 20)))


def test_cli_erlang_table_with_patience_and_concurrency():
    result = runner.invoke(
        app,
        [
            "erlang",
            "--contacts",
            "120",
            "--aht-s",
            "600",
            "--target-answer-s",
            "60",
            "--patience-s",
            "90",
            "--concurrency",
            "2",
            "--max-occupancy",
            "0.85",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Erlang A" in result.stdout and "<- needed" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contacts", "-5", "--aht-s", "180"], "--contacts -5"),
        (["--contacts", "5", "--aht-s", "0"], "--aht-s 0"),
        (["--contacts", "5", "--aht-s", "180", "--target-sl", "1.5"], "between 0 and 1"),
        (
            ["--contacts", "5", "--aht-s", "180", "--target-sl", "1", "--target-answer-s", "0"],
            "impossible",
        ),
        (["--contacts", "5", "--aht-s", "180", "--patience-s", "0"], "--patience-s"),
    ],
)
def test_cli_erlang_bad_inputs_are_one_line_errors(args, message):
    result = runner.invoke(app, ["erlang", *args])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0]


def test_cli_staff_and_service_write_and_report(tmp_path, scenario, forecast):
    import yaml

    data = scenario.model_dump(mode="json", exclude={"base_dir"})
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data))
    write_table(forecast, tmp_path / "forecast.csv", kind="forecast")
    out = tmp_path / "requirement.csv"
    result = runner.invoke(
        app,
        [
            "staff",
            "--scenario",
            str(tmp_path / "scenario.yaml"),
            "--forecast",
            str(tmp_path / "forecast.csv"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    back = read_table(out, "requirement", tz=TZ)
    assert len(back) == len(forecast)
    expected = required_staff(forecast, scenario)
    assert np.allclose(back["staff_needed"], expected["staff_needed"])
    cover = back[["queue", "ds", "staff_needed"]].rename(
        columns={"staff_needed": "staff_scheduled"}
    )
    write_table(cover, tmp_path / "cover.csv")
    result = runner.invoke(
        app,
        [
            "service",
            "--scenario",
            str(tmp_path / "scenario.yaml"),
            "--requirement",
            str(out),
            "--scheduled",
            str(tmp_path / "cover.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "phone/urgent" in result.stdout and math.isfinite(len(result.stdout))


def test_dst_day_and_iso_text_timestamps(scenario):
    # 2026-11-01 falls back: 50 half-hours. Text stamps with two offsets must parse too.
    grid = interval_grid(dt.date(2026, 10, 31), dt.date(2026, 11, 2), TZ, 30)
    rows = []
    for q in scenario.queues:
        rows.append(pd.DataFrame({"queue": q.name, "ds": grid, "yhat": 10.0}))
    fc = pd.concat(rows, ignore_index=True)
    req = required_staff(fc, scenario)
    assert len(req) == len(fc) == 4 * (48 + 50 + 48)
    text = fc.assign(ds=fc["ds"].map(lambda t: t.isoformat()))
    again = required_staff(text, scenario)
    assert (again["ds"] == req["ds"]).all()
    assert np.allclose(again["staff_needed"], req["staff_needed"])
    email = req[req["queue"] == "email/normal"]
    assert email["workload_erlangs"].sum() * 1800 <= email["contacts"].sum() * 400 + 1e-6


def test_nothing_scheduled_gives_an_empty_table(requirement, scenario):
    empty = requirement[["queue", "ds"]].iloc[:0].assign(staff_scheduled=0.0)
    achieved = achieved_service(requirement, empty, scenario)
    assert achieved.empty and "service_level" in achieved.columns
    assert service_summary(achieved, scenario).empty
