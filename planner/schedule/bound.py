"""A valid lower bound on the stage-1 objective: LP relaxations, week by week and whole horizon.

The stage-1 objective is a sum of non-negative penalties. Relaxing every Boolean to ``[0, 1]``
and dropping some rules and terms leaves a linear program whose optimum can only be lower. What
is kept, with the solver's own integer coefficients (so the bound is in the same units as the
objective):

- cover: ``under[g, t] + Σ cover × heads >= need`` and ``over >= Σ cover × heads - need``;
- per person and day at most one shift; per week at most ``7 - days off`` shifts and the weekly
  paid-minute minimum and maximum (a candidate's scaled by its ``hired`` value in ``[0, 1]``),
  plus the facets of the week's whole-shift patterns (:func:`week_pattern_cuts`: with 8.5 h
  shifts and a 36-44 h week, at least 5 shifts and at most 5 long ones, where the LP alone
  took 4.24 to 5.18);
  at most ``max_consecutive_days`` shifts in any window of that many days plus one; the backup
  cap over the horizon; rest and banned sequences as "at most one of these two shifts" rows
  (each a valid inequality of the 0/1 rota);
- the lunch-room rule (``rules.add_break_capacity``) as an upper bound on the heads of each
  (day, option, group): the largest head count it allows (the convex hull of the allowed counts
  lies below it). On the sample it caps the 6 h part-time shifts at 2 heads a group;
- labour cost per paid minute, hire cost once per candidate (one ``hired`` variable for the
  whole horizon, as in the model);
- the linear soft terms exactly: non-preferred shifts and refused time-off requests;
- fairness as in the model, ``excess >= 100 × count - share × team total`` with ``excess >= 0``
  (its LP relaxation: the model's integer excess satisfies it).

Dropped (each penalty is >= 0, so dropping it only lowers the bound): start-time changes and
burnout indicators.

People with the same skills, options, ramp-up, weekly bounds, costs, requests, preferences and
contract are merged into one class with a multiplicity ``m``: every row of the class is the sum
of its members' rows, so any rota of the members gives a feasible point of the class's LP with
the same objective, except fairness, where ``Σ max(0, a_p) >= max(0, Σ a_p)`` makes the class's
excess a lower bound on its members' excesses.

Two LPs (:func:`lp_bound_parts`): the whole horizon (PDLP, valued by the Lagrangian of its
duals; HiGHS's interior point took 14-29 s, GLOP's simplex over 6 minutes), and if that proves
nothing in its time, each week alone (GLOP, fast; further relaxed as :func:`_build` explains).
Every column has a finite upper bound that any rota respects (the Lagrangian needs boxes).
Then, until the deadline, the whole-horizon bound is raised with integer heads day by day
(:func:`_refine_by_day`: the Lagrangian of the rows that link days, at the LP's duals, splits
into one small integer program per day, solved by SCIP on the core the local search leaves
idle). Measured on the sample scenario with ``out/requirement.csv`` (rota found in 60 s:
~660,000), loaded 2-core machine unless said:

=====================================================  ========  =======
bound                                                   value     time
=====================================================  ========  =======
week by week, cover + cost only (the previous bound)    548,381   8 s
  + lunch-room caps                                     566,883   4 s
week by week, all rows above                            570,809   6 s
whole horizon, all rows above (HiGHS interior point)    588,563   14 s
whole horizon, PDLP duals' Lagrangian (1e-4)            588,561   10-15 s
  + integer heads day by day (quiet machine)            600,318   to the deadline
whole horizon + whole-shift week cuts (quiet machine)    594,071   8 s
  + integer heads day by day (quiet machine)            606,600   to the deadline
the same, GLOP presolve + PDLP at 7e-5 (slower machine)  593,940   7.7 s
  + integer heads day by day (slower machine)          ~603,500   to the deadline
the same, built as lists (:class:`_LpBuilder`; alone)   593,940   8.1 s
=====================================================  ========  =======

The last row's time is build, solve and valuation together, offline: 10.2 s before
(the build alone 1.2 s instead of 2.6 s).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterator

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

from planner.schedule.model import COVER_SCALE, RotaData, lunch_room_ok
from planner.schedule.rules import OBJ_SCALE, _weight

__all__ = ["LpBound", "lp_bound", "lp_bound_parts"]


@dataclasses.dataclass(frozen=True)
class LpBound:
    """The LP bound (currency units) and the LP optimum's value per objective term."""

    value: float
    parts: dict[str, float]
    seconds: float
    how: str  # "whole horizon" or "week by week"
    plan: LpPlan | None = None  # the whole-horizon LP's solution, for the local search's start


@dataclasses.dataclass(frozen=True)
class LpPlan:
    """The whole-horizon LP's solution as a rota in fractions, to round into a start.

    ``classes`` maps each class's first person to its members (identical to the LP);
    ``shifts[(first, d)]`` lists ``(heads, option, group)`` the class works on day ``d``, most
    heads first (between 0 and the class's size); ``hired[first]`` is how many of a candidate
    class the LP hires.
    """

    classes: dict[int, list[int]]
    shifts: dict[tuple[int, int], list[tuple[float, int, int]]]
    hired: dict[int, float]


