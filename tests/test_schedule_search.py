"""The stage-1 search: the greedy start, our LNS, the LP bound and the shared break-cap rule
(real CP-SAT and GLOP on small seeded instances)."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from ortools.sat.python import cp_model

from planner.rota_check import check_rota
from planner.scenario import parse_scenario
from planner.schedule.bound import lp_bound
from planner.schedule.greedy import greedy_start
from planner.schedule.model import COVER_SCALE, break_cap, build_rota_data
from planner.schedule.rules import OBJ_SCALE
from planner.schedule.solve import (
    _fixed_solve,
    _lns,
    _start_from,
    _tables,
    build_rota,
    build_stage1,
)
from planner.schedule.synthetic import (
    flat_requirement,
    synthetic_requirement,
    team_scenario,
    tiny_scenario,
)


def _under_h(data, assignments) -> float:
    """Stage-1 under-cover (staff-hours) of an assignment, from the options' cover."""
    have = data.need * 0
    for d, rows in assignments.items():
        for p, o, g in rows:
            prod = data.people[p].productivity.get(d, 1.0)
            for t, c in data.options[d][o].cover.items():
                have[g, t] += round(c * prod)
    short = (data.need - have).clip(min=0)
    return float(short.sum()) / COVER_SCALE * data.interval_min / 60


def test_greedy_covers_the_need_exactly_when_capacity_allows() -> None:
    # One head 07:00-23:00 every day; four people on 24 h contracts can cover it (16 h a day ×
    # 7 = 112 h vs 4 × 24-40 h) with an early and a late shift each day.
    scenario = parse_scenario(
        tiny_scenario(4, rules={"breaks": {"short_break_min": 0, "lunch_min_min": 0}})
    )
    data = build_rota_data(scenario, flat_requirement(scenario, 1.0))
    start = greedy_start(data)
    assert start is not None
    assert _under_h(data, start) == 0.0
    # and it is a legal rota: CP-SAT accepts it with every hard rule in the model
    rv, _ = build_stage1(data)
    assert _start_from(rv, start)[0] == cp_model.FEASIBLE


def test_greedy_start_is_legal_and_hires_when_worth_it() -> None:
    data = tiny_scenario(1, pool_size=2)
    data["hiring"] |= {"hire_cost": 100.0, "training_days": 0, "earliest_start": "2026-11-16"}
    scenario = parse_scenario(data)
    rota_data = build_rota_data(scenario, flat_requirement(scenario, 2.0))
    start = greedy_start(rota_data)
    assert start is not None
    hired = {p for rows in start.values() for p, _, _ in rows if rota_data.people[p].candidate}
    assert hired  # one person cannot cover two heads 16 h a day; a 100 hire pays for itself
    rv, _ = build_stage1(rota_data)
    assert _start_from(rv, start)[0] == cp_model.FEASIBLE


def test_lns_never_worsens_the_incumbent_and_keeps_every_hard_rule() -> None:
    scenario = parse_scenario(team_scenario(10, n_backup=1, pool_size=2, days=14))
    requirement = synthetic_requirement(scenario, 0.6, seed=1)
    data = build_rota_data(scenario, requirement)
    start = greedy_start(data)
    assert start is not None
    rv, _ = build_stage1(data)
    assert _start_from(rv, start)[0] == cp_model.FEASIBLE
    status, solver = _fixed_solve(rv)
    assert status == cp_model.OPTIMAL  # every variable fixed: the start prices exactly
    first = round(solver.objective_value)
    seen: list[int] = [first]
    values, best, stats = _lns(
        rv,
        list(solver.response_proto.solution),
        first,
        deadline=time.perf_counter() + 4.0,
        seed=0,
        workers=1,
        on_improve=seen.append,
    )
    assert best <= first
    assert seen == sorted(seen, reverse=True)  # each reported incumbent strictly better
    assert sum(tries for tries, _ in stats.values()) >= 2
    _, solver = _fixed_solve(rv, values)  # the values satisfy the whole model
    assert solver.objective_value == pytest.approx(best)
    assignments: dict[int, list[tuple[int, int, int]]] = {}
    for (p, d, o, g), v in rv.x.items():
        if solver.boolean_value(v):
            assignments.setdefault(d, []).append((p, o, g))
    rota, _, _ = _tables(data, assignments, {})
    shift_rules = check_rota(scenario, rota)
    # breaks are placed in stage 2; everything else must hold already
    assert shift_rules[~shift_rules["rule"].str.contains("break|lunch")].empty


