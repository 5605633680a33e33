"""Build the rota: the ``build_rota`` entry point, its two stages and the result tables.

Stage 1 (CP-SAT, the whole horizon, or week by week for large teams) chooses each person's shift
or day off, the skill group they serve and which seasonal candidates to hire, counting coverage on
the interval grid net of each shift's expected break share. Stage 2 (``breaks``) places breaks and
lunches day by day. The result carries the ``rota``, ``activity`` and ``coverage`` tables, the
hires, a summary (costs, cover, objective, bound and gap per stage, penalty breakdown per rule) and
the solver's progress.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from planner.errors import InfeasibleError, PlannerError
from planner.scenario import Scenario
from planner.schedule import rules
from planner.schedule.bound import LpBound, LpPlan, lp_bound_parts
from planner.schedule.breaks import Break, place_breaks
from planner.schedule.greedy import greedy_start
from planner.schedule.model import (
    COVER_SCALE,
    RotaData,
    build_rota_data,
    floor_date,
)
from planner.schedule.rules import OBJ_SCALE, Penalty, RotaVars

__all__ = ["ProgressFn", "RotaResult", "build_rota", "solve_stage1", "solve_weekly"]

#: Progress callback: (seconds since start, objective, best bound), both in currency units.
ProgressFn = Callable[[float, float, float], None]


@dataclasses.dataclass
class RotaResult:
    """What ``build_rota`` returns. Tables follow ``CONVENTIONS.md`` (extra columns noted)."""

    rota: (
        pd.DataFrame
    )  # employee_id, date, shift, start, end, breaks, kind, skill, queue, paid_h, cost
    activity: pd.DataFrame  # employee_id, ds, activity, queue, work_share
    coverage: pd.DataFrame  # queue, ds, staff_needed, staff_scheduled, gap
    hires: pd.DataFrame  # employee_id, contract_hours, start_date, training_end, hours, cost
    summary: dict[str, object]
    progress: list[tuple[float, float, float]]
    status: str  # optimal | feasible


# --------------------------------------------------------------------------------------------
# Stage 1: shifts, days off, skill group, hires
# --------------------------------------------------------------------------------------------


def build_stage1(data: RotaData, *, fast: bool = False) -> tuple[RotaVars, list[Penalty]]:
    """Variables, hard rules (first) and soft goals (then) of stage 1; objective set once."""
    # Variables (availability, leave and training are enforced by their absence).
    rv = rules.create_variables(data)
    # Hard rules: each person's, then the shared room for lunches.
    rules.add_person_rules(rv)
    rules.add_break_capacity(rv)
    # Soft goals, each returning its named penalty terms.
    penalties = rules.add_coverage(rv) + rules.add_labour_cost(rv)
    penalties += rules.add_time_off_requests(rv) + rules.add_shift_preferences(rv)
    if not fast:  # fast mode (hiring search) keeps cover, cost and requests only
        penalties += rules.add_fairness(rv) + rules.add_stable_start_times(rv)
        penalties += rules.add_burnout(rv)
    # Objective, set once.
    rv.model.minimize(sum(p.weight * p.expr for p in penalties if p.weight))
    return rv, penalties


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records (time, objective, bound) of each improving solution and forwards it."""

    def __init__(self, started: float, callback: ProgressFn | None) -> None:
        super().__init__()
        self.started = started
        self.callback = callback
        self.points: list[tuple[float, float, float]] = []

    def on_solution_callback(self) -> None:
        point = (
            time.perf_counter() - self.started,
            self.objective_value / OBJ_SCALE,
            self.best_objective_bound / OBJ_SCALE,
        )
        self.points.append(point)
        if self.callback is not None:
            self.callback(*point)


@dataclasses.dataclass
class Stage1:
    """Stage-1 answer: who works what, the solver's figures and the penalty breakdown."""

    assignments: dict[int, list[tuple[int, int, int]]]  # day -> (person, option, group)
    hired: list[int]
    objective: float
    bound: float
    status: str
    seconds: float
    breakdown: dict[str, float]
    progress: list[tuple[float, float, float]]
    lns_moves: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)


def _tune(solver: cp_model.CpSolver) -> None:
    """Search settings of the stage-1 solve (a warm start is always hinted)."""
    solver.parameters.cp_model_probing_level = 0  # probing cost seconds, bought nothing here
    solver.parameters.symmetry_level = 1


def _warm_start(
    rv: RotaVars, settings: object, time_limit_s: float, *, guided: bool = False
) -> int:
    """Solve the hard rules alone and hint the answer into ``rv.model``; return the status.

    ``guided`` first tries a greedy dive: CP-SAT's fixed search sets permanent staff's shift
    literals to 1 in order of usefulness (need-weighted coverage per paid minute per unit cost),
    propagating every hard rule. On one two-week window of the sample it started 12% cheaper,
    but over whole 60 s runs it ended worse (715-730k vs 538-767k unguided, 3 runs each: the
    dive never hires, the unguided start does at random and LNS keeps the useful hires), so it is
    off by default.
    """
    data = rv.data
    useful = {
        v.index: sum(c * int(data.need[g, t]) for t, c in data.options[d][o].cover.items())
        / max(1, data.options[d][o].paid_min)
        / (data.people[p].cost_per_min + 1e-6)
        for (p, d, o, g), v in rv.x.items()
    }
    # Candidates (hire cost) and backup staff (overtime) are left to the default search (0 first).
    order = sorted(
        (v for (p, *_), v in rv.x.items() if data.people[p].kind == "permanent"),
        key=lambda v: -useful[v.index],
    )
    status = cp_model.UNKNOWN
    solver = cp_model.CpSolver()
    for dive in (True, False) if guided else (False,):
        probe = rv.model.clone()
        probe.clear_objective()
        solver = cp_model.CpSolver()
        solver.parameters.random_seed = settings.seed  # type: ignore[attr-defined]
        # Measured on the sample: without the LP, probing and symmetry search, the hard rules
        # alone solve 3-10x faster (0.6 s a week, 3.6 s for 8 weeks on a loaded 2-core machine).
        solver.parameters.linearization_level = 0
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        if dive:
            probe.add_decision_strategy(
                [probe.get_bool_var_from_proto_index(v.index) for v in order],
                cp_model.CHOOSE_FIRST,
                cp_model.SELECT_MAX_VALUE,
            )
            solver.parameters.search_branching = cp_model.FIXED_SEARCH
            solver.parameters.num_workers = 1
            solver.parameters.max_time_in_seconds = min(time_limit_s, 3.0)
        else:
            solver.parameters.num_workers = settings.workers  # type: ignore[attr-defined]
            solver.parameters.max_time_in_seconds = time_limit_s
        status = solver.solve(probe)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
            break
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        _hint_everything(rv.model, solver)
    return status


