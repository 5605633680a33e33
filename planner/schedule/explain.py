"""Why no rota exists: which hard rules and which people conflict, and what relaxing buys.

Every hard rule of the rota binds one person at a time (coverage is a soft goal), so a rota is
impossible exactly when some person's own rules cannot all hold. For each person we build their
stage-1 model in *explain* mode — each hard rule guarded by an enforcement literal — and solve
with all literals as CP-SAT assumptions. If that is infeasible,
``SufficientAssumptionsForInfeasibility`` names a set of rules that cannot hold together; we then
re-solve without each one to say whether relaxing it alone would allow a rota, and for the
contract minimum, how many hours the person can actually work in the week that fails.
"""

from __future__ import annotations

import dataclasses

from ortools.sat.python import cp_model

from planner.schedule import rules
from planner.schedule.model import RotaData
from planner.schedule.rules import HARD_RULES, RotaVars

__all__ = ["Conflict", "Explanation", "explain_infeasibility"]


@dataclasses.dataclass
class Conflict:
    """One person whose hard rules cannot all hold."""

    employee_id: str
    name: str
    rules: list[str]  # rule keys of HARD_RULES in the conflict
    facts: list[str]  # fixed facts involved (availability, leave, start date)
    relaxations: list[str]  # what relaxing each rule would buy, in plain words

    def describe(self) -> str:
        """The conflict in one sentence."""
        names = " + ".join(HARD_RULES[r] for r in self.rules)
        facts = f" given {'; '.join(self.facts)}" if self.facts else ""
        fixes = f" {' '.join(self.relaxations)}" if self.relaxations else ""
        return f"{self.employee_id} ({self.name}): {names} cannot all hold{facts}.{fixes}"


@dataclasses.dataclass
class Explanation:
    """All conflicts found and a one-line message."""

    conflicts: list[Conflict]
    message: str


def _hard_model(data: RotaData, p: int) -> RotaVars:
    """Person ``p``'s stage-1 hard rules, each guarded by an enforcement literal."""
    rv = rules.create_variables(data, [p], explain=True)
    rules.add_person_rules(rv)
    return rv


def _solve(
    model: cp_model.CpModel, assumptions: list[cp_model.IntVar], seconds: float
) -> tuple[int, cp_model.CpSolver]:
    model.clear_assumptions()
    model.add_assumptions(assumptions)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # assumption cores need the sequential search
    solver.parameters.max_time_in_seconds = seconds
    return solver.solve(model), solver


def _facts(data: RotaData, p: int) -> list[str]:
    """Plain-words facts that shape a person's possible days."""
    member = data.people[p].member
    out = []
    if len(member.availability.weekdays) < 7:
        out.append(f"available only on {', '.join(member.availability.weekdays)}")
    for off in member.time_off:
        if off.end >= data.days[0] and off.start <= data.days[-1]:
            out.append(f"{off.reason} {off.start}..{off.end}")
    if member.start_date is not None:
        out.append(f"starts {member.start_date} with {member.training_days or 0} training days")
    return out


def _contract_shortfall(data: RotaData, p: int, rv: RotaVars, others: list[cp_model.IntVar]) -> str:
    """The first week whose contract minimum exceeds what the other rules allow."""
    person = data.people[p]
    for w, week in enumerate(data.weeks):
        if person.week_min[w] <= 0:
            continue
        probe = rv.model.clone()
        probe.maximize(rv.week_minutes(p, week))
        probe.clear_assumptions()
        probe.add_assumptions(others)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 5.0
        status = solver.solve(probe)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = round(solver.objective_value) + 0  # minutes; "+ 0" avoids printing -0
            if best < person.week_min[w]:
                return (
                    f"In the week of {data.days[week[0]]} they can work at most {best / 60:g} h "
                    f"but their contract minimum is {person.week_min[w] / 60:g} h: lower "
                    f"min_hours_per_week (or contract_hours) to {best / 60:g} h, or make them "
                    "available on more days."
                )
    return ""


def explain_infeasibility(data: RotaData, *, seconds_per_person: float = 5.0) -> Explanation:
    """Name the people and hard rules that make the rota impossible, in plain words."""
    conflicts: list[Conflict] = []
    for p, person in enumerate(data.people):
        if person.candidate and p not in data.hired_before:
            continue  # a candidate who cannot work is simply not hired
        rv = _hard_model(data, p)
        literals = list(rv.enforce.values())
        status, solver = _solve(rv.model, literals, seconds_per_person)
        if status != cp_model.INFEASIBLE:
            continue
        core_idx = set(solver.sufficient_assumptions_for_infeasibility())
        keys = [key for key, lit in rv.enforce.items() if lit.index in core_idx]
        if not keys:
            keys = list(rv.enforce)
        names = sorted({rule for rule, _ in keys}, key=list(HARD_RULES).index)
        relaxations = []
        for rule in names:
            keep = [lit for (r, _), lit in rv.enforce.items() if r != rule]
            ok, _ = _solve(rv.model, keep, seconds_per_person)
            if ok in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                if rule == "contract_hours":
                    text = _contract_shortfall(data, p, rv, keep)
                    relaxations.append(
                        text or f"Relaxing the {HARD_RULES[rule]} alone allows a rota."
                    )
                else:
                    relaxations.append(f"Relaxing the {HARD_RULES[rule]} alone allows a rota.")
            else:
                relaxations.append(f"Relaxing the {HARD_RULES[rule]} alone is not enough.")
        conflicts.append(
            Conflict(person.id, person.member.name, names, _facts(data, p), relaxations)
        )
    if not conflicts:
        message = (
            "no rota satisfies the hard rules, but no single person's rules conflict on their "
            "own; check the break rules and shift templates against rules.max_hours_per_day"
        )
    else:
        first = conflicts[0].describe()
        more = f" (and {len(conflicts) - 1} more person(s))" if len(conflicts) > 1 else ""
        message = f"no rota satisfies the hard rules: {first}{more}"
    return Explanation(conflicts, message)
