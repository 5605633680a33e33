"""The Curtois & Qu shift-scheduling benchmark: importer, CP-SAT model, solver and checker.

The benchmark (T. Curtois and R. Qu, "Computational results on new staff scheduling benchmark
instances", 2014; schedulingbenchmarks.org) is the public yardstick for the rota model: its rules
are ordinary contract rules, so the model is built from the same day-level rules
(:mod:`planner.schedule.patterns`) as the holiday rota.

Format (comma separated, ``#`` comment lines, day 0 a Monday):
``SECTION_HORIZON`` days; ``SECTION_SHIFTS`` id, minutes, shifts banned the next day;
``SECTION_STAFF`` id, max shifts per type, max/min total minutes, max/min consecutive shifts,
min consecutive days off, max weekends (all hard); ``SECTION_DAYS_OFF`` (hard);
``SECTION_SHIFT_ON_REQUESTS`` / ``SECTION_SHIFT_OFF_REQUESTS`` weighted wishes;
``SECTION_COVER`` day, shift, requirement, weight under, weight over. Runs of work or of days
off that touch either end of the horizon are exempt from the minimum-length rules; a weekend
counts as worked if its Saturday or Sunday is.

Pipeline of this module: :func:`load_instance` (text -> :class:`Instance`) →
:func:`build_model` (CP-SAT model, every penalty term named) → :func:`solve_instance`
(a full-model solve with strong LP cuts, then column generation for a tighter bound and a
recombination of its rows (:mod:`planner.schedule.curtois_columns`), side by side with a
large-neighbourhood search that re-optimises a few employees or a window of days at a time;
:func:`solve_full` is the plain CP-SAT baseline) → :class:`Result` (roster, objective broken
down, bound) → :func:`check_roster` (recomputes hard violations and the objective from the
roster alone) → :func:`write_roster_csv`.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from planner.errors import DataError, InfeasibleError, PlannerError
from planner.schedule import patterns

if TYPE_CHECKING:  # curtois_columns builds on this module's model; imported where used
    from planner.schedule.curtois_columns import ColumnPool

__all__ = [
    "CoverRequirement",
    "CurtoisModel",
    "Instance",
    "Penalty",
    "Request",
    "Result",
    "Roster",
    "SearchSettings",
    "Shift",
    "StaffContract",
    "build_model",
    "check_roster",
    "load_instance",
    "parse_instance",
    "penalty_breakdown",
    "solve_full",
    "solve_instance",
    "write_roster_csv",
]

# A roster: ``roster[e][d]`` is the shift id employee ``e`` works on day ``d``, "" for a day off.
Roster = list[list[str]]

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED_SECTIONS = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF")

# Penalty kinds, in the order the benchmark reports them.
PENALTY_KINDS = ("cover_under", "cover_over", "on_requests", "off_requests")


# ============================================================================================
# Data
# ============================================================================================


@dataclass(frozen=True)
class Shift:
    """A shift type: its id, length (minutes) and the shift ids banned on the following day."""

    id: str
    minutes: int
    banned_next: tuple[str, ...]


@dataclass(frozen=True)
class StaffContract:
    """One employee and their hard contract rules (minutes, days, weekends as in the format)."""

    id: str
    max_shifts: dict[str, int]  # shift id -> most shifts of that type over the horizon
    max_minutes: int
    min_minutes: int
    max_consecutive: int  # working days in a row
    min_consecutive: int
    min_days_off: int  # consecutive days off
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A weighted wish: to work (on-request) or not to work (off-request) a shift on a day."""

    employee: int  # index into Instance.staff
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class CoverRequirement:
    """Staff wanted on a shift of a day, with the penalty per person short and per person over."""

    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Instance:
    """A parsed benchmark instance (employees and shifts keep the file's order)."""

    name: str
    horizon: int  # days; day 0 is a Monday
    shifts: dict[str, Shift]
    staff: list[StaffContract]
    days_off: dict[int, frozenset[int]]  # employee index -> days they may not work
    on_requests: list[Request]
    off_requests: list[Request]
    cover: list[CoverRequirement]

    def allowed_shifts(self, e: int, d: int) -> list[str]:
        """Shift ids employee ``e`` may work on day ``d`` (none on a day off; none with max 0)."""
        if d in self.days_off.get(e, frozenset()):
            return []
        contract = self.staff[e]
        return [s for s in self.shifts if contract.max_shifts.get(s, 0) > 0]


# ============================================================================================
# Importer
# ============================================================================================