def _solve_fixed(rv: RotaVars, fixed: dict[int, int]) -> tuple[int, cp_model.CpSolver]:
    """Solve a clone of the model with the variables of ``fixed`` (proto index -> value) fixed
    by their domains, the rest at their cheapest: prices a rota.

    Fixing domains leaves presolve nothing to search: on the 200-person variant it prices a
    rota in 1.4 s, where equality rows (5.6 s) and then fixed hints (2.0 s) took 7.6 s.
    """
    probe = rv.model.clone()
    for index, value in fixed.items():
        domain = probe.proto.variables[index].domain
        domain.clear()
        domain.extend([value, value])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 30.0
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 0
    return solver.solve(probe), solver


def _start_from(
    rv: RotaVars, start: dict[int, list[tuple[int, int, int]]]
) -> tuple[int, cp_model.CpSolver | None]:
    """Price and hint a given rota: fix its decisions, let CP-SAT set the rest at their
    cheapest, hint all of it. Returns FEASIBLE and the solver holding the priced rota, or
    UNKNOWN and None when the hard rules reject it."""
    chosen = {(p, d, o, g) for d, rows in start.items() for p, o, g in rows}
    workers = {p for _, rows in start.items() for p, _, _ in rows}
    fixed = {v.index: int(key in chosen) for key, v in rv.x.items()}
    fixed |= {h.index: int(p in workers) for p, h in rv.hired.items()}
    status, solver = _solve_fixed(rv, fixed)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        _hint_everything(rv.model, solver)
        return cp_model.FEASIBLE, solver
    return cp_model.UNKNOWN, None