def test_lp_bound_is_valid_and_beats_the_contract_minimums() -> None:
    scenario = parse_scenario(tiny_scenario(3, days=7))
    requirement = flat_requirement(scenario, 2.0)
    data = build_rota_data(scenario, requirement)
    bound = lp_bound(data)
    result = build_rota(scenario, requirement, time_limit_s=6.0)
    assert 0 < bound <= result.summary["objective"] + 1e-6
    # the LP sees the under-cover two heads of need leave: far above labour alone
    assert bound > 0.5 * result.summary["objective"]
    assert result.summary["best_bound"] >= bound - 0.01
    # the largest valid bound is reported: the LP's, or CP-SAT's when it proved more
    assert result.summary["bound_source"].split(" ")[0] in ("LP", "CP-SAT")


def test_break_cap_rounds_up_and_the_checker_uses_the_same_rule() -> None:
    assert [break_cap(n, 0.25) for n in (1, 3, 4, 5, 8, 9)] == [1, 1, 1, 2, 2, 3]
    # Five on the same shift, two on a break at once: allowed (ceil(25% × 5) = 2).
    scenario = parse_scenario(tiny_scenario(5, days=1))
    day = scenario.horizon.start
    start = pd.Timestamp(f"{day} 07:00", tz=scenario.site.timezone)

    def row(i: int, brk: list[tuple[str, str]]) -> dict[str, object]:
        breaks = [[f"{day}T{a}:00-05:00", f"{day}T{b}:00-05:00"] for a, b in brk]
        return {
            "employee_id": f"P{i + 1}",
            "date": day,
            "shift": "early",
            "start": start,
            "end": start + pd.Timedelta(hours=8),
            "breaks": breaks,
            "skill": "phone",
        }

    lunches = ["10:00", "10:00", "11:00", "11:00", "12:00"]
    shorts = ["09:00", "09:00", "13:30", "13:30", "14:00"]
    rows = [
        row(
            i,
            [
                (shorts[i], f"{shorts[i][:3]}{int(shorts[i][3:]) + 15}"),
                (lunches[i], f"{lunches[i][:2]}:30"),
            ],
        )
        for i in range(5)
    ]
    violations = check_rota(scenario, pd.DataFrame(rows))
    assert not violations["rule"].str.contains("share").any()
    rows[4] = row(4, [("14:00", "14:15"), ("10:00", "10:30")])  # a third on lunch at 10:00
    violations = check_rota(scenario, pd.DataFrame(rows))
    assert violations["rule"].str.contains("share").any()


def test_sample_like_team_gets_a_legal_rota_with_the_greedy_and_lns() -> None:
    data = team_scenario(12, n_backup=1, pool_size=3, days=14)
    data["schedule"] = {"decompose_above": 100}  # LNS above 100 person-days
    scenario = parse_scenario(data)
    requirement = synthetic_requirement(scenario, 0.7, seed=2)
    result = build_rota(scenario, requirement, time_limit_s=12.0)
    assert result.summary["method"] == "greedy start, then LNS on the whole horizon"
    assert sum(tries for tries, _ in result.summary["lns_moves"].values()) >= 1
    assert check_rota(scenario, result.rota).empty
    assert result.summary["objective"] >= result.summary["best_bound"] - 1e-6
    assert OBJ_SCALE == 1000