def load_instance(path: str | os.PathLike[str]) -> Instance:
    """Read a Curtois & Qu ``.txt`` instance; raise a one-line :class:`DataError` if unusable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; pass a Curtois & Qu instance (.txt)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the instance ({exc})") from None
    return parse_instance(text, source=str(path))


def parse_instance(text: str, *, source: str = "<instance>") -> Instance:
    """Parse the text of an instance; ``source`` names the file in error messages."""
    rows: dict[str, list[tuple[int, list[str]]]] = {name: [] for name in SECTIONS}
    section: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in rows:
                raise DataError(
                    f"{source}:{lineno}: unknown section {line!r}; expected one of "
                    + ", ".join(SECTIONS)
                )
            section = line
            continue
        if section is None:
            raise DataError(f"{source}:{lineno}: data before the first SECTION_ header")
        rows[section].append((lineno, [f.strip() for f in line.split(",")]))
    for name in REQUIRED_SECTIONS:
        if not rows[name]:
            raise DataError(f"{source}: {name} is missing or empty; every instance needs it")
    return _Parser(source, rows).instance()


class _Parser:
    """Turns the rows of each section into an :class:`Instance`, checking every reference."""

    def __init__(self, source: str, rows: dict[str, list[tuple[int, list[str]]]]) -> None:
        self.source = source
        self.rows = rows

    def fail(self, lineno: int, message: str) -> DataError:
        return DataError(f"{self.source}:{lineno}: {message}")

    def integer(self, lineno: int, text: str, what: str, minimum: int = 0) -> int:
        try:
            value = int(text)
        except ValueError:
            raise self.fail(lineno, f"{what} must be a whole number, got {text!r}") from None
        if value < minimum:
            raise self.fail(lineno, f"{what} must be >= {minimum}, got {value}")
        return value

    def fields(self, lineno: int, values: list[str], count: int, layout: str) -> list[str]:
        if len(values) != count:
            raise self.fail(lineno, f"expected {count} fields ({layout}), got {len(values)}")
        return values

    def instance(self) -> Instance:
        horizon_rows = self.rows["SECTION_HORIZON"]
        lineno, values = horizon_rows[0]
        if len(horizon_rows) > 1 or len(values) != 1:
            raise self.fail(lineno, "SECTION_HORIZON holds one number, the horizon in days")
        horizon = self.integer(lineno, values[0], "horizon (days)", minimum=1)
        shifts = self.shifts()
        staff = self.staff(shifts)
        index = {c.id: e for e, c in enumerate(staff)}
        return Instance(
            name=Path(self.source).stem,
            horizon=horizon,
            shifts=shifts,
            staff=staff,
            days_off=self.days_off(index, horizon),
            on_requests=self.requests("SECTION_SHIFT_ON_REQUESTS", index, shifts, horizon),
            off_requests=self.requests("SECTION_SHIFT_OFF_REQUESTS", index, shifts, horizon),
            cover=self.cover(shifts, horizon),
        )

    def shifts(self) -> dict[str, Shift]:
        shifts: dict[str, Shift] = {}
        banned_at: dict[str, int] = {}
        for lineno, values in self.rows["SECTION_SHIFTS"]:
            sid, minutes, banned = self.fields(lineno, values, 3, "ShiftID, minutes, banned next")
            if not sid or sid in shifts:
                raise self.fail(lineno, f"shift id {sid!r} is empty or repeated")
            length = self.integer(lineno, minutes, f"length of shift {sid}", minimum=1)
            shifts[sid] = Shift(sid, length, tuple(b for b in banned.split("|") if b))
            banned_at[sid] = lineno
        for sid, shift in shifts.items():
            for b in shift.banned_next:
                if b not in shifts:
                    raise self.fail(banned_at[sid], f"shift {sid} bans unknown shift {b!r}")
        return shifts

    def staff(self, shifts: dict[str, Shift]) -> list[StaffContract]:
        staff: list[StaffContract] = []
        seen: set[str] = set()
        layout = "ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, " + (
            "MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends"
        )
        for lineno, values in self.rows["SECTION_STAFF"]:
            eid, max_shifts, *numbers = self.fields(lineno, values, 8, layout)
            if not eid or eid in seen:
                raise self.fail(lineno, f"employee id {eid!r} is empty or repeated")
            seen.add(eid)
            limits: dict[str, int] = {}
            for pair in filter(None, max_shifts.split("|")):
                sid, sep, count = pair.partition("=")
                if not sep or sid not in shifts:
                    raise self.fail(lineno, f"MaxShifts entry {pair!r} is not ShiftID=max")
                limits[sid] = self.integer(lineno, count, f"MaxShifts for {sid}")
            names = layout.split(", ")[2:]
            n = [
                self.integer(lineno, v, f"{what} of {eid}")
                for v, what in zip(numbers, names, strict=True)
            ]
            if n[1] > n[0]:
                raise self.fail(lineno, f"{eid}: MinTotalMinutes {n[1]} > MaxTotalMinutes {n[0]}")
            staff.append(StaffContract(eid, limits, n[0], n[1], n[2], n[3], n[4], n[5]))
        return staff

    def employee(self, lineno: int, eid: str, index: dict[str, int]) -> int:
        if eid not in index:
            raise self.fail(lineno, f"unknown employee {eid!r}; list them in SECTION_STAFF")
        return index[eid]

    def day(self, lineno: int, text: str, horizon: int) -> int:
        d = self.integer(lineno, text, "day")
        if d >= horizon:
            raise self.fail(lineno, f"day {d} is outside the horizon 0..{horizon - 1}")
        return d

    def shift(self, lineno: int, sid: str, shifts: dict[str, Shift]) -> str:
        if sid not in shifts:
            raise self.fail(lineno, f"unknown shift {sid!r}; list it in SECTION_SHIFTS")
        return sid

    def days_off(self, index: dict[str, int], horizon: int) -> dict[int, frozenset[int]]:
        days: dict[int, set[int]] = {}
        for lineno, values in self.rows["SECTION_DAYS_OFF"]:
            e = self.employee(lineno, values[0], index)
            days.setdefault(e, set()).update(self.day(lineno, v, horizon) for v in values[1:] if v)
        return {e: frozenset(ds) for e, ds in days.items()}

    def requests(
        self, section: str, index: dict[str, int], shifts: dict[str, Shift], horizon: int
    ) -> list[Request]:
        result = []
        for lineno, values in self.rows[section]:
            eid, day, sid, weight = self.fields(
                lineno, values, 4, "EmployeeID, Day, ShiftID, Weight"
            )
            result.append(
                Request(
                    self.employee(lineno, eid, index),
                    self.day(lineno, day, horizon),
                    self.shift(lineno, sid, shifts),
                    self.integer(lineno, weight, "weight"),
                )
            )
        return result

    def cover(self, shifts: dict[str, Shift], horizon: int) -> list[CoverRequirement]:
        result: list[CoverRequirement] = []
        seen: set[tuple[int, str]] = set()
        for lineno, values in self.rows["SECTION_COVER"]:
            day, sid, req, under, over = self.fields(
                lineno, values, 5, "Day, ShiftID, Requirement, WeightUnder, WeightOver"
            )
            item = CoverRequirement(
                self.day(lineno, day, horizon),
                self.shift(lineno, sid, shifts),
                self.integer(lineno, req, "requirement"),
                self.integer(lineno, under, "weight under"),
                self.integer(lineno, over, "weight over"),
            )
            if (item.day, item.shift) in seen:
                raise self.fail(lineno, f"cover for day {item.day} shift {sid} is repeated")
            seen.add((item.day, item.shift))
            result.append(item)
        return result


# ============================================================================================
# Independent checker
# ============================================================================================


def cover_counts(roster: Roster) -> Counter[tuple[int, str]]:
    """How many employees work each (day, shift) in ``roster``."""
    return Counter((d, sid) for row in roster for d, sid in enumerate(row) if sid)


def penalty_breakdown(instance: Instance, roster: Roster) -> dict[str, int]:
    """The benchmark's penalty of a roster per kind (:data:`PENALTY_KINDS`) plus ``total``."""
    terms = dict.fromkeys(PENALTY_KINDS, 0)
    counts = cover_counts(roster)
    for c in instance.cover:
        staffed = counts[c.day, c.shift]
        terms["cover_under"] += c.weight_under * max(0, c.requirement - staffed)
        terms["cover_over"] += c.weight_over * max(0, staffed - c.requirement)
    for r in instance.on_requests:
        terms["on_requests"] += r.weight * (roster[r.employee][r.day] != r.shift)
    for r in instance.off_requests:
        terms["off_requests"] += r.weight * (roster[r.employee][r.day] == r.shift)
    terms["total"] = sum(terms[k] for k in PENALTY_KINDS)
    return terms