def _hint_everything(model: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    """Hint ``model`` with every variable of the solution ``solver`` found on a clone of it.

    A clone keeps the variable indices, so the complete hint is a ready first solution.
    """
    model.clear_hints()
    values = list(solver.response_proto.solution)
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


#: Seconds per LNS sub-solve: long enough for CP-SAT to close a neighbourhood of a few hundred
#: shift choices, short enough for dozens of moves in a minute.
LNS_STEP_S = 1.0

#: Less time than this left for the LNS and it is skipped: setting it up alone took 2.7 s of
#: the 200-person variant (no sub-solve then fitted), and on the sample one sub-solve in the
#: last seconds gains ~300 at most.
LNS_MIN_S = 3.0

#: Seconds to build the stage-1 CP-SAT model and price the greedy rota in it, per person-day
#: (measured on a quiet 2-core machine: 200 people, 12,880 person-days, 6.4 s + 1.4 s, 0.61 ms;
#: the real sample, 4,144 person-days, 2.5 s + 0.7 s, 0.77 ms; ~1.3x that with SCIP's bound
#: refinement on the other core). The greedy's local search runs until stage 1 has only this
#: much left (or stops earlier on its own once moves stop paying, as on small teams, where
#: CP-SAT's LNS then gets the rest).
MODEL_S_PER_CELL = 0.001

#: Seconds of stage 2's greedy break placement per shift (measured: 0.9 ms quiet on 200
#: people, 8,592 shifts; ~1.5 ms on the sample, whose 8 stuck days each take a CP-SAT solve).
BREAKS_S_PER_SHIFT = 0.0015

#: Longest the greedy waits for the bound's LP to be built, as a share of the time limit.
LP_BUILD_WAIT_SHARE = 0.15

#: Seconds kept at the end of ``build_rota`` for the result tables and summary (at least).
TABLES_RESERVE_S = 3.0

#: Seconds before the time limit at which the bound's thread stops, and the most the caller
#: then waits for it to hand its bound over (its last day's solve may overrun a little).
LP_TAIL_S = 1.0
LP_WAIT_S = 0.5

#: Seconds the result tables take per shift (measured), to scale that reserve for large teams.
TABLES_S_PER_SHIFT = 0.0006


@dataclasses.dataclass
class _Hood:
    """One LNS neighbourhood kind and its adaptive size."""

    name: str
    size: float
    lo: float
    hi: float
    tries: int = 0
    wins: int = 0


def _lns(
    rv: RotaVars,
    values: list[int],
    objective: int,
    *,
    deadline: float,
    seed: int,
    workers: int,
    on_improve: Callable[[int], None] | None = None,
) -> tuple[list[int], int, dict[str, tuple[int, int]]]:
    """Improve a complete stage-1 solution by large neighbourhood search until ``deadline``.

    Each move frees the shift/group/hire decisions of one neighbourhood, fixes every other one
    to the incumbent (domain restriction on the one model, restored after the move), hints the
    incumbent and lets CP-SAT search for ``LNS_STEP_S``; a strictly better answer replaces the
    incumbent. Neighbourhoods: all people over a few consecutive days; a random set of people
    over the whole horizon; people of the worst-covered skill group over two weeks; hiring
    candidates with people who share their skills. Sizes adapt: a neighbourhood solved to
    optimality grows, one that timed out shrinks. Returns the best values, objective and
    (tries, wins) per neighbourhood. Every answer satisfies the hard rules (they are in the model).
    """
    data = rv.data
    proto = rv.model.proto
    rng = np.random.default_rng(seed)
    by_pd: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (p, d, _o, _g), v in rv.x.items():
        by_pd[p, d].append(v.index)
    hired_idx = {p: h.index for p, h in rv.hired.items()}
    decision = [i for idx in by_pd.values() for i in idx] + list(hired_idx.values())
    domains = {i: list(proto.variables[i].domain) for i in decision}
    n_days = len(data.days)
    people = sorted({p for p, _ in by_pd})
    candidates = [p for p in people if data.people[p].candidate]
    # Under-cover variables per group, to aim at the worst-covered group.
    under_idx: dict[int, list[int]] = defaultdict(list)
    for i, var in enumerate(proto.variables):
        if var.name.startswith("under["):
            group = var.name[len("under[") :].split(",")[0]
            under_idx[data.groups.index(group)].append(i)
    hoods = [
        _Hood("days", 3.0, 1.0, 14.0),
        _Hood("people", 10.0, 3.0, 40.0),
        _Hood("group", 12.0, 3.0, 40.0),
    ]
    if candidates:
        hoods.append(_Hood("hire", 3.0, 1.0, 10.0))

    def pick(hood: _Hood) -> tuple[set[int], set[int]]:
        size = max(1, round(hood.size))
        if hood.name == "days":
            span = min(n_days, size)
            first = int(rng.integers(0, n_days - span + 1))
            return set(people), set(range(first, first + span))
        if hood.name == "people":
            chosen = rng.choice(people, size=min(size, len(people)), replace=False)
            return {int(p) for p in chosen}, set(range(n_days))
        if hood.name == "group":
            short = np.array(
                [sum(values[i] for i in under_idx.get(g, [])) for g in range(len(data.groups))],
                dtype=float,
            )
            g = int(rng.choice(len(short), p=short / short.sum())) if short.sum() > 0 else 0
            pool = [p for p in people if g in data.people[p].groups]
            chosen = rng.choice(pool, size=min(size, len(pool)), replace=False)
            span = min(n_days, 14)
            first = int(rng.integers(0, n_days - span + 1))
            return {int(p) for p in chosen}, set(range(first, first + span))
        chosen = {
            int(p) for p in rng.choice(candidates, size=min(size, len(candidates)), replace=False)
        }
        skills = {g for p in chosen for g in data.people[p].groups}
        others = [p for p in people if p not in chosen and set(data.people[p].groups) & skills]
        extra = rng.choice(others, size=min(2 * size, len(others)), replace=False) if others else []
        return chosen | {int(p) for p in extra}, set(range(n_days))

    def set_hint(vals: list[int]) -> None:
        rv.model.clear_hints()
        proto.solution_hint.vars.extend(range(len(vals)))
        proto.solution_hint.values.extend(vals)

    set_hint(values)
    stats: dict[str, tuple[int, int]] = {}
    it = 0
    while True:
        left = deadline - time.perf_counter()
        if left < 0.5:
            break
        weights = np.array([1.0 + h.wins for h in hoods]) / np.array([1.0 + h.tries for h in hoods])
        hood = (
            hoods[int(rng.choice(len(hoods), p=weights / weights.sum()))]
            if it >= len(hoods)
            else hoods[it]
        )
        it += 1
        free_people, free_days = pick(hood)
        free = {
            i for (p, d), idx in by_pd.items() if p in free_people and d in free_days for i in idx
        }
        free |= {hired_idx[p] for p in free_people if p in hired_idx}
        for i in decision:
            if i not in free:
                dom = proto.variables[i].domain
                dom.clear()
                dom.extend([values[i], values[i]])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = min(LNS_STEP_S, left - 0.2)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed + it
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        status = solver.solve(rv.model)
        for i in decision:
            if i not in free:
                dom = proto.variables[i].domain
                dom.clear()
                dom.extend(domains[i])
        hood.tries += 1
        if status == cp_model.OPTIMAL:
            hood.size = min(hood.hi, hood.size * 1.25)
        else:
            hood.size = max(hood.lo, hood.size * 0.8)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = round(solver.objective_value)
            if found < objective:
                objective = found
                values = list(solver.response_proto.solution)
                set_hint(values)
                hood.wins += 1
                if on_improve is not None:
                    on_improve(objective)
    for h in hoods:
        stats[h.name] = (h.tries, h.wins)
    return values, objective, stats


def _value(solver: cp_model.CpSolver, expr: cp_model.LinearExprT) -> float:
    if isinstance(expr, (int, float)):
        return float(expr)
    return float(solver.value(expr))


def _fixed_solve(rv: RotaVars, values: list[int] | None = None) -> tuple[int, cp_model.CpSolver]:
    """Solve with every variable fixed to the hint (``values`` if given): prices a rota."""
    if values is None:
        hint = rv.model.proto.solution_hint
        values = [0] * len(rv.model.proto.variables)
        for index, value in zip(hint.vars, hint.values, strict=True):
            values[index] = value
    return _solve_fixed(rv, dict(enumerate(values)))


def _solve_by_lns(
    rv: RotaVars,
    penalties: list[Penalty],
    start: dict[int, list[tuple[int, int, int]]],
    started: float,
    t0: float,
    time_limit_s: float,
    progress: ProgressFn | None,
) -> Stage1 | None:
    """Stage 1 from a complete start rota improved by :func:`_lns`; None if the start fails."""
    data = rv.data
    settings = data.scenario.schedule
    priced = time.perf_counter()
    status, solver = _start_from(rv, start)
    if status != cp_model.FEASIBLE or solver is None:
        return None
    price_s = time.perf_counter() - priced
    bound = _analytic_bound(data)
    points: list[tuple[float, float, float]] = []

    def report(objective: int) -> None:
        point = (time.perf_counter() - started, objective / OBJ_SCALE, bound)
        points.append(point)
        if progress is not None:
            progress(*point)

    objective = round(solver.objective_value)
    report(objective)
    values = list(solver.response_proto.solution)
    # Keep time for pricing the final rota: as long as pricing the start took, with a margin
    # (~0.6 s on the sample, but ~10 s for the 200-person variant, which overran its limit).
    deadline = t0 + time_limit_s - max(0.6, 1.2 * price_s)
    stats: dict[str, tuple[int, int]] = {}
    # Too little time for the LNS (the local search had it): the start is the answer, already
    # priced, and stage 2 gets the rest.
    if deadline - time.perf_counter() >= LNS_MIN_S:
        start_objective = objective
        values, objective, stats = _lns(
            rv,
            values,
            objective,
            deadline=deadline,
            seed=settings.seed,
            workers=settings.workers,
            on_improve=report,
        )
        if objective < start_objective:
            status, solver = _fixed_solve(rv, values)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return None
    assignments: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for (p, d, o, g), v in rv.x.items():
        if solver.boolean_value(v):
            assignments[d].append((p, o, g))
    breakdown: dict[str, float] = defaultdict(float)
    for pen in penalties:
        breakdown[pen.name] += pen.weight * _value(solver, pen.expr) / OBJ_SCALE
    return Stage1(
        assignments=dict(assignments),
        hired=[p for p, h in rv.hired.items() if solver.boolean_value(h)],
        objective=solver.objective_value / OBJ_SCALE,
        bound=bound,
        status="feasible",
        seconds=time.perf_counter() - t0,
        breakdown=dict(breakdown),
        progress=points,
        lns_moves=stats,
    )


def solve_stage1(
    data: RotaData,
    *,
    time_limit_s: float,
    progress: ProgressFn | None = None,
    fast: bool = False,
    started: float | None = None,
    start: dict[int, list[tuple[int, int, int]]] | None = None,
    lns_only: bool = False,
    lns: bool = False,
) -> Stage1:
    """Solve stage 1 over the whole horizon.

    ``start`` (day -> (person, option, group)) is a complete rota to start from (e.g. the
    week-by-week answer); without it a warm start solves the hard rules alone first.
    ``lns`` (with ``start``): improve the start with our own large neighbourhood search
    (:func:`_lns`) for the whole time instead of one CP-SAT solve; the bound is then the
    analytic one. ``lns_only`` spends every worker on improving the rota (no LP bound). Measured
    on the sample: 9% better on one two-week window in 10 s, but 40% worse over the whole
    week-by-week run at ~4 s a window.

    Raises:
        InfeasibleError: no rota satisfies the hard rules (with the explanation attached).
        PlannerError: the time ran out before any rota was found.
    """
    started = time.perf_counter() if started is None else started
    t0 = time.perf_counter()
    rv, penalties = build_stage1(data, fast=fast)
    settings = data.scenario.schedule
    # Warm start: the full objective makes CP-SAT's first solution slow to find (its LP search
    # dives on cost), while the hard rules alone are quick. Solve those first and hint the
    # answer, so the LNS workers improve a rota from the start.
    if start is not None and lns:
        done = _solve_by_lns(rv, penalties, start, started, t0, time_limit_s, progress)
        if done is not None:
            return done
    if start is not None:
        warm = _start_from(rv, start)[0]
    else:
        warm = _warm_start(rv, settings, max(2.0, 0.5 * time_limit_s))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1.0, time_limit_s - (time.perf_counter() - t0))
    solver.parameters.num_workers = settings.workers
    solver.parameters.random_seed = settings.seed
    _tune(solver)
    solver.parameters.use_lns_only = lns_only
    tracker = _Progress(started, progress)
    status = warm
    bound = None
    if warm != cp_model.INFEASIBLE:
        status = solver.solve(rv.model, tracker)
    if status == cp_model.UNKNOWN and warm == cp_model.UNKNOWN:
        # Always an answer: the hard rules alone are normally quick; give them more time.
        warm = _warm_start(rv, settings, 60.0)
        status = warm if warm == cp_model.INFEASIBLE else cp_model.UNKNOWN
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE) and warm in (
        cp_model.OPTIMAL,
        cp_model.FEASIBLE,
    ):
        # Out of time before the objective search reported a rota: answer with the warm start
        # (the hard rules hold), priced by a solve with every variable fixed to it.
        bound = solver.best_objective_bound
        solver = cp_model.CpSolver()
        solver.parameters.fix_variables_to_their_hinted_value = True
        solver.parameters.max_time_in_seconds = 10.0
        solver.parameters.num_workers = 1
        status = solver.solve(rv.model)
        if status == cp_model.OPTIMAL:
            status = cp_model.FEASIBLE  # optimal only among the fixed values
    seconds = time.perf_counter() - t0
    if status == cp_model.MODEL_INVALID:  # a bug of ours, never the user's
        raise RuntimeError(f"stage-1 model invalid: {rv.model.validate()}")
    if status == cp_model.INFEASIBLE:
        from planner.schedule.explain import explain_infeasibility

        explanation = explain_infeasibility(data)
        raise InfeasibleError(explanation.message, explanation)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise PlannerError(
            f"no rota found within {time_limit_s:g} s; raise schedule.time_limit_s "
            "(or --time-limit)"
        )
    assignments: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for (p, d, o, g), v in rv.x.items():
        if solver.boolean_value(v):
            assignments[d].append((p, o, g))
    hired = [p for p, h in rv.hired.items() if solver.boolean_value(h)]
    breakdown: dict[str, float] = defaultdict(float)
    for pen in penalties:
        breakdown[pen.name] += pen.weight * _value(solver, pen.expr) / OBJ_SCALE
    return Stage1(
        assignments=dict(assignments),
        hired=hired,
        objective=solver.objective_value / OBJ_SCALE,
        bound=(solver.best_objective_bound if bound is None else bound) / OBJ_SCALE,
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        seconds=seconds,
        breakdown=dict(breakdown),
        progress=tracker.points,
    )


