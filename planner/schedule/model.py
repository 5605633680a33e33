"""The rota's data: who can work which shift on which day, and what each shift covers.

This module turns a :class:`~planner.scenario.Scenario` and a ``requirement`` table into plain,
solver-ready data (:class:`RotaData`): the people (permanent, seasonal, backup staff and the
optional seasonal *candidates* of the hiring pool), the shift options of each day with their real
start and end instants (DST-aware), the coverage each option gives per planning interval, and the
weekly hour bounds of each person. It holds no solver state; ``rules`` and ``solve`` build the
CP-SAT model from it, and ``planner.rota_check`` reuses the rule *definitions* here (pro-rated
weekly hours, break entitlements, candidate pool) so the checker and the solver agree on what the
rules mean.

Modelling choices (see ``docs/schedule.md``):

- A person works at most one shift per day, from the scenario's templates.
- Multi-skilled people serve one *skill group* per shift (a skill, e.g. ``phone``, serving every
  queue that needs it). Queue coverage is derived by splitting a group's heads across its queues
  in proportion to their need, the way agents in one skill take calls from several priorities.
- Stage 1 counts the expected break capacity: no break in a shift's first/last
  ``none_in_first_last_min``; in between a shift loses its break minutes evenly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from planner.errors import DataError
from planner.scenario import WEEKDAYS, BreakRules, Scenario, ShiftTemplate, StaffMember

__all__ = [
    "COVER_SCALE",
    "HOLIDAY_DATES",
    "Person",
    "RotaData",
    "ShiftOption",
    "break_cap",
    "break_entitlement",
    "build_rota_data",
    "candidate_staff",
    "floor_date",
    "is_available",
    "lunch_room_ok",
    "lunch_slots",
    "shift_instants",
    "week_groups",
    "weekly_hour_bounds",
]

#: Coverage is counted in hundredths of a head so ramp-up and break shares stay integral.
COVER_SCALE = 100

#: (month, day) of the holiday dates whose work is shared fairly (Christmas Eve/Day, NYE).
HOLIDAY_DATES: tuple[tuple[int, int], ...] = ((12, 24), (12, 25), (12, 31))


# --------------------------------------------------------------------------------------------
# Rule definitions shared by the solver and the checker
# --------------------------------------------------------------------------------------------


def break_entitlement(length_h: float, breaks: BreakRules) -> tuple[int, int]:
    """Short breaks and lunch of a shift: ``(number of short breaks, lunch minutes or 0)``.

    One short break per full ``short_break_every_h`` hours (a 4 h shift gets one, 8 h two); a
    lunch of ``lunch_min_min`` for shifts of ``lunch_if_shift_h_at_least`` hours or more.
    """
    n_short = int(length_h // breaks.short_break_every_h) if breaks.short_break_min > 0 else 0
    lunch = breaks.lunch_min_min if length_h >= breaks.lunch_if_shift_h_at_least else 0
    return n_short, lunch


def break_cap(heads: int, share: float) -> int:
    """Most people of a skill group on break at once when ``heads`` are on shift.

    ``ceil(share × heads)``, at least 1: 25% of 3 people on shift lets one take a break, 25% of 5
    lets two. Rounding up (not down) is what makes small evening teams able to take their breaks
    at all; the solver (stage 1 and 2) and ``planner.rota_check`` both use this one definition.
    """
    return max(1, math.ceil(share * heads - 1e-9))


def lunch_slots(paid_min: int, breaks: BreakRules) -> int:
    """How many lunches fit back to back inside the lunch window of a ``paid_min`` shift."""
    lunch = breaks.lunch_min_min
    if lunch <= 0:
        return 0
    lo = max(breaks.none_in_first_last_min, round(breaks.lunch_window_after_start_h * 60))
    hi = paid_min - max(breaks.none_in_first_last_min, round(breaks.lunch_window_before_end_h * 60))
    if breaks.lunch_latest_start_h is not None:
        hi = min(hi, round(breaks.lunch_latest_start_h * 60) + lunch)
    return max(0, (hi - lo) // lunch)


def lunch_room_ok(data: RotaData, d: int, o: int, n: int) -> bool:
    """Whether ``n`` people of one group on option ``o`` of day ``d`` can all take lunch.

    They share the template's lunch window (``k`` back-to-back lunches) and are all on shift
    through it, so ``n <= k × break_cap(n)`` (a conservative rule of thumb for stage 1: other
    people on shift raise the real cap; stage 2 checks the exact rule).
    """
    opt = data.options[d][o]
    breaks = data.scenario.rules.breaks
    _, lunch = break_entitlement(opt.template.length_h, breaks)
    if not lunch:
        return True
    return n <= lunch_slots(opt.paid_min, breaks) * break_cap(n, breaks.max_share_on_break)


def _busday_offset(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days`` working days (Mon–Fri)."""
    moved = np.busday_offset(np.datetime64(day, "D"), days, roll="forward")
    return pd.Timestamp(moved).date()