def test_local_search_keeps_every_hard_rule_and_does_not_raise_cover_cost() -> None:
    scenario = parse_scenario(team_scenario(10, n_backup=1, pool_size=2, days=14))
    requirement = synthetic_requirement(scenario, 0.7, seed=3)
    data = build_rota_data(scenario, requirement)
    plain = greedy_start(data)
    searched = greedy_start(data, improve_s=2.0, seed=1)
    assert plain is not None and searched is not None
    rv, _ = build_stage1(data)
    assert _start_from(rv, searched)[0] == cp_model.FEASIBLE
    rota, _, _ = _tables(data, searched, {})
    violations = check_rota(scenario, rota)
    assert violations[~violations["rule"].str.contains("break|lunch")].empty
    # moves are kept only when cover + labour + request costs fall: under-cover rarely rises,
    # and never by much (labour savings may buy a little of it back)
    assert _under_h(data, searched) <= _under_h(data, plain) + 5.0


def _model_price(data, assignments) -> dict[str, float]:
    """Every stage-1 penalty (currency) of a rota, priced by the CP-SAT model itself: the
    rota's decisions fixed, the model's own auxiliary variables at their cheapest."""
    rv, penalties = build_stage1(data)
    chosen = {(p, d, o, g) for d, rows in assignments.items() for p, o, g in rows}
    workers = {p for rows in assignments.values() for p, _, _ in rows}
    for key, v in rv.x.items():
        rv.model.add(v == int(key in chosen))
    for p, h in rv.hired.items():
        rv.model.add(h == int(p in workers))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 30.0
    solver.parameters.num_workers = 2
    assert solver.solve(rv.model) == cp_model.OPTIMAL
    out: dict[str, float] = {}
    for pen in penalties:
        out[pen.rule] = out.get(pen.rule, 0.0) + solver.value(pen.expr) * pen.weight / OBJ_SCALE
    return out


def test_shift_swaps_share_the_hard_shifts_and_never_raise_the_objective() -> None:
    from planner.schedule.greedy import _assignments, _State, swap_shifts

    scenario = parse_scenario(team_scenario(10, n_backup=1, days=14, seed=2))
    requirement = synthetic_requirement(scenario, 0.7, seed=3)
    data = build_rota_data(scenario, requirement)
    start = greedy_start(data)
    assert start is not None
    state = _State(data)
    for d, rows in start.items():
        for p, o, g in rows:
            state.add(p, d, o, g)
    kinds = set(range(len(state.fair_hit)))
    before = _model_price(data, start)
    # the state's own fairness tallies price the rota exactly as the model does
    assert abs(state.fair_cost(kinds) - before["fairness"]) < 1e-6
    tried, kept = swap_shifts(state, seconds=5.0, seed=0)
    assert tried > kept > 0
    swapped = _assignments(state)
    after = _model_price(data, swapped)
    assert abs(state.fair_cost(kinds) - after["fairness"]) < 1e-6
    # every kept swap lowered the terms it prices; start-time changes and fairness fall here
    assert sum(after.values()) < sum(before.values()) - 1.0
    assert after["fairness"] < before["fairness"]
    # the same days are worked by the same number of people, and every hard rule holds
    assert {d: len(r) for d, r in swapped.items()} == {d: len(r) for d, r in start.items()}
    rv, _ = build_stage1(data)
    assert _start_from(rv, swapped)[0] == cp_model.FEASIBLE
    rota, _, _ = _tables(data, swapped, {})
    violations = check_rota(scenario, rota)
    assert violations[~violations["rule"].str.contains("break|lunch")].empty