# --------------------------------------------------------------------------------------------
# Stage 1, week by week (large teams)
# --------------------------------------------------------------------------------------------


def _banned_pairs(scenario: Scenario) -> set[tuple[str, str]]:
    """Banned (template today, template tomorrow) pairs, categories expanded to templates."""
    out = set()
    for a, b in scenario.rules.banned_sequences:
        left = [t.name for t in scenario.shifts if a in (t.name, t.category)]
        right = [t.name for t in scenario.shifts if b in (t.name, t.category)]
        out |= {(x, y) for x in left for y in right}
    return out


def _window(
    data: RotaData, days: list[int], last: dict[int, list[tuple[int, int]]], hired: set[int]
) -> RotaData:
    """The sub-problem of ``days`` (one week), with the state carried in from earlier weeks.

    Shifts that would break the rest or banned-sequence rules against a person's shifts of the
    previous days are removed; a candidate may be hired only in the week they reach the floor
    (or later weeks once hired).
    """
    d0 = days[0]
    week_ids = sorted({w for w, wk in enumerate(data.weeks) if set(wk) & set(days)})
    first_w = week_ids[0]
    rest_ns = round(data.scenario.rules.min_rest_h * 3600 * 10**9)
    banned = _banned_pairs(data.scenario)
    interval_day = data.interval_day()
    mask = np.isin(interval_day, days)
    t_idx = np.nonzero(mask)[0]
    t0, t1 = (int(t_idx[0]), int(t_idx[-1]) + 1) if len(t_idx) else (0, 0)
    options = []
    for d in days:
        options.append(
            [
                dataclasses.replace(
                    opt, day=d - d0, cover={t - t0: c for t, c in opt.cover.items() if t0 <= t < t1}
                )
                for opt in data.options[d]
            ]
        )
    people = []
    for p, person in enumerate(data.people):
        allowed: dict[int, list[int]] = {}
        eligible = True
        if person.candidate and p not in hired:
            first = floor_date(person.member)
            eligible = first is not None and (
                data.days[days[0]] <= first <= data.days[days[-1]]
                or (first_w == 0 and first <= data.days[days[0]])
            )
        if eligible:
            for d in days:
                ok = []
                for o in person.options.get(d, []):
                    opt = data.options[d][o]
                    clash = False
                    for pd_, po in last.get(p, []):
                        prev = data.options[pd_][po]
                        if opt.start.value - prev.end.value < rest_ns:
                            clash = True
                        if pd_ == d - 1 and (prev.name, opt.name) in banned:
                            clash = True
                    if not clash:
                        ok.append(o)
                if ok:
                    allowed[d - d0] = ok
        people.append(
            dataclasses.replace(
                person,
                options=allowed,
                productivity={d - d0: v for d, v in person.productivity.items() if d in days},
                week_min=tuple(person.week_min[w] for w in week_ids),
                week_max=tuple(person.week_max[w] for w in week_ids),
            )
        )
    return dataclasses.replace(
        data,
        days=[data.days[d] for d in days],
        weeks=[[d - d0 for d in data.weeks[w]] for w in week_ids],
        grid=data.grid[t0:t1],
        need=data.need[:, t0:t1],
        queue_need=data.queue_need[data.queue_need["ds"].isin(data.grid[t0:t1])],
        options=options,
        people=people,
        hire_cost_share=1.0 / (len(data.weeks) - first_w),
    )


