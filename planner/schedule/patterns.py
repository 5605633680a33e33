"""Generic CP-SAT builders for day-level work patterns of one person.

Every builder works on plain per-day literals of a single person, so the holiday rota model and
the Curtois & Qu benchmark model share them:

- ``works[d]`` — a Boolean literal, true when the person works (any shift) on day ``d``;
- ``shifts_by_day[d]`` — a mapping ``shift label -> literal`` for day ``d`` (a missing label
  means that shift cannot be worked that day).

Each rule is one ``add_<rule>(model, ..., name=...)`` function. A hard rule adds constraints and
returns an empty list; the soft version (``soft=True``) returns its penalty terms — Boolean or
integer variables, each named ``f"{name}[...]"`` so a solution can explain itself — which the
caller weights and puts in the objective (the objective is set once, by the caller).

Border handling follows the usual rostering convention (and the Curtois & Qu benchmark): a run
of work or of days off that touches the first or the last day of the horizon is exempt from the
*minimum*-length rules, because it may continue outside the horizon. When the caller knows what
happened before day 0 (e.g. week-by-week decomposition), it passes ``run_before`` /
``previous_shift`` and the start of the horizon is no longer a border.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ortools.sat.python import cp_model

__all__ = [
    "add_forbidden_successions",
    "add_max_consecutive",
    "add_max_consecutive_days",
    "add_max_weekends",
    "add_min_consecutive",
    "add_min_consecutive_days",
    "add_min_consecutive_days_off",
    "add_one_shift_per_day",
    "add_total_range",
    "weekend_days",
    "weekend_worked",
]

# A literal accepted by CP-SAT: a Boolean variable or its negation (``x.Not()``).
Literal = cp_model.LiteralT


def _negate(lit: Literal) -> Literal:
    """The negation of a literal (``Not()`` of a variable, or of a negated variable)."""
    return lit.Not()  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# One shift per day
# --------------------------------------------------------------------------------------------


def add_one_shift_per_day(
    model: cp_model.CpModel,
    shifts_by_day: Sequence[Mapping[str, Literal]],
    *,
    name: str,
) -> list[cp_model.IntVar]:
    """At most one shift per day; return the person's ``works[d]`` literals (hard rule).

    ``works[d]`` is a new Boolean variable equal to "some shift is worked on day d", linked by
    ``ExactlyOne(shifts of d + [not works[d]])``, which CP-SAT propagates very well. A day with no
    possible shift gets ``works[d]`` fixed to false.
    """
    works: list[cp_model.IntVar] = []
    for d, shifts in enumerate(shifts_by_day):
        w = model.new_bool_var(f"{name}.works[{d}]")
        model.add_exactly_one([*shifts.values(), w.Not()])
        works.append(w)
    return works


# --------------------------------------------------------------------------------------------
# Consecutive-run rules
# --------------------------------------------------------------------------------------------


def add_max_consecutive(
    model: cp_model.CpModel,
    lits: Sequence[Literal],
    max_run: int,
    *,
    name: str,
    run_before: int = 0,
    soft: bool = False,
) -> list[cp_model.IntVar]:
    """No run of true ``lits`` longer than ``max_run`` days.

    Modelled with sliding windows: every ``max_run + 1`` consecutive days hold at least one false
    literal. ``run_before`` is the length of the run of true days that ends just before day 0
    (for decomposition; 0 = none), which shortens the first windows.

    Soft: one penalty literal per window that breaks the rule, so a run ``x`` days too long costs
    ``x`` (the excess, in days). Returns the penalty literals (empty when hard).
    """
    if max_run < 0:
        raise ValueError(f"{name}: max_run must be >= 0, got {max_run}")
    n = len(lits)
    penalties: list[cp_model.IntVar] = []
    windows: list[tuple[str, list[Literal]]] = []
    # Windows reaching back before day 0: the first t days plus the run before must not exceed.
    if run_before > 0:
        t = max(1, max_run - run_before + 1)
        for length in range(t, min(max_run + 1, n + 1)):
            windows.append((f"start..{length - 1}", list(lits[:length])))
    for start in range(n - max_run):
        windows.append((f"{start}", list(lits[start : start + max_run + 1])))
    for label, window in windows:
        negated = [_negate(x) for x in window]
        if soft:
            v = model.new_bool_var(f"{name}[{label}]")
            model.add_bool_or([*negated, v])
            penalties.append(v)
        else:
            model.add_bool_or(negated)
    return penalties


def add_min_consecutive(
    model: cp_model.CpModel,
    lits: Sequence[Literal],
    min_run: int,
    *,
    name: str,
    run_before: int | None = None,
    exempt_end: bool = True,
    soft: bool = False,
) -> list[cp_model.IntVar]:
    """Every run of true ``lits`` lasts at least ``min_run`` days.

    Modelled with short clauses rather than an automaton: for each day ``d`` and each
    ``1 <= j < min_run``, "true on d and false on d-1 implies true on d+j". Border exemption: a
    run that starts on day 0 (when ``run_before`` is None: the past is unknown) or that reaches
    the last day (``exempt_end``) is allowed to be short.

    ``run_before`` (decomposition): the length of the run of true days ending just before day 0
    (0 = day -1 was false). A run in the past that is too short must continue into the horizon.

    Soft: one penalty literal per run that is too short (per day it starts). Returns the
    penalty literals (empty when hard).
    """
    n = len(lits)
    penalties: list[cp_model.IntVar] = []
    if min_run <= 1 or n == 0:
        return penalties
    for d in range(n):
        if d == 0 and run_before is None:
            continue  # starts on the first day: may continue before the horizon
        if d == 0 and run_before:
            # A run from before day 0 continues: it needs min_run - run_before more true days.
            # That run is a fact, so the clauses have no premise.
            targets = list(range(min_run - run_before))
            _add_run_clauses(
                model, [], lits, targets, n, exempt_end, name, soft, penalties, label="before"
            )
            continue
        premise = [_negate(lits[d])]
        if d > 0:
            premise.append(lits[d - 1])
        targets = list(range(d + 1, d + min_run))
        _add_run_clauses(
            model, premise, lits, targets, n, exempt_end, name, soft, penalties, label=str(d)
        )
    return penalties


def _add_run_clauses(
    model: cp_model.CpModel,
    premise: list[Literal],
    lits: Sequence[Literal],
    targets: list[int],
    n: int,
    exempt_end: bool,
    name: str,
    soft: bool,
    penalties: list[cp_model.IntVar],
    *,
    label: str,
) -> None:
    """Add ``premise-clause OR lits[t]`` for each target day ``t`` (helper of min-run rules).

    ``premise`` holds the negated conditions ("not started here"). Targets past the horizon end
    are dropped when the end is exempt, or make the run impossible when it is not.
    """
    clauses: list[list[Literal]] = []
    for t in targets:
        if t < n:
            clauses.append([*premise, lits[t]])
        elif not exempt_end:
            # The run cannot reach its minimum inside the horizon: it may not start here.
            clauses.append(list(premise))
    if not clauses:
        return
    violation = model.new_bool_var(f"{name}[{label}]") if soft else None
    for clause in clauses:
        model.add_bool_or([*clause, violation] if violation is not None else clause)
    if violation is not None:
        penalties.append(violation)


def add_max_consecutive_days(
    model: cp_model.CpModel,
    works: Sequence[Literal],
    max_days: int,
    *,
    name: str,
    run_before: int = 0,
    soft: bool = False,
) -> list[cp_model.IntVar]:
    """At most ``max_days`` working days in a row (see :func:`add_max_consecutive`)."""
    return add_max_consecutive(model, works, max_days, name=name, run_before=run_before, soft=soft)


def add_min_consecutive_days(
    model: cp_model.CpModel,
    works: Sequence[Literal],
    min_days: int,
    *,
    name: str,
    run_before: int | None = None,
    exempt_end: bool = True,
    soft: bool = False,
) -> list[cp_model.IntVar]:
    """Every run of working days lasts at least ``min_days`` (see :func:`add_min_consecutive`)."""
    return add_min_consecutive(
        model, works, min_days, name=name, run_before=run_before, exempt_end=exempt_end, soft=soft
    )


def add_min_consecutive_days_off(
    model: cp_model.CpModel,
    works: Sequence[Literal],
    min_days: int,
    *,
    name: str,
    run_before: int | None = None,
    exempt_end: bool = True,
    soft: bool = False,
) -> list[cp_model.IntVar]:
    """Every run of days off lasts at least ``min_days``.

    ``run_before`` counts days *off* just before day 0 (0 = worked on day -1; None = unknown,
    the first day is a border).
    """
    off = [_negate(w) for w in works]
    return add_min_consecutive(
        model, off, min_days, name=name, run_before=run_before, exempt_end=exempt_end, soft=soft
    )


# --------------------------------------------------------------------------------------------
# Weekends
# --------------------------------------------------------------------------------------------


def weekend_days(num_days: int, first_weekday: int = 0) -> list[list[int]]:
    """Day indices of each weekend (Saturday, Sunday) touched by a horizon of ``num_days``.

    ``first_weekday`` is the weekday of day 0 (Monday = 0, as :meth:`datetime.date.weekday`).
    A weekend cut by either end of the horizon appears with the days that lie inside it.
    """
    groups: dict[int, list[int]] = {}
    for d in range(num_days):
        weekday = (first_weekday + d) % 7
        if weekday >= 5:
            # Saturday and the following Sunday share the index of that Saturday's week.
            week = (first_weekday + d) // 7
            groups.setdefault(week, []).append(d)
    return [groups[k] for k in sorted(groups)]


def weekend_worked(
    model: cp_model.CpModel,
    works: Sequence[Literal],
    weekends: Sequence[Sequence[int]],
    *,
    name: str,
) -> list[cp_model.IntVar]:
    """One literal per weekend, true exactly when any of its days is worked."""
    result: list[cp_model.IntVar] = []
    for k, days in enumerate(weekends):
        w = model.new_bool_var(f"{name}.weekend[{k}]")
        day_lits = [works[d] for d in days]
        model.add_bool_or([*day_lits, w.Not()])  # w -> some day worked
        for lit in day_lits:
            model.add_implication(lit, w)  # a worked day -> w
        result.append(w)
    return result


def add_max_weekends(
    model: cp_model.CpModel,
    works: Sequence[Literal],
    max_weekends: int,
    *,
    name: str,
    weekends: Sequence[Sequence[int]] | None = None,
    soft: bool = False,
) -> list[cp_model.IntVar]:
    """At most ``max_weekends`` weekends worked (a weekend counts if either day is worked).

    ``weekends`` lists the day indices of each weekend; default :func:`weekend_days` with day 0 a
    Monday. Soft: returns one integer penalty, the number of weekends above the limit.
    """
    groups = weekend_days(len(works)) if weekends is None else weekends
    if max_weekends >= len(groups):
        return []
    flags = weekend_worked(model, works, groups, name=name)
    if not soft:
        model.add(sum(flags) <= max_weekends)
        return []
    excess = model.new_int_var(0, len(groups) - max_weekends, f"{name}.excess")
    model.add(sum(flags) - max_weekends <= excess)
    return [excess]


# --------------------------------------------------------------------------------------------
# Shift successions
# --------------------------------------------------------------------------------------------


def add_forbidden_successions(
    model: cp_model.CpModel,
    shifts_by_day: Sequence[Mapping[str, Literal]],
    forbidden: Iterable[tuple[str, str]],
    *,
    name: str,
    previous_shift: str | None = None,
    soft: bool = False,
) -> list[cp_model.IntVar]:
    """Shift ``a`` on one day may not be followed by shift ``b`` the next day.

    ``forbidden`` holds ``(a, b)`` label pairs; labels may be shift ids or any grouping the
    caller used as keys of ``shifts_by_day`` (e.g. categories). ``previous_shift`` is the label
    worked on day -1, if known. Soft: one penalty literal per forbidden succession worked.
    """
    pairs = list(forbidden)
    penalties: list[cp_model.IntVar] = []

    def forbid(clause: list[Literal], label: str) -> None:
        if soft:
            v = model.new_bool_var(f"{name}[{label}]")
            model.add_bool_or([*clause, v])
            penalties.append(v)
        else:
            model.add_bool_or(clause)

    if previous_shift is not None and shifts_by_day:
        for a, b in pairs:
            if a == previous_shift and b in shifts_by_day[0]:
                forbid([_negate(shifts_by_day[0][b])], f"-1:{a}->0:{b}")
    for d in range(len(shifts_by_day) - 1):
        today, tomorrow = shifts_by_day[d], shifts_by_day[d + 1]
        for a, b in pairs:
            if a in today and b in tomorrow:
                forbid([_negate(today[a]), _negate(tomorrow[b])], f"{d}:{a}->{d + 1}:{b}")
    return penalties


# --------------------------------------------------------------------------------------------
# Totals
# --------------------------------------------------------------------------------------------


def add_total_range(
    model: cp_model.CpModel,
    terms: Sequence[tuple[Literal, int]],
    *,
    lo: int | None,
    hi: int | None,
    name: str,
    soft: bool = False,
) -> list[cp_model.IntVar]:
    """``lo <= sum(coef * lit) <= hi`` over ``(literal, coefficient)`` terms (coefficients >= 0).

    Use it for minimum/maximum shifts, minutes or days over the horizon or a window (e.g. at
    least one day off per week: terms = the week's works with coefficient 1 and ``hi = 6``).
    ``None`` leaves a side open. Soft: returns ``[under, over]`` integer penalties (in the units of
    the coefficients) for the sides that are set.
    """
    if any(c < 0 for _, c in terms):
        raise ValueError(f"{name}: coefficients must be >= 0")
    total_max = sum(c for _, c in terms)
    expr = sum(c * lit for lit, c in terms)
    if not soft:
        if lo is not None and lo > 0:
            model.add(expr >= lo)
        if hi is not None and hi < total_max:
            model.add(expr <= hi)
        return []
    penalties: list[cp_model.IntVar] = []
    if lo is not None and lo > 0:
        under = model.new_int_var(0, lo, f"{name}.under")
        model.add(expr + under >= lo)
        penalties.append(under)
    if hi is not None and hi < total_max:
        over = model.new_int_var(0, total_max - max(hi, 0), f"{name}.over")
        model.add(expr - over <= hi)
        penalties.append(over)
    return penalties