def _classes(data: RotaData) -> dict[tuple, list[int]]:
    """People grouped by everything the LP sees about them."""
    out: dict[tuple, list[int]] = defaultdict(list)
    for p, person in enumerate(data.people):
        member = person.member
        key = (
            person.candidate,
            person.kind,
            person.groups,
            tuple(sorted((d, tuple(o)) for d, o in person.options.items())),
            tuple(sorted(person.productivity.items())),
            person.week_min,
            person.week_max,
            round(person.cost_per_min * 1e6),
            round(person.hire_cost * 100),
            p in data.hired_before,
            tuple(member.preferred_shifts),
            tuple((r.start, r.end, r.weight) for r in member.time_off_requests),
            member.contract_hours,
            member.max_hours_total,
            data.backup_used_min.get(p, 0),
            data.run_before.get(p, 0),
            tuple(sorted((k, v) for (k, q), v in data.fair_before.items() if q == p)),
        )
        out[key].append(p)
    return out


def _conflicts(data: RotaData) -> dict[tuple[int, int], list[int]]:
    """``(d, o) -> options of day d+1`` that break the rest or banned-sequence rule after it."""
    rules = data.scenario.rules
    rest_ns = round(rules.min_rest_h * 3600 * 10**9)
    templates = data.scenario.shifts
    banned: set[tuple[str, str]] = set()
    for a, b in rules.banned_sequences:
        left = [t.name for t in templates if a in (t.name, t.category)]
        right = [t.name for t in templates if b in (t.name, t.category)]
        banned |= {(x, y) for x in left for y in right}
    out: dict[tuple[int, int], list[int]] = {}
    for d in range(len(data.days) - 1):
        for o1, first in enumerate(data.options[d]):
            bad = [
                o2
                for o2, second in enumerate(data.options[d + 1])
                if second.start.value - first.end.value < rest_ns
                or (first.name, second.name) in banned
            ]
            if bad:
                out[d, o1] = bad
    return out


#: Share of the time to the deadline the whole-horizon LP may take before the week-by-week
#: LPs run instead. PDLP proves nothing when stopped at a time limit (no duals), so the
#: weekly fallback keeps the rest. Measured (loaded 2-core machine, beside the local search):
#: sample 15-25 s, 200 people ~12 s (identical people merge into classes); the weekly LPs
#: took 6-26 s on the sample, ~13 s for 200 people.
JOINT_SHARE = 0.7

#: Solver of the whole-horizon LP: PDLP (first-order, ships with ortools) after GLOP's
#: presolve, to a relative accuracy of 7e-5, on one thread (the local search runs on the
#: other core meanwhile). On the sample (49k columns, 28k rows) it takes ~7.7 s where HiGHS's
#: interior point took 14-29 s and GLOP's simplex over 6 min. Its objective is not trusted:
#: the bound is the Lagrangian value of its duals (:func:`lagrangian_value`), valid however
#: inexact they are. Measured on the sample (solve only, slower machine): without presolve at
#: 1e-4, 10.5-11.1 s and 594,071; with presolve at 1e-4, 7.6 s and 593,503; at 7e-5, 7.7 s and
#: 593,940; at 5e-5, 9.8 s and 594,182; 1e-5 without presolve, 42 s for ~0.15% more. The LP
#: landing ~3 s sooner gives the local search's LP start and the integer days that much more
#: time (real sample, seeds 0-3: gap 4.7-4.85% against 5.0-5.4%).
JOINT_SOLVER = "PDLP"
JOINT_PARAMS = (
    "num_threads: 1 presolve_options { use_glop: true } termination_criteria "
    "{ simple_optimality_criteria { eps_optimal_relative: 7e-5 eps_optimal_absolute: 7e-5 } }"
)


#: Longest time one day's integer problem of the refinement (:func:`_refine_by_day`) may take;
#: the days share what is left before the deadline otherwise. Measured offline on the
#: sample (SCIP): +6.5k (1.1%) at 0.4 s a day, +12.1k (2.1%) at 3 s a day.
DAY_MIP_S = 3.0


class _LpBuilder:
    """An LP under construction as plain Python lists, loaded into a solver in one call.

    The sample's whole-horizon LP has ~49,000 columns, ~30,000 rows and ~720,000
    coefficients. Set one call at a time through ``pywraplp`` they took about half of its
    build (~1.3 s of 2.6 s), while the local search waited on the same interpreter; here
    they are list and dict writes, and the rows reach the solver as one model proto.
    Columns are ``0 <= x <= upper`` (the Lagrangian needs finite boxes) and are named by
    their index; rows are ``lower <= Σ coef × x <= upper``, held as ``column -> coef``.
    """

    def __init__(self) -> None:
        self.upper: list[float] = []
        self.cost: list[float] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.rows: list[dict[int, float]] = []

    def column(self, upper: float) -> int:
        """A new column in ``[0, upper]`` with no cost yet; its index."""
        self.upper.append(float(upper))
        self.cost.append(0.0)
        return len(self.upper) - 1

    def row(self, lower: float, upper: float, terms: dict[int, float] | None = None) -> int:
        """A new row ``lower <= Σ terms <= upper`` (more terms may be set later); its index."""
        self.row_lower.append(float(lower))
        self.row_upper.append(float(upper))
        self.rows.append({} if terms is None else terms)
        return len(self.rows) - 1

    def arrays(self) -> _LpArrays:
        """The LP as arrays (rows in coordinate form), for the Lagrangian."""
        sizes = [len(terms) for terms in self.rows]
        chain = itertools.chain.from_iterable
        return _LpArrays(
            cost=np.array(self.cost),
            col_upper=np.array(self.upper),
            lower=np.array(self.row_lower),
            upper=np.array(self.row_upper),
            row=np.repeat(np.arange(len(sizes)), sizes),
            col=np.fromiter(chain(terms.keys() for terms in self.rows), dtype=np.int64),
            coef=np.fromiter(chain(terms.values() for terms in self.rows), dtype=float),
        )

    def solver(self, name: str, params: str = "") -> pywraplp.Solver | None:
        """A ``pywraplp`` solver (``name``) holding this LP, minimising; None if unavailable."""
        solver = pywraplp.Solver.CreateSolver(name)
        if solver is None:
            return None  # pragma: no cover - GLOP and PDLP ship with ortools
        proto = linear_solver_pb2.MPModelProto(maximize=False)
        for ub, c in zip(self.upper, self.cost, strict=True):
            proto.variable.add(lower_bound=0.0, upper_bound=ub, objective_coefficient=c)
        for lo, hi, terms in zip(self.row_lower, self.row_upper, self.rows, strict=True):
            row = proto.constraint.add(lower_bound=lo, upper_bound=hi)
            row.var_index.extend(terms.keys())
            row.coefficient.extend(terms.values())
        error = solver.LoadModelFromProto(proto)
        if error:  # pragma: no cover - the builder only writes finite, indexed rows
            raise ValueError(f"the bound LP did not load: {error}")
        if params and not solver.SetSolverSpecificParametersAsString(params):
            return None  # pragma: no cover - the parameters are this module's constants
        return solver