def solve_weekly(
    data: RotaData,
    *,
    time_limit_s: float,
    progress: ProgressFn | None = None,
    fast: bool = False,
    started: float | None = None,
) -> Stage1:
    """Stage 1 week by week, carrying rest, consecutive days, backup hours, hires and fairness.

    Each week is solved to its own time share; the reported objective and bound are the sums
    over the weeks (the bound is that of the decomposed problem, not of the whole horizon).
    """
    started = time.perf_counter() if started is None else started
    last: dict[int, list[tuple[int, int]]] = {}
    run: dict[int, int] = {}
    backup_used: dict[int, int] = defaultdict(int)
    hired: set[int] = set()
    fair: dict[tuple[str, int], int] = defaultdict(int)
    fair_kinds = data.fair_kinds()
    assignments: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    breakdown: dict[str, float] = defaultdict(float)
    points: list[tuple[float, float, float]] = []
    objective = bound = seconds = 0.0
    all_optimal = True
    n_weeks = len(data.weeks)
    for w, days in enumerate(data.weeks):
        # Rolling horizon: solve this week with the next as look-ahead, commit this week only
        # (so a week's end never leaves the next week's contract minimum out of reach).
        ahead = data.weeks[w + 1] if w + 1 < n_weeks else []
        window = _window(data, days + ahead, last, hired)
        window.run_before = dict(run)
        window.backup_used_min = dict(backup_used)
        window.hired_before = set(hired)
        window.fair_before = dict(fair)
        left = time_limit_s - (time.perf_counter() - started)
        budget = max(0.5, left / (n_weeks - w))
        done_obj, done_bound = objective, bound

        def relay(t: float, obj: float, bnd: float, o=done_obj, b=done_bound) -> None:
            point = (time.perf_counter() - started, o + obj, b + bnd)
            points.append(point)
            if progress is not None:
                progress(*point)

        part = solve_stage1(window, time_limit_s=budget, progress=relay, fast=fast, started=started)
        objective += part.objective
        bound += part.bound
        seconds += part.seconds
        all_optimal &= part.status == "optimal"
        for k, v in part.breakdown.items():
            breakdown[k] += v
        # Commit this week only, and carry its state into the next.
        worked: dict[int, dict[int, int]] = defaultdict(dict)  # p -> {day: option}
        for d_rel, rows in part.assignments.items():
            if d_rel >= len(days):
                continue  # look-ahead week: solved again next time
            d = days[d_rel]
            assignments[d] = rows
            hired |= {p for p, _, _ in rows if data.people[p].candidate}
            for p, o, _ in rows:
                worked[p][d] = o
                backup_used[p] += data.options[d][o].paid_min
                for kind, hit in fair_kinds.items():
                    if hit(d, o):
                        fair[kind, p] += 1
        last = {
            p: [(d, o) for d, o in mine.items() if d >= days[-1] - 1] for p, mine in worked.items()
        }
        for p in range(len(data.people)):
            trailing = 0
            for d in reversed(days):
                if d in worked.get(p, {}):
                    trailing += 1
                else:
                    break
            run[p] = run.get(p, 0) + trailing if trailing == len(days) else trailing
    return Stage1(
        assignments=dict(assignments),
        hired=sorted(hired),
        objective=objective,
        bound=bound,
        status="optimal" if all_optimal else "feasible",
        seconds=seconds,
        breakdown=dict(breakdown),
        progress=points,
    )


# --------------------------------------------------------------------------------------------
# Result tables
# --------------------------------------------------------------------------------------------


def _iso(ts: pd.Timestamp) -> str:
    return ts.isoformat()