def _bound_instance() -> tuple[object, pd.DataFrame]:
    """A week and a half, every term the LP sees: a capped backup, a candidate, a part-time shift
    with a lunch-room cap, a banned late -> early sequence, requests, preferences, fairness."""
    staff = [
        {
            "id": "P1",
            "name": "P1",
            "skills": ["phone"],
            "contract_hours": 24.0,
            "hourly_cost": 20.0,
            "preferred_shifts": ["early"],
        },
        {
            "id": "P2",
            "name": "P2",
            "skills": ["phone"],
            "contract_hours": 24.0,
            "hourly_cost": 22.0,
            "time_off_requests": [{"start": "2026-11-21", "end": "2026-11-22", "weight": 1.0}],
        },
        {
            "id": "P3",
            "name": "P3",
            "skills": ["phone"],
            "contract_hours": 16.0,
            "hourly_cost": 21.0,
            "availability": {"latest_end": "18:00"},
        },
        {
            "id": "B1",
            "name": "B1",
            "kind": "backup",
            "skills": ["phone"],
            "contract_hours": 0.0,
            "hourly_cost": 30.0,
            "max_hours_total": 16.0,
        },
    ]
    shifts = [
        {"name": "early", "start": "07:00", "length_h": 8, "category": "early"},
        {"name": "late", "start": "15:00", "length_h": 8, "category": "late"},
        {"name": "part", "start": "12:00", "length_h": 6, "category": "day"},
    ]
    data = tiny_scenario(
        staff=staff,
        shifts=shifts,
        days=10,
        pool_size=1,
        rules={"banned_sequences": [["late", "early"]], "max_consecutive_days": 5},
    )
    data["hiring"] |= {"hire_cost": 300.0, "training_days": 0, "earliest_start": "2026-11-16"}
    scenario = parse_scenario(data)
    return scenario, synthetic_requirement(scenario, 2.5, seed=3)


def test_lp_bounds_never_exceed_the_proven_optimum_of_a_tiny_instance() -> None:
    from planner.schedule.bound import lp_bound_parts

    scenario, requirement = _bound_instance()
    data = build_rota_data(scenario, requirement)
    rv, _ = build_stage1(data)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 40.0
    solver.parameters.num_workers = 2
    assert solver.solve(rv.model) == cp_model.OPTIMAL
    optimum = solver.objective_value / OBJ_SCALE
    weekly = lp_bound_parts(data, joint=False)
    joint = lp_bound_parts(data)
    assert weekly is not None and joint is not None
    assert weekly.how == "week by week" and joint.how == "whole horizon + integer days"
    # valid: never above what the rules allow at best; the joint LP links the weeks, so it is
    # at least the weekly sum; both see most of the optimum (cover and labour dominate it)
    assert 0.6 * optimum < weekly.value <= joint.value + 1e-6 <= optimum + 1e-6
    assert joint.parts["fairness"] >= 0 and "fairness" not in weekly.parts
    assert abs(sum(joint.parts.values()) - joint.value) < 1e-3 * joint.value
    # integer heads day by day beat the exact whole-horizon LP (GLOP's simplex optimum)
    from ortools.linear_solver import pywraplp

    from planner.schedule.bound import _build, _LpBuilder

    lp = _LpBuilder()
    _, constant = _build(data, lp, None)
    solver = lp.solver("GLOP")
    assert solver is not None and solver.Solve() == pywraplp.Solver.OPTIMAL
    exact = (solver.Objective().Value() + constant) / OBJ_SCALE
    assert weekly.value <= exact < joint.value - 50.0
    assert joint.parts["integrality (by day)"] > 50.0


def test_lp_builder_loads_the_lp_it_was_given() -> None:
    """The bound's LP is built as lists and loaded in one proto: a small LP solved by hand,
    and the builder's arrays equal to those read back from the loaded solver."""
    import math

    import numpy as np
    from ortools.linear_solver import linear_solver_pb2, pywraplp

    from planner.schedule.bound import _LpBuilder

    # min 2a + 3b + c  s.t.  a + b >= 1.5,  b - c <= 0.25,  a + b + c = 2 (set late),
    # a, b, c in [0, 1]: optimum a = 1, b = 0.5, c = 0.5 -> 4.0
    lp = _LpBuilder()
    a, b, c = lp.column(1.0), lp.column(1.0), lp.column(1.0)
    lp.cost[a], lp.cost[b], lp.cost[c] = 2.0, 3.0, 1.0
    lp.row(1.5, math.inf, {a: 1.0, b: 1.0})
    lp.row(-math.inf, 0.25, {b: 1.0, c: -1.0})
    total = lp.row(0.0, math.inf)
    lp.rows[total].update({a: 1.0, b: 1.0, c: 1.0})
    lp.row_upper[total] = lp.row_lower[total] = 2.0
    solver = lp.solver("GLOP")
    assert solver is not None and solver.Solve() == pywraplp.Solver.OPTIMAL
    assert solver.Objective().Value() == pytest.approx(4.0)
    assert [v.solution_value() for v in solver.variables()] == pytest.approx([1.0, 0.5, 0.5])
    proto = linear_solver_pb2.MPModelProto()
    solver.ExportModelToProto(proto)
    mine = lp.arrays()
    assert [v.lower_bound for v in proto.variable] == [0.0] * 3
    loaded = {
        "cost": [v.objective_coefficient for v in proto.variable],
        "col_upper": [v.upper_bound for v in proto.variable],
        "lower": [ct.lower_bound for ct in proto.constraint],
        "upper": [ct.upper_bound for ct in proto.constraint],
        "row": [r for r, ct in enumerate(proto.constraint) for _ in ct.var_index],
        "col": [j for ct in proto.constraint for j in ct.var_index],
        "coef": [x for ct in proto.constraint for x in ct.coefficient],
    }
    for field, values in loaded.items():
        assert np.array_equal(getattr(mine, field), np.array(values)), field