def lp_bound(data: RotaData, *, deadline: float | None = None) -> float:
    """Lower bound on the stage-1 objective (currency units); 0 when none was proved.

    ``deadline`` is a ``time.perf_counter()`` instant: no LP runs past it (an unfinished LP
    proves nothing) and the caller keeps its analytic bound.
    """
    found = lp_bound_parts(data, deadline=deadline)
    return 0.0 if found is None else found.value


def lp_bound_parts(
    data: RotaData,
    *,
    deadline: float | None = None,
    joint: bool = True,
    on_bound: Callable[[LpBound], None] | None = None,
    on_built: Callable[[], None] | None = None,
) -> LpBound | None:
    """The LP bound proved before ``deadline`` with its breakdown per term, or None.

    First, if ``joint``, the LP of the whole horizon (PDLP, see :data:`JOINT_SOLVER`) within
    :data:`JOINT_SHARE` of the time: it links the weeks (backup caps, hires, fairness, rest and
    runs across week ends) and is never weaker than the weekly sum (a point of it, cut to one
    week, is a point of that week's LP at no higher cost; its Lagrangian value may lose ~0.15%
    of that). The time left until ``deadline`` raises it with integer heads day by day
    (:func:`_refine_by_day`; +2.1% on the sample). If it proves nothing, the week-by-week LP
    (each week alone, GLOP, about a second a week on the sample), a valid bound on its own
    (see :func:`_build`). ``on_bound`` is called with each bound as soon as it is proved, so
    progress reports need not wait for the caller to collect it. ``on_built`` is called once
    the whole-horizon LP is built (or is not tried): building it is Python, which the caller's
    own Python work slows down, and solving it is not.
    """
    started = time.perf_counter()
    if joint and len(data.weeks) > 1:
        share = None if deadline is None else started + JOINT_SHARE * (deadline - started)
        solved = _solve(data, None, share, on_built)
        if solved is not None:
            found, lag = solved
            found = dataclasses.replace(found, seconds=time.perf_counter() - started)
            if on_bound is not None:
                on_bound(found)
            if lag is None:  # pragma: no cover - the whole-horizon LP always keeps its duals
                return found
            # The time left to the deadline raises it with integer heads, day by day.
            best = found
            for gain in _refine_by_day(lag, deadline):
                best = LpBound(
                    found.value + gain,
                    dict(found.parts) | {"integrality (by day)": gain},
                    time.perf_counter() - started,
                    "whole horizon + integer days",
                )
                if on_bound is not None:
                    on_bound(best)
            return best
    if on_built is not None:
        on_built()
    total = 0.0
    parts: dict[str, float] = defaultdict(float)
    for week in data.weeks:
        if deadline is not None and time.perf_counter() > deadline:
            return None
        solved = _solve(data, week, deadline)
        if solved is None:
            return None
        found = solved[0]
        total += found.value
        for term, value in found.parts.items():
            parts[term] += value
    best = LpBound(total, dict(parts), time.perf_counter() - started, "week by week")
    if on_bound is not None:
        on_bound(best)
    return best


def _solve(
    data: RotaData,
    days: list[int] | None,
    deadline: float | None,
    on_built: Callable[[], None] | None = None,
) -> tuple[LpBound, _Lagrangian | None] | None:
    """Build and solve the LP of ``days`` (a week, by GLOP), or of the whole horizon (None, by
    PDLP, valued by its duals' Lagrangian, which is returned too for the day refinement);
    None if it proved nothing before ``deadline``."""
    started = time.perf_counter()
    joint = days is None
    lp = _LpBuilder()
    local: dict[int, int] = {}
    columns: dict[tuple, int] = {}
    parts, constant = _build(data, lp, days, local if joint else None, columns if joint else None)
    solver = lp.solver(JOINT_SOLVER, JOINT_PARAMS) if joint else lp.solver("GLOP")
    if solver is None:  # pragma: no cover - GLOP and PDLP ship with ortools
        return None
    if on_built is not None:
        on_built()
    if deadline is not None:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        solver.SetTimeLimit(max(1, int(left * 1000)))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None  # never claim a bound the LP did not prove
    solution = linear_solver_pb2.MPSolutionResponse()
    solver.FillSolutionResponseProto(solution)
    values = np.array(solution.variable_value)
    lag = None
    if joint:
        lag = _lagrangian(lp.arrays(), np.array(solution.dual_value), local)
        value = _lagrangian_sum(lag, lag.duals)
    else:
        # GLOP's simplex optimum is exact to its tolerance; shave a hair so it never overclaims.
        value = solver.Objective().Value() * (1 - 1e-6)
    breakdown = {
        term: sum(values[j] * c for j, c in terms) / OBJ_SCALE for term, terms in parts.items()
    }
    breakdown["under_cover"] = breakdown.get("under_cover", 0.0) + constant / OBJ_SCALE
    how = "whole horizon" if joint else "week by week"
    plan = _plan(data, columns, values) if joint else None
    found = LpBound(
        (value + constant) / OBJ_SCALE, breakdown, time.perf_counter() - started, how, plan
    )
    return found, lag


