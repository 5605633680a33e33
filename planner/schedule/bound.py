"""A valid lower bound on the stage-1 objective: the LP relaxation of its cover and cost terms.

The stage-1 objective is a sum of non-negative penalties; dropping fairness, requests,
preferences and start-time changes and relaxing every Boolean to ``[0, 1]`` and the sequence
rules (rest, banned sequences, consecutive days) away leaves a linear program whose optimum can
only be lower. What is kept, with the solver's own integer coefficients (so the bound is in the
same units as the objective):

- cover: ``under[g, t] + Σ cover × heads >= need`` and ``over >= Σ cover × heads - need``;
- per person and day at most one shift, per week at most ``7 - days off`` shifts, and the weekly
  paid-minute minimum and maximum (a candidate's scaled by its ``hired`` value in ``[0, 1]``);
- labour cost per paid minute and hire cost per candidate.

People with the same skills, options, ramp-up, weekly bounds and costs are merged into one class
with a multiplicity (the relaxation of identical people is the relaxation of their sum). Weeks are
solved one at a time: a candidate's hire and a backup's horizon cap link the weeks, so each week
gets its own hire variable paying ``1 / weeks`` of the hire cost and the whole backup cap — a
further relaxation, still a valid bound. GLOP solves each week's LP in well under a second.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from ortools.linear_solver import pywraplp

from planner.schedule.model import COVER_SCALE, RotaData
from planner.schedule.rules import OBJ_SCALE, _weight

__all__ = ["lp_bound"]


def _classes(data: RotaData) -> dict[tuple, list[int]]:
    """People grouped by everything the LP sees about them."""
    out: dict[tuple, list[int]] = defaultdict(list)
    for p, person in enumerate(data.people):
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
        )
        out[key].append(p)
    return out


def lp_bound(data: RotaData, *, deadline: float | None = None) -> float:
    """Lower bound on the stage-1 objective (currency units).

    0 (no bound) if GLOP is unavailable or ``deadline`` (a ``time.perf_counter()`` instant)
    passes before every week is solved: a partial sum would still be a bound, but the weeks
    left out would make it a poor one, and the caller then keeps the analytic bound.
    """
    weights = data.scenario.schedule.weights
    interval_h = data.interval_min / 60
    w_under = _weight(weights.under_cover * interval_h / COVER_SCALE)
    w_over = _weight(weights.over_cover * interval_h / COVER_SCALE)
    factor = weights.labour_cost
    rules = data.scenario.rules
    classes = _classes(data)
    n_weeks = len(data.weeks)
    interval_day = data.interval_day() if len(data.grid) else np.array([], dtype=int)
    total = 0.0
    for w, week in enumerate(data.weeks):
        if deadline is not None and time.perf_counter() > deadline:
            return 0.0
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with ortools
            return 0.0
        inf = solver.infinity()
        objective = solver.Objective()
        cover_terms: dict[tuple[int, int], list[tuple[pywraplp.Variable, float]]] = defaultdict(
            list
        )
        heads: dict[tuple[int, int, int, float], list[pywraplp.Variable]] = defaultdict(list)
        off = (
            rules.min_days_off_per_week
            if len(week) == 7
            else (rules.min_days_off_per_week * len(week)) // 7
        )
        for members in classes.values():
            person = data.people[members[0]]
            m = float(len(members))
            scale: pywraplp.Variable | float = m
            if person.candidate and members[0] not in data.hired_before:
                if not any(d in person.options for d in week):
                    continue
                hired = solver.NumVar(0.0, m, "")
                share = 1.0 / n_weeks
                objective.SetCoefficient(
                    hired, _weight(person.hire_cost * factor * data.hire_cost_share) * share
                )
                scale = hired
            week_ct = solver.Constraint(-inf, 0.0)  # Σ minutes - max × scale <= 0
            min_ct = solver.Constraint(0.0, inf)  # Σ minutes - min × scale >= 0
            days_ct = solver.Constraint(-inf, 0.0)  # Σ shifts - (len - off) × scale <= 0
            cap = person.week_max[w]
            if person.member.kind == "backup" and person.member.max_hours_total is not None:
                cap = min(cap, round(person.member.max_hours_total * 60))
            any_var = False
            for d in week:
                opts = person.options.get(d, [])
                if not opts:
                    continue
                day_ct = solver.Constraint(-inf, 0.0)  # Σ shifts of the day <= scale
                prod = person.productivity.get(d, 1.0)
                for o in opts:
                    opt = data.options[d][o]
                    cost = _weight(opt.paid_min * person.cost_per_min * factor)
                    for g in person.groups:
                        x = solver.NumVar(0.0, inf, "")
                        any_var = True
                        objective.SetCoefficient(x, cost)
                        day_ct.SetCoefficient(x, 1.0)
                        days_ct.SetCoefficient(x, 1.0)
                        week_ct.SetCoefficient(x, float(opt.paid_min))
                        min_ct.SetCoefficient(x, float(opt.paid_min))
                        heads[d, o, g, prod].append(x)
                _set_scale(day_ct, scale, 1.0, upper=True)
            if not any_var:
                continue
            _set_scale(week_ct, scale, float(cap), upper=True)
            _set_scale(days_ct, scale, float(len(week) - off), upper=True)
            _set_scale(min_ct, scale, float(person.week_min[w]), upper=False)
        # One head-count column per (day, option, group, ramp level) carries the cover, so
        # the cover rows stay short however many classes there are (a 4x faster build).
        for (d, o, g, prod), xs in heads.items():
            y = solver.NumVar(0.0, inf, "")
            link = solver.Constraint(0.0, 0.0)
            link.SetCoefficient(y, 1.0)
            for x in xs:
                link.SetCoefficient(x, -1.0)
            for t, c in data.options[d][o].cover.items():
                coef = round(c * prod)
                if coef:
                    cover_terms[g, t].append((y, float(coef)))
        in_week = np.isin(interval_day, week)
        constant = 0.0
        for g in range(data.need.shape[0]):
            for t in np.nonzero(in_week)[0]:
                need = float(data.need[g, t])
                terms = cover_terms.get((g, int(t)), [])
                if not terms:
                    constant += w_under * need
                    continue
                if need > 0:
                    under = solver.NumVar(0.0, need, "")
                    objective.SetCoefficient(under, w_under)
                    ct = solver.Constraint(need, inf)
                    ct.SetCoefficient(under, 1.0)
                    for x, c in terms:
                        ct.SetCoefficient(x, c)
                if w_over > 0:
                    over = solver.NumVar(0.0, inf, "")
                    objective.SetCoefficient(over, w_over)
                    ct = solver.Constraint(-inf, need)
                    ct.SetCoefficient(over, -1.0)
                    for x, c in terms:
                        ct.SetCoefficient(x, c)
        objective.SetMinimization()
        if solver.Solve() != pywraplp.Solver.OPTIMAL:
            return 0.0  # never claim a bound the LP did not prove
        # GLOP's optimum is exact to its tolerance; shave a hair so rounding never overclaims.
        total += objective.Value() * (1 - 1e-6) + constant
    return total / OBJ_SCALE


def _set_scale(
    ct: pywraplp.Constraint, scale: pywraplp.Variable | float, coef: float, *, upper: bool
) -> None:
    """Move ``coef × scale`` into the row: a variable term, or the row's constant bound."""
    if isinstance(scale, float):
        if upper:
            ct.SetUb(coef * scale)
        else:
            ct.SetLb(coef * scale)
    else:
        ct.SetCoefficient(scale, -coef)