def test_lagrangian_value_of_any_duals_stays_below_the_lp_optimum() -> None:
    """The whole-horizon bound is the Lagrangian of PDLP's (inexact) duals: it must be valid
    for any multipliers, and tight at the exact ones (checked against GLOP's simplex)."""
    import numpy as np
    from ortools.linear_solver import pywraplp

    from planner.schedule.bound import _build, _LpBuilder, lagrangian_value

    scenario, requirement = _bound_instance()
    data = build_rota_data(scenario, requirement)
    lp = _LpBuilder()
    _build(data, lp, None)
    solver = lp.solver("GLOP")
    assert solver is not None and solver.Solve() == pywraplp.Solver.OPTIMAL
    optimum = solver.Objective().Value()
    exact = np.array([ct.dual_value() for ct in solver.constraints()])
    arrays = lp.arrays()
    assert optimum - 1e-3 * abs(optimum) <= lagrangian_value(arrays, exact) <= optimum
    rng = np.random.default_rng(0)
    for _ in range(20):
        noisy = exact * rng.uniform(0.0, 2.0, len(exact)) + rng.normal(0, 50, len(exact))
        assert lagrangian_value(arrays, noisy) <= optimum


def test_week_pattern_cuts_hold_for_every_integer_week_and_cut_off_fractional_ones() -> None:
    """Brute force: every whole-shift week satisfies each cut, each cut touches one (so it is
    not slack), and the LP's fractional weeks the cuts exist for are cut off."""
    import itertools

    import numpy as np

    from planner.schedule.bound import week_pattern_cuts

    rng = np.random.default_rng(7)
    signatures = [((240, 360, 510), (7, 7, 7), 6, 36 * 60, 44 * 60), ((510,), (7,), 6, 2160, 2640)]
    for _ in range(25):
        k = int(rng.integers(1, 4))
        lengths = tuple(sorted(rng.choice([240, 300, 360, 480, 510, 600], k, replace=False)))
        days_of = tuple(int(x) for x in rng.integers(2, 8, k))
        most = int(rng.integers(3, 7))
        lo = int(rng.integers(0, 30)) * 60
        signatures.append((lengths, days_of, most, lo, lo + int(rng.integers(4, 20)) * 60))
    checked = 0
    for lengths, days_of, most, lo, hi in signatures:
        weeks = [
            n
            for n in itertools.product(*(range(c + 1) for c in days_of))
            if sum(n) <= most and lo <= sum(a * b for a, b in zip(n, lengths, strict=True)) <= hi
        ]
        for coef, rhs in week_pattern_cuts(lengths, days_of, most, lo, hi):
            values = [sum(a * b for a, b in zip(coef, n, strict=True)) for n in weeks]
            assert max(values) == rhs
            checked += 1
    assert checked > 20
    # 44 h of 8.5 h shifts: the LP's 5.18 shifts (and 4.24 for a 36 h minimum) are cut off
    cuts = week_pattern_cuts((510,), (7,), 6, 2160, 2640)
    assert ((1,), 5) in cuts and ((-1,), -5) in cuts
    mixed = week_pattern_cuts((240, 360, 510), (7, 7, 7), 6, 36 * 60, 44 * 60)
    assert any(c[2] * 2640 / 510 > rhs for c, rhs in mixed)  # n = (0, 0, 5.18) violates one
    assert any(c[2] * 2160 / 510 > rhs for c, rhs in mixed)  # so is (0, 0, 4.24)


