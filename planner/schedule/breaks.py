"""Stage 2: place each shift's short breaks and lunch, one small CP-SAT model per day.

Given the day's shifts (person, option, skill group) from stage 1, choose where each break and
lunch starts so that under-cover is smallest, under the break rules (hard):

- ``n`` short breaks of ``short_break_min`` (one per ``short_break_every_h`` hours), a lunch of
  ``lunch_min_min`` for shifts of ``lunch_if_shift_h_at_least`` hours or more;
- none in the first or last ``none_in_first_last_min`` of the shift;
- lunch starts at least ``lunch_window_after_start_h`` after the start and ends at least
  ``lunch_window_before_end_h`` before the end;
- at least ``min_gap_between_breaks_min`` of work between two breaks;
- at most ``max(1, ceil(max_share_on_break × heads on shift))`` of a skill group's staff on a
  break or lunch at any moment (``model.break_cap``, shared with ``planner.rota_check``).

Break starts lie on a grid of ``gcd(interval, break, lunch)`` minutes from the shift start.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from planner.errors import PlannerError
from planner.scenario import BreakRules
from planner.schedule.model import COVER_SCALE, RotaData, break_cap, break_entitlement

__all__ = ["Break", "DayBreaks", "break_cap", "place_breaks"]

#: Greedy tie-breaker per slot, in coverage units (1/100 head-interval): small against real
#: under-cover, enough to spread breaks where the share-on-break cap leaves room.
SCARCITY = 5

#: Greedy passes (3 fixed orders, then random people orders) before CP-SAT searches alone.
GREEDY_TRIES = 12

#: Below this many seconds for a day, keep the greedy answer and skip the CP-SAT search.
MIN_SEARCH_S = 0.5


@dataclasses.dataclass(frozen=True)
class Break:
    """One break or lunch: ``kind`` is ``break`` or ``lunch``; instants are tz-aware."""

    start: pd.Timestamp
    end: pd.Timestamp
    kind: str


@dataclasses.dataclass
class DayBreaks:
    """Stage-2 result of one day: breaks per person and the solver's figures (staff-hours)."""

    breaks: dict[int, list[Break]]
    under_staff_h: float  # under-cover staff-hours of the day after placement
    bound_staff_h: float  # the solver's lower bound on that
    status: str


def _windows(length_min: int, rules: BreakRules) -> list[tuple[str, int, int, int]]:
    """Breaks of a shift as ``(kind, length, earliest start, latest start)`` minutes from start."""
    n_short, lunch = break_entitlement(length_min / 60, rules)
    guard = rules.none_in_first_last_min
    out = []
    for _ in range(n_short):
        out.append(
            ("break", rules.short_break_min, guard, length_min - guard - rules.short_break_min)
        )
    if lunch:
        lo = max(guard, round(rules.lunch_window_after_start_h * 60))
        hi = (
            min(length_min - guard, length_min - round(rules.lunch_window_before_end_h * 60))
            - lunch
        )
        if rules.lunch_latest_start_h is not None:
            hi = min(hi, round(rules.lunch_latest_start_h * 60))
        out.append(("lunch", lunch, lo, hi))
    return out