def check_roster(instance: Instance, roster: Roster) -> tuple[list[str], int]:
    """Re-check a roster from scratch: (hard-rule violations in words, benchmark penalty).

    Written directly from the format's rules, sharing no code with the model, so it can judge
    the solver's output and hand-made rosters alike. Cover with no ``SECTION_COVER`` row counts
    as a requirement of 0 with no penalty.
    """
    violations: list[str] = []
    h = instance.horizon
    if len(roster) != len(instance.staff):
        return [f"roster has {len(roster)} rows for {len(instance.staff)} employees"], 0
    for e, (contract, row) in enumerate(zip(instance.staff, roster, strict=True)):
        who = contract.id
        if len(row) != h:
            violations.append(f"{who}: {len(row)} days in the roster, horizon is {h}")
            continue
        for d, s in enumerate(row):
            if s and s not in instance.shifts:
                violations.append(f"{who} day {d}: unknown shift {s!r}")
        if any(s and s not in instance.shifts for s in row):
            continue
        worked = [bool(s) for s in row]
        for d in sorted(instance.days_off.get(e, ())):
            if worked[d]:
                violations.append(f"{who} day {d}: works on a day off ({row[d]})")
        for sid in instance.shifts:
            count = row.count(sid)
            limit = contract.max_shifts.get(sid, 0)
            if count > limit:
                violations.append(f"{who}: {count} {sid} shifts, max {limit}")
        for d in range(h - 1):
            if row[d] and row[d + 1] in instance.shifts[row[d]].banned_next:
                violations.append(f"{who} day {d}: {row[d]} followed by {row[d + 1]}")
        minutes = sum(instance.shifts[s].minutes for s in row if s)
        if minutes > contract.max_minutes:
            violations.append(f"{who}: {minutes} min worked, max {contract.max_minutes}")
        if minutes < contract.min_minutes:
            violations.append(f"{who}: {minutes} min worked, min {contract.min_minutes}")
        for start, length, on in _runs(worked):
            at_border = start == 0 or start + length == h
            if on and length > contract.max_consecutive:
                violations.append(
                    f"{who} days {start}-{start + length - 1}: {length} shifts in a row, "
                    f"max {contract.max_consecutive}"
                )
            if on and length < contract.min_consecutive and not at_border:
                violations.append(
                    f"{who} days {start}-{start + length - 1}: {length} shifts in a row, "
                    f"min {contract.min_consecutive}"
                )
            if not on and length < contract.min_days_off and not at_border:
                violations.append(
                    f"{who} days {start}-{start + length - 1}: {length} days off in a row, "
                    f"min {contract.min_days_off}"
                )
        # Day 0 is a Monday: Saturdays are days 5, 12, ...; a Sunday may fall past the end.
        weekends = sum(
            1 for sat in range(5, h, 7) if worked[sat] or (sat + 1 < h and worked[sat + 1])
        )
        if weekends > contract.max_weekends:
            violations.append(f"{who}: {weekends} weekends worked, max {contract.max_weekends}")
    return violations, penalty_breakdown(instance, roster)["total"]


def _runs(values: list[bool]) -> Iterator[tuple[int, int, bool]]:
    """Maximal runs of equal values as (start, length, value)."""
    start = 0
    for d in range(1, len(values) + 1):
        if d == len(values) or values[d] != values[start]:
            yield start, d - start, values[start]
            start = d


# ============================================================================================
# Model
# ============================================================================================


@dataclass(frozen=True)
class Penalty:
    """One weighted objective term: ``weight * var``, with the benchmark's kind of penalty."""

    kind: str  # one of PENALTY_KINDS
    weight: int
    var: cp_model.LinearExprT


@dataclass
class CurtoisModel:
    """The CP-SAT model of an instance and the handles needed to hint, fix and read it."""

    model: cp_model.CpModel
    x: dict[tuple[int, int, str], cp_model.IntVar]  # (employee, day, shift) -> works it
    works: list[list[cp_model.IntVar]]  # [i][day], for the i-th modelled employee
    penalties: list[Penalty]
    employees: list[int]  # the employees whose rows are modelled (all, or an LNS subset)

    def objective_terms(self) -> cp_model.LinearExprT:
        return sum(p.weight * p.var for p in self.penalties)


def build_model(
    instance: Instance,
    employees: Sequence[int] | None = None,
    fixed_cover: Mapping[tuple[int, str], int] | None = None,
) -> CurtoisModel:
    """Build the CP-SAT model: all contract rules hard, cover and requests as named penalties.

    ``employees`` restricts the model to those employees' rows, and ``fixed_cover`` counts, per
    ``(day, shift)``, the staff outside the model who already work it: every hard rule is about
    one employee's row, so such a sub-model is exact for the rest of the roster held fixed. Its
    objective is the whole penalty less the requests of the employees left out. The search
    re-optimises a few rows this way at a cost that does not grow with the instance.
    """
    model = cp_model.CpModel()
    people = list(range(len(instance.staff))) if employees is None else list(employees)
    chosen = set(people)
    fixed = fixed_cover or {}
    h = instance.horizon
    weekends = patterns.weekend_days(h, first_weekday=0)  # day 0 is a Monday

    # Variables: x[e, d, s] only where the shift is allowed (days off and "max 0" create none).
    x: dict[tuple[int, int, str], cp_model.IntVar] = {}
    shifts_by_day: list[list[dict[str, cp_model.IntVar]]] = []
    for e in people:
        contract = instance.staff[e]
        days = []
        for d in range(h):
            day = {}
            for s in instance.allowed_shifts(e, d):
                day[s] = x[e, d, s] = model.new_bool_var(f"x[{contract.id},{d},{s}]")
            days.append(day)
        shifts_by_day.append(days)

    # Hard rules, per employee, from the shared day-level patterns.
    works: list[list[cp_model.IntVar]] = []
    banned = [(a, b) for a, shift in instance.shifts.items() for b in shift.banned_next]
    for e, days in zip(people, shifts_by_day, strict=True):
        contract = instance.staff[e]
        who = contract.id
        w = patterns.add_one_shift_per_day(model, days, name=who)
        works.append(w)
        patterns.add_forbidden_successions(model, days, banned, name=f"{who}.succession")
        for s, limit in contract.max_shifts.items():
            own = [(day[s], 1) for day in days if s in day]
            patterns.add_total_range(model, own, lo=None, hi=limit, name=f"{who}.max_{s}")
        minutes = [(lit, instance.shifts[s].minutes) for day in days for s, lit in day.items()]
        patterns.add_total_range(
            model, minutes, lo=contract.min_minutes, hi=contract.max_minutes, name=f"{who}.min"
        )
        patterns.add_max_consecutive_days(
            model, w, contract.max_consecutive, name=f"{who}.max_consecutive"
        )
        patterns.add_min_consecutive_days(
            model, w, contract.min_consecutive, name=f"{who}.min_consecutive"
        )
        patterns.add_min_consecutive_days_off(
            model, w, contract.min_days_off, name=f"{who}.min_days_off"
        )
        patterns.add_max_weekends(
            model, w, contract.max_weekends, name=f"{who}.weekends", weekends=weekends
        )

    # Soft rules: requests as literals, cover as under/over integers with tight domains.
    penalties: list[Penalty] = []
    for r in instance.on_requests:
        if r.employee not in chosen:
            continue
        lit = x.get((r.employee, r.day, r.shift))
        # An on-request for a shift that cannot be worked is a constant penalty.
        penalties.append(Penalty("on_requests", r.weight, 1 if lit is None else lit.Not()))
    for r in instance.off_requests:
        if r.employee in chosen and (lit := x.get((r.employee, r.day, r.shift))) is not None:
            penalties.append(Penalty("off_requests", r.weight, lit))
    for c in instance.cover:
        staffed = [x[e, c.day, c.shift] for e in people if (e, c.day, c.shift) in x]
        already = fixed.get((c.day, c.shift), 0)
        tag = f"{c.day},{c.shift}"
        under = model.new_int_var(0, max(0, c.requirement - already), f"under[{tag}]")
        over = model.new_int_var(0, max(0, len(staffed) + already - c.requirement), f"over[{tag}]")
        model.add(sum(staffed) + under - over == c.requirement - already)
        penalties.append(Penalty("cover_under", c.weight_under, under))
        penalties.append(Penalty("cover_over", c.weight_over, over))

    cm = CurtoisModel(model, x, works, penalties, people)
    # Objective, set once: the sum of every weighted penalty term.
    model.minimize(cm.objective_terms())
    return cm


# ============================================================================================
# Solve
# ============================================================================================