def test_add_moves_keep_every_hard_rule_and_never_raise_the_local_objective() -> None:
    """``_try_add`` (a shift on a free day, shortening one of the week's shifts if the
    maximum needs it) on a rota at the contract minimums of a short-staffed team."""
    import random

    from planner.schedule.greedy import (
        _assignments,
        _cover_weights,
        _local_cost,
        _objective_part,
        _repair,
        _run,
        _State,
        _try_add,
    )

    scenario = parse_scenario(team_scenario(10, n_backup=1, pool_size=1, days=14, seed=4))
    requirement = synthetic_requirement(scenario, 1.3, seed=4)
    data = build_rota_data(scenario, requirement)
    state = _State(data)
    staff = [p for p, person in enumerate(data.people) if not person.candidate]
    _run(state, staff, sunk_to_min=True, priced=False)
    assert _repair(state, staff)

    def local_objective() -> float:
        return _objective_part(state) + sum(
            _local_cost(state, p, d, o)
            for p, days in state.work.items()
            for d, (o, _) in days.items()
        )

    rng = random.Random(0)
    w_under, w_over = _cover_weights(state)
    kept = shortened = 0
    value = local_objective()
    for _ in range(3000):
        p = rng.choice([p for p, days in state.work.items() if days])
        d = rng.choice(list(state.work[p]))
        before = {e: state.work[p].get(e) for e in data.weeks[state.week_of[d]]}
        outcome = _try_add(state, p, d, rng, w_under, w_over)
        after = {e: state.work[p].get(e) for e in before}
        new_value = local_objective()
        assert new_value <= value + 1e-6
        if outcome == 2:
            kept += 1
            assert new_value < value
            shortened += after[d] != before[d]
        else:
            assert after == before and abs(new_value - value) < 1e-6
        value = new_value
    assert kept >= 5 and shortened >= 1
    assignments = _assignments(state)
    rv, _ = build_stage1(data)
    assert _start_from(rv, assignments)[0] == cp_model.FEASIBLE
    rota, _, _ = _tables(data, assignments, {})
    violations = check_rota(scenario, rota)
    assert violations[~violations["rule"].str.contains("break|lunch")].empty


def test_add_and_remove_return_exactly_the_change_in_the_cover_tallies() -> None:
    """A move is priced by what ``_State.add`` and ``_State.remove`` return: checked against
    the tallies summed afresh over thousands of random steps (ramp-up, several skill groups,
    over- and under-cover)."""
    import random

    from planner.schedule.greedy import _legal_ignoring_min, _State

    scenario = parse_scenario(team_scenario(10, n_backup=1, pool_size=1, days=14, seed=4))
    data = build_rota_data(scenario, synthetic_requirement(scenario, 1.3, seed=4))
    state = _State(data)
    rng = random.Random(1)
    steps = {"add": 0, "remove": 0}
    over_seen = False
    for _ in range(4000):
        p = rng.randrange(len(data.people))
        person = data.people[p]
        under, over = int(state.rem.sum()), int(state.over.sum())
        if state.work[p] and rng.random() < 0.4:
            changed = state.remove(p, rng.choice(list(state.work[p])))
            steps["remove"] += 1
        else:
            free = [d for d in person.options if d not in state.work[p]]
            if not free:
                continue
            d = rng.choice(free)
            o, g = rng.choice(person.options[d]), rng.choice(person.groups)
            if not _legal_ignoring_min(state, p, d, o, g):
                continue
            changed = state.add(p, d, o, g)
            steps["add"] += 1
        assert changed == (int(state.rem.sum()) - under, int(state.over.sum()) - over)
        over_seen = over_seen or changed[1] != 0
    assert min(steps.values()) > 500 and over_seen