def _tables(
    data: RotaData,
    assignments: dict[int, list[tuple[int, int, int]]],
    breaks: dict[tuple[int, int], list[Break]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """rota, activity and coverage tables from the stage answers."""
    scenario = data.scenario
    step = pd.Timedelta(minutes=data.interval_min)
    step_ns = step.value
    grid_ns = data.grid.asi8
    present = np.zeros(data.need.shape, dtype=float)  # heads on queue per group × interval
    rota_rows: list[dict] = []
    act_rows: list[dict] = []  # leave days
    # per worked shift: (employee id, interval starts in ns, activity, queue, work share)
    act_parts: list[tuple[str, np.ndarray, np.ndarray, str, np.ndarray]] = []
    for d in sorted(assignments):
        for p, o, g in sorted(assignments[d]):
            person = data.people[p]
            opt = data.options[d][o]
            mine = breaks.get((d, p), [])
            prod = person.productivity.get(d, 1.0)
            queue = "+".join(data.group_queues[g])
            paid_h = opt.paid_min / 60
            rota_rows.append(
                {
                    "employee_id": person.id,
                    "date": data.days[d],
                    "shift": opt.name,
                    "start": opt.start,
                    "end": opt.end,
                    "breaks": [[_iso(b.start), _iso(b.end)] for b in mine],
                    "kind": person.kind,
                    "skill": data.groups[g],
                    "queue": queue,
                    "paid_h": paid_h,
                    "cost": round(paid_h * person.cost_per_min * 60, 2),
                    "productivity": prod,
                }
            )
            # activity: one row per interval of the shift (instants in ns, vectorised: the
            # sample has ~50k such rows)
            a = np.arange(opt.start.value, opt.end.value, step_ns, dtype=np.int64)
            b = np.minimum(a + step_ns, opt.end.value)
            off = {"break": np.zeros(len(a), dtype=np.int64), "lunch": np.zeros(len(a), np.int64)}
            for br in mine:
                off[br.kind] += np.maximum(
                    0, np.minimum(b, br.end.value) - np.maximum(a, br.start.value)
                )
            label = np.where(off["lunch"] > 0, "lunch", np.where(off["break"] > 0, "break", "work"))
            share = (b - a - off["break"] - off["lunch"]) / step_ns
            act_parts.append((person.id, a, label, queue, np.round(share, 4)))
            idx = np.searchsorted(grid_ns, a)
            on_grid = idx < len(grid_ns)
            on_grid[on_grid] = grid_ns[idx[on_grid]] == a[on_grid]
            np.add.at(present[g], idx[on_grid], share[on_grid] * prod)
    # leave days: every requirement interval of the day
    interval_day = data.interval_day() if len(data.grid) else np.array([], dtype=int)
    for person in data.people:
        if person.candidate:
            continue
        for d, day in enumerate(data.days):
            if any(off.start <= day <= off.end for off in person.member.time_off):
                for idx in np.nonzero(interval_day == d)[0]:
                    act_rows.append(
                        {
                            "employee_id": person.id,
                            "ds": data.grid[idx],
                            "activity": "leave",
                            "queue": "",
                            "work_share": 0.0,
                        }
                    )
    rota = pd.DataFrame(
        rota_rows,
        columns=[
            "employee_id",
            "date",
            "shift",
            "start",
            "end",
            "breaks",
            "kind",
            "skill",
            "queue",
            "paid_h",
            "cost",
            "productivity",
        ],
    )
    columns = ["employee_id", "ds", "activity", "queue", "work_share"]
    worked = pd.DataFrame(
        {
            "employee_id": np.concatenate([[e] * len(a) for e, a, *_ in act_parts] or [[]]),
            "ds": pd.to_datetime(
                np.concatenate([a for _, a, *_ in act_parts] or [[]]).astype(np.int64), utc=True
            ).tz_convert(scenario.site.timezone),
            "activity": np.concatenate([lab for _, _, lab, *_ in act_parts] or [[]]),
            "queue": np.concatenate([[q] * len(a) for _, a, _, q, _ in act_parts] or [[]]),
            "work_share": np.concatenate([w for *_, w in act_parts] or [[]]).astype(float),
        },
        columns=columns,
    )
    leave = pd.DataFrame(act_rows, columns=columns)
    activity = pd.concat([worked, leave], ignore_index=True) if act_rows else worked
    # coverage per queue: a group's heads split across its queues in proportion to need
    need = data.queue_need.copy()
    pos = {t: i for i, t in enumerate(grid_ns)}
    group_of = {q: g for g, qs in enumerate(data.group_queues) for q in qs}
    idx = need["ds"].map(lambda t: pos[t.value]).to_numpy()
    grp = need["queue"].map(group_of).to_numpy()
    group_need = data.need[grp, idx] / COVER_SCALE
    n_queues = np.array([len(data.group_queues[g]) for g in grp])
    share = np.where(
        group_need > 0,
        need["staff_needed"].to_numpy() / np.maximum(group_need, 1e-12),
        1 / n_queues,
    )
    need["staff_scheduled"] = np.round(present[grp, idx] * share, 4)
    need["gap"] = need["staff_scheduled"] - need["staff_needed"]
    coverage = need[["queue", "ds", "staff_needed", "staff_scheduled", "gap"]].sort_values(
        ["queue", "ds"], ignore_index=True
    )
    return rota, activity.sort_values(["employee_id", "ds"], ignore_index=True), coverage


def _service(
    coverage: pd.DataFrame, requirement: pd.DataFrame, scenario: Scenario
) -> tuple[dict[str, float] | None, str | None]:
    """Contact-weighted service level achieved per queue, via the requirement stage's inverse."""
    try:
        from planner.requirement import achieved_service
    except ImportError:
        return None, "planner.requirement.achieved_service is not available"
    if not {"contacts", "aht_s"} <= set(requirement.columns):
        return None, "the requirement table has no contacts/aht_s columns to judge service"
    try:
        table = achieved_service(requirement, coverage, scenario)
    except PlannerError as exc:  # report, never fail the rota on the summary
        return None, f"service level not computed: {exc}"
    per_queue: dict[str, float] = {}
    for queue, rows in table.groupby("queue"):
        judged = rows[rows["service_level"].notna() & (rows["contacts"] > 0)]
        if len(judged):
            weights = judged["contacts"]
            per_queue[str(queue)] = round(
                float((judged["service_level"] * weights).sum() / weights.sum()), 4
            )
    return per_queue, None


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def build_rota(
    scenario: Scenario,
    requirement: pd.DataFrame,
    *,
    time_limit_s: float | None = None,
    progress: ProgressFn | None = None,
    fast: bool = False,
    hire_candidates: bool = True,
) -> RotaResult:
    """Build the holiday rota for ``scenario`` covering ``requirement``.

    Args:
        scenario: the plan (staff, shifts, labour rules, hiring pool, weights, solver settings).
        requirement: ``queue, ds, staff_needed`` per interval (on-queue heads after shrinkage).
        time_limit_s: total seconds for both stages (default ``schedule.time_limit_s``).
        progress: called with (seconds, objective, bound) at each improving stage-1 solution.
        fast: short time limit and a coarser objective (cover, cost, requests) for the hiring
            search, which calls this many times.
        hire_candidates: offer the hiring pool as optional seasonal people.

    Returns:
        A :class:`RotaResult`; at the time limit, the best rota found with objective, bound and
        gap (``status`` ``feasible``), ``optimal`` when proven.

    Raises:
        InfeasibleError: the hard rules admit no rota; ``explanation`` names the rules and people
            in conflict and what relaxing each would buy.
        DataError: the requirement table is unusable.
    """
    started = time.perf_counter()
    settings = scenario.schedule
    total = settings.time_limit_s if time_limit_s is None else time_limit_s
    if fast:
        total = min(total, settings.fast_time_limit_s)
    data = build_rota_data(scenario, requirement, hire_candidates=hire_candidates)
    timings: dict[str, float] = {"data_s": round(time.perf_counter() - started, 2)}
    # Stage 2's greedy costs ~2 ms a shift even with no time left for its search (14 s for the
    # 200-person variant): keep at least that for it, but never less than half for stage 1.
    staff_days = sum(1 for p in data.people if not p.candidate) * len(data.days) * 5 / 7
    stage2_floor = BREAKS_S_PER_SHIFT * staff_days
    # The tables take ~0.6 ms a shift (1.6 s on the sample, ~4.5 s for 200 people).
    reserve = max(TABLES_RESERVE_S, TABLES_S_PER_SHIFT * staff_days)
    stage1_limit = min(
        total * (1 - settings.break_stage_share),
        max(0.5 * total, total - reserve - stage2_floor),
    )
    n_cells = len(data.people) * len(data.days)
    # The LP bound runs in a thread from the start, beside the greedy and its local search
    # (pure Python on one core, so the second core is idle until CP-SAT starts): the
    # whole-horizon LP (PDLP, ~10-25 s, in C++ without the GIL), or if it proves nothing in its
    # share of the time, the week-by-week LPs. Started only once the greedy was done, or after
    # the weekly LPs (which took up to 26 s beside the local search on a loaded machine), the
    # joint LP missed its deadline in most loaded runs. The cost is the GIL during the LP's
    # Python build. It may run into stage 2, which keeps to its own deadline. Fast mode (the
    # hiring search) keeps the analytic bound.
    pool = None if fast else ThreadPoolExecutor(max_workers=1)
    # The bound's thread runs beside stage 2 and the tables too, so it may use all but the
    # last moments (its day-by-day refinement still gains ~400 a second at the end on the
    # sample; stopping it when the tables start left ~2 s of the minute unused).
    lp_deadline = started + total - LP_TAIL_S
    # Progress lines show the best bound proved so far: the LP's once it lands (the search
    # itself only knows the analytic one).
    lp_proved: list[LpBound] = []  # the best LP bound proved so far, once there is one
    shown: list[tuple[float, float, float]] = []  # the points reported, with that bound
    user_progress = progress

    def progress(seconds: float, objective: float, bound: float) -> None:
        point = (seconds, objective, max([bound] + [found.value for found in lp_proved]))
        shown.append(point)
        if user_progress is not None:
            user_progress(*point)

    lp_plans: list[LpPlan] = []  # the whole-horizon LP's solution, once solved

    def publish(found: LpBound) -> None:
        if found.plan is not None and not lp_plans:
            lp_plans.append(found.plan)
        if not lp_proved or found.value > lp_proved[0].value:
            lp_proved[:] = [found]

    lp_built = threading.Event()
    lp_future = (
        pool.submit(
            lp_bound_parts, data, deadline=lp_deadline, on_bound=publish, on_built=lp_built.set
        )
        if pool is not None
        else None
    )
    if lp_future is not None and settings.search == "lns":
        # Let the LP's Python build have the interpreter to itself (a few seconds; the greedy
        # alongside slowed it by 3-9 s on the sample): the local search restarts from the
        # LP's solution anyway, so every second sooner it lands is a second more for that.
        lp_built.wait(timeout=LP_BUILD_WAIT_SHARE * total)
    # A coverage-aware greedy start (every hard rule), then our LNS on the whole horizon.
    # Measured on the sample: the greedy alone 769k, + 10 s of its local search 669k, + 25 s
    # 662k; 30 s of CP-SAT LNS from the greedy alone only reached 755k, and after the local
    # search it made 1-13 moves worth 300-900 in 12-20 s (quiet / loaded machine). So the
    # local search (its last 20% in rounds of shift swaps and moves) runs until only the CP-SAT
    # model's build and pricing time is left (~4 s on the sample, ~13 s for 200 people; quiet
    # machine, real sample: 662.3k / 662.7k when it stopped at 75% of stage 1, 660.4k at the
    # old 2 ms a person-day, 648.7k with swaps and 1 ms). The CP-SAT model prices the rota's
    # whole objective (fairness, start times) and the LNS uses any time left.
    improve_until = started + stage1_limit - MODEL_S_PER_CELL * n_cells
    # Once the LP is solved, the local search restarts from its rounded solution (a better
    # basin: 629k against ~647k on the real sample) and keeps the cheaper of the two rotas.
    start_report: dict[str, object] = {}
    start = (
        greedy_start(
            data,
            improve_until=improve_until,
            seed=settings.seed,
            lp_plan=lambda: lp_plans[0] if lp_plans else None,
            report=start_report,
        )
        if settings.search == "lns"
        else None
    )
    timings["greedy_s"] = round(time.perf_counter() - started, 2)
    stage1 = None
    if start is not None:
        left = max(2.0, stage1_limit - (time.perf_counter() - started))
        # Small teams: CP-SAT's own search from the greedy start proves optimality; large
        # ones (above decompose_above person-days): our LNS, which improves them much faster.
        large = n_cells > settings.decompose_above
        stage1 = solve_stage1(
            data,
            time_limit_s=left,
            progress=progress,
            fast=fast,
            started=started,
            start=start,
            lns=large,
        )
        method = f"greedy start, then {'LNS' if large else 'CP-SAT'} on the whole horizon"
    if stage1 is not None and not stage1.assignments:
        stage1 = None
    if stage1 is None and (
        settings.decompose_above and n_cells > settings.decompose_above and len(data.weeks) > 1
    ):
        weekly = solve_weekly(
            data, time_limit_s=0.7 * stage1_limit, progress=progress, fast=fast, started=started
        )
        timings["week_by_week_s"] = round(time.perf_counter() - started, 2)
        # Polish the week-by-week rota on the whole horizon: a true bound, and LNS may improve it.
        left = max(2.0, stage1_limit - (time.perf_counter() - started))
        stage1 = solve_stage1(
            data,
            time_limit_s=left,
            progress=progress,
            fast=fast,
            started=started,
            start=weekly.assignments,
        )
        method = "week by week, then whole horizon"
    elif stage1 is None:
        stage1 = solve_stage1(
            data, time_limit_s=stage1_limit, progress=progress, fast=fast, started=started
        )
        method = "whole horizon"

    timings["stage1_s"] = round(time.perf_counter() - started, 2)
    # Stage 2: breaks, day by day, within the time left.
    days_worked = [d for d in sorted(stage1.assignments) if stage1.assignments[d]]
    breaks: dict[tuple[int, int], list[Break]] = {}
    s2_value = s2_bound = 0.0
    s2_optimal = True
    s2_greedy = s2_cpsat = 0
    for i, d in enumerate(days_worked):
        # Each day gets an equal share of the time left (the greedy answer is instant), less
        # what the tables and summary take (~1.5 s on the sample).
        left = total - reserve - (time.perf_counter() - started)
        result = place_breaks(
            data,
            d,
            stage1.assignments[d],
            time_limit_s=max(0.0, left / (len(days_worked) - i)),
            workers=settings.workers,
            seed=settings.seed,
        )
        for p, placed in result.breaks.items():
            breaks[d, p] = placed
        s2_value += result.under_staff_h
        s2_bound += result.bound_staff_h
        s2_optimal &= result.status == "optimal"
        s2_greedy += result.status == "greedy"
        s2_cpsat += result.status != "greedy"

    timings["stage2_s"] = round(time.perf_counter() - started, 2)
    rota, activity, coverage = _tables(data, stage1.assignments, breaks)
    hires = _hires(data, stage1.hired, rota)
    summary = _summary(data, stage1, rota, coverage, hires, method, time.perf_counter() - started)
    service, note = _service(coverage, requirement, scenario)
    summary["service_level"] = service
    if note:
        summary["service_level_note"] = note
    summary["elapsed_at_end_of"] = timings  # seconds since the call, per phase
    if start_report:  # which start the local search kept: the greedy's or the LP's rounded
        summary["local_search_start"] = start_report
    if stage1.lns_moves:  # neighbourhood -> [moves tried, moves that improved]
        summary["lns_moves"] = {k: list(v) for k, v in stage1.lns_moves.items()}
    lower, source = _analytic_bound(data), "contract minimums (analytic)"
    if lp_future is not None:
        # Wait only while the time limit allows: every LP of the thread stops at ``deadline``
        # (the whole-horizon LP is then dropped and the week-by-week one kept).
        found: LpBound | None
        try:
            wait = max(0.0, lp_deadline + LP_WAIT_S - time.perf_counter())
            found = lp_future.result(timeout=wait)
        except FuturesTimeout:
            # the whole-horizon LP is still running: keep the bound proved before it
            found = lp_proved[0] if lp_proved else None
        pool.shutdown(wait=False)
        timings["lp_bound_s"] = round(time.perf_counter() - started, 2)
        if found is not None and found.value > lower:
            lower = found.value
            source = f"LP relaxation ({found.how})"
            # what the LP optimum spends per soft goal: where the rota could still gain
            summary["bound_parts"] = {k: round(v, 2) for k, v in sorted(found.parts.items())}
    if shown and lower > shown[-1][2] + 1e-6:
        # The bound kept rising after the search's last improvement: report where it ended,
        # or the last progress line shows a wider gap than the summary (5.5% against 4.8%).
        progress(round(time.perf_counter() - started, 2), shown[-1][1], lower)
    if lower > summary["best_bound"]:  # a valid bound the solver had not proved in its time
        summary["best_bound"] = round(lower, 2)
        summary["gap"] = _gap(stage1.objective, lower)
        summary["bound_source"] = source
    elif "LNS" in method:  # our LNS reports the analytic bound as its own
        summary["bound_source"] = "contract minimums (analytic)"
    else:
        summary["bound_source"] = "CP-SAT"
    summary["stage2"] = {
        "under_cover_staff_h_in_break_windows": round(s2_value, 3),
        "bound_staff_h": round(s2_bound, 3),
        "gap": _gap(s2_value, s2_bound),
        "status": "optimal" if s2_optimal else "feasible",
        "days_placed_by_greedy": s2_greedy,  # no time to search, or CP-SAT found nothing
        "days_placed_by_cp_sat": s2_cpsat,
    }
    return RotaResult(
        rota=rota,
        activity=activity,
        coverage=coverage,
        hires=hires,
        summary=summary,
        progress=shown or stage1.progress,
        status=stage1.status,
    )


def _analytic_bound(data: RotaData) -> float:
    """A lower bound on the stage-1 objective that needs no search (currency units).

    Every penalty is non-negative, so the objective is at least the labour cost of the contract
    minimums (each person owes ``week_min`` paid minutes a week at their rate; hired candidates are
    optional and excluded) plus the under-cover of intervals no option can reach at all.
    """
    weights = data.scenario.schedule.weights
    labour = sum(
        sum(person.week_min) * person.cost_per_min for person in data.people if not person.candidate
    )
    usable: dict[int, set[tuple[int, int]]] = defaultdict(set)  # group -> (day, option)
    for person in data.people:
        for d, opts in person.options.items():
            for g in person.groups:
                usable[g].update((d, o) for o in opts)
    reachable = np.zeros(data.need.shape, dtype=bool)
    for g, pairs in usable.items():
        for d, o in pairs:
            reachable[g, list(data.options[d][o].cover)] = True
    unreachable = float(data.need[~reachable].sum()) / COVER_SCALE * data.interval_min / 60
    return weights.labour_cost * labour + weights.under_cover * unreachable


def _gap(value: float, bound: float) -> float:
    """Relative gap between a minimised value and its lower bound (0 when both are 0)."""
    if abs(value) < 1e-9:
        return 0.0
    return round(max(0.0, (value - bound) / abs(value)), 6)


def _hires(data: RotaData, hired: list[int], rota: pd.DataFrame) -> pd.DataFrame:
    """One row per activated candidate."""
    rows = []
    for p in sorted(hired, key=lambda p: data.people[p].id):
        person = data.people[p]
        mine = rota[rota["employee_id"] == person.id]
        rows.append(
            {
                "employee_id": person.id,
                "contract_hours": person.member.contract_hours,
                "skills": ",".join(person.member.skills),
                "start_date": person.member.start_date,
                "training_end": floor_date(person.member),
                "first_shift": min(mine["date"]) if len(mine) else None,
                "hours": float(mine["paid_h"].sum()),
                "labour_cost": round(float(mine["cost"].sum()), 2),
                "hire_cost": round(person.hire_cost, 2),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "employee_id",
            "contract_hours",
            "skills",
            "start_date",
            "training_end",
            "first_shift",
            "hours",
            "labour_cost",
            "hire_cost",
        ],
    )


def _summary(
    data: RotaData,
    stage1: Stage1,
    rota: pd.DataFrame,
    coverage: pd.DataFrame,
    hires: pd.DataFrame,
    method: str,
    seconds: float,
) -> dict[str, object]:
    """Headline figures of a rota (JSON-serialisable)."""
    interval_h = data.interval_min / 60
    cost_by_kind = {k: round(float(v), 2) for k, v in rota.groupby("kind")["cost"].sum().items()}
    hire_total = round(float(hires["hire_cost"].sum()), 2) if len(hires) else 0.0
    under = float((-coverage["gap"]).clip(lower=0).sum() * interval_h)
    over = float(coverage["gap"].clip(lower=0).sum() * interval_h)
    under_by_queue = (
        (-coverage["gap"]).clip(lower=0).groupby(coverage["queue"]).sum() * interval_h
    ).round(2)
    summary: dict[str, object] = {
        "status": stage1.status,
        "method": method,
        "objective": round(stage1.objective, 2),
        "best_bound": round(stage1.bound, 2),
        "gap": _gap(stage1.objective, stage1.bound),
        "solve_time_s": round(seconds, 2),
        "stage1_time_s": round(stage1.seconds, 2),
        "cost_by_kind": cost_by_kind,
        "hire_cost": hire_total,
        "total_cost": round(sum(cost_by_kind.values()) + hire_total, 2),
        "hires_used": len(hires),
        "hired": list(hires["employee_id"]),
        "backup_hours": round(float(rota.loc[rota["kind"] == "backup", "paid_h"].sum()), 2),
        "under_covered_staff_h": round(under, 2),
        "over_covered_staff_h": round(over, 2),
        "under_covered_by_queue": {str(k): float(v) for k, v in under_by_queue.items()},
        "needed_staff_h": round(float(coverage["staff_needed"].sum() * interval_h), 2),
        "penalties": {k: round(v, 2) for k, v in sorted(stage1.breakdown.items())},
        "people": len([p for p in data.people if not p.candidate]),
        "candidates": len([p for p in data.people if p.candidate]),
        "days": len(data.days),
        "shifts": len(rota),
    }
    if data.dropped_intervals:
        summary["requirement_rows_outside_horizon"] = data.dropped_intervals
    return json.loads(json.dumps(summary, default=str))