def floor_date(member: StaffMember) -> dt.date | None:
    """First day a person may work the floor: start date plus training (working days)."""
    if member.start_date is None:
        return None
    return _busday_offset(member.start_date, member.training_days or 0)


def candidate_staff(scenario: Scenario) -> list[StaffMember]:
    """The hiring pool as optional seasonal people, ids ``cand-01``, ``cand-02``, …

    Candidates alternate over the contract options and are spread over start cohorts one week
    apart (the first cohort reaches the floor on the later of the horizon start and
    ``earliest_start`` + training), so "hire from when" is the choice of which candidates to
    activate.
    """
    hiring = scenario.hiring
    if hiring.pool_size == 0:
        return []
    skills = sorted({q.skill_needed for q in scenario.queues} & set(hiring.skills))
    if not skills:
        return []
    training = hiring.training_days
    first_start = (
        hiring.earliest_start
        or pd.Timestamp(
            np.busday_offset(np.datetime64(scenario.horizon.start, "D"), -training, roll="backward")
        ).date()
    )
    n_weeks = max(1, len(scenario.horizon.days) // 7)
    cohorts = max(1, min(4, n_weeks // 2))
    options = hiring.contract_hours
    people = []
    for i in range(hiring.pool_size):
        contract = options[i % len(options)]
        cohort = (i // len(options)) % cohorts
        people.append(
            StaffMember(
                id=f"cand-{i + 1:02d}",
                name=f"Candidate {i + 1} ({contract:g} h)",
                kind="seasonal",
                skills=skills,
                contract_hours=contract,
                hourly_cost=hiring.hourly_cost,
                start_date=first_start + dt.timedelta(weeks=cohort),
                training_days=training,
            )
        )
    return people


def is_available(member: StaffMember, day: dt.date) -> bool:
    """Whether a person may work on ``day`` at all (weekday, approved leave, start + training)."""
    if WEEKDAYS[day.weekday()] not in member.availability.weekdays:
        return False
    if any(off.start <= day <= off.end for off in member.time_off):
        return False
    first = floor_date(member)
    return not (first is not None and day < first)


def week_groups(days: Sequence[dt.date]) -> list[list[int]]:
    """Indices of ``days`` grouped by Monday-start calendar week, in order."""
    groups: dict[dt.date, list[int]] = {}
    for i, day in enumerate(days):
        groups.setdefault(day - dt.timedelta(days=day.weekday()), []).append(i)
    return [groups[k] for k in sorted(groups)]


def weekly_hour_bounds(
    scenario: Scenario, member: StaffMember, week_days: Sequence[dt.date]
) -> tuple[float, float]:
    """``(min, max)`` paid hours of one person in one (possibly partial) Monday-start week.

    Max: the person's own cap, else the labour rule's ``max_hours_per_week``. Min: permanent and
    seasonal staff owe ``min_hours_per_week`` (default ``contract_hours - weekly_hours_tolerance``)
    pro-rated by the days they can work this week (inside the horizon, not on leave, after
    training) over the weekdays they are normally available — so leave, a late start or a partial
    week at the horizon's edge lowers the minimum instead of making the rota impossible. Backup
    staff owe nothing.
    """
    rules = scenario.rules
    hi = min(member.max_hours_per_week or rules.max_hours_per_week, rules.max_hours_per_week)
    if member.kind == "backup":
        return 0.0, hi
    base = member.min_hours_per_week
    if base is None:
        base = max(0.0, member.contract_hours - rules.weekly_hours_tolerance)
    usual = max(1, len(set(member.availability.weekdays)))
    available = sum(1 for day in week_days if is_available(member, day))
    lo = base * min(1.0, available / usual)
    return min(lo, hi), hi


def shift_instants(
    template: ShiftTemplate, day: dt.date, tz: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Real start and end of a template on a local date.

    The start is the wall-clock time on ``day`` (a start that does not exist on a spring-forward
    day moves forward; an ambiguous one takes the first occurrence); the end is the start plus the
    paid length in *elapsed* time, so an 8 h shift lasts 8 h on a DST day too.
    """
    naive = pd.Timestamp.combine(day, template.start)
    start = naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    return start, start + pd.Timedelta(minutes=template.length_min)


# --------------------------------------------------------------------------------------------
# Solver-ready data
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ShiftOption:
    """One template on one day: its instants, paid minutes and coverage per interval."""

    day: int
    template: ShiftTemplate
    start: pd.Timestamp
    end: pd.Timestamp
    paid_min: int
    #: grid index -> heads present ×COVER_SCALE after the expected break share (stage 1)
    cover: dict[int, int]

    @property
    def name(self) -> str:
        """The template name."""
        return self.template.name

    @property
    def category(self) -> str:
        """The template category (early, day, late, night)."""
        return self.template.category


@dataclasses.dataclass(frozen=True)
class Person:
    """Someone who may appear on the rota (a candidate is optional: hired or not)."""

    member: StaffMember
    candidate: bool
    groups: tuple[int, ...]  # skill groups (indices into RotaData.groups) the person serves
    cost_per_min: float  # paid cost per minute, incl. the backup overtime factor
    hire_cost: float  # one-off (candidates: hire cost + paid training), else 0
    options: dict[int, list[int]]  # day -> option indices (in RotaData.options[day]) allowed
    productivity: dict[int, float]  # day -> share of a head (ramp-up), 1.0 when absent
    week_min: tuple[int, ...]  # per week, minimum paid minutes
    week_max: tuple[int, ...]  # per week, maximum paid minutes

    @property
    def id(self) -> str:
        """The employee id."""
        return self.member.id

    @property
    def kind(self) -> str:
        """permanent, seasonal or backup."""
        return self.member.kind


@dataclasses.dataclass
class RotaData:
    """Everything the solver needs, in indices; built by :func:`build_rota_data`."""

    scenario: Scenario
    days: list[dt.date]
    weeks: list[list[int]]
    grid: pd.DatetimeIndex  # interval starts of the requirement inside the horizon
    interval_min: int
    groups: list[str]  # skill groups
    group_queues: list[list[str]]  # queues of each group
    need: np.ndarray  # (groups, grid) staff needed ×COVER_SCALE, integer
    queue_need: pd.DataFrame  # queue, ds, staff_needed (float) on the grid
    options: list[list[ShiftOption]]  # per day
    people: list[Person]
    dropped_intervals: int = 0  # requirement rows outside the horizon (reported, not used)
    # State carried in from earlier weeks when solving week by week (empty for a whole horizon)
    run_before: dict[int, int] = dataclasses.field(default_factory=dict)  # working-day run
    backup_used_min: dict[int, int] = dataclasses.field(default_factory=dict)
    hired_before: set[int] = dataclasses.field(default_factory=set)  # candidates already hired
    hire_cost_share: float = 1.0  # share of a hire's one-off cost charged in this window
    fair_before: dict[tuple[str, int], int] = dataclasses.field(default_factory=dict)

    def fair_kinds(self) -> dict[str, Callable[[int, int], bool]]:
        """The hard shifts shared fairly (``rules.add_fairness``): does option ``o`` of day
        ``d`` count as a weekend, a late/night or a holiday (:data:`HOLIDAY_DATES`) shift."""
        return {
            "weekend": lambda d, o: self.days[d].weekday() >= 5,
            "late": lambda d, o: self.options[d][o].category in ("late", "night"),
            "holiday": lambda d, o: (self.days[d].month, self.days[d].day) in HOLIDAY_DATES,
        }

    def fair_eligible(self, p: int) -> bool:
        """Whether person ``p``'s hard shifts are shared fairly: staff with contract hours
        (hiring candidates and backup staff are not)."""
        person = self.people[p]
        return not person.candidate and person.kind != "backup" and person.member.contract_hours > 0

    def interval_day(self) -> np.ndarray:
        """Day index of each grid interval."""
        dates = [t.date() for t in self.grid]
        lookup = {d: i for i, d in enumerate(self.days)}
        return np.array([lookup[d] for d in dates])


def _requirement_grid(scenario: Scenario, requirement: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Validate the requirement and keep the rows inside the horizon (site-local, aware)."""
    missing = [c for c in ("queue", "ds", "staff_needed") if c not in requirement.columns]
    if missing:
        raise DataError(
            f"requirement: no column '{missing[0]}' (needs queue, ds, staff_needed); build it "
            "with planner.requirement.required_staff"
        )
    req = requirement[["queue", "ds", "staff_needed"]].copy()
    unknown = sorted(set(req["queue"]) - set(scenario.queue_names))
    if unknown:
        raise DataError(
            f"requirement: queue {unknown[0]!r} is not in the scenario; queues are "
            f"{scenario.queue_names}"
        )
    ds = pd.to_datetime(req["ds"])
    tz = scenario.site.timezone
    ds = (
        ds.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
        if ds.dt.tz is None
        else ds.dt.tz_convert(tz)
    )
    req["ds"] = ds
    need = pd.to_numeric(req["staff_needed"], errors="coerce")
    bad = need.isna() | (need < 0)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"requirement: staff_needed, row {row + 2}: {requirement['staff_needed'].iloc[row]!r} "
            "is not a number >= 0"
        )
    req["staff_needed"] = need.astype(float)
    dates = pd.Series([t.date() for t in req["ds"]], index=req.index, dtype=object)
    inside = (dates >= scenario.horizon.start) & (dates <= scenario.horizon.end)
    if not inside.any():
        span = f"runs {min(dates)} to {max(dates)}, none of it" if len(dates) else "has no rows"
        raise DataError(
            f"requirement: {span} inside the scenario's horizon {scenario.horizon.start} to "
            f"{scenario.horizon.end}; build it for the horizon's dates (ds as ISO 8601, "
            "e.g. 2026-11-27T09:30:00-05:00, so days and months cannot swap)"
        )
    dropped = int((~inside).sum())
    req = req[inside.to_numpy()]
    if req.duplicated(["queue", "ds"]).any():
        dup = req[req.duplicated(["queue", "ds"])].iloc[0]
        raise DataError(f"requirement: two rows for queue {dup['queue']!r} at {dup['ds']}")
    return req.reset_index(drop=True), dropped


def _option_cover(
    start: pd.Timestamp,
    end: pd.Timestamp,
    grid_ns: np.ndarray,
    interval_min: int,
    break_min: int,
    breaks: BreakRules,
) -> dict[int, int]:
    """Heads present per grid interval (×COVER_SCALE) for a shift, spreading breaks evenly.

    Breaks never fall in the first/last ``none_in_first_last_min``, so those minutes count in
    full; the minutes in between lose ``break_min / inner_minutes`` of a head.
    """
    s, e = start.value, end.value
    step = interval_min * 60 * 10**9
    first = int(np.searchsorted(grid_ns, s - step, side="right"))
    last = int(np.searchsorted(grid_ns, e, side="left"))
    guard = breaks.none_in_first_last_min * 60 * 10**9
    inner_s, inner_e = s + guard, e - guard
    inner_len = max(inner_e - inner_s, 0)
    share = min(1.0, break_min * 60 * 10**9 / inner_len) if inner_len > 0 else 0.0
    cover: dict[int, int] = {}
    for t in range(first, last):
        a, b = int(grid_ns[t]), int(grid_ns[t]) + step
        overlap = max(0, min(b, e) - max(a, s))
        if overlap <= 0:
            continue
        inner = max(0, min(b, inner_e) - max(a, inner_s))
        present = (overlap - share * inner) / step
        value = round(COVER_SCALE * present)
        if value > 0:
            cover[t] = value
    return cover


def _allowed(
    member: StaffMember, template: ShiftTemplate, start: pd.Timestamp, end: pd.Timestamp
) -> bool:
    """Whether a shift lies inside a person's daily availability window (wall clock)."""
    avail = member.availability
    if start.time() < avail.earliest_start:
        return False
    if end.date() > start.date():  # crosses midnight: only for people available to the end
        return avail.latest_end == dt.time.max
    return end.time() <= avail.latest_end


def build_rota_data(
    scenario: Scenario, requirement: pd.DataFrame, *, hire_candidates: bool = True
) -> RotaData:
    """Turn a scenario and a requirement table into solver-ready :class:`RotaData`.

    Args:
        scenario: the plan's settings.
        requirement: ``queue, ds, staff_needed`` (on-queue heads per interval, after shrinkage).
        hire_candidates: add the hiring pool as optional seasonal people.

    Raises:
        DataError: the requirement lacks a column, names an unknown queue, has a bad value, or
            has no row inside the horizon.
    """
    tz = scenario.site.timezone
    interval_min = scenario.site.interval_minutes
    days = scenario.horizon.days
    weeks = week_groups(days)
    req, dropped = _requirement_grid(scenario, requirement)
    grid = pd.DatetimeIndex(sorted(req["ds"].unique()), name="ds")
    if len(grid):
        grid = grid.tz_convert(tz)
    grid = grid.as_unit("ns")  # pandas 3 may infer "us"/"s"; every instant below is in ns
    grid_ns = grid.asi8 if len(grid) else np.array([], dtype=np.int64)

    # Skill groups: one per skill some queue needs; queues of a group share its heads.
    groups = sorted({q.skill_needed for q in scenario.queues})
    group_queues = [[q.name for q in scenario.queues if q.skill_needed == g] for g in groups]
    need = np.zeros((len(groups), len(grid)), dtype=np.int64)
    pos = {t.value: i for i, t in enumerate(grid)}
    group_of = {q.name: groups.index(q.skill_needed) for q in scenario.queues}
    for queue, ts, value in req[["queue", "ds", "staff_needed"]].itertuples(index=False):
        need[group_of[queue], pos[ts.value]] += round(COVER_SCALE * value)

    # Shift options per day: templates allowed on the weekday and within max hours per day.
    rules = scenario.rules
    options: list[list[ShiftOption]] = []
    for d, day in enumerate(days):
        todays = []
        for template in scenario.shifts:
            if WEEKDAYS[day.weekday()] not in template.weekdays:
                continue
            if template.length_h > rules.max_hours_per_day + 1e-9:
                continue  # hard rule "max hours per day": the template is never rostered
            start, end = shift_instants(template, day, tz)
            n_short, lunch = break_entitlement(template.length_h, rules.breaks)
            break_min = n_short * rules.breaks.short_break_min + lunch
            cover = _option_cover(start, end, grid_ns, interval_min, break_min, rules.breaks)
            todays.append(ShiftOption(d, template, start, end, template.length_min, cover))
        options.append(todays)

    members = [(m, False) for m in scenario.staff]
    if hire_candidates:
        members += [(m, True) for m in candidate_staff(scenario)]
    people = [_person(scenario, m, cand, days, weeks, options, groups) for m, cand in members]
    return RotaData(
        scenario=scenario,
        days=days,
        weeks=weeks,
        grid=grid,
        interval_min=interval_min,
        groups=groups,
        group_queues=group_queues,
        need=need,
        queue_need=req,
        options=options,
        people=[p for p in people if p.groups],
        dropped_intervals=dropped,
    )


def _person(
    scenario: Scenario,
    member: StaffMember,
    candidate: bool,
    days: list[dt.date],
    weeks: list[list[int]],
    options: list[list[ShiftOption]],
    groups: list[str],
) -> Person:
    """A person's allowed options, productivity, weekly bounds and costs."""
    allowed: dict[int, list[int]] = {}
    for d, day in enumerate(days):
        if not is_available(member, day):
            continue
        ok = [
            i
            for i, opt in enumerate(options[d])
            if _allowed(member, opt.template, opt.start, opt.end)
        ]
        if ok:
            allowed[d] = ok
    # Ramp-up after training: productivity of week 1, 2, … on the floor (seasonal staff).
    productivity: dict[int, float] = {}
    first = floor_date(member)
    if member.kind == "seasonal" and first is not None:
        ramp = scenario.hiring.ramp_up
        for d, day in enumerate(days):
            week = (day - first).days // 7
            if 0 <= week < len(ramp):
                productivity[d] = ramp[week]
    week_min, week_max = [], []
    for week in weeks:
        lo, hi = weekly_hour_bounds(scenario, member, [days[d] for d in week])
        week_min.append(round(lo * 60))
        week_max.append(round(hi * 60))
    factor = scenario.schedule.backup_overtime_factor if member.kind == "backup" else 1.0
    hire = 0.0
    if candidate:
        hiring = scenario.hiring
        training_paid_h = hiring.training_days * member.contract_hours / 5
        hire = hiring.hire_cost + training_paid_h * member.hourly_cost
    return Person(
        member=member,
        candidate=candidate,
        groups=tuple(i for i, g in enumerate(groups) if g in member.skills),
        cost_per_min=member.hourly_cost * factor / 60,
        hire_cost=hire,
        options=allowed,
        productivity=productivity,
        week_min=tuple(week_min),
        week_max=tuple(week_max),
    )