@dataclass
class Result:
    """The best roster found, its penalty in the benchmark's terms, and the solver's bound."""

    instance: str
    roster: Roster
    objective: int
    breakdown: dict[str, int]
    bound: float  # best lower bound proven on the objective
    optimal: bool
    wall_time_s: float
    progress: list[tuple[float, int]] = field(default_factory=list)  # (seconds, objective)
    # Neighbourhood kind -> {outcome: count} of the LNS sub-solves (empty for solve_full).
    neighbourhoods: dict[str, dict[str, int]] = field(default_factory=dict)
    # Column generation's account (empty if it did not run): rounds, columns, converged,
    # too_slow, bound, and the outcome of each recombination (improved / no better / skipped).
    columns: dict[str, object] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound (0 = proven optimal)."""
        return (
            0.0 if self.objective <= 0 else max(0.0, (self.objective - self.bound) / self.objective)
        )


def _extract(
    cm: CurtoisModel, instance: Instance, value: Callable[[cp_model.IntVar], int]
) -> Roster:
    """Read the roster from a solution (``value`` maps a variable to its value)."""
    roster = [[""] * instance.horizon for _ in instance.staff]
    for (e, d, s), var in cm.x.items():
        if value(var):
            roster[e][d] = s
    return roster


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def solve_full(
    instance: Instance, *, time_limit: float = 60.0, workers: int = 2, seed: int = 0
) -> Result:
    """Plain CP-SAT on the whole model (the baseline the LNS is measured against)."""
    start = time.monotonic()
    cm = build_model(instance)
    solver = _solver(time_limit, workers, seed)
    status = solver.solve(cm.model)
    if status == cp_model.INFEASIBLE:
        raise InfeasibleError(f"{instance.name}: no roster satisfies the hard rules")
    if status != cp_model.OPTIMAL and status != cp_model.FEASIBLE:
        raise PlannerError(f"{instance.name}: no roster found within {time_limit:g} s")
    roster = _extract(cm, instance, solver.boolean_value)
    breakdown = penalty_breakdown(instance, roster)
    return Result(
        instance.name,
        roster,
        breakdown["total"],
        breakdown,
        solver.best_objective_bound,
        status == cp_model.OPTIMAL,
        time.monotonic() - start,
    )


# --------------------------------------------------------------------------------------------
# Large-neighbourhood search
# --------------------------------------------------------------------------------------------

NEIGHBOURHOODS = ("employees", "cover", "requests", "days", "block", "weekdays")


@dataclass(frozen=True)
class SearchSettings:
    """Tuning of :func:`solve_instance` (defaults measured on instances 6–8, see bench)."""

    # Wall-clock limit of one neighbourhood re-optimisation ... (2 s, not 1 s: on instance 8
    # the sub-solves that remove a unit of under-cover free 300-500 cells and often need more
    # than a second; with 1 s about half the runs stayed a unit short, see docs/schedule.md)
    sub_time_s: float = 2.0
    max_sub_time_s: float = 8.0  # ... growing up to this while the search is stuck
    bound_share: float = 0.2  # share of the time the full-model (bound) solve runs
    explore: float = 0.3  # chance of picking a neighbourhood kind at random
    # Fruitless sub-solves in a row after which half the sub-solves walk sideways.
    stall_before_sideways: int = 10
    neighbourhoods: tuple[str, ...] = NEIGHBOURHOODS
    # Size caps that keep large instances (e.g. 150 staff x 364 days x 32 shifts) workable: the
    # bound solve runs only on models up to this many cells, and a sub-model frees only as
    # many employees as fit this many cells.
    max_full_model_vars: int = 50_000
    restarts: bool = True  # restart a descent that stalled (see _Search.should_restart)
    max_sub_vars: int = 40_000
    # Column generation (planner.schedule.curtois_columns), on models up to
    # max_full_model_vars cells: after the full-model solve, at most this share of the time
    # goes to it (0: none), then, if it converged, at most recombine_share to recombining its
    # rows with the search's. A stalled descent resumes it before restarting.
    column_share: float = 0.25
    recombine_share: float = 0.25


@dataclass
class _Neighbourhood:
    """A kind of neighbourhood, its adaptive size, and how well it has paid off."""

    kind: str  # one of NEIGHBOURHOODS
    size: float  # employees (employees, cover) or days (days, block) it frees
    low: float
    high: float
    # Recent objective gain per second of sub-solving (an exponential moving average), used
    # to pick the kinds that pay off on this instance more often. Starts optimistic.
    rate: float = float("inf")
    tries: dict[str, int] = field(default_factory=dict)  # outcome -> count

    def adapt(self, outcome: str, gain: int, seconds: float) -> None:
        """Record a sub-solve: grow after a proven miss, shrink after a timeout."""
        self.tries[outcome] = self.tries.get(outcome, 0) + 1
        observed = gain / max(seconds, 1e-3)
        self.rate = observed if self.rate == float("inf") else 0.8 * self.rate + 0.2 * observed
        if outcome == "proven":  # solved to the end without a better roster: go bigger
            self.size = min(self.high, self.size * 1.1)
        elif outcome == "timeout":
            self.size = max(self.low, self.size / 1.1)


class _Search:
    """State shared by the full-model thread and the LNS threads, under one lock.

    Rosters are lists of rows, never changed once stored (a better one replaces them).
    """

    def __init__(self, instance: Instance, start: float, deadline: float) -> None:
        self.instance = instance
        self.lock = threading.Lock()
        self.start, self.deadline = start, deadline
        self.best: Roster | None = None
        self.objective: int | None = None
        # The roster the LNS works from: the best one, or an equally good one it walked to.
        self.current: Roster | None = None
        self.current_objective: int | None = None
        self.stalled = 0  # sub-solves since the current roster last improved
        self.building = False  # a thread is building the first roster (or a restart)
        # When the current descent began and when it last gained more than 1%: a descent
        # that reached its plateau quickly and then stalled for long is restarted.
        self.descent_started = start
        self.last_big_gain = start
        self.bound = 0.0
        self.infeasible: str | None = None  # why no roster exists, once proven
        self.done = threading.Event()  # set when the time is up or optimality is proven
        self.progress: list[tuple[float, int]] = []
        self.on_improve: Callable[[float, int], None] | None = None
        # Column generation's pool of rows, made by the first thread to need it; one thread
        # at a time works on it (``columns_busy``).
        self.use_columns = False
        self.columns: ColumnPool | None = None
        self.columns_busy = False
        # The model of the whole instance (when small enough): sub-solves that free at least
        # half the staff copy it rather than build their own.
        self.full_model: CurtoisModel | None = None

    def offer(self, roster: Roster, objective: int, *, sideways: bool = False) -> bool:
        """Keep a roster as the current one if it is better (or, ``sideways``, no worse);
        as the best one if it beats the best. True if it is a new best."""
        with self.lock:
            if self.current_objective is None or objective < self.current_objective:
                if self.current_objective is None or objective < 0.99 * self.current_objective:
                    self.last_big_gain = time.monotonic()
                self.current, self.current_objective, self.stalled = roster, objective, 0
            elif sideways and objective == self.current_objective:
                self.current = roster  # a step along the plateau; still stalled
            if self.objective is not None and objective >= self.objective:
                return False
            self.best, self.objective = roster, objective
            seconds = time.monotonic() - self.start
            self.progress.append((seconds, objective))
            if objective <= self.bound + 1e-9:
                self.done.set()
        if self.on_improve:
            self.on_improve(seconds, objective)
        return True

    def restart(self, roster: Roster, objective: int) -> None:
        """Make ``roster`` the current one, worse or not; a new best is kept as usual."""
        self.offer(roster, objective)
        with self.lock:
            self.current, self.current_objective, self.stalled = roster, objective, 0
        self.new_descent()

    def new_descent(self) -> None:
        """Count the current roster as the start of a new descent (after a restart step)."""
        with self.lock:
            self.descent_started = self.last_big_gain = time.monotonic()
            self.building = False

    def should_restart(self) -> bool:
        """True when the current descent has stalled for twice as long as it took (10 s at
        least) and the time left allows another descent as long."""
        now = time.monotonic()
        with self.lock:
            descent = self.last_big_gain - self.descent_started
            if self.building or now - self.last_big_gain < max(10.0, 2 * descent):
                return False
            if self.deadline - now < 1.5 * descent + 5.0:
                return False
            self.building = True
            return True

    def raise_bound(self, bound: float) -> None:
        with self.lock:
            self.bound = max(self.bound, bound)
            if self.objective is not None and self.objective <= self.bound + 1e-9:
                self.done.set()

    def proven_infeasible(self, why: str) -> None:
        self.infeasible = why
        self.done.set()

    def time_left(self) -> float:
        return self.deadline - time.monotonic()


class _FullModelCallback(cp_model.CpSolverSolutionCallback):
    """Hands every roster the full-model solve finds to the shared search."""

    def __init__(self, search: _Search, cm: CurtoisModel) -> None:
        super().__init__()
        self.search, self.cm = search, cm

    def on_solution_callback(self) -> None:
        roster = _extract(self.cm, self.search.instance, self.boolean_value)
        self.search.offer(roster, round(self.objective_value))
        if self.search.done.is_set():
            self.stop_search()


def _hint(model: cp_model.CpModel, xs: list[cp_model.IntVar], values: list[int]) -> None:
    """Replace the model's solution hint with ``values`` for the variables ``xs``."""
    hint = model.proto.solution_hint
    hint.vars.clear()
    hint.vars.extend(var.index for var in xs)
    hint.values.clear()
    hint.values.extend(values)


