"""Column generation for the Curtois & Qu model: a strong lower bound and a recombination step.

Every hard rule of the benchmark concerns one employee's row, and only cover ties the rows
together. So the problem is "choose one feasible row per employee" (a Dantzig–Wolfe
reformulation), whose LP relaxation is far tighter than the compact model's: on instance 5 it
proves 1141 against CP-SAT's ~970 (optimum 1143), on instance 8 1296 (optimum 1300).

- **Master LP** (GLOP): one column per known row of each employee (its request penalty), one
  convexity row per employee, one cover row per (day, shift) with under/over slack.
- **Pricing**: for each employee, the row of least reduced cost under the LP's cover duals is
  a small CP-SAT model (the employee's rules from :func:`~planner.schedule.curtois.build_model`,
  objective = requests minus the duals of the cells worked). Every improving row CP-SAT meets on
  the way is added, not only the last one, which halves the iterations.
- **Stabilisation** (Wentges smoothing): the duals priced are a mix of the LP's and those that
  gave the best bound so far, which damps the early oscillation of plain column generation.
- **Bound**: for any cover duals ``μ`` within ``[-weight_over, weight_under]``,
  ``Σ μ·requirement + Σ_e min_row(requests - μ·cells)`` is a lower bound on every roster
  (Lagrangian relaxation of the cover rows). Each minimum is taken from CP-SAT's proved bound
  with the dual coefficients rounded down, so the bound never overclaims.
- **Recombination** (:meth:`ColumnPool.recombine`): a CP-SAT model that picks one known row per
  employee — the LP's columns plus every row of the rosters the search found — guided by its
  own (tight) LP, after reduced-cost fixing. Every pick is a valid roster, because every column
  keeps its employee's rules. On instance 5, where the search can stall in a poor basin
  (~1237), it lands at 1143–1150 within seconds.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from planner.schedule.curtois import CurtoisModel, Instance, Roster, build_model

__all__ = ["ColumnPool", "NoRowError"]

# Duals are scaled to integers for CP-SAT pricing; rounding them down keeps the bound valid.
DUAL_SCALE = 1000
# Weight of the best-bound duals in the priced mix (0 = plain column generation).
SMOOTHING = 0.5
# Rounds column generation takes to converge from a cold start: 16-22 on instances 5, 7, 8.
USUAL_ROUNDS = 20

Row = tuple[str, ...]


class NoRowError(Exception):
    """Employee ``employee``'s own rules admit no row, so no roster exists at all."""

    def __init__(self, employee: int) -> None:
        super().__init__(f"employee #{employee} admits no row")
        self.employee = employee


class _RowCollector(cp_model.CpSolverSolutionCallback):
    """Keeps every row a pricing solve passes through (each is a feasible row)."""

    def __init__(self, cm: CurtoisModel, horizon: int) -> None:
        super().__init__()
        self.cm, self.horizon = cm, horizon
        self.rows: list[Row] = []

    def on_solution_callback(self) -> None:
        row = [""] * self.horizon
        for (_, d, s), var in self.cm.x.items():
            if self.boolean_value(var):
                row[d] = s
        self.rows.append(tuple(row))


@dataclasses.dataclass
class _Column:
    row: Row
    cost: int  # the row's request penalty
    var: pywraplp.Variable  # its share in the master LP