def test_round_heads_keeps_a_days_total_and_takes_the_largest_remainders() -> None:
    from planner.schedule.greedy import _round_heads

    # a head spread over three options (PDLP's kind of answer) still makes one shift
    assert _round_heads([(0.34, 0, 0), (0.33, 1, 0), (0.33, 2, 0)]) == [(0, 0)]
    # whole heads first, then the largest fractions, up to the rounded total (2.1 -> 2)
    assert _round_heads([(1.6, 0, 0), (0.5, 1, 1)]) == [(0, 0), (0, 0)]
    assert _round_heads([(1.2, 0, 0), (0.9, 1, 1), (0.3, 2, 0)]) == [(0, 0), (1, 1)]
    assert _round_heads([(0.2, 0, 0), (0.2, 1, 0)]) == []


def test_lp_start_rounds_the_lp_into_a_legal_rota_priced_as_the_model_prices_it() -> None:
    """The whole-horizon LP's solution, rounded (:func:`lp_start`), keeps every hard rule
    (the checker, and CP-SAT accepting it as fixed), hires what the LP hires, and
    ``state_objective`` prices it as the CP-SAT model does."""
    from planner.schedule.bound import _solve
    from planner.schedule.greedy import _assignments, lp_start, state_objective

    scenario = parse_scenario(team_scenario(10, n_backup=1, pool_size=2, days=14, seed=4))
    requirement = synthetic_requirement(scenario, 1.3, seed=4)
    data = build_rota_data(scenario, requirement)
    solved = _solve(data, None, None)
    assert solved is not None and solved[0].plan is not None
    plan = solved[0].plan
    assert plan.shifts and set(plan.classes) >= {first for first, _ in plan.shifts}
    state = lp_start(data, plan)
    assert state is not None
    assignments = _assignments(state)
    rv, _ = build_stage1(data)
    status, solver = _start_from(rv, assignments)
    assert status == cp_model.FEASIBLE
    assert state_objective(state) == pytest.approx(solver.objective_value / OBJ_SCALE, rel=2e-3)
    hired = {p for p, days in state.work.items() if days and data.people[p].candidate}
    wanted = sum(round(plan.hired.get(first, 0.0)) for first in plan.classes)
    assert len(hired) <= wanted
    rota, _, _ = _tables(data, assignments, {})
    violations = check_rota(scenario, rota)
    assert violations[~violations["rule"].str.contains("break|lunch")].empty


def test_greedy_start_takes_over_from_the_lp_plan_when_it_is_cheaper() -> None:
    """With an LP plan at hand the local search starts again from its rounding and keeps the
    cheaper rota; the report says which and gives both objectives."""
    from planner.schedule.bound import _solve

    scenario = parse_scenario(team_scenario(10, n_backup=1, pool_size=2, days=14, seed=4))
    requirement = synthetic_requirement(scenario, 1.3, seed=4)
    data = build_rota_data(scenario, requirement)
    solved = _solve(data, None, None)
    assert solved is not None
    plan = solved[0].plan
    report: dict[str, object] = {}
    start = greedy_start(data, improve_s=2.0, seed=0, lp_plan=lambda: plan, report=report)
    assert start is not None
    assert report["start"] in ("greedy", "LP rounded")
    kept = min(report["greedy_objective"], report["lp_objective"])
    assert (report["start"] == "LP rounded") == (
        report["lp_objective"] < report["greedy_objective"]
    )
    rv, _ = build_stage1(data)
    status, solver = _start_from(rv, start)
    assert status == cp_model.FEASIBLE
    # the swaps after the search only lower it
    assert solver.objective_value / OBJ_SCALE <= kept * 1.002


def test_week_pattern_cuts_give_up_quickly_on_many_shift_lengths() -> None:
    """Ten lengths would mean 8**10 weeks to list: no cuts (a weaker but valid bound)."""
    from planner.schedule.bound import week_pattern_cuts

    lengths = tuple(range(240, 640, 40))
    assert week_pattern_cuts(lengths, (7,) * len(lengths), 6, 2160, 2640) == ()