def _request_penalty(instance: Instance, roster: Roster, employees: Sequence[int]) -> int:
    """The on- and off-request penalties of ``employees`` in ``roster``."""
    who = set(employees)
    on = sum(
        r.weight
        for r in instance.on_requests
        if r.employee in who and roster[r.employee][r.day] != r.shift
    )
    off = sum(
        r.weight
        for r in instance.off_requests
        if r.employee in who and roster[r.employee][r.day] == r.shift
    )
    return on + off


def _solve_rows(
    instance: Instance,
    base: Roster,
    free: set[tuple[int, int]],
    time_limit: float,
    seed: int,
    *,
    cut: int | None = None,
    sideways: bool = False,
    full: CurtoisModel | None = None,
    hint: bool = True,
) -> tuple[str, Roster | None]:
    """Re-optimise the ``free`` (employee, day) cells of ``base``, every other cell fixed.

    Builds the sub-model of the freed employees only (:func:`build_model` with the others'
    cover as a constant), fixes their cells outside ``free``, hints ``base`` and asks for a
    penalty (over the whole roster) of at most ``cut`` (none: any roster). With ``sideways``
    the new roster must also drop at least one shift ``base`` works in the free cells.
    Returns (``solved`` = optimal in the neighbourhood | ``feasible`` | ``infeasible`` |
    ``timeout``, the new roster or None).

    ``full``, the model of the whole instance, is copied instead when the free cells span at
    least half the staff: copying it takes milliseconds where building takes tens (77 ms on
    instance 8, a fifth of the search's time), and presolve drops the fixed cells all the same
    (the copy shares ``full``'s variable indices).

    ``hint=False`` leaves ``base``'s free cells unhinted: for a row not built yet they are all
    off, which breaks the minimum-minutes rule, and CP-SAT chasing that hint took over 5 s on
    a one-shift-type row it solves in 0.03 s unhinted (150 staff × 364 days).
    """
    people = sorted({e for e, _ in free})
    if full is not None and 2 * len(people) >= len(base):
        # A copy of the whole model: every employee's row is in it (the clone keeps indices).
        people = list(range(len(base)))
        model, x = full.model.clone(), full.x
    else:
        kept = set(people)
        others = Counter(
            (d, sid)
            for e, row in enumerate(base)
            if e not in kept
            for d, sid in enumerate(row)
            if sid
        )
        cm = build_model(instance, people, others)
        model, x = cm.model, cm.x
    chosen = set(people)
    proto = model.proto
    xs, values, worked = [], [], []
    for (e, d, sid), var in x.items():
        value = int(base[e][d] == sid)
        if (e, d) in free:
            xs.append(var)
            values.append(value)
            if value:
                worked.append(model.get_bool_var_from_proto_index(var.index))
        else:
            # Fix the cell by shrinking the variable's domain: presolve then removes it.
            domain = proto.variables[var.index].domain
            domain.clear()
            domain.extend([value, value])
    if hint:
        _hint(model, xs, values)
    if cut is not None:
        # The model's objective (every penalty it holds) at most the cut less the requests of
        # the employees left out, a constant the sub-model does not see; read off the proto,
        # which a copy shares with the whole model.
        outside = _request_penalty(instance, base, [e for e in range(len(base)) if e not in chosen])
        objective = proto.objective
        bound = proto.constraints.add().linear
        bound.vars.extend(objective.vars)
        bound.coeffs.extend(objective.coeffs)
        bound.domain.extend([-(1 << 62), cut - outside - round(objective.offset)])
    if sideways:
        if not worked:
            return "infeasible", None
        model.add(sum(worked) <= len(worked) - 1)
    solver = _solver(time_limit, 1, seed)
    solver.parameters.linearization_level = 2  # strong LP bounds prove small neighbourhoods
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return "infeasible", None
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "timeout", None
    roster = [list(row) if e in chosen else row for e, row in enumerate(base)]
    for e in people:
        roster[e] = [""] * instance.horizon
    for (e, d, sid), var in x.items():
        if solver.boolean_value(var):
            roster[e][d] = sid
    return ("solved" if status == cp_model.OPTIMAL else "feasible"), roster


def _one_shift_type(instance: Instance, e: int) -> Instance:
    """``instance`` with employee ``e`` limited to the one shift type giving the most minutes."""
    contract = instance.staff[e]
    best = max(
        instance.shifts,
        key=lambda s: (
            min(contract.max_shifts.get(s, 0), instance.horizon) * instance.shifts[s].minutes
        ),
    )
    only = dataclasses.replace(contract, max_shifts={best: contract.max_shifts.get(best, 0)})
    staff = [only if k == e else c for k, c in enumerate(instance.staff)]
    return dataclasses.replace(instance, staff=staff)