def _plan(data: RotaData, columns: dict[tuple, int], values: np.ndarray) -> LpPlan:
    """The solved LP's shifts and hires per class (values below a hundredth of a head dropped:
    PDLP's first-order solution is fuzzy at that scale)."""
    shifts: dict[tuple[int, int], list[tuple[float, int, int]]] = defaultdict(list)
    hired: dict[int, float] = {}
    for key, j in columns.items():
        value = float(values[j])
        if key[0] == "hired":
            hired[key[1]] = max(0.0, value)
        elif value >= 0.01:
            p0, d, o, g = key
            shifts[p0, d].append((value, o, g))
    for options in shifts.values():
        options.sort(reverse=True)
    classes = {members[0]: members for members in _classes(data).values()}
    return LpPlan(classes, dict(shifts), hired)


@dataclasses.dataclass(frozen=True)
class _LpArrays:
    """An LP as arrays: rows ``lower <= A x <= upper`` (``A`` in coordinate form: ``row``,
    ``col``, ``coef``), columns ``0 <= x <= col_upper`` with costs ``cost``."""

    cost: np.ndarray
    col_upper: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    row: np.ndarray
    col: np.ndarray
    coef: np.ndarray


@dataclasses.dataclass(frozen=True)
class _Lagrangian(_LpArrays):
    """An LP as arrays (costs in objective units), with sign-corrected duals: what the
    Lagrangian values need. ``day_of[j]`` is the day of a day-local column (-1 for the
    others: hires, fairness), ``row_day[r]`` that of a row whose columns all belong to one
    day (-1: a linking row).
    """

    duals: np.ndarray
    day_of: np.ndarray
    row_day: np.ndarray


def _lagrangian(lp: _LpArrays, duals: np.ndarray, local: dict[int, int]) -> _Lagrangian:
    """The LP with each of ``duals`` set to 0 where its sign is not valid.

    For a minimisation, ``y_r >= 0`` may only multiply a row's finite lower bound and
    ``y_r <= 0`` its finite upper bound. ``local``: column index -> its day (see
    :func:`_build`).
    """
    cost, col_upper, lower, upper = lp.cost, lp.col_upper, lp.lower, lp.upper
    row, col, coef = lp.row, lp.col, lp.coef
    if not np.all(np.isfinite(col_upper)):
        raise ValueError("every column of the bound LP must lie in [0, finite]")
    n_rows = len(lower)
    y = np.asarray(duals, dtype=float).copy()
    y[~np.isfinite(y)] = 0.0
    y[(y > 0) & ~np.isfinite(lower)] = 0.0
    y[(y < 0) & ~np.isfinite(upper)] = 0.0
    day_of = np.full(len(cost), -1)
    day_of[list(local)] = list(local.values())
    # a row is day-local when its columns' days agree and none is global
    first, last = np.full(n_rows, 10**9), np.full(n_rows, -2)
    np.minimum.at(first, row, day_of[col])
    np.maximum.at(last, row, day_of[col])
    row_day = np.where((first == last) & (first >= 0), first, -1)
    return _Lagrangian(cost, col_upper, lower, upper, row, col, coef, y, day_of, row_day)