class ColumnPool:
    """The rows known per employee, the master LP over them, and pricing for new ones."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        n = len(instance.staff)
        self.cover = {(c.day, c.shift): c for c in instance.cover}
        # Pricing models: each employee's rules and requests, no cover (the duals price it).
        no_cover = dataclasses.replace(instance, cover=[])
        self._pricers = [build_model(no_cover, [e]) for e in range(n)]
        self._on = [[r for r in instance.on_requests if r.employee == e] for e in range(n)]
        self._off = [[r for r in instance.off_requests if r.employee == e] for e in range(n)]
        self.columns: list[list[_Column]] = [[] for _ in range(n)]
        self._known: list[set[Row]] = [set() for _ in range(n)]
        self._last: list[Row | None] = [None] * n  # the last priced row: the next hint
        # Master LP: the u/o slacks bound the cover duals to [-weight_over, weight_under].
        self._lp = pywraplp.Solver.CreateSolver("GLOP")
        self._convex = [self._lp.Add(self._lp.Sum([]) == 1) for _ in range(n)]
        self._cover_rows: dict[tuple[int, str], pywraplp.Constraint] = {}
        objective = self._lp.Objective()
        for key, c in self.cover.items():
            under = self._lp.NumVar(0, self._lp.infinity(), "")
            over = self._lp.NumVar(0, self._lp.infinity(), "")
            self._cover_rows[key] = self._lp.Add(under - over == c.requirement)
            objective.SetCoefficient(under, c.weight_under)
            objective.SetCoefficient(over, c.weight_over)
        # The smoothing centre: the duals of the best bound, or None after a mispriced round
        # (price the LP's own duals next).
        self._centre: dict[tuple[int, str], float] | None = None
        # The duals of the best bound and, per employee, the proved least reduced cost under
        # them: together they rule columns out (recombine).
        self._bound_duals: dict[tuple[int, str], float] = {}
        self._best_leasts: list[float] = []
        self.bound = -math.inf  # the best Lagrangian bound proved so far
        self.lp_value = math.inf
        self.converged = False
        self.too_slow = False  # the last generate() gave up: it could not converge in time
        self.iterations = 0
        self._round_s = 0.0  # how long the last pricing round took
        self.recombinations: list[str] = []  # the outcome of each, kept by the caller

    # ---------------------------------------------------------------------------------------
    def request_cost(self, e: int, row: Sequence[str]) -> int:
        """Employee ``e``'s on- and off-request penalty for ``row``."""
        return sum(r.weight for r in self._on[e] if row[r.day] != r.shift) + sum(
            r.weight for r in self._off[e] if row[r.day] == r.shift
        )

    def add_roster(self, roster: Roster) -> int:
        """Add every row of ``roster`` as a column; returns how many were new."""
        return sum(self.add_row(e, tuple(row)) for e, row in enumerate(roster))

    def add_row(self, e: int, row: Row) -> bool:
        """Add ``row`` as a column of employee ``e`` (the caller vouches that it keeps e's
        rules: it comes from a pricing solve or a checked roster). False if already known."""
        if row in self._known[e]:
            return False
        self._known[e].add(row)
        cost = self.request_cost(e, row)
        var = self._lp.NumVar(0, self._lp.infinity(), "")
        self._convex[e].SetCoefficient(var, 1)
        for d, s in enumerate(row):
            if s and (d, s) in self._cover_rows:
                self._cover_rows[d, s].SetCoefficient(var, 1)
        self._lp.Objective().SetCoefficient(var, cost)
        self.columns[e].append(_Column(row, cost, var))
        if self._last[e] is None:
            self._last[e] = row
        return True

    # ---------------------------------------------------------------------------------------
    def _price(
        self, e: int, duals: dict[tuple[int, str], float], time_limit: float, seed: int
    ) -> tuple[list[Row], float]:
        """Rows of employee ``e`` of low reduced cost under ``duals``, and a proven lower bound
        on ``min_row(requests - duals·cells)``."""
        cm = self._pricers[e]
        terms = [DUAL_SCALE * p.weight * p.var for p in cm.penalties]
        for (_, d, s), var in cm.x.items():
            if coef := math.floor(-duals.get((d, s), 0.0) * DUAL_SCALE):
                terms.append(coef * var)
        cm.model.minimize(sum(terms))
        cm.model.clear_hints()
        if (hint := self._last[e]) is not None:
            for (_, d, s), var in cm.x.items():
                cm.model.add_hint(var, hint[d] == s)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        collector = _RowCollector(cm, self.instance.horizon)
        status = solver.solve(cm.model, collector)
        if status == cp_model.INFEASIBLE:
            raise NoRowError(e)
        if collector.rows:
            self._last[e] = collector.rows[-1]
        return collector.rows, solver.best_objective_bound / DUAL_SCALE

    def generate(
        self,
        deadline: float,
        seed: int = 0,
        rosters: Callable[[], Sequence[Roster]] = lambda: (),
    ) -> float:
        """Run column generation until it converges or ``deadline`` (``time.monotonic``);
        returns the best bound proved (``-inf`` before a full pricing round completes).

        Each round adds the rows of ``rosters()`` (the search's latest), solves the master
        LP, prices every employee once and adds the improving rows. An employee with no
        column yet gets the row of least request penalty first. A round cut short by the
        deadline proves nothing. Gives up early (``too_slow``) when the usual number of rounds
        cannot fit before the deadline at the pace so far.
        """
        self.too_slow = False
        n = len(self.instance.staff)
        while not self.converged and time.monotonic() < deadline:
            if self._hopeless(deadline):
                self.too_slow = True
                break
            round_started = time.monotonic()
            for roster in rosters():
                self.add_roster(roster)
            for e in range(n):
                if not self.columns[e]:
                    rows, _ = self._price(e, {}, max(0.05, deadline - time.monotonic()), seed)
                    self.add_row(e, rows[-1])
            if self._lp.Solve() != pywraplp.Solver.OPTIMAL:
                break
            self.iterations += 1
            self.lp_value = self._lp.Objective().Value()
            lp_duals = {key: row.dual_value() for key, row in self._cover_rows.items()}
            convex_duals = [row.dual_value() for row in self._convex]
            centre = self._centre
            duals = {
                key: self._clip(
                    key,
                    value if centre is None else SMOOTHING * centre[key] + (1 - SMOOTHING) * value,
                )
                for key, value in lp_duals.items()
            }
            bound = sum(duals[key] * self.cover[key].requirement for key in duals)
            found: list[tuple[int, Row]] = []
            leasts: list[float] = []
            for e in range(n):
                left = deadline - time.monotonic()
                if left <= 0:
                    return self.bound
                rows, least = self._price(e, duals, min(1.0, left), seed + e)
                bound += least
                leasts.append(least)
                for row in rows:
                    worked = sum(lp_duals.get((d, s), 0.0) for d, s in enumerate(row) if s)
                    if self.request_cost(e, row) - worked - convex_duals[e] < -1e-6:
                        found.append((e, row))
            if bound > self.bound:
                self.bound, self._bound_duals, self._best_leasts = bound, duals, leasts
                self._centre = duals
            self._round_s = time.monotonic() - round_started
            added = sum(self.add_row(e, row) for e, row in found)
            if self.lp_value - self.bound < 1.0 - 1e-6:
                self.converged = True  # the objective is an integer: nothing left to prove
            elif added == 0:
                if centre is None:
                    self.converged = True  # no improving row under the LP's own duals
                self._centre = None  # smoothing mispriced: price the LP's duals next
        return self.bound

    def _hopeless(self, deadline: float) -> bool:
        """True when, at the pace of the second round, the rounds column generation usually
        needs would take over twice the time left before ``deadline``. Judged once, after
        two rounds: later rounds near convergence are worth finishing, and the margin keeps
        a merely slow machine from giving up on instance 5."""
        if self.iterations != 2:
            return False
        return self._round_s * (USUAL_ROUNDS - 2) > 2 * (deadline - time.monotonic())

    def nearly_converged(self, tolerance: float = 0.01) -> bool:
        """True when converged, or when the LP is within ``tolerance`` of the bound: its
        columns are then good enough to recombine."""
        if self.converged:
            return True
        return self.bound > -math.inf and self.lp_value - self.bound <= tolerance * self.lp_value

    def account(self) -> dict[str, object]:
        """What column generation did, for reports: rounds, columns, converged, bound."""
        return {
            "rounds": self.iterations,
            "columns": sum(map(len, self.columns)),
            "converged": self.converged,
            "too_slow": self.too_slow,
            "bound": round(self.bound, 2) if self.bound > -math.inf else None,
            "recombinations": list(self.recombinations),
        }

    def proven_bound(self) -> int:
        """The best bound as an integer (objectives are integers), 0 before any round."""
        return max(0, math.ceil(self.bound - 1e-6)) if self.bound > -math.inf else 0

    def _may_beat(self, e: int, col: _Column, cut: int) -> bool:
        """False if no roster with penalty at most ``cut`` can use ``col`` (reduced-cost
        fixing): every roster costs at least ``bound - least_e + reduced_cost(col)`` under
        the duals of the best bound, where ``least_e`` is the least reduced cost proved for
        employee ``e``."""
        if not self._best_leasts:
            return True
        worked = sum(self._bound_duals.get((d, s), 0.0) for d, s in enumerate(col.row) if s)
        return self.bound - self._best_leasts[e] + col.cost - worked <= cut + 1e-6

    def _clip(self, key: tuple[int, str], value: float) -> float:
        c = self.cover[key]
        return min(float(c.weight_under), max(-float(c.weight_over), value))

    # ---------------------------------------------------------------------------------------
    def recombine(
        self, best: Roster, cut: int, time_limit: float, seed: int = 0
    ) -> tuple[Roster, int] | None:
        """The best roster made of known rows (one per employee) found in ``time_limit``,
        or None if none is found. ``best``'s rows are added first.

        ``cut`` is ``best``'s penalty (or any value at least the answer's): columns that
        cannot be part of a roster that good are left out. Neither a cut constraint nor a
        hint is given: with the best roster as a hint CP-SAT only searched around it, and
        with the cut imposed it could fail to find a first roster; left to its LP (which is
        tight here) it finds the rosters near the LP optimum (instance 5: 1143-1150 where
        the hinted search stayed at 1237).
        """
        self.add_roster(best)
        columns = [
            [col for col in cols if self._may_beat(e, col, cut)]
            for e, cols in enumerate(self.columns)
        ]
        if not all(columns):
            return None  # some employee has no row that fits a roster this good
        model = cp_model.CpModel()
        picks = [
            [model.new_bool_var(f"y[{e},{k}]") for k in range(len(cols))]
            for e, cols in enumerate(columns)
        ]
        objective = []
        cells: dict[tuple[int, str], list[cp_model.IntVar]] = {key: [] for key in self.cover}
        for e, cols in enumerate(columns):
            model.add_exactly_one(picks[e])
            for k, col in enumerate(cols):
                objective.append(col.cost * picks[e][k])
                for d, s in enumerate(col.row):
                    if s and (d, s) in cells:
                        cells[d, s].append(picks[e][k])
        n = len(self.instance.staff)
        for key, c in self.cover.items():
            under = model.new_int_var(0, c.requirement, f"under[{key}]")
            over = model.new_int_var(0, n, f"over[{key}]")
            model.add(sum(cells[key]) + under - over == c.requirement)
            objective += [c.weight_under * under, c.weight_over * over]
        model.minimize(sum(objective))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.linearization_level = 2  # the master's LP is tight: let it guide
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        roster = [
            list(next(col.row for k, col in enumerate(cols) if solver.boolean_value(picks[e][k])))
            for e, cols in enumerate(columns)
        ]
        return roster, round(solver.objective_value)