def _first_roster(search: _Search, seed: int, *, restart: bool = False) -> None:
    """Build a roster one employee at a time, each row the best for the cover left so far.

    Every hard rule concerns one employee's row, so rows can be chosen one by one: employee
    ``e``'s sub-model sees the cover given by the rows placed before it. One row is a small
    model, so this works at any size; when the rows so far took too long for the time left
    (very large instances), the remaining rows only keep the rules, penalties unseen. If some
    employee's rules admit no row at all, the instance is proven impossible, naming them.
    With ``restart`` the new roster becomes the current one even if it is worse (the best
    roster is kept): a fresh start for the search, in another employee order.
    """
    instance = search.instance
    n, h = len(instance.staff), instance.horizon
    rules_only = dataclasses.replace(instance, on_requests=[], off_requests=[], cover=[])
    rng = random.Random(seed)
    order = list(range(n))
    rng.shuffle(order)
    roster: Roster = [[""] * h for _ in range(n)]
    started = time.monotonic()
    for i, e in enumerate(order):
        if search.done.is_set() or search.time_left() <= 0:
            return
        left = n - i
        per_row = (time.monotonic() - started) / i if i else 0.0
        hurry = per_row * left > 0.5 * search.time_left()
        budget = max(0.1, 0.4 * search.time_left() / left)
        free = {(e, d) for d in range(h)}
        outcome, rows = "timeout", None
        if not hurry:
            outcome, rows = _solve_rows(
                instance, roster, free, budget, rng.randrange(1 << 30), hint=False
            )
        if rows is None and outcome == "timeout":
            # Out of time for the penalties: any row that keeps the rules will do, first
            # tried with one shift type only (a far smaller model on instances with dozens).
            limit = max(1.0, budget)
            outcome, rows = _solve_rows(
                _one_shift_type(rules_only, e),
                roster,
                free,
                limit,
                rng.randrange(1 << 30),
                hint=False,
            )
            if rows is None:
                outcome, rows = _solve_rows(
                    rules_only, roster, free, limit, rng.randrange(1 << 30), hint=False
                )
        if rows is None:
            if outcome == "infeasible":
                search.proven_infeasible(_no_row(instance.staff[e].id))
            return  # out of time
        roster[e] = rows[e]
    objective = penalty_breakdown(instance, roster)["total"]
    if restart:
        search.restart(roster, objective)
    else:
        search.offer(roster, objective)


def _who_has_no_row(instance: Instance) -> str:
    """Name the employees whose own rules admit no row (cover and requests are soft, so an
    impossible instance always has at least one)."""
    rules_only = dataclasses.replace(instance, on_requests=[], off_requests=[], cover=[])
    empty: Roster = [[""] * instance.horizon for _ in instance.staff]
    stuck = [
        contract.id
        for e, contract in enumerate(instance.staff)
        if _solve_rows(
            rules_only, empty, {(e, d) for d in range(instance.horizon)}, 5.0, 0, hint=False
        )[0]
        == "infeasible"
    ]
    if not stuck:
        return "the hard rules admit no roster"
    return _no_row(", ".join(stuck[:5]) + (f" and {len(stuck) - 5} more" if len(stuck) > 5 else ""))


def _no_row(names: str) -> str:
    """Why no roster exists when the named employees' own rules admit no row."""
    return (
        f"employee {names}: contract (shift limits, minutes, consecutive-day and weekend "
        "limits, days off) admits no roster"
    )


def _full_model_solve(search: _Search, seed: int, time_limit: float) -> None:
    """Solve the whole model with one worker: the lower bound, and rosters as it finds them.

    ``linearization_level = 2`` adds the LP cuts that make the bound close to the optimum on
    these instances (1040–1046 vs 1056 on instance 7, where the default level proves 29); its
    LP-guided search also finds good first rosters.
    """
    cm = build_model(search.instance)
    solver = _solver(min(time_limit, search.time_left()), 1, seed)
    solver.parameters.linearization_level = 2
    solver.best_bound_callback = search.raise_bound
    status = solver.solve(cm.model, _FullModelCallback(search, cm))
    if status == cp_model.OPTIMAL:
        search.raise_bound(solver.objective_value)
        search.done.set()
    elif status == cp_model.INFEASIBLE:
        search.proven_infeasible(_who_has_no_row(search.instance))
    else:
        search.raise_bound(solver.best_objective_bound)


def _column_step(search: _Search, seed: int, seconds: float, generate_share: float = 0.6) -> bool:
    """Column generation, then a recombination of the known rows, within ``seconds``.

    Column generation runs until it converges or ``generate_share`` of the time has passed (a
    tighter bound, and rows the row-by-row search may never build); the rest of the time goes
    to picking one known row per employee so as to beat the best roster. The pool persists,
    so a later call resumes where this one stopped, with the rows of every roster found
    since. True if it found a new best roster. One thread at a time.
    """
    from planner.schedule.curtois_columns import ColumnPool, NoRowError

    with search.lock:
        if search.columns_busy:
            return False
        search.columns_busy = True
    try:
        started = time.monotonic()
        end = min(search.deadline, started + seconds)
        if search.columns is None:
            search.columns = ColumnPool(search.instance)
        pool = search.columns

        def found_so_far() -> list[Roster]:
            with search.lock:
                return [r for r in (search.best, search.current) if r is not None]

        try:
            pool.generate(started + generate_share * (end - started), seed, found_so_far)
        except NoRowError as error:
            search.proven_infeasible(_no_row(search.instance.staff[error.employee].id))
            return False
        search.raise_bound(pool.proven_bound())
        with search.lock:
            best, objective = search.best, search.objective
        left = end - time.monotonic()
        # Recombining the rows of an LP far from converged rarely beats the search
        # (instances 7 and 8); its time is better spent in the neighbourhood search.
        ready = pool.nearly_converged()
        if best is None or objective is None or search.done.is_set() or not ready:
            pool.recombinations.append("skipped")
            return False
        found = pool.recombine(best, objective, left, seed)
        roster = None if found is None else found[0]
        better = roster is not None and search.offer(
            roster, penalty_breakdown(search.instance, roster)["total"]
        )
        pool.recombinations.append("improved" if better else "no better")
        return better
    finally:
        with search.lock:
            search.columns_busy = False


def _penalised_cover(
    instance: Instance, counts: Counter[tuple[int, str]]
) -> list[CoverRequirement]:
    """Cover requirements missed (under or over) by a roster with these ``cover_counts``."""
    return [c for c in instance.cover if counts[c.day, c.shift] != c.requirement]


def _unmet_requests(instance: Instance, roster: Roster) -> list[tuple[Request, bool]]:
    """(request, is an on-request) for each on-request a roster refuses and each off-request
    it ignores: each costs its weight."""
    return [(r, True) for r in instance.on_requests if roster[r.employee][r.day] != r.shift] + [
        (r, False) for r in instance.off_requests if roster[r.employee][r.day] == r.shift
    ]


def _cap_employees(
    free: set[tuple[int, int]], most: int, rng: random.Random
) -> set[tuple[int, int]]:
    """Keep the cells of at most ``most`` of the freed employees (the sub-model's size cap)."""
    people = sorted({e for e, _ in free})
    if len(people) <= most:
        return free
    kept = set(rng.sample(people, most))
    return {(e, d) for e, d in free if e in kept}


