"""How many seasonal hires, on which contracts, from when — and what each choice buys.

The answer comes from a **capacity model**: for each candidate number of hires, a linear programme
(the LP relaxation of the rota, solved week by week with GLOP) places the team's available shifts
against the requirement and reports the staff-hours it cannot cover. It uses the scheduler's own
data (``planner.schedule.model.build_rota_data``): the same shift templates and their DST-aware
coverage after breaks, each person's availability, approved leave, weekly hour caps, training and
ramp-up productivity — but drops the rules that couple days (rest between shifts, consecutive
days, fairness) and lets people be split fractionally across shifts. It is therefore an
*optimistic* bound on what a real rota achieves; with ``verify_with_scheduler=True`` the top few
counts are re-planned with the CP-SAT scheduler in its fast mode and both answers are reported.

Per hire count the model is solved for each contract mix (every hire on the first contract
option, every hire on the last, and an alternating mix) and the mix with the lowest
``hire cost + overtime cost + schedule.weights.under_cover × under-covered hours`` is kept — the
trade-off the scheduler's objective makes. Hires start together: their floor date is the Monday
``len(ramp_up)`` weeks before the first week the team without hires falls short (so they are
fully productive when the gap opens), but not before ``earliest_start`` plus training; training
starts ``training_days`` working days before the floor date.

From the trade-off table :func:`hiring_plan` marks the cheapest count meeting the targets
(every queue's service level over the horizon at its target, from the requirement stage's
``achieved_service``, and under-covered hours at most ``hiring.max_under_cover_share`` of the
required hours) and the knee of the
hires → under-covered-hours curve (the point farthest below the chord joining its ends), the
backup hours to hold in reserve, and how the answer moves if volume comes in at the forecast's
upper quantile or absence rises by ``hiring.absence_sensitivity``. See ``docs/hiring.md``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.linear_solver import pywraplp

from planner.errors import DataError, PlannerError
from planner.scenario import Scenario, StaffMember
from planner.schedule.model import COVER_SCALE, RotaData, build_rota_data

__all__ = [
    "CapacityResult",
    "HiringPlan",
    "capacity_model",
    "hire_members",
    "hiring_plan",
    "raise_absence",
    "upper_quantile_requirement",
]

#: Shortfall slices (share of an interval's need, relative price per staff-hour): a convex
#: penalty that spreads unavoidable under-cover across queues and intervals. The price steps are
#: small so the total of under-covered hours stays (nearly) minimal.
_SHORTFALL_SLICES: tuple[tuple[float, float], ...] = ((0.1, 1.0), (0.25, 1.05), (1.0, 1.15))

#: A tiny cost per paid hour in the LP so it uses no more hours than it needs (a tie-breaker
#: that keeps the hours-used figures meaningful; far below one under-covered staff-hour).
_HOUR_TIEBREAK = 1e-4


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass
class CapacityResult:
    """What the capacity model finds for one team (existing staff plus a set of hires).

    Attributes:
        under_cover_h: staff-hours of requirement left uncovered over the horizon.
        required_h: staff-hours required over the horizon (``staff_needed`` × interval hours).
        uncoverable_h: the part of ``under_cover_h`` in intervals no shift template reaches
            (e.g. email arriving at night): no number of hires changes it.
        weekly: per week (``week`` = Monday): ``required_h``, ``under_cover_h``, ``used_h``
            (paid hours the LP used from existing staff), ``contract_h`` (their pro-rated
            contract hours).
        coverage: per skill group × interval: ``group``, ``ds``, ``need``, ``covered`` (heads).
    """

    under_cover_h: float
    required_h: float
    uncoverable_h: float
    weekly: pd.DataFrame
    coverage: pd.DataFrame


@dataclass
class HiringPlan:
    """The hiring answer and the evidence behind it.

    Attributes:
        tradeoff: one row per hire count (its best contract mix): ``hires``, ``contract_mix``,
            ``start_date`` (training starts), ``floor_date``, ``total_cost`` (paid contract hours
            of the team + hiring + overtime), ``hire_cost`` (the hires' share), ``overtime_h``,
            ``under_cover_h``, ``uncoverable_h``, ``under_cover_share``, ``service_level``
            (contact-weighted, from the requirement stage's ``achieved_service``),
            ``queues_below_target``, ``worst_queue``, ``peak_week_under_cover_h``,
            ``peak_week_overtime_share`` (existing staff's hours above contract over their
            contract hours in the busiest week — a burnout indicator without a rota),
            ``meets_target``, ``cheapest``, ``knee``, and when verified ``sched_*`` columns and
            ``high_risk_person_weeks`` from real rotas.
        options: every (count, mix) evaluated.
        sensitivity: per case (``base``, ``upper quantile``, ``absence +x``): recommended hires,
            and the base recommendation's under-covered hours and service level in that case.
        recommended: hire count of the cheapest plan meeting the targets (None if none does).
        knee: hire count at the knee of the curve (None if the curve is flat).
        backup_reserve_h: backup staff-hours per peak week to hold in reserve.
        backup_hours_available: hours the scenario's backup staff can give over the horizon.
        method: how the numbers were produced (capacity model, scheduler verification).
        seconds: wall time of the whole plan.
    """

    tradeoff: pd.DataFrame
    options: pd.DataFrame
    sensitivity: pd.DataFrame
    recommended: int | None
    knee: int | None
    backup_reserve_h: float
    backup_hours_available: float
    target_service_level: float
    method: str
    seconds: float
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """Plain-language lines for owners (what to do, and how sure)."""
        lines = []
        t = self.tradeoff.set_index("hires")
        if self.recommended is None:
            last = t.iloc[-1]
            lines.append(
                f"No hire count tried meets the target: with {int(t.index[-1])} hires "
                f"{last['under_cover_h']:.0f} staff-hours stay uncovered "
                f"({last['under_cover_share']:.1%})"
                + (f", worst queue {last['worst_queue']}" if last.get("worst_queue") else "")
                + ". Try more hires or a lower target."
            )
        else:
            r = t.loc[self.recommended]
            lines.append(
                f"Hire {self.recommended} seasonal staff ({r['contract_mix']}), training from "
                f"{r['start_date']}, on the floor from {r['floor_date']}: under-covered "
                f"{r['under_cover_h']:.0f} staff-hours ({r['under_cover_share']:.1%}), service "
                f"level ≈ {r['service_level']:.0%} (target {self.target_service_level:.0%}), "
                f"hiring cost {r['hire_cost']:,.0f}."
            )
        lines.extend(self.notes)
        if "high_risk_person_weeks" in t.columns:
            checked = t.dropna(subset=["high_risk_person_weeks"])
            if len(checked):
                parts = [
                    f"{int(h)} hires → {int(r['high_risk_person_weeks'])} high-risk person-weeks, "
                    f"{r['sched_under_cover_h']:.0f} h under-covered"
                    for h, r in checked.iterrows()
                ]
                lines.append("Real rotas (CP-SAT, fast mode): " + "; ".join(parts) + ".")
        if self.knee is not None:
            lines.append(f"Knee of the curve: {self.knee} hires (beyond it each hire buys less).")
        lines.append(
            f"Hold {self.backup_reserve_h:.0f} backup staff-hours per peak week in reserve "
            f"(backup staff can give {self.backup_hours_available:.0f} h over the horizon)."
        )
        for row in self.sensitivity.itertuples():
            if row.case == "base":
                continue
            rec = "none meets the target" if pd.isna(row.recommended) else int(row.recommended)
            lines.append(
                f"If {row.case}: recommended hires {rec}; the base plan would leave "
                f"{row.under_cover_h_at_base_plan:.0f} staff-hours uncovered."
            )
        lines.append(self.method)
        return lines


# --------------------------------------------------------------------------------------------
# Requirement what-ifs
# --------------------------------------------------------------------------------------------


def raise_absence(scenario: Scenario, requirement: pd.DataFrame, extra: float) -> pd.DataFrame:
    """The requirement if absence rises by ``extra`` (a share of paid time, e.g. 0.05).

    ``staff_needed`` was grossed up as ``agents / (1 − shrinkage)``; with ``extra`` more absence it
    becomes ``agents / (1 − shrinkage − extra)``, i.e. ``staff_needed × (1 − s) / (1 − s − extra)``.

    Raises:
        PlannerError: shrinkage plus ``extra`` leaves no time on contacts.
    """
    s = scenario.requirement.shrinkage.total
    if s + extra >= 0.95:
        raise PlannerError(
            f"hiring.absence_sensitivity: shrinkage {s:.0%} + {extra:.0%} leaves no time on "
            "contacts; use a smaller value"
        )
    out = requirement.copy()
    out["staff_needed"] = out["staff_needed"] * (1 - s) / (1 - s - extra)
    return out


def upper_quantile_requirement(forecast: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The requirement if volume comes in at the forecast's upper band (``yhat_upper``).

    Every interval at its upper quantile at once is a pessimistic case (the bands are per
    interval, not joint) — a stress test, not a forecast.
    """
    from planner.requirement import required_staff

    if "yhat_upper" not in forecast.columns:
        raise DataError("forecast: no column 'yhat_upper'; it is needed for the upper case")
    upper = forecast.copy()
    upper["yhat"] = upper["yhat_upper"]
    if "y_plan" in upper.columns:
        upper["y_plan"] = upper["yhat_upper"]
    return required_staff(upper, scenario)


# --------------------------------------------------------------------------------------------
# Hires
# --------------------------------------------------------------------------------------------


def _busday(day: dt.date, offset: int) -> dt.date:
    """``day`` moved by ``offset`` working days (Mon–Fri), rolling forward off weekends."""
    roll = "forward" if offset >= 0 else "backward"
    moved = np.busday_offset(np.datetime64(day, "D"), offset, roll=roll)
    return pd.Timestamp(moved).date()


def _earliest_floor(scenario: Scenario) -> dt.date:
    """First possible floor date: ``earliest_start`` + training, never before the horizon."""
    hiring = scenario.hiring
    if hiring.earliest_start is None:
        return scenario.horizon.start
    return max(scenario.horizon.start, _busday(hiring.earliest_start, hiring.training_days))


def hire_members(
    scenario: Scenario, contracts: Sequence[float], floor: dt.date, prefix: str = "hire"
) -> list[StaffMember]:
    """Seasonal hires as staff members, ids ``hire-01``…, reaching the floor on ``floor``.

    Skills are the hiring pool's skills that some queue needs; training starts
    ``hiring.training_days`` working days before ``floor``.

    Raises:
        PlannerError: no hiring skill serves a queue.
    """
    hiring = scenario.hiring
    skills = sorted({q.skill_needed for q in scenario.queues} & set(hiring.skills))
    if not skills:
        raise PlannerError(
            f"hiring.skills: {hiring.skills} serve no queue; queue skills are "
            f"{sorted({q.skill_needed for q in scenario.queues})}"
        )
    start = _busday(floor, -hiring.training_days)
    return [
        StaffMember(
            id=f"{prefix}-{i + 1:02d}",
            name=f"Seasonal hire {i + 1} ({c:g} h)",
            kind="seasonal",
            skills=skills,
            contract_hours=c,
            hourly_cost=hiring.hourly_cost,
            start_date=start,
            training_days=hiring.training_days,
        )
        for i, c in enumerate(contracts)
    ]


def _with_staff(scenario: Scenario, extra: Sequence[StaffMember]) -> Scenario:
    """A copy of the scenario with more staff (the caller's scenario is never changed)."""
    copy = scenario.model_copy(deep=True)
    copy.staff = [*copy.staff, *extra]
    copy.base_dir = scenario.base_dir
    return copy


def _mixes(options: Sequence[float], count: int) -> dict[str, list[float]]:
    """Contract mixes tried for ``count`` hires: each pure option and an alternating mix."""
    if count == 0:
        return {"none": []}
    mixes: dict[str, list[float]] = {}
    for c in dict.fromkeys(options):
        mixes[f"{count}×{c:g}h"] = [c] * count
    if len(set(options)) > 1 and count > 1:
        alt = [options[i % len(options)] for i in range(count)]
        parts = [f"{alt.count(c)}×{c:g}h" for c in dict.fromkeys(options) if alt.count(c)]
        mixes[" + ".join(parts)] = alt
    return mixes


# --------------------------------------------------------------------------------------------
# The capacity model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Class:
    """People the LP cannot tell apart (same groups, shifts, productivity, weekly caps)."""

    groups: tuple[int, ...]
    options: tuple[tuple[int, tuple[int, ...]], ...]
    productivity: tuple[tuple[int, float], ...]
    week_max: tuple[float, ...]  # paid minutes per week (mean over the class's members)
    hire: int  # -1: existing staff; else the index of the hire in the team's extra staff


def _classes(data: RotaData, extra_ids: list[str]) -> dict[_Class, int]:
    """Group the rota's people into classes (backup staff excluded: they are the reserve).

    Existing staff with the same skill groups, shift options per day and productivity share a
    class whose weekly cap is their mean cap (so the class's total is the sum of its members'
    caps — a slight relaxation, as one member's spare hours may serve another's). Each extra
    (hired) person is a class of its own, capped at its contract hours (new seasonal staff are
    not rostered overtime).
    """
    members: dict[tuple[object, ...], list[tuple[int, ...]]] = {}
    index = {pid: i for i, pid in enumerate(extra_ids)}
    for p in data.people:
        if p.kind == "backup" or not p.options:
            continue
        hire = index.get(p.id, -1)
        week_max = p.week_max
        if hire >= 0:
            cap = round(p.member.contract_hours * 60)
            week_max = tuple(min(cap, m) for m in week_max)
        key = (
            p.groups,
            tuple(sorted((d, tuple(o)) for d, o in p.options.items())),
            tuple(sorted(p.productivity.items())),
            hire,
        )
        members.setdefault(key, []).append(week_max)
    out: dict[_Class, int] = {}
    for (groups, options, productivity, hire), caps in members.items():
        mean_caps = tuple(float(np.mean(c)) for c in zip(*caps, strict=True))
        cls = _Class(groups, options, productivity, mean_caps, hire)  # type: ignore[arg-type]
        out[cls] = len(caps)
    return out


class _WeekLP:
    """One week's LP, built once and re-solved (warm) for different numbers of hires.

    Variables: ``x[c, d, o, g]`` heads of class ``c`` on option ``o`` of day ``d`` serving group
    ``g``; ``u[g, t]`` uncovered heads. Rows: cover ``need[g, t]`` (minus ``u``); at most ``m_c``
    heads of a class per day; at most ``m_c × week_max`` paid minutes per week. Objective:
    under-covered staff-hours plus a tiny cost per paid hour.
    """

    def __init__(
        self,
        data: RotaData,
        classes: list[_Class],
        w: int,
        interval_day: np.ndarray,
    ) -> None:
        self.w = w
        step_h = data.interval_min / 60
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with ortools
            raise PlannerError("the GLOP linear solver is not available in this ortools build")
        # bounds change between solves: dual simplex restarts from the previous optimal basis
        solver.SetSolverSpecificParametersAsString("use_dual_simplex: true")
        self.solver = solver
        inf = solver.infinity()
        week_days = data.weeks[w]
        self.in_week = np.isin(interval_day, week_days)
        rows: dict[tuple[int, int], pywraplp.Constraint] = {}
        objective = solver.Objective()
        for g in range(len(data.groups)):
            for t in np.nonzero(self.in_week & (data.need[g] > 0))[0]:
                need = data.need[g, t] / COVER_SCALE
                ct = solver.Constraint(need, inf)
                # shortfall in slices of the need, each dearer than the last: the LP is
                # indifferent between many ways to leave the same hours uncovered, and this
                # picks the one that spreads them (better service than a starved interval)
                low = 0.0
                for up, price in _SHORTFALL_SLICES:
                    u = solver.NumVar(0.0, (up - low) * need, "")
                    ct.SetCoefficient(u, 1.0)
                    objective.SetCoefficient(u, step_h * price)
                    low = up
                rows[(g, int(t))] = ct
        self.limits: list[tuple[pywraplp.Constraint, list[pywraplp.Constraint], float]] = []
        self.x: list[tuple[pywraplp.Variable, int, bool, dict[int, int], float, float]] = []
        self.active: list[int] = []
        for i, cls in enumerate(classes):
            options = dict(cls.options)
            prod = dict(cls.productivity)
            week_ct = solver.Constraint(0.0, 0.0)
            day_cts = []
            for d in week_days:
                if d not in options:
                    continue
                day_ct = solver.Constraint(0.0, 0.0)
                day_cts.append(day_ct)
                p = prod.get(d, 1.0)
                for o in options[d]:
                    opt = data.options[d][o]
                    paid_h = opt.paid_min / 60
                    for g in cls.groups:
                        x = solver.NumVar(0.0, inf, "")
                        day_ct.SetCoefficient(x, 1.0)
                        week_ct.SetCoefficient(x, paid_h)
                        objective.SetCoefficient(x, _HOUR_TIEBREAK * paid_h)
                        for t, v in opt.cover.items():
                            ct = rows.get((g, t))
                            if ct is not None:
                                ct.SetCoefficient(x, p * v / COVER_SCALE)
                        self.x.append((x, g, cls.hire < 0, opt.cover, paid_h, p))
            if day_cts:
                self.active.append(i)
            self.limits.append((week_ct, day_cts, cls.week_max[w] / 60))
        objective.SetMinimization()
        self.shape = data.need.shape

    def solve(self, mult: Sequence[float]) -> tuple[np.ndarray, float]:
        """Covered heads per (group, grid interval) this week and existing staff's paid hours."""
        for (week_ct, day_cts, week_max_h), m in zip(self.limits, mult, strict=True):
            week_ct.SetUb(m * week_max_h)
            for day_ct in day_cts:
                day_ct.SetUb(float(m))
        status = self.solver.Solve()
        if status != pywraplp.Solver.OPTIMAL:  # pragma: no cover - the LP is always feasible
            raise PlannerError(f"capacity model: week {self.w + 1} LP did not solve ({status})")
        covered = np.zeros(self.shape, dtype=float)
        existing_h = 0.0
        for x, g, existing, cover, paid_h, p in self.x:
            value = x.solution_value()
            if value <= 1e-9:
                continue
            if existing:
                existing_h += value * paid_h
            for t, v in cover.items():
                if self.in_week[t]:
                    covered[g, t] += value * p * v / COVER_SCALE
        return covered, existing_h


class _Capacity:
    """The capacity LPs of a team: existing staff plus ``extra`` people whose count varies.

    ``solve(counts)`` gives the :class:`CapacityResult` with ``counts[k]`` copies of
    ``extra[k]`` (e.g. ``extra`` = one prototype hire per contract option). Weeks in which no
    extra person can work are solved once and reused.
    """

    def __init__(
        self, scenario: Scenario, requirement: pd.DataFrame, extra: Sequence[StaffMember] = ()
    ) -> None:
        team = _with_staff(scenario, extra) if extra else scenario
        self.data = build_rota_data(team, requirement, hire_candidates=False)
        self.extra_ids = [m.id for m in extra]
        classes = _classes(self.data, self.extra_ids)
        self.classes = list(classes)
        self.base_mult = [float(classes[c]) for c in self.classes]
        data = self.data
        self.interval_day = data.interval_day() if len(data.grid) else np.array([], dtype=int)
        self.weeks = [
            _WeekLP(data, self.classes, w, self.interval_day) for w in range(len(data.weeks))
        ]
        self.contract_h = [self._contract_week(w) for w in range(len(data.weeks))]
        reachable = np.zeros(len(data.grid), dtype=bool)
        for day in data.options:
            for opt in day:
                reachable[list(opt.cover)] = True
        self.uncoverable_h = float(
            data.need[:, ~reachable].sum() / COVER_SCALE * data.interval_min / 60
        )
        self._cache: dict[tuple[int, tuple[float, ...]], tuple[np.ndarray, float]] = {}

    def _contract_week(self, w: int) -> float:
        """Pro-rated contract hours of existing (non-backup) staff in week ``w``."""
        days = [self.data.days[d] for d in self.data.weeks[w]]
        total = 0.0
        for p in self.data.people:
            if p.kind == "backup" or p.id in self.extra_ids:
                continue
            m = p.member
            employed = sum(1 for day in days if m.start_date is None or day >= m.start_date)
            total += m.contract_hours * employed / 7
        return total

    def solve(self, counts: Sequence[int] = ()) -> CapacityResult:
        """Under-cover with ``counts[k]`` copies of extra person ``k`` (missing counts are 0)."""
        counts = list(counts) + [0] * (len(self.extra_ids) - len(counts))
        mult = [
            float(counts[c.hire]) if c.hire >= 0 else self.base_mult[i]
            for i, c in enumerate(self.classes)
        ]
        data = self.data
        step_h = data.interval_min / 60
        covered = np.zeros(data.need.shape, dtype=float)
        rows = []
        for w, lp in enumerate(self.weeks):
            # only the multiplicities of classes working this week change the LP
            key = (w, tuple(mult[i] for i in lp.active if self.classes[i].hire >= 0))
            if key not in self._cache:
                self._cache[key] = lp.solve(mult)
            cov_w, existing_h = self._cache[key]
            covered += cov_w
            need = data.need[:, lp.in_week] / COVER_SCALE
            under = np.clip(need - cov_w[:, lp.in_week], 0, None)
            first_day = data.days[data.weeks[w][0]]
            rows.append(
                {
                    "week": first_day - dt.timedelta(days=first_day.weekday()),
                    "required_h": float(need.sum() * step_h),
                    "under_cover_h": float(under.sum() * step_h),
                    "used_h": existing_h,
                    "contract_h": self.contract_h[w],
                }
            )
        coverage = pd.DataFrame(
            {
                "group": np.repeat(data.groups, len(data.grid)),
                "ds": np.tile(np.asarray(data.grid), len(data.groups)),
                "need": (data.need / COVER_SCALE).ravel(),
                "covered": covered.ravel(),
            }
        )
        weekly = pd.DataFrame(
            rows, columns=["week", "required_h", "under_cover_h", "used_h", "contract_h"]
        )
        return CapacityResult(
            under_cover_h=float(weekly["under_cover_h"].sum()),
            required_h=float(weekly["required_h"].sum()),
            uncoverable_h=self.uncoverable_h,
            weekly=weekly,
            coverage=coverage,
        )


def capacity_model(
    scenario: Scenario, requirement: pd.DataFrame, hires: Sequence[StaffMember] = ()
) -> CapacityResult:
    """Under-covered staff-hours of the team plus ``hires`` against a requirement.

    Solves the LP relaxation of the rota week by week (see the module docstring): the result is
    an optimistic bound — a real rota with rest, consecutive-day and fairness rules covers less.
    Backup staff are left out (they are the reserve); hires work at most their contract hours.

    Args:
        scenario: the plan (staff, shifts, rules, hiring).
        requirement: ``queue, ds, staff_needed`` (heads after shrinkage, per interval).
        hires: extra seasonal staff (e.g. from :func:`hire_members`).

    Returns:
        A :class:`CapacityResult` (hours are staff-hours).
    """
    return _Capacity(scenario, requirement, hires).solve([1] * len(hires))


# --------------------------------------------------------------------------------------------
# Service level, costs, knee
# --------------------------------------------------------------------------------------------


def _target_service_level(scenario: Scenario, requirement: pd.DataFrame) -> float:
    """Contact-weighted service-level target of the queues (plain mean without contacts)."""
    targets = requirement["queue"].map({q.name: q.service_level for q in scenario.queues})
    if "contacts" in requirement.columns and requirement["contacts"].sum() > 0:
        return float(np.average(targets, weights=requirement["contacts"]))
    return float(np.mean([q.service_level for q in scenario.queues]))


def _service_level(
    scenario: Scenario, requirement: pd.DataFrame, coverage: pd.DataFrame
) -> tuple[float, dict[str, float]]:
    """Contact-weighted service level the covered heads give, overall and per queue.

    NaN (and no queues) when the requirement has no ``contacts``/``aht_s``.

    Each queue gets its skill group's coverage ratio (covered / needed heads), so its scheduled
    heads are ``staff_needed × ratio``; the requirement stage's own
    ``planner.requirement.achieved_service`` turns them into service per interval (Erlang C/A
    for live queues, the backlog model for email). Intervals it cannot judge are left out.
    """
    from planner.requirement import achieved_service

    if not {"contacts", "aht_s"} <= set(requirement.columns):
        return float("nan"), {}
    tz = scenario.site.timezone
    req = requirement.copy()
    ds = pd.to_datetime(req["ds"])
    req["ds"] = ds.dt.tz_convert(tz) if ds.dt.tz is not None else ds.dt.tz_localize(tz)
    skill = {q.name: q.skill_needed for q in scenario.queues}
    keys = req[["queue", "ds", "staff_needed"]].assign(group=req["queue"].map(skill))
    cov = coverage.copy()
    cov["ds"] = pd.to_datetime(cov["ds"]).dt.tz_convert(tz)
    keys = keys.merge(cov, on=["group", "ds"], how="inner")
    need = keys["need"].where(keys["need"] > 0, 1.0)
    ratio = np.where(keys["need"] > 0, keys["covered"] / need, 1.0)
    scheduled = keys[["queue", "ds"]].assign(staff_scheduled=keys["staff_needed"] * ratio)
    achieved = achieved_service(req, scheduled, scenario)
    judged = achieved.dropna(subset=["service_level"])
    judged = judged[judged["contacts"] > 0]
    if judged.empty:
        return float("nan"), {}
    weighted = judged["service_level"] * judged["contacts"]
    per_queue = weighted.groupby(judged["queue"]).sum() / judged.groupby("queue")["contacts"].sum()
    overall = float(weighted.sum() / judged["contacts"].sum())
    return overall, {str(q): float(v) for q, v in per_queue.items()}


def _existing_cost(scenario: Scenario) -> float:
    """Paid contract hours of the current (non-backup) staff over the horizon, in currency."""
    h = scenario.horizon
    total = 0.0
    for m in scenario.staff:
        if m.kind == "backup":
            continue
        first = max(h.start, m.start_date) if m.start_date else h.start
        days = max(0, (h.end - first).days + 1)
        total += m.contract_hours * m.hourly_cost * days / 7
    return total


def _hire_cost(scenario: Scenario, hires: Sequence[StaffMember]) -> float:
    """One-off hiring cost plus paid contract hours from training start to the horizon's end."""
    total = 0.0
    for m in hires:
        start = m.start_date or scenario.horizon.start
        days = max(0, (scenario.horizon.end - start).days + 1)
        total += scenario.hiring.hire_cost + m.contract_hours * m.hourly_cost * days / 7
    return total


def _knee(hires: Sequence[int], under: Sequence[float]) -> int | None:
    """Hire count farthest below the chord of the hires → under-cover curve (Kneedle-style)."""
    if len(hires) < 3:
        return None
    x = np.asarray(hires, dtype=float)
    y = np.asarray(under, dtype=float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    xn = (x - x.min()) / np.ptp(x)
    yn = (y - y.min()) / np.ptp(y)
    chord = yn[0] + (yn[-1] - yn[0]) * xn
    gap = chord - yn
    i = int(np.argmax(gap))
    return int(x[i]) if gap[i] > 1e-9 else None


def _floor_for(scenario: Scenario, base: CapacityResult) -> dt.date:
    """Floor date of the hires: ``len(ramp_up)`` weeks before the first short week."""
    earliest = _earliest_floor(scenario)
    share = scenario.hiring.max_under_cover_share
    weekly = base.weekly
    short = weekly[weekly["under_cover_h"] > share * weekly["required_h"].clip(lower=1e-9)]
    if short.empty:
        return earliest
    first_short = short["week"].iloc[0]
    floor = first_short - dt.timedelta(weeks=len(scenario.hiring.ramp_up))
    return max(earliest, floor)


# --------------------------------------------------------------------------------------------
# The hiring plan
# --------------------------------------------------------------------------------------------


@dataclass
class _Sweep:
    """One sweep over hire counts: every (count, mix), the best mix per count, and its weeks."""

    options: pd.DataFrame
    best: pd.DataFrame
    weekly: pd.DataFrame
    mix_of: dict[int, list[float]]
    floor: dt.date


def _sweep(
    scenario: Scenario,
    requirement: pd.DataFrame,
    counts: Sequence[int],
    *,
    mix_of: dict[int, list[float]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> _Sweep:
    """Evaluate every hire count (every mix, or the given ``mix_of`` per count)."""
    base = _Capacity(scenario, requirement).solve()
    floor = _floor_for(scenario, base)
    # one prototype hire per contract option; a mix is a count of copies of each
    contract_options = list(dict.fromkeys(scenario.hiring.contract_hours))
    capacity = _Capacity(scenario, requirement, hire_members(scenario, contract_options, floor))
    weights = scenario.schedule.weights
    existing = _existing_cost(scenario)
    paid = [m.hourly_cost for m in scenario.staff if m.kind != "backup"]
    overtime_rate = float(np.mean(paid)) if paid else scenario.hiring.hourly_cost
    rows, results = [], {}
    for h in counts:
        if mix_of is not None and h in mix_of:
            mixes = {_mix_label(mix_of[h]): mix_of[h]}
        else:
            mixes = _mixes(scenario.hiring.contract_hours, h)
        for label, contracts in mixes.items():
            hires = hire_members(scenario, contracts, floor)
            per_option = [contracts.count(c) for c in contract_options]
            result = base if h == 0 else capacity.solve(per_option)
            results[(h, label)] = result
            hire_cost = _hire_cost(scenario, hires)
            weekly = result.weekly
            overtime_h = float((weekly["used_h"] - weekly["contract_h"]).clip(lower=0).sum())
            peak = weekly.loc[weekly["required_h"].idxmax()] if len(weekly) else None
            fixable = max(0.0, result.under_cover_h - result.uncoverable_h)
            rows.append(
                {
                    "hires": h,
                    "contract_mix": label,
                    "contracts": contracts,
                    "start_date": hires[0].start_date if hires else None,
                    "floor_date": floor if hires else None,
                    "total_cost": round(existing + hire_cost + overtime_h * overtime_rate, 2),
                    "hire_cost": round(hire_cost, 2),
                    "overtime_h": round(overtime_h, 1),
                    "under_cover_h": round(result.under_cover_h, 2),
                    "uncoverable_h": round(result.uncoverable_h, 2),
                    "under_cover_share": fixable / max(result.required_h, 1e-9),
                    "required_h": round(result.required_h, 2),
                    "peak_week_under_cover_h": round(float(weekly["under_cover_h"].max()), 2)
                    if len(weekly)
                    else 0.0,
                    "peak_week_overtime_share": float(
                        max(0.0, peak["used_h"] - peak["contract_h"]) / peak["contract_h"]
                    )
                    if peak is not None and peak["contract_h"] > 0
                    else float("nan"),
                    "objective": hire_cost
                    + overtime_h * overtime_rate
                    + weights.under_cover * result.under_cover_h,
                }
            )
            if progress is not None:
                progress(f"{h} hires ({label}): {result.under_cover_h:.0f} h under-covered")
    options = pd.DataFrame(rows)
    best = (
        options.sort_values(["hires", "objective", "contract_mix"], kind="stable")
        .groupby("hires", as_index=False)
        .head(1)
        .reset_index(drop=True)
    )
    # service level only for each count's chosen mix (the requirement stage's model is slower)
    targets = {q.name: q.service_level for q in scenario.queues}
    overall, below, worst = [], [], []
    for h, m in zip(best["hires"], best["contract_mix"], strict=True):
        sl, per_queue = _service_level(scenario, requirement, results[(h, m)].coverage)
        gaps = {q: v - targets[q] for q, v in per_queue.items()}
        overall.append(sl)
        below.append(sum(1 for g in gaps.values() if g < -1e-9))
        if gaps:
            q = min(gaps, key=lambda k: gaps[k])
            worst.append(f"{q} {per_queue[q]:.1%} (target {targets[q]:.0%})")
        else:
            worst.append("")
    best["service_level"] = overall
    best["queues_below_target"] = below
    best["worst_queue"] = worst
    share = scenario.hiring.max_under_cover_share
    best["meets_target"] = (best["under_cover_share"] <= share + 1e-12) & (
        best["queues_below_target"] == 0
    )
    weekly = pd.concat(
        [
            results[(h, m)].weekly.assign(hires=h, contract_mix=m)
            for h, m in zip(best["hires"], best["contract_mix"], strict=True)
        ],
        ignore_index=True,
    )
    mixes_chosen = {int(r.hires): list(r.contracts) for r in best.itertuples()}
    return _Sweep(options=options, best=best, weekly=weekly, mix_of=mixes_chosen, floor=floor)


def _mix_label(contracts: Sequence[float]) -> str:
    if not contracts:
        return "none"
    order = list(dict.fromkeys(contracts))
    return " + ".join(f"{list(contracts).count(c)}×{c:g}h" for c in order)


def _skill_notes(scenario: Scenario, best: pd.DataFrame) -> list[str]:
    """Say so when the queue still short at the largest count needs a skill hires lack."""
    last = best.iloc[-1]
    if not last.get("worst_queue") or int(last.get("queues_below_target", 0)) == 0:
        return []
    name = str(last["worst_queue"]).split(" ")[0]
    skill = scenario.queue(name).skill_needed
    if skill in scenario.hiring.skills:
        return []
    return [
        f"{name} cannot reach its target through hiring: hires have skills "
        f"{scenario.hiring.skills}, the queue needs '{skill}'. Add it to hiring.skills if "
        "candidates can be trained for it, or cover it with backup staff or overtime."
    ]


def _recommended(best: pd.DataFrame) -> int | None:
    """Hire count of the cheapest plan meeting the targets."""
    meets = best[best["meets_target"]]
    if meets.empty:
        return None
    return int(meets.sort_values(["total_cost", "hires"]).iloc[0]["hires"])


def _backup_hours(scenario: Scenario) -> float:
    """Hours the backup staff can give over the horizon (their caps, else weekly max × weeks)."""
    weeks = len(scenario.horizon.days) / 7
    total = 0.0
    for m in scenario.staff:
        if m.kind != "backup":
            continue
        if m.max_hours_total is not None:
            total += m.max_hours_total
        else:
            total += (m.max_hours_per_week or scenario.rules.max_hours_per_week) * weeks
    return total


def _verify(
    scenario: Scenario,
    requirement: pd.DataFrame,
    best: pd.DataFrame,
    counts: Sequence[int],
    floor: dt.date,
    seed: int,
    time_limit_s: float | None,
) -> pd.DataFrame:
    """Re-plan ``counts`` with the CP-SAT scheduler (fast mode) and score the rotas' risk."""
    from planner.requirement import achieved_service
    from planner.risk import burnout_risk
    from planner.schedule.solve import build_rota

    mixes = {int(r.hires): list(r.contracts) for r in best.itertuples()}
    rows = []
    for h in counts:
        hires = hire_members(scenario, mixes[h], floor)
        team = _with_staff(scenario, hires)
        team.schedule.seed = seed
        result = build_rota(
            team, requirement, time_limit_s=time_limit_s, fast=True, hire_candidates=False
        )
        summary = result.summary
        coverage = result.coverage
        service = float("nan")
        if {"contacts", "aht_s"} <= set(requirement.columns) and not coverage.empty:
            achieved = achieved_service(
                requirement, coverage[["queue", "ds", "staff_scheduled"]], team
            ).dropna(subset=["service_level"])
            achieved = achieved[achieved["contacts"] > 0]
            if not achieved.empty:
                service = float(np.average(achieved["service_level"], weights=achieved["contacts"]))
        # occupancy needs the requirement's workload columns; without them risk skips it
        workload = {"occupancy", "agents_needed"} <= set(requirement.columns) or {
            "contacts",
            "aht_s",
        } <= set(requirement.columns)
        risk = burnout_risk(
            team, result.rota, coverage if workload else None, requirement if workload else None
        )
        rows.append(
            {
                "hires": h,
                "sched_under_cover_h": float(summary.get("under_covered_staff_h", np.nan)),
                "sched_total_cost": float(summary.get("total_cost", np.nan)),
                "sched_service_level": service,
                "sched_status": result.status,
                "high_risk_person_weeks": risk.high_risk_person_weeks,
                "people_high_risk": int((risk.person["risk_level"] == "high").sum()),
            }
        )
    return pd.DataFrame(rows)


def _scheduler_available() -> bool:
    try:
        from planner.schedule.solve import build_rota  # noqa: F401
    except ImportError:
        return False
    return True


def hiring_plan(
    scenario: Scenario,
    requirement: pd.DataFrame,
    counts: Sequence[int] | None = None,
    seed: int = 0,
    *,
    requirement_upper: pd.DataFrame | None = None,
    verify_with_scheduler: bool = False,
    verify_top: int = 3,
    time_limit_s: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> HiringPlan:
    """How many seasonal hires, on which contracts, from when; the trade-off and its sensitivity.

    Args:
        scenario: the plan; ``hiring`` holds the contract options, costs, training, ramp-up,
            reserve share, target (``max_under_cover_share``) and ``absence_sensitivity``.
        requirement: ``queue, ds, staff_needed`` (plus ``contacts, aht_s, agents_needed`` for the
            service-level estimate), from the requirement stage.
        counts: hire counts to evaluate (default ``0, 2, 4, …, hiring.pool_size``).
        seed: seed of the scheduler verification (the capacity model is deterministic).
        requirement_upper: the requirement recomputed from the forecast's ``yhat_upper`` (the
            "volume at the upper quantile" sensitivity case); skipped when None.
        verify_with_scheduler: re-plan the recommended count, the knee and the next count up
            with ``planner.schedule.build_rota(..., fast=True)`` when the scheduler exists.
        verify_top: how many counts to verify.
        time_limit_s: time limit per verification rota (seconds).
        progress: called with one line per evaluated plan.

    Returns:
        A :class:`HiringPlan`. Money in the scenario's currency, hours in staff-hours.

    Raises:
        DataError: the requirement lacks ``staff_needed`` or names an unknown queue.
        PlannerError: a count is negative or above the hiring pool.
    """
    started = time.perf_counter()
    hiring = scenario.hiring
    if counts is None:
        counts = list(range(0, hiring.pool_size + 1, 2))
    counts = sorted(set(int(c) for c in counts) | {0})
    bad = [c for c in counts if c < 0 or c > hiring.pool_size]
    if bad:
        raise PlannerError(
            f"hire count {bad[0]} is outside 0..hiring.pool_size ({hiring.pool_size}); "
            "raise hiring.pool_size or pick smaller counts"
        )
    if "staff_needed" not in requirement.columns:
        raise DataError("requirement: no column 'staff_needed'; run the requirement stage first")
    sweep = _sweep(scenario, requirement, counts, progress=progress)
    best = sweep.best
    target = _target_service_level(scenario, requirement)
    recommended = _recommended(best)
    knee = _knee(best["hires"].tolist(), best["under_cover_h"].tolist())
    best["cheapest"] = best["hires"] == (recommended if recommended is not None else -1)
    best["knee"] = best["hires"] == (knee if knee is not None else -1)
    zero = best[best["hires"] == 0].iloc[0]
    reserve = hiring.backup_reserve_share * float(zero["peak_week_under_cover_h"])
    notes = _skill_notes(scenario, best)

    # Sensitivity: the base plan (recommended, else the largest count) and the counts above it,
    # with the same contract mixes, against a heavier requirement.
    base_plan = recommended if recommended is not None else int(best["hires"].max())
    cases: list[tuple[str, pd.DataFrame]] = [("base", requirement)]
    if requirement_upper is not None:
        cases.append(("volume at the forecast's upper quantile", requirement_upper))
    extra = hiring.absence_sensitivity
    if extra > 0:
        cases.append((f"absence +{extra:.0%}", raise_absence(scenario, requirement, extra)))
    sens_rows = []
    for case, req in cases:
        if case == "base":
            case_best = best
        else:
            higher = [c for c in counts if c >= base_plan]
            case_best = _sweep(scenario, req, higher, mix_of=sweep.mix_of).best
            if progress is not None:
                progress(f"sensitivity '{case}' done")
        rec = _recommended(case_best)
        at = case_best.set_index("hires").loc[base_plan]
        sens_rows.append(
            {
                "case": case,
                "recommended": rec,
                "base_plan_hires": base_plan,
                "under_cover_h_at_base_plan": float(at["under_cover_h"]),
                "service_level_at_base_plan": float(at["service_level"]),
                "extra_hires": (rec - recommended)
                if rec is not None and recommended is not None
                else None,
            }
        )
    sensitivity = pd.DataFrame(sens_rows)

    method = (
        "Method: capacity model (week-by-week LP relaxation of the rota on the scheduler's "
        "shift, availability and ramp-up data; optimistic: ignores rest and consecutive-day "
        "rules); service level from planner.requirement.achieved_service."
    )
    if verify_with_scheduler:
        if _scheduler_available():
            picks = [c for c in (recommended, knee) if c is not None]
            if recommended is not None:
                picks += [c for c in best["hires"] if c > recommended][:1]
            else:  # nothing meets the target: show how far the largest count really gets
                picks.append(int(best["hires"].iloc[-1]))
            picks = [int(c) for c in dict.fromkeys(picks)][:verify_top]
            checked = _verify(scenario, requirement, best, picks, sweep.floor, seed, time_limit_s)
            best = best.merge(checked, on="hires", how="left")
            method += (
                f" Verified {picks} hires with the CP-SAT scheduler (fast mode, seed {seed}): "
                "sched_* columns."
            )
        else:
            method += " Scheduler verification requested but the scheduler is not installed."
    tradeoff = best.drop(columns=["contracts", "objective"])
    return HiringPlan(
        tradeoff=tradeoff,
        options=sweep.options.drop(columns=["contracts"]),
        sensitivity=sensitivity,
        recommended=recommended,
        knee=knee,
        backup_reserve_h=round(reserve, 1),
        backup_hours_available=_backup_hours(scenario),
        target_service_level=target,
        method=method,
        seconds=time.perf_counter() - started,
        weekly=sweep.weekly,
        notes=notes,
    )