def place_breaks(
    data: RotaData,
    day: int,
    shifts: list[tuple[int, int, int]],
    *,
    time_limit_s: float,
    workers: int = 1,
    seed: int = 0,
) -> DayBreaks:
    """Place the breaks of one day's shifts (``(person, option, group)`` triples).

    Raises:
        PlannerError: a shift cannot hold its breaks (its template is too short for the break
            rules) or the share-on-break cap admits no placement; the message names both.
    """
    started = time.perf_counter()  # the time limit covers building the model too
    rules = data.scenario.rules.breaks
    interval = data.interval_min
    lengths = [rules.short_break_min, rules.lunch_min_min, interval]
    step = math.gcd(*[v for v in lengths if v > 0])
    grid_ns = data.grid.asi8
    step_ns = step * 60 * 10**9
    interval_ns = interval * 60 * 10**9

    def overlaps(s: int, e: int, prod: float) -> list[tuple[int, int]]:
        """(interval, heads lost ×COVER_SCALE) for ``[s, e)`` at ramp level ``prod``."""
        key = (s, e, prod)
        if key not in overlap_cache:
            out = []
            t0 = int(np.searchsorted(grid_ns, s - interval_ns, side="right"))
            for t in range(t0, len(grid_ns)):
                a = int(grid_ns[t])
                if a >= e:
                    break
                overlap = max(0, min(a + interval_ns, e) - max(a, s))
                loss = round(COVER_SCALE * prod * overlap / interval_ns)
                if loss:
                    out.append((t, loss))
            overlap_cache[key] = out
        return overlap_cache[key]

    # Candidates: one id per (break, start position), numbered k; the CP-SAT model (built
    # only when there is time to search) has one Boolean per candidate. Many shifts share a
    # template, so the coverage each break position costs is computed once per instant.
    overlap_cache: dict[tuple[int, int, float], list[tuple[int, int]]] = {}
    choices: dict[int, list[tuple[str, int, list[tuple[int, int]]]]] = {}
    heads: dict[tuple[int, int], int] = defaultdict(int)
    cover_loss: dict[tuple[int, int], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    # k -> (group, slots it occupies, [(interval, coverage lost)])
    info: list[tuple[int, list[int], list[tuple[int, int]]]] = []
    day_start = min((data.options[day][o].start.value for _, o, _ in shifts), default=0)
    for p, o, g in shifts:
        opt = data.options[day][o]
        person = data.people[p]
        prod = person.productivity.get(day, 1.0)
        first_slot = (opt.start.value - day_start) // step_ns
        for k in range(opt.paid_min // step):
            heads[g, first_slot + k] += 1
        mine = []
        for kind, length, lo, hi in _windows(opt.paid_min, rules):
            positions = list(range(math.ceil(lo / step) * step, hi + 1, step))
            if not positions:
                raise PlannerError(
                    f"shift {opt.name!r} ({opt.paid_min / 60:g} h) has no room for its {kind} "
                    "under rules.breaks; shorten the breaks or the guard "
                    "(none_in_first_last_min), or lengthen the template"
                )
            lits = []
            for m in positions:
                k = len(info)
                lits.append((m, k))
                used = [first_slot + m // step + j for j in range(length // step)]
                s = opt.start.value + m * 60 * 10**9
                losses = overlaps(s, s + length * 60 * 10**9, prod)
                info.append((g, used, losses))
                for t, loss in losses:
                    vs, cs = cover_loss[g, t]
                    vs.append(k)
                    cs.append(loss)
            mine.append((kind, length, lits))
        choices[p] = mine

    # Heads present before breaks, per interval and group (×COVER_SCALE, ramp-weighted).
    base: dict[tuple[int, int], int] = defaultdict(int)
    for p, o, g in shifts:
        prod = data.people[p].productivity.get(day, 1.0)
        opt = data.options[day][o]
        for t, present in overlaps(opt.start.value, opt.end.value, prod):
            base[g, t] += present

    gap_slots = -(-rules.min_gap_between_breaks_min // step)
    greedy = _greedy(choices, info, heads, base, data.need, rules, gap_slots)
    if greedy is not None and time_limit_s - (time.perf_counter() - started) < MIN_SEARCH_S:
        return _greedy_day(data, day, shifts, choices, greedy, cover_loss, base)

    model, ys, has_objective = _day_model(data, choices, info, heads, cover_loss, base, rules)
    if greedy is not None:
        chosen = set(greedy)
        for k, y in enumerate(ys):
            model.add_hint(y, k in chosen)

    solver = cp_model.CpSolver()
    # Without a greedy answer CP-SAT must find one: give it at least a second at once.
    floor_s = 0.05 if greedy is not None else 1.0
    left = time_limit_s - (time.perf_counter() - started)
    solver.parameters.max_time_in_seconds = max(floor_s, left)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # Out of time and no greedy answer: any placement will do (on the sample, 8 days in 56
    # where the greedy gets stuck took ~1 s each to optimise, and overran the time limit).
    solver.parameters.stop_after_first_solution = greedy is None and left < MIN_SEARCH_S
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and greedy is None:
        solver.parameters.max_time_in_seconds = max(2.0, 4 * time_limit_s)
        status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and greedy is not None:
        return _greedy_day(data, day, shifts, choices, greedy, cover_loss, base)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        when = data.days[day]
        raise PlannerError(
            f"breaks on {when}: no placement keeps at most {rules.max_share_on_break:.0%} of a "
            "queue's staff on break at once; raise rules.breaks.max_share_on_break or "
            "min_gap_between_breaks_min lower"
        )
    to_h = data.interval_min / 60 / COVER_SCALE
    chosen = {k for k, y in enumerate(ys) if solver.boolean_value(y)}
    value = solver.objective_value if has_objective else 0.0
    bound = solver.best_objective_bound if has_objective else 0.0
    return DayBreaks(
        breaks=_placed(data, day, shifts, choices, chosen),
        under_staff_h=value * to_h,
        bound_staff_h=bound * to_h,
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
    )


def _day_model(
    data: RotaData,
    choices: dict[int, list[tuple[str, int, list[tuple[int, int]]]]],
    info: list[tuple[int, list[int], list[tuple[int, int]]]],
    heads: dict[tuple[int, int], int],
    cover_loss: dict[tuple[int, int], tuple[list[int], list[int]]],
    base: dict[tuple[int, int], int],
    rules: BreakRules,
) -> tuple[cp_model.CpModel, list[cp_model.IntVar], bool]:
    """The day's CP-SAT model: one Boolean per candidate ``k`` (returned in order), the break
    rules as constraints, and under-cover after breaks as the objective (if any can arise)."""
    model = cp_model.CpModel()
    ys = [model.new_bool_var(f"b{k}") for k in range(len(info))]
    for p, mine in choices.items():
        starts = []
        for kind, length, lits in mine:
            model.add_exactly_one([ys[k] for _, k in lits])
            first, last = lits[0][0], lits[-1][0]
            start = model.new_int_var(first, last, f"start[{p},{len(starts)}]")
            model.add(start == sum(m * ys[k] for m, k in lits))
            starts.append((kind, length, start))
        # At least the gap between two breaks: intervals padded by the gap may not overlap.
        gap = rules.min_gap_between_breaks_min
        padded = [
            model.new_fixed_size_interval_var(s, length + gap, f"pad[{p},{i}]")
            for i, (_, length, s) in enumerate(starts)
        ]
        if len(padded) > 1:
            model.add_no_overlap(padded)
        shorts = [s for kind, _, s in starts if kind == "break"]
        for a, b in itertools.pairwise(shorts):
            model.add(a < b)  # symmetry: short breaks in order
    # At most a share of each group's heads on break at once.
    slot_use: dict[tuple[int, int], list[int]] = defaultdict(list)  # (group, slot) -> ks
    for k, (g, used, _) in enumerate(info):
        for u in used:
            slot_use[g, u].append(k)
    for (g, u), ks in slot_use.items():
        cap = break_cap(heads[g, u], rules.max_share_on_break)
        if len(ks) > cap:
            model.add(sum(ys[k] for k in ks) <= cap)
    # Objective: under-cover after breaks, per interval and group (stage-1 heads minus losses).
    unders = []
    for (g, t), (ks, cs) in cover_loss.items():
        need = int(data.need[g, t])
        have = base[g, t]
        if need <= have - sum(cs):
            continue  # covered whatever the placement
        under = model.new_int_var(0, need, f"under[{g},{t}]")
        vs = [ys[k] for k in ks]
        model.add(under >= need - have + cp_model.LinearExpr.weighted_sum(vs, cs))
        unders.append(under)
    if unders:
        model.minimize(sum(unders))
    return model, ys, bool(unders)


def _greedy(
    choices: dict[int, list[tuple[str, int, list[tuple[int, int]]]]],
    info: list[tuple[int, list[int], list[tuple[int, int]]]],
    heads: dict[tuple[int, int], int],
    base: dict[tuple[int, int], int],
    need: np.ndarray,
    rules: BreakRules,
    gap: int,
) -> list[int] | None:
    """A feasible placement built break by break, each where it costs least cover.

    Tries a few orders (every lunch first, then short breaks; person by person; latest shift
    first) and returns the first that places every break, or None (CP-SAT then searches alone).
    ``gap`` is the least work between two breaks, in slots.
    """
    orders = [
        lambda item: (item[1] != "lunch", len(item[2]), item[0]),
        lambda item: (item[0], item[1] != "lunch"),
        lambda item: (item[1] != "lunch", -item[0]),
    ]
    rng = random.Random(0)  # seeded: the same day gives the same rota
    for attempt in range(GREEDY_TRIES):
        if attempt < len(orders):
            order = orders[attempt]
        else:  # lunches first, people in a random order
            rank = {p: rng.random() for p in choices}

            def order(item, rank=rank):  # type: ignore[no-untyped-def]
                return (item[1] != "lunch", rank[item[0]])

        found = _greedy_once(choices, info, heads, base, need, rules, gap, order)
        if found is not None:
            return found
    return None


def _greedy_once(
    choices: dict[int, list[tuple[str, int, list[tuple[int, int]]]]],
    info: list[tuple[int, list[int], list[tuple[int, int]]]],
    heads: dict[tuple[int, int], int],
    base: dict[tuple[int, int], int],
    need: np.ndarray,
    rules: BreakRules,
    gap: int,
    order: Callable[[tuple[int, str, list[tuple[int, int]]]], object],
) -> list[int] | None:
    """One greedy pass over the breaks in ``order``; None if some break finds no room."""
    on_break: dict[tuple[int, int], int] = defaultdict(int)
    lost: dict[tuple[int, int], int] = defaultdict(int)
    placed: dict[int, list[tuple[int, int]]] = defaultdict(list)  # person -> (slot, end slot)
    picks: dict[int, int] = {}  # id(lits) -> chosen position (minutes)
    queue = sorted(
        ((p, kind, lits) for p, mine in choices.items() for kind, _, lits in mine), key=order
    )
    for p, _kind, lits in queue:
        best, best_cost, best_m = None, None, 0
        for m, y in lits:
            g, used, losses = info[y]
            lo, hi = used[0], used[-1] + 1
            if any(not (hi + gap <= a or b + gap <= lo) for a, b in placed[p]):
                continue
            caps = [break_cap(heads[g, u], rules.max_share_on_break) for u in used]
            if any(on_break[g, u] + 1 > c for u, c in zip(used, caps, strict=True)):
                continue
            # Scarcity: prefer slots with spare break capacity, so later breaks still fit.
            cost = sum(
                (SCARCITY * (on_break[g, u] + 1)) // c for u, c in zip(used, caps, strict=True)
            )
            for t, loss in losses:
                have = base[g, t] - lost[g, t]
                short_now = max(0, int(need[g, t]) - have)
                cost += max(0, int(need[g, t]) - have + loss) - short_now
            if best_cost is None or cost < best_cost:
                best, best_cost, best_m = y, cost, m
        if best is None:
            # Stuck: lift this person's short breaks placed so far and place them all again
            # together (every combination of positions), keeping the lunch where it is.
            if not _replace_jointly(
                p,
                choices[p],
                picks,
                info,
                heads,
                on_break,
                lost,
                placed,
                base,
                need,
                rules,
                gap,
                lits,
            ):
                return None
            continue
        _commit(best, info, on_break, lost, placed[p])
        picks[id(lits)] = best_m
    chosen: list[int] = []
    for mine in choices.values():
        # Short breaks share one window: hand out their positions in order (the model orders
        # them to break symmetry), so the hint is feasible as it stands.
        shorts = [lits for kind, _, lits in mine if kind == "break"]
        ordered = sorted(picks[id(lits)] for lits in shorts)
        for lits, m in zip(shorts, ordered, strict=True):
            picks[id(lits)] = m
        for _, _, lits in mine:
            chosen.append(next(y for m, y in lits if m == picks[id(lits)]))
    return chosen


def _commit(
    y: int,
    info: list[tuple[int, list[int], list[tuple[int, int]]]],
    on_break: dict[tuple[int, int], int],
    lost: dict[tuple[int, int], int],
    mine: list[tuple[int, int]],
    sign: int = 1,
) -> None:
    """Add (or with ``sign=-1`` remove) a chosen break position to the greedy's tallies."""
    g, used, losses = info[y]
    for u in used:
        on_break[g, u] += sign
    for t, loss in losses:
        lost[g, t] += sign * loss
    span = (used[0], used[-1] + 1)
    if sign > 0:
        mine.append(span)
    else:
        mine.remove(span)


def _replace_jointly(
    p: int,
    mine: list[tuple[str, int, list[tuple[int, int]]]],
    picks: dict[int, int],
    info: list[tuple[int, list[int], list[tuple[int, int]]]],
    heads: dict[tuple[int, int], int],
    on_break: dict[tuple[int, int], int],
    lost: dict[tuple[int, int], int],
    placed: dict[int, list[tuple[int, int]]],
    base: dict[tuple[int, int], int],
    need: np.ndarray,
    rules: BreakRules,
    gap: int,
    stuck: list[tuple[int, int]],
) -> bool:
    """Place ``p``'s short breaks so far plus ``stuck`` together; False if none fit."""
    shorts = [lits for kind, _, lits in mine if kind == "break" and id(lits) in picks]
    for lits in shorts:
        y = next(y for m, y in lits if m == picks[id(lits)])
        _commit(y, info, on_break, lost, placed[p], sign=-1)
    group = [*shorts, stuck]
    best: tuple[int, tuple[tuple[int, int], ...]] | None = None
    for combo in itertools.product(*group):
        spans = []
        ok = True
        cost = 0
        slot_count: dict[tuple[int, int], int] = defaultdict(int)
        for _, y in combo:
            g, used, losses = info[y]
            lo, hi = used[0], used[-1] + 1
            if any(not (hi + gap <= a or b + gap <= lo) for a, b in [*placed[p], *spans]):
                ok = False
                break
            for u in used:
                slot_count[g, u] += 1
                if on_break[g, u] + slot_count[g, u] > break_cap(
                    heads[g, u], rules.max_share_on_break
                ):
                    ok = False
            if not ok:
                break
            spans.append((lo, hi))
            for t, loss in losses:
                have = base[g, t] - lost[g, t]
                cost += max(0, int(need[g, t]) - have + loss) - max(0, int(need[g, t]) - have)
        if ok and (best is None or cost < best[0]):
            best = (cost, combo)
    if best is None:
        return False
    for lits, (m, y) in zip(group, best[1], strict=True):
        _commit(y, info, on_break, lost, placed[p])
        picks[id(lits)] = m
    return True


def _greedy_day(
    data: RotaData,
    day: int,
    shifts: list[tuple[int, int, int]],
    choices: dict[int, list[tuple[str, int, list[tuple[int, int]]]]],
    greedy: list[int],
    cover_loss: dict[tuple[int, int], tuple[list[int], list[int]]],
    base: dict[tuple[int, int], int],
) -> DayBreaks:
    """The greedy placement with its under-cover (staff-hours) in the break windows."""
    chosen = set(greedy)
    short = 0
    for (g, t), (vs, cs) in cover_loss.items():
        lost = sum(c for k, c in zip(vs, cs, strict=True) if k in chosen)
        short += max(0, int(data.need[g, t]) - base[g, t] + lost)
    under_h = short * data.interval_min / 60 / COVER_SCALE
    breaks = _placed(data, day, shifts, choices, chosen)
    # no solver bound: reported as 0
    return DayBreaks(breaks=breaks, under_staff_h=under_h, bound_staff_h=0.0, status="greedy")


def _placed(
    data: RotaData,
    day: int,
    shifts: list[tuple[int, int, int]],
    choices: dict[int, list[tuple[str, int, list[tuple[int, int]]]]],
    chosen: set[int],
) -> dict[int, list[Break]]:
    """Each person's breaks (sorted) from the ``chosen`` candidates, one per break."""
    option_of = {q: o for q, o, _ in shifts}
    result: dict[int, list[Break]] = {}
    for p, mine in choices.items():
        start = data.options[day][option_of[p]].start
        placed = []
        for kind, length, lits in mine:
            m = next(m for m, k in lits if k in chosen)
            s = start + pd.Timedelta(minutes=m)
            placed.append(Break(s, s + pd.Timedelta(minutes=length), kind))
        result[p] = sorted(placed, key=lambda b: b.start)
    return result