def _sub_solve(
    search: _Search,
    free: set[tuple[int, int]],
    time_limit: float,
    seed: int,
    *,
    sideways: bool = False,
) -> str:
    """Re-optimise the free cells with every other cell fixed to the current roster.

    Asks for a strictly better roster, or with ``sideways`` for a different one that is no
    worse: a step along a plateau of equally good rosters, which is how the search leaves a
    roster whose every neighbourhood is proven to hold nothing better (instance 5 has many).
    Returns the outcome: ``improved``, ``moved`` (sideways), ``proven`` (nothing better, or
    nothing else as good, exists in the neighbourhood) or ``timeout``.
    """
    with search.lock:
        base, objective = search.current, search.current_objective
    assert base is not None and objective is not None
    cut = objective if sideways else objective - 1
    outcome, roster = _solve_rows(
        search.instance,
        base,
        free,
        time_limit,
        seed,
        cut=cut,
        sideways=sideways,
        full=search.full_model,
    )
    if roster is None:
        with search.lock:
            search.stalled += 1
        return "proven" if outcome == "infeasible" else "timeout"
    value = penalty_breakdown(search.instance, roster)["total"]
    if search.offer(roster, value, sideways=sideways):
        return "improved"
    return "moved" if sideways else "timeout"


def _free_cells(
    instance: Instance, hood: _Neighbourhood, roster: Roster, rng: random.Random
) -> set[tuple[int, int]]:
    """The (employee, day) cells a neighbourhood lets the sub-solve change.

    - ``employees``: ``size`` random employees, whole horizon (their totals, weekends and
      shift counts are global, so moving work around needs their whole row);
    - ``cover``: pick a shift-day whose cover is penalised in ``roster``; free, whole horizon,
      ``size`` employees: half who could fill it (or leave it, if over-covered), half from
      where the work would come (or go) — the moves that fix cover;
    - ``requests``: pick a refused on-request or a worked off-request (likelier the heavier
      it is); free, whole horizon, its employee, up to ``size // 2`` who could trade that
      day's work with them (who work the wished shift, or could take the unwanted one over),
      and others up to ``size`` — once cover is as good as it gets, what is left to gain;
    - ``days``: everyone over a window of ``size`` days, half the time centred on a day whose
      cover is penalised;
    - ``block``: half the staff over a window of ``2 * size`` days;
    - ``weekdays``: ``size`` weekdays (e.g. Friday to Monday) in every week of the horizon, for
      everyone, or one more weekday for a random half to three quarters of the staff. Weekend
      limits, weekly rhythms and shift-type counts tie the same weekdays of different weeks
      together, so this moves work between weeks where a window of days cannot (on instance 8
      it took a roster from 1569 to 1390 in one 4 s sub-solve where windows proved nothing).
    """
    n, h = len(instance.staff), instance.horizon
    k = max(1, round(hood.size))
    # Only the cover-guided kinds need to know which cells are missed.
    counts = cover_counts(roster) if hood.kind in ("cover", "days") else Counter()
    if hood.kind == "cover" and (missed := _penalised_cover(instance, counts)):
        c = rng.choice(missed)
        short = counts[c.day, c.shift] < c.requirement

        def could_fill(e: int, m: CoverRequirement) -> bool:
            return roster[e][m.day] != m.shift and m.shift in instance.allowed_shifts(e, m.day)

        # Half the freed employees can move onto the cell (or off it, when it is over-covered),
        # half are where that work comes from (working an over-covered cell, for a short one)
        # or goes to (able to fill a short cell, for an over-covered one).
        if short:
            near = [e for e in range(n) if could_fill(e, c)]
            partners = {
                e
                for m in missed
                if counts[m.day, m.shift] > m.requirement
                for e in range(n)
                if roster[e][m.day] == m.shift
            }
        else:
            near = [e for e in range(n) if roster[e][c.day] == c.shift]
            partners = {
                e
                for m in missed
                if counts[m.day, m.shift] < m.requirement
                for e in range(n)
                if could_fill(e, m)
            }
        chosen = rng.sample(near, min(len(near), max(1, k // 2)))
        partners -= set(chosen)
        chosen += rng.sample(sorted(partners), min(len(partners), k - len(chosen)))
        # Fill up with others: the moved work has to go somewhere.
        others = [e for e in range(n) if e not in chosen]
        chosen += rng.sample(others, min(len(others), k - len(chosen)))
        return {(e, d) for e in chosen for d in range(h)}
    if hood.kind == "requests" and (unmet := _unmet_requests(instance, roster)):
        r, on = rng.choices(unmet, weights=[u.weight for u, _ in unmet])[0]
        # Half who could trade that day's work with r.employee: for an on-request those who
        # work the wished shift that day, for an off-request those who could take it over.
        near = [
            e
            for e in range(n)
            if e != r.employee
            and (
                roster[e][r.day] == r.shift
                if on
                else roster[e][r.day] != r.shift and r.shift in instance.allowed_shifts(e, r.day)
            )
        ]
        chosen = [r.employee, *rng.sample(near, min(len(near), max(0, k // 2)))]
        others = [e for e in range(n) if e not in chosen]
        chosen += rng.sample(others, min(len(others), k - len(chosen)))
        return {(e, d) for e in chosen for d in range(h)}
    if hood.kind in ("employees", "cover", "requests"):
        chosen = rng.sample(range(n), min(n, k))
        return {(e, d) for e in chosen for d in range(h)}
    if hood.kind == "days":
        width = min(h, k)
        first = rng.randrange(h - width + 1)
        if rng.random() < 0.5 and (missed := _penalised_cover(instance, counts)):
            centre = rng.choice(missed).day
            first = min(max(0, centre - width // 2), h - width)
        return {(e, d) for e in range(n) for d in range(first, first + width)}
    if hood.kind == "weekdays":
        count, staff = min(7, k), list(range(n))
        if rng.random() < 0.5:
            count = min(7, k + 1)
            staff = rng.sample(staff, max(1, round(n * rng.uniform(0.5, 0.75))))
        chosen_days = set(rng.sample(range(7), count))
        return {(e, d) for e in staff for d in range(h) if d % 7 in chosen_days}
    # "block": half the staff over a window whose width follows the size.
    width = min(h, 2 * k)
    first = rng.randrange(h - width + 1)
    chosen = rng.sample(range(n), min(n, max(2, n // 2)))
    return {(e, d) for e in chosen for d in range(first, first + width)}


def _pick(hoods: list[_Neighbourhood], explore: float, rng: random.Random) -> _Neighbourhood:
    """Choose a neighbourhood kind: untried first, then mostly by recent gain per second."""
    untried = [hd for hd in hoods if hd.rate == float("inf")]
    if untried:
        return rng.choice(untried)
    if rng.random() < explore or sum(hd.rate for hd in hoods) <= 0:
        return rng.choice(hoods)
    return rng.choices(hoods, weights=[hd.rate for hd in hoods])[0]


#: Seconds to build a sub-model, per cell (employee × day × shift type, plus one per cover
#: requirement), with both threads building at once: ~35 µs measured on 150 × 364 × 32
#: (2 rows: 1.2 s alone, 2.2-2.5 s side by side) and ~23 µs on instance 8; with a margin.
BUILD_S_PER_CELL = 5e-5


def _lns(
    search: _Search,
    hoods: list[_Neighbourhood],
    settings: SearchSettings,
    rng: random.Random,
    most_people: int,
) -> None:
    """Improve the best roster one neighbourhood at a time until the search is done.

    No sub-solve starts unless its model can be built before the deadline
    (:data:`BUILD_S_PER_CELL`): on 150 staff × 364 days × 32 shift types the two threads' last
    sub-models took 2.2-2.5 s to build after the first roster landed 0.5 s before the limit.
    """
    instance = search.instance
    cells = min(len(instance.staff), most_people) * instance.horizon * max(1, len(instance.shifts))
    reserve = 0.05 + BUILD_S_PER_CELL * (cells + len(instance.cover))
    with search.lock:
        build = search.best is None and not search.building
        search.building = search.building or build
    if build:  # one thread builds the first roster; the others wait for it
        _first_roster(search, rng.randrange(1 << 30))
    while search.best is None and not search.done.is_set() and search.time_left() > 0.05:
        time.sleep(0.05)  # no roster found yet: wait for the other thread to find one
    while not search.done.is_set() and search.time_left() > reserve:
        if settings.restarts and search.should_restart():
            # A deep local optimum (instance 5: every neighbourhood up to all staff on six
            # weekdays proven empty): recombine rows through column generation, or else start
            # a new descent from a new roster.
            seconds = settings.column_share * (search.deadline - search.start)
            if search.use_columns and _column_step(search, rng.randrange(1 << 30), seconds):
                search.new_descent()
            else:
                _first_roster(search, rng.randrange(1 << 30), restart=True)
            continue
        with search.lock:
            hood = _pick(hoods, settings.explore, rng)
            roster, before = search.current, search.objective
            # Stuck: every recent neighbourhood was proven empty or ran out of time. Walk
            # sideways now and then to another roster as good as this one.
            stalled = search.stalled
            sideways = stalled >= settings.stall_before_sideways and rng.random() < 0.5
        assert roster is not None and before is not None
        free = _cap_employees(_free_cells(search.instance, hood, roster, rng), most_people, rng)
        started = time.monotonic()
        # The longer the search is stuck, the longer each sub-solve may run: the large
        # neighbourhoods that still hold something better need seconds, not a second.
        patience = 1 + stalled / settings.stall_before_sideways
        limit = min(settings.sub_time_s * patience, settings.max_sub_time_s, search.time_left())
        outcome = _sub_solve(search, free, limit, rng.randrange(1 << 30), sideways=sideways)
        with search.lock:
            gain = before - search.objective if outcome == "improved" else 0
            hood.adapt(outcome, gain, time.monotonic() - started)


def solve_instance(
    instance: Instance,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    settings: SearchSettings | None = None,
    on_improve: Callable[[float, int], None] | None = None,
) -> Result:
    """Solve an instance: full-model solve and column generation for the bound, and LNS.

    1. One thread solves the whole model with a single CP-SAT worker and strong LP cuts for
    ``bound_share`` of the time (a quick proof on small instances, and good early rosters),
    then runs column generation (:mod:`planner.schedule.curtois_columns`) for up to
    ``column_share``: the Dantzig-Wolfe lower bound, far tighter than the compact model's;
    once it has (nearly) converged, up to ``recombine_share`` more picks one generated row per
    employee to beat the best roster. Column generation gives up after two rounds where it
    could not converge in its share. Both are skipped when the model has more than
    ``max_full_model_vars`` cells (the bound is then 0). 2. The other
    ``workers - 1`` threads build a first roster one employee at a time
    (:func:`_first_roster`). 3. Then every thread runs a large-neighbourhood search from the
    current roster: free a few employees, the employees who could fix a missed cover or a
    refused request, everyone over a window of days, half the staff over a window, or the same
    weekdays of every week; re-optimise the freed employees' rows in a sub-model of their own
    (the others' cover a constant) with a short single-worker solve; keep any improvement, and
    when stuck also take equally good rosters (a walk along the plateau) and give sub-solves longer.
    Neighbourhood sizes adapt (grow when a sub-problem is solved to the end without improving,
    shrink when it runs out of time), kinds that gain more per second are picked more, and no
    sub-model holds more than about ``max_sub_vars`` cells. 4. Stop at the time limit, or as
    soon as the best roster meets the bound. ``on_improve(seconds, objective)`` is called on
    each better roster.

    Raises :class:`InfeasibleError` if the hard rules admit no roster, and
    :class:`PlannerError` if none was found within the time limit.
    """
    settings = settings or SearchSettings()
    start = time.monotonic()
    search = _Search(instance, start, start + time_limit)
    search.on_improve = on_improve
    rng = random.Random(seed)
    n, h = len(instance.staff), instance.horizon
    cells_per_employee = h * max(1, len(instance.shifts))
    most_people = max(2, settings.max_sub_vars // cells_per_employee)
    initial = {"employees": min(n, 3), "cover": min(n, 3), "days": min(h, 7), "block": 4}
    initial["requests"] = min(n, 3)
    initial["weekdays"] = 3
    high = {
        "employees": n,
        "cover": n,
        "requests": n,
        "days": h,
        "block": max(1, h // 2),
        "weekdays": 7,
    }
    hoods = [_Neighbourhood(kind, initial[kind], 1, high[kind]) for kind in settings.neighbourhoods]
    full_model = n * cells_per_employee <= settings.max_full_model_vars

    search.use_columns = full_model and settings.column_share > 0
    if full_model:
        search.full_model = build_model(instance)

    def bound_then_lns(child: random.Random) -> None:
        # The full-model solve first: a quick proof on small instances, and on some (instance
        # 6) the best early rosters; then column generation, seeded with every roster found.
        if full_model:
            _full_model_solve(search, seed, settings.bound_share * time_limit)
        if search.use_columns and not search.done.is_set():
            seconds = (settings.column_share + settings.recombine_share) * time_limit
            share = settings.column_share / (settings.column_share + settings.recombine_share)
            _column_step(search, child.randrange(1 << 30), seconds, share)
        _lns(search, hoods, settings, child, most_people)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        jobs = [pool.submit(bound_then_lns, random.Random(rng.randrange(1 << 30)))]
        for _ in range(workers - 1):
            child = random.Random(rng.randrange(1 << 30))
            jobs.append(pool.submit(_lns, search, hoods, settings, child, most_people))
        for job in jobs:
            job.result()
    if search.best is None:
        if search.infeasible:
            raise InfeasibleError(
                f"{instance.name}: no roster satisfies the hard rules: {search.infeasible}; "
                "check SECTION_STAFF and SECTION_DAYS_OFF"
            )
        raise PlannerError(
            f"{instance.name}: no roster found within {time_limit:g} s; raise --time-limit"
        )
    breakdown = penalty_breakdown(instance, search.best)
    return Result(
        instance.name,
        search.best,
        breakdown["total"],
        breakdown,
        search.bound,
        breakdown["total"] <= search.bound + 1e-9,
        time.monotonic() - start,
        search.progress,
        {hd.kind: dict(hd.tries) for hd in hoods},
        search.columns.account() if search.columns is not None else {},
    )


def write_roster_csv(instance: Instance, roster: Roster, path: str | os.PathLike[str]) -> None:
    """Write ``employee,day,shift`` (day 0-based, blank shift for off), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["employee", "day", "shift"])
            for contract, row in zip(instance.staff, roster, strict=True):
                for d, s in enumerate(row):
                    out.writerow([contract.id, d, s])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