def _dual_terms(lag: _Lagrangian, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row ``y_r × (the bound y_r multiplies)``, per column ``min(0, rc_j × ub_j)``, and
    the reduced costs ``rc = cost - Aᵀy`` (``y`` of valid signs).

    ``Σ rows + Σ columns`` is the Lagrangian value at ``y`` (objective units, no constant):
    ``c·x >= y·(Ax) + rc·x >= Σ rows + Σ columns`` for every ``x`` of the rows and boxes.
    """
    used = np.bincount(lag.col, weights=lag.coef * y[lag.row], minlength=len(lag.cost))
    reduced = lag.cost - used
    finite_lo = np.where(np.isfinite(lag.lower), lag.lower, 0.0)
    finite_hi = np.where(np.isfinite(lag.upper), lag.upper, 0.0)
    rows = np.where(y > 0, y * finite_lo, 0.0) + np.where(y < 0, y * finite_hi, 0.0)
    return rows, np.minimum(0.0, reduced * lag.col_upper), reduced


def _lagrangian_sum(lag: _Lagrangian, y: np.ndarray) -> float:
    """The Lagrangian value at ``y``, shaved: float sums over ~50k terms lose far less."""
    rows, columns, _ = _dual_terms(lag, y)
    value = float(rows.sum() + columns.sum())
    return value - 1e-9 * abs(value) - 1.0


def lagrangian_value(lp: _LpArrays, duals: np.ndarray) -> float:
    """A lower bound on the minimum of the LP ``lp`` from any row multipliers ``duals``.

    Weak duality: for a minimisation with rows ``lower <= A x <= upper`` and boxes
    ``0 <= x <= ub`` (every ``ub`` finite), any ``y`` with ``y_r >= 0`` only on rows with a
    finite lower bound and ``y_r <= 0`` only on rows with a finite upper bound gives
    ``c·x >= Σ_r y_r·bound_r + Σ_j min(0, (c - Aᵀy)_j·ub_j)``. Multipliers of the wrong sign
    are set to 0 first, so an inexact solver's duals can only make the bound weaker, never
    wrong. Objective units, without any constant the caller keeps outside the LP.
    """
    lag = _lagrangian(lp, duals, {})
    return _lagrangian_sum(lag, lag.duals)


def _refine_by_day(lag: _Lagrangian, deadline: float | None) -> Iterator[float]:
    """Raise the bound day by day with integer heads: yields the total gain (currency) after
    each day that gained.

    The Lagrangian that dualises only the linking rows (weekly rows, runs, rest, backup cap,
    hires, fairness) at the LP's duals splits into one problem per day: min reduced cost × x
    over the day's own rows (one shift a person, heads, lunch room, cover) with x integer, as
    every head count and under-/over-cover is in the model. Each day's proved integer bound
    replaces that day's share of the all-rows-dualised value; a day whose bound is lower is
    left as it is (both are valid). The days with the largest share of the bound go first
    (the peak days, where integer heads cost the most), each within ``deadline``.
    """
    rows, columns, _ = _dual_terms(lag, lag.duals)
    _, _, reduced = _dual_terms(lag, np.where(lag.row_day < 0, lag.duals, 0.0))
    n_days = int(lag.day_of.max()) + 1
    # each day's share of the all-rows-dualised value: its own rows' and columns' terms (a
    # global column only meets linking rows, so its term is the same in both Lagrangians)
    local_rows, local_cols = lag.row_day >= 0, lag.day_of >= 0
    share = np.bincount(
        lag.row_day[local_rows], weights=rows[local_rows], minlength=n_days
    ) + np.bincount(lag.day_of[local_cols], weights=columns[local_cols], minlength=n_days)
    order = np.argsort(lag.row, kind="stable")
    starts = np.searchsorted(lag.row[order], np.arange(len(lag.lower) + 1))
    gain = 0.0
    days = sorted(range(n_days), key=lambda d: -share[d])
    for i, d in enumerate(days):
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left < 0.2:
            return
        limit = DAY_MIP_S if left is None else min(DAY_MIP_S, left / (n_days - i))
        found = _day_mip(lag, d, reduced, order, starts, limit)
        if found is not None and found > share[d]:
            gain += float(found - share[d]) / OBJ_SCALE
            yield gain


def _day_mip(
    lag: _Lagrangian,
    d: int,
    reduced: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    limit_s: float,
) -> float | None:
    """SCIP's proved lower bound of day ``d``'s integer problem (objective units), or None."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - SCIP ships with ortools
        return None
    cols = np.flatnonzero(lag.day_of == d)
    xs = {int(j): solver.IntVar(0.0, float(lag.col_upper[j]), "") for j in cols}
    inf = solver.infinity()
    for r in np.flatnonzero(lag.row_day == d):
        lo, hi = lag.lower[r], lag.upper[r]
        ct = solver.Constraint(lo if np.isfinite(lo) else -inf, hi if np.isfinite(hi) else inf)
        for k in order[starts[r] : starts[r + 1]]:
            ct.SetCoefficient(xs[int(lag.col[k])], float(lag.coef[k]))
    objective = solver.Objective()
    for j, x in xs.items():
        objective.SetCoefficient(x, float(reduced[j]))
    objective.SetMinimization()
    solver.SetTimeLimit(max(1, int(limit_s * 1000)))
    if solver.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    found = objective.BestBound()
    # SCIP works in floating point with 1e-6 tolerances: give back a margin of that order
    return found - 1e-6 * abs(found) - 1.0


def _lunch_caps(data: RotaData, days: list[int]) -> dict[tuple[int, int], int]:
    """``(d, o) -> most heads of one group`` the lunch-room rule allows on that option.

    ``rules.add_break_capacity`` restricts the head count of each (day, option, group) to the
    values ``lunch_room_ok`` accepts; the largest of them is a valid upper bound (the LP may
    take any value below it). Options without a binding cap are left out. The rule depends on
    the template and paid minutes only, so each is checked once.
    """
    top = len(data.people)
    by_kind: dict[tuple[str, int], int | None] = {}
    caps = {}
    for d in days:
        for o, opt in enumerate(data.options[d]):
            kind = (opt.name, opt.paid_min)
            if kind not in by_kind:
                allowed = [n for n in range(top + 1) if lunch_room_ok(data, d, o, n)]
                by_kind[kind] = max(allowed) if len(allowed) <= top else None
            if by_kind[kind] is not None:
                caps[d, o] = by_kind[kind]
    return caps


def _build(
    data: RotaData,
    lp: _LpBuilder,
    days: list[int] | None,
    local: dict[int, int] | None = None,
    plan_columns: dict[tuple, int] | None = None,
) -> tuple[dict[str, list[tuple[int, float]]], float]:
    """Rows and objective of the LP of ``days`` (a week, or None for the whole horizon), in
    ``lp`` (columns by index).

    Returns the objective terms per soft goal (to report the LP's breakdown) and the constant
    under-cover of intervals nobody can reach. A week's LP is a relaxation of the whole LP
    restricted to that week: each candidate pays ``1 / (weeks with options)`` of its hire in
    each such week (one ``hired`` variable per week; the 0/1 rota has them all equal, so the
    shares add up to the whole hire), a backup keeps its whole horizon cap in every week,
    fairness is dropped, runs and rest are checked inside the week only, and an interval that
    shifts of two weeks can cover gets no cover row at all (dropping a penalty row).

    ``local``, if given, receives ``column index -> day`` for every column that belongs to one
    day (a class's shifts, head counts, under- and over-cover): integer in the 0/1 rota, so
    :func:`_refine_by_day` may solve each day's columns as an integer program.

    ``plan_columns``, if given, receives ``(first person, d, o, g) -> column`` for every
    class's shift and ``("hired", first person) -> column`` for every candidate class's hire
    (see :class:`LpPlan`).
    """
    scenario = data.scenario
    weights = scenario.schedule.weights
    rules = scenario.rules
    interval_h = data.interval_min / 60
    w_under = _weight(weights.under_cover * interval_h / COVER_SCALE)
    w_over = _weight(weights.over_cover * interval_h / COVER_SCALE)
    w_pref = _weight(weights.shift_preference)
    factor = weights.labour_cost
    inf = math.inf
    parts: dict[str, list[tuple[int, float]]] = defaultdict(list)
    n_days = len(data.days)
    chosen = set(range(n_days)) if days is None else set(days)
    weeks = [(w, week) for w, week in enumerate(data.weeks) if set(week) & chosen]
    conflicts = _conflicts(data)
    lunch_caps = _lunch_caps(data, sorted(chosen))
    fair_kinds = data.fair_kinds() if weights.fairness > 0 and days is None else {}
    eligible_fair = [p for p in range(len(data.people)) if data.fair_eligible(p)]
    total_contract = sum(data.people[p].member.contract_hours for p in eligible_fair)
    # kind -> per class: (count terms, members' summed share, carried count, most count)
    fair_counts: dict[str, list[tuple[list[int], int, int, float]]] = defaultdict(list)

    def cost(var: int, coef: float, term: str) -> None:
        if coef:
            lp.cost[var] += coef
            parts[term].append((var, coef))

    def at_most(terms: list[int], scale: int | float, cap: float) -> None:
        """Σ terms <= cap × scale (a row).

        No caller lists a column twice; one listed twice would keep coefficient 1, a weaker
        row that stays valid (columns are >= 0).
        """
        row = dict.fromkeys(terms, 1.0)
        if isinstance(scale, float):
            lp.row(-inf, cap * scale, row)
        else:
            row[scale] = -cap
            lp.row(-inf, 0.0, row)

    heads: dict[tuple[int, int, int, float], list[int]] = defaultdict(list)
    limit = rules.max_consecutive_days
    for members in _classes(data).values():
        p0 = members[0]
        person = data.people[p0]
        member = person.member
        m = float(len(members))
        options = {d: opts for d, opts in person.options.items() if d in chosen}
        if not options:
            continue
        scale: int | float = m
        if person.candidate and p0 not in data.hired_before:
            hired = lp.column(m)
            share = 1.0
            if days is not None:
                active = sum(1 for week in data.weeks if any(d in person.options for d in week))
                share = 1.0 / max(1, active)
            hire = _weight(person.hire_cost * factor * data.hire_cost_share) * share
            cost(hired, hire, "hire_cost")
            scale = hired
            if plan_columns is not None:
                plan_columns["hired", p0] = hired
        # shifts[d][o] -> the class's variables of option o on day d (one per skill group)
        shifts: dict[int, dict[int, list[int]]] = {}
        requested = {
            d: sum(
                _weight(weights.time_off_request * r.weight)
                for r in member.time_off_requests
                if r.start <= data.days[d] <= r.end
            )
            for d in options
        }
        for d, opts in options.items():
            prod = person.productivity.get(d, 1.0)
            today: dict[int, list[int]] = {}
            for o in opts:
                opt = data.options[d][o]
                today[o] = []
                for g in person.groups:
                    x = lp.column(m)
                    if local is not None:
                        local[x] = d
                    if plan_columns is not None:
                        plan_columns[p0, d, o, g] = x
                    cost(x, _weight(opt.paid_min * person.cost_per_min * factor), "labour_cost")
                    cost(x, requested[d], "time_off_request")
                    if member.preferred_shifts and opt.name not in member.preferred_shifts:
                        cost(x, w_pref, "shift_preference")
                    today[o].append(x)
                    heads[d, o, g, prod].append(x)
            shifts[d] = today
            at_most([x for xs in today.values() for x in xs], scale, 1.0)
            if local is not None and not isinstance(scale, float):
                # The same row with ``hired`` at its upper bound m: implied, but day-local, so
                # the refinement's day problems keep a candidate class to one shift a day.
                at_most([x for xs in today.values() for x in xs], m, 1.0)
        # Weekly days off, minimum and maximum paid minutes.
        for w, week in weeks:
            in_week = [(d, o, x) for d in week for o, xs in shifts.get(d, {}).items() for x in xs]
            if not in_week:
                continue
            off = (
                rules.min_days_off_per_week
                if len(week) == 7
                else (rules.min_days_off_per_week * len(week)) // 7
            )
            at_most([x for _, _, x in in_week], scale, float(len(week) - off))
            minutes = {x: float(data.options[d][o].paid_min) for d, o, x in in_week}
            hi = lp.row(-inf, 0.0, minutes)
            lo = lp.row(0.0, inf, dict(minutes))
            _scale_bound(lp, hi, scale, float(person.week_max[w]), upper=True)
            _scale_bound(lp, lo, scale, float(person.week_min[w]), upper=False)
            # Whole shifts: the facets of the week's integer patterns (counts per length).
            lengths = sorted({data.options[d][o].paid_min for d, o, _ in in_week})
            days_of = tuple(
                len({d for d, o, _ in in_week if data.options[d][o].paid_min == length})
                for length in lengths
            )
            most = min(len(week) - off, len({d for d, _, _ in in_week}))
            cuts = week_pattern_cuts(
                tuple(lengths), days_of, most, person.week_min[w], person.week_max[w]
            )
            for coef, rhs in cuts:
                by_length = dict(zip(lengths, coef, strict=True))
                ct = lp.row(
                    -inf,
                    0.0,
                    {x: float(by_length[data.options[d][o].paid_min]) for d, o, x in in_week},
                )
                _scale_bound(lp, ct, scale, float(rhs), upper=True)
        # Backup cap over the horizon (a week alone keeps the whole cap: a relaxation).
        if member.kind == "backup" and member.max_hours_total is not None:
            left = max(0, round(member.max_hours_total * 60) - data.backup_used_min.get(p0, 0))
            lp.row(
                -inf,
                left * m,
                {
                    x: float(data.options[d][o].paid_min)
                    for d, today in shifts.items()
                    for o, xs in today.items()
                    for x in xs
                },
            )
        # Consecutive days: any limit + 1 days in a row hold at most `limit` shifts; days before
        # the horizon count as worked for the run carried in (whole horizon only).
        before = data.run_before.get(p0, 0) if days is None else 0
        lo_day, hi_day = min(chosen), max(chosen)
        for first in range(lo_day - min(before, limit), hi_day - limit + 1):
            window = range(first, first + limit + 1)
            carried = sum(1 for d in window if d < 0)
            terms = [x for d in window for xs in shifts.get(d, {}).values() for x in xs]
            if terms and sum(1 for d in window if d in shifts) + carried > limit:
                at_most(terms, scale, float(limit - carried))
        # Rest and banned sequences: shift o today excludes its conflicting shifts tomorrow.
        for d, today in shifts.items():
            tomorrow = shifts.get(d + 1)
            if not tomorrow:
                continue
            for o, xs in today.items():
                bad = [x for o2 in conflicts.get((d, o), []) for x in tomorrow.get(o2, [])]
                if bad:
                    at_most(xs + bad, scale, 1.0)
        # Fairness counts of eligible people (summed over the class).
        if p0 in eligible_fair:
            for kind, hit in fair_kinds.items():
                lits = [
                    x
                    for d, today in shifts.items()
                    for o, xs in today.items()
                    if hit(d, o)
                    for x in xs
                ]
                carried = sum(data.fair_before.get((kind, p), 0) for p in members)
                if lits or carried:
                    share = round(COVER_SCALE * member.contract_hours / total_contract)
                    # at most every member on every day with such a shift, plus the carried
                    worked = sum(1 for d, today in shifts.items() if any(hit(d, o) for o in today))
                    most = carried + m * worked
                    fair_counts[kind].append((lits, share * len(members), carried, most))
    # Fairness: excess >= 100 × count - share × total, excess >= 0.
    w_fair = _weight(weights.fairness / COVER_SCALE)
    for rows in fair_counts.values():
        if len(rows) < 2:  # the model needs two people to compare; one class is skipped
            continue
        carried_total = float(sum(r[2] for r in rows))
        total = lp.column(sum(r[3] for r in rows))
        link = {total: 1.0}
        for lits, *_ in rows:
            for x in lits:
                link[x] = link.get(x, 0.0) - 1.0
        lp.row(carried_total, carried_total, link)
        for lits, share, carried, most in rows:
            # excess <= 100 × count: the model's excess is max(0, 100 × count - share × total)
            excess = lp.column(COVER_SCALE * most)
            cost(excess, w_fair, "fairness")
            ct = {excess: 1.0, total: float(share)}
            for x in lits:
                ct[x] = ct.get(x, 0.0) - float(COVER_SCALE)
            lp.row(float(COVER_SCALE * carried), inf, ct)
    # One head-count column per (day, option, group, ramp level) carries the cover, so the
    # cover rows stay short however many classes there are (a 4x faster build); the lunch-room
    # cap bounds the heads of each (day, option, group) over its ramp levels.
    cover_terms: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    lunch_rows: dict[tuple[int, int, int], int] = {}
    for (d, o, g, prod), xs in heads.items():
        y = lp.column(sum(lp.upper[x] for x in xs))
        if local is not None:
            local[y] = d
        link = dict.fromkeys(xs, -1.0)
        link[y] = 1.0
        lp.row(0.0, 0.0, link)
        if (d, o) in lunch_caps:
            if (d, o, g) not in lunch_rows:
                lunch_rows[d, o, g] = lp.row(-inf, float(lunch_caps[d, o]))
            lp.rows[lunch_rows[d, o, g]][y] = 1.0
        for t, c in data.options[d][o].cover.items():
            coef = round(c * prod)
            if coef:
                cover_terms[g, t].append((y, float(coef)))
    # Intervals: an interval some option outside ``days`` can cover gets no row (a week's LP
    # cannot see that help); one nobody can cover is a constant shortfall, counted in the week
    # of its own day.
    interval_day = data.interval_day() if len(data.grid) else []
    outside = np.zeros(data.need.shape[1], dtype=bool)
    if days is not None:
        for d in range(n_days):
            if d in chosen:
                continue
            for opt in data.options[d]:
                outside[list(opt.cover)] = True
    constant = 0.0
    for g in range(data.need.shape[0]):
        for t in range(data.need.shape[1]):
            if outside[t] or interval_day[t] not in chosen:
                continue
            need = float(data.need[g, t])
            terms = cover_terms.get((g, t), [])
            if not terms:
                constant += w_under * need
                continue
            if need > 0:
                under = lp.column(need)
                if local is not None:
                    local[under] = int(interval_day[t])
                cost(under, w_under, "under_cover")
                lp.row(need, inf, {under: 1.0, **dict(terms)})
            if w_over > 0:
                over = lp.column(sum(lp.upper[x] * c for x, c in terms))
                if local is not None:
                    local[over] = int(interval_day[t])
                cost(over, w_over, "over_cover")
                lp.row(-inf, need, {over: -1.0, **dict(terms)})
    return parts, constant


#: Most point subsets :func:`week_pattern_cuts` examines; a week with more shift lengths or
#: patterns gets no cuts (they only tighten the bound, so leaving them out is safe).
MAX_FACET_SUBSETS = 300_000

#: Most count vectors (before the day and minute rules) :func:`week_pattern_cuts` lists.
MAX_PATTERN_COUNTS = 100_000


@functools.lru_cache(maxsize=256)
def week_pattern_cuts(
    lengths: tuple[int, ...], days_of: tuple[int, ...], most_days: int, lo: int, hi: int
) -> tuple[tuple[tuple[int, ...], int], ...]:
    """Valid inequalities ``a · n <= b`` on one person's week, in counts of shifts per length.

    ``n[i]`` counts the week's shifts of paid length ``lengths[i]`` (minutes), of which at most
    ``days_of[i]`` are possible (the days that offer that length), at most ``most_days`` in all,
    and their paid minutes lie in ``[lo, hi]``. The LP keeps only those rows, so it can work
    44 h as 5.18 shifts of 8.5 h, or reach a 36 h minimum with 4.24 of them; no integer week
    can. These are the facets of the convex hull of the integer weeks (every subset of ``k``
    points that spans a supporting hyperplane, ``k`` lengths), without the rows the LP already
    has (bounds, the day count, the minutes row itself). Each holds for every integer
    week, so summed over a class (or scaled by ``hired``) it holds for every rota.
    """
    k = len(lengths)
    ranges = [range(0, min(most_days, c) + 1) for c in days_of]
    if math.prod(len(r) for r in ranges) > MAX_PATTERN_COUNTS:
        return ()  # many shift lengths: too many weeks to list (only a weaker bound)
    pts = [
        n
        for n in itertools.product(*ranges)
        if sum(n) <= most_days and lo <= sum(a * b for a, b in zip(n, lengths, strict=True)) <= hi
    ]
    if k == 1 and pts:  # one length: whole numbers of shifts between the minutes
        counts = [n[0] for n in pts]
        found_1 = []
        if max(counts) < min(most_days, days_of[0]):
            found_1.append(((1,), max(counts)))
        if min(counts) > 0:
            found_1.append(((-1,), -min(counts)))
        return tuple(found_1)
    if len(pts) <= k or math.comb(len(pts), k) > MAX_FACET_SUBSETS:
        return ()
    P = np.array(pts, dtype=np.int64)
    subsets = np.array(list(itertools.combinations(range(len(P)), k)), dtype=np.int64)
    Q = P[subsets]  # (subsets, k points, k coords)
    M = (Q[:, 1:, :] - Q[:, :1, :]).astype(float)
    # The normal of the hyperplane through the k points: the cofactors of M (k-1 rows).
    normal = np.stack(
        [(-1) ** i * np.linalg.det(np.delete(M, i, axis=2)) for i in range(k)], axis=1
    )
    normal = np.rint(normal).astype(np.int64)
    # Distinct normals in lowest terms, found with whole-array operations: the subsets run to
    # ~70,000 on a 20-48 h week of three shift lengths, and a Python pass over them took half a
    # second of the LP's build, before the LP could start.
    normal = normal[normal.any(axis=1)]
    normal = np.unique(normal // np.gcd.reduce(np.abs(normal), axis=1)[:, None], axis=0)
    found: set[tuple[tuple[int, ...], int]] = set()
    for a in map(tuple, normal.tolist()):
        values = P @ np.array(a)
        for sign in (1, -1):
            signed = sign * values
            b = int(signed.max())
            coef = tuple(sign * x for x in a)
            at_b = P[signed == b]
            if len(at_b) < k or np.linalg.matrix_rank(at_b[1:] - at_b[0]) < k - 1:
                continue  # touches the hull in less than a facet
            single = [i for i, x in enumerate(coef) if x]
            if len(single) == 1 and (b == 0 or b == coef[single[0]] * days_of[single[0]]):
                continue  # 0 <= n[i] <= days_of[i]: the LP has it
            if coef == (1,) * k and b >= most_days:
                continue  # the day count
            ratio = {x / c for x, c in zip(coef, lengths, strict=True)}
            if len(ratio) == 1:  # a multiple of the paid-minutes row: new only if tighter
                r = ratio.pop()
                if b >= r * (hi if r > 0 else lo) - 1e-9:
                    continue
            found.add((coef, b))
    return tuple(sorted(found))


def _scale_bound(lp: _LpBuilder, row: int, scale: int | float, coef: float, *, upper: bool) -> None:
    """Move ``coef × scale`` into ``row``: a column's term, or the row's constant bound."""
    if isinstance(scale, float):
        if upper:
            lp.row_upper[row] = coef * scale
        else:
            lp.row_lower[row] = coef * scale
    else:
        lp.rows[row][scale] = -coef
