"""A coverage-aware starting rota for stage 1: a lazy greedy that respects every hard rule.

CP-SAT is slow to build a good rota from scratch on the sample (its start from the hard rules
alone left ~40% of the need uncovered, and a minute of search barely moved it). The greedy adds
one shift at a time, the one that saves the most under-cover per paid hour, in three phases:

1. permanent/seasonal staff up to their weekly contract minimum (those hours are owed anyway, so
   only the cover they buy counts);
2. extra hours of staff and backup (priced at their labour cost);
3. hiring candidates, one at a time, kept only when the cover they save is worth more than their
   hire cost plus the hours they are owed.

Each addition is checked against the hard rules (one shift a day, rest, banned sequences,
consecutive days, days off and hours per week, backup cap, room for lunches); weekly minimums
still short at the end are repaired with the least harmful legal shifts. The answer is a complete
stage-1 assignment or ``None`` (the caller then falls back to CP-SAT's hard-rules start).
Marginal cover is submodular (a shift saves less once others cover the same intervals), so the
lazy evaluation (re-score only the best candidate) picks the true best at each step.
:func:`improve` then moves single shifts while that pays (local search), and
:func:`swap_shifts` swaps two people's shifts of a day while that pays (fairness, start times).
Once the bound's whole-horizon LP is solved, :func:`lp_start` rounds its solution into a second
start, which the local search takes over from (see :func:`greedy_start`).
"""

from __future__ import annotations

import heapq
import itertools
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator

import numpy as np

from planner.schedule.bound import LpPlan
from planner.schedule.model import COVER_SCALE, RotaData, lunch_room_ok

__all__ = ["greedy_start"]


class _State:
    """The partial rota and the tallies the hard-rule checks need."""

    def __init__(self, data: RotaData) -> None:
        self.data = data
        rules = data.scenario.rules
        self.rest_ns = round(rules.min_rest_h * 3600 * 10**9)
        self.max_run = rules.max_consecutive_days
        self.week_of = {d: w for w, week in enumerate(data.weeks) for d in week}
        self.off_needed = [
            rules.min_days_off_per_week
            if len(week) == 7
            else (rules.min_days_off_per_week * len(week)) // 7
            for week in data.weeks
        ]
        self.banned = _banned(data)
        self.work: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)  # p -> d -> (o, g)
        self.minutes: dict[tuple[int, int], int] = defaultdict(int)  # (p, week) -> paid minutes
        self.days_worked: dict[tuple[int, int], int] = defaultdict(int)  # (p, week) -> shifts
        self.total: dict[int, int] = defaultdict(int)  # p -> paid minutes over the horizon
        self.heads: dict[tuple[int, int, int], int] = defaultdict(int)  # (d, o, g) -> heads
        self.rem = data.need.astype(np.int64).copy()  # need still uncovered (×COVER_SCALE)
        self.over = np.zeros_like(self.rem)
        caps = {}
        for p, person in enumerate(data.people):
            member = person.member
            if member.kind == "backup" and member.max_hours_total is not None:
                caps[p] = round(member.max_hours_total * 60)
        self.backup_cap = caps
        # (day, option) -> cover as arrays, shared by copies (read-only once made)
        self.cover_arrays: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self.int_cover: dict[tuple[int, int, float], tuple[slice | np.ndarray, np.ndarray]] = {}
        self.int_total: dict[tuple[int, int, float], int] = {}  # its sum, same keys
        self.lunch_cache: dict[tuple[str, int, int], bool] = {}  # shared by copies
        self.spans: dict[tuple[int, int], tuple[int, int]] = {}  # shared by copies
        # Fairness tallies (``rules.add_fairness``): per kind, each eligible person's count
        # (carried counts included); a kind fewer than two people can work is not in the
        # model, so it is not tallied here either. Columns are the eligible people only.
        eligible = [p for p in range(len(data.people)) if data.fair_eligible(p)]
        self.fair_hit: dict[str, Callable[[int, int], bool]] = {}
        if data.scenario.schedule.weights.fairness > 0 and len(eligible) >= 2:
            for kind, hit in data.fair_kinds().items():
                can = [
                    p
                    for p in eligible
                    if data.fair_before.get((kind, p), 0)
                    or any(hit(d, o) for d, opts in data.people[p].options.items() for o in opts)
                ]
                if len(can) >= 2:
                    self.fair_hit[kind] = hit
        self.fair_col = {p: j for j, p in enumerate(eligible)}
        self.fair_cache: dict[tuple[int, int], tuple[int, ...]] = {}  # shared by copies
        self.fair_count = np.array(
            [[data.fair_before.get((kind, p), 0) for p in eligible] for kind in self.fair_hit],
            dtype=np.int64,
        ).reshape(len(self.fair_hit), len(eligible))
        total_contract = sum(data.people[p].member.contract_hours for p in eligible) or 1.0
        self.fair_share = np.array(
            [
                round(COVER_SCALE * data.people[p].member.contract_hours / total_contract)
                for p in eligible
            ],
            dtype=np.int64,
        )
        # Shift instants (ns) and names per (day, option), for the rest rule's inner loop
        self.start_ns = [[opt.start.value for opt in opts] for opts in data.options]
        self.end_ns = [[opt.end.value for opt in opts] for opts in data.options]
        self.names = [[opt.name for opt in opts] for opts in data.options]
        self.soft_cache: dict[tuple[int, int, int], float] = {}  # shared by copies
        self.longest = {
            p: max(
                (data.options[d][o].paid_min for d, opts in person.options.items() for o in opts),
                default=0,
            )
            for p, person in enumerate(data.people)
        }

    def cover(self, d: int, o: int) -> tuple[np.ndarray, np.ndarray]:
        """Grid indices and coverage (×COVER_SCALE) of option ``o`` on day ``d`` as arrays."""
        key = (d, o)
        if key not in self.cover_arrays:
            cover = self.data.options[d][o].cover
            self.cover_arrays[key] = (
                np.fromiter(cover.keys(), dtype=np.int64, count=len(cover)),
                np.fromiter(cover.values(), dtype=np.float64, count=len(cover)),
            )
        return self.cover_arrays[key]

    def span(self, d: int, o: int) -> tuple[int, int]:
        """First and one-past-last grid index option ``o`` of day ``d`` covers (cached)."""
        found = self.spans.get((d, o))
        if found is None:
            idx, _ = self.cover(d, o)
            found = (int(idx.min()), int(idx.max()) + 1) if len(idx) else (0, 0)
            self.spans[d, o] = found
        return found

    def cover_of(self, p: int, d: int, o: int) -> tuple[slice | np.ndarray, np.ndarray]:
        """Grid indices and integer coverage of ``p`` working option ``o`` on day ``d``.

        The option's cover times the person's ramp-up that day, rounded as the model rounds it;
        cached per (day, option, ramp level), shared by copies (the local search calls this
        ~250,000 times a minute). The indices are a slice when they run without a hole (a
        shift's intervals do): a view of the tallies, not a copy, which halves the cost.
        """
        prod = self.data.people[p].productivity.get(d, 1.0)
        key = (d, o, prod)
        found = self.int_cover.get(key)
        if found is None:
            idx, cov = self.cover(d, o)
            where: slice | np.ndarray = idx
            if len(idx) and idx[-1] - idx[0] == len(idx) - 1 and np.all(np.diff(idx) == 1):
                where = slice(int(idx[0]), int(idx[-1]) + 1)
            cov_int = np.rint(cov * prod).astype(np.int64)
            found = (where, cov_int)
            self.int_cover[key] = found
            self.int_total[key] = int(cov_int.sum())
        return found

    def cover_total(self, p: int, d: int, o: int) -> int:
        """Total integer coverage of ``p`` working option ``o`` on day ``d`` (:meth:`cover_of`
        summed, cached with it)."""
        key = (d, o, self.data.people[p].productivity.get(d, 1.0))
        if key not in self.int_total:
            self.cover_of(p, d, o)
        return self.int_total[key]

    def copy(self) -> _State:
        """An independent copy (to try a candidate and revert)."""
        new = object.__new__(_State)
        new.__dict__.update(self.__dict__)
        new.work = defaultdict(dict, {p: dict(v) for p, v in self.work.items()})
        new.minutes = defaultdict(int, self.minutes)
        new.days_worked = defaultdict(int, self.days_worked)
        new.total = defaultdict(int, self.total)
        new.heads = defaultdict(int, self.heads)
        new.rem = self.rem.copy()
        new.over = self.over.copy()
        new.fair_count = self.fair_count.copy()
        return new

    def fair_kinds_of(self, p: int, d: int, o: int) -> tuple[int, ...]:
        """Rows of :attr:`fair_count` that ``p`` working option ``o`` on day ``d`` counts in."""
        if p not in self.fair_col:
            return ()
        found = self.fair_cache.get((d, o))
        if found is None:
            found = tuple(i for i, hit in enumerate(self.fair_hit.values()) if hit(d, o))
            self.fair_cache[d, o] = found
        return found

    def fair_cost(self, kinds: set[int]) -> float:
        """Fairness penalty (currency) of the given kinds: the weight per shift a person works
        above their contract share of the team total, as ``rules.add_fairness`` counts it."""
        excess = 0
        for k in kinds:
            count = self.fair_count[k]
            excess += int(np.maximum(0, COVER_SCALE * count - self.fair_share * count.sum()).sum())
        return self.data.scenario.schedule.weights.fairness / COVER_SCALE * excess

    def start_changes(self, p: int, firsts: set[int]) -> int:
        """Start-time changes of ``p`` between days ``e`` and ``e + 1`` for ``e`` in ``firsts``
        (``rules.add_stable_start_times``: both days worked, different template starts)."""
        mine = self.work[p]
        options = self.data.options
        changes = 0
        for e in firsts:
            if e in mine and e + 1 in mine:
                start = options[e][mine[e][0]].template.start
                changes += start != options[e + 1][mine[e + 1][0]].template.start
        return changes

    def legal(self, p: int, d: int, o: int, g: int, *, check_min: bool = True) -> bool:
        """Whether person ``p`` may add option ``o`` on day ``d`` (group ``g``) now.

        ``check_min`` also requires the week's contract minimum to stay reachable.
        """
        data = self.data
        mine = self.work[p]
        if d in mine:
            return False
        opt = data.options[d][o]
        person = data.people[p]
        w = self.week_of[d]
        if self.minutes[p, w] + opt.paid_min > person.week_max[w]:
            return False
        if p in self.backup_cap and self.total[p] + opt.paid_min > self.backup_cap[p]:
            return False
        week = data.weeks[w]
        worked = self.days_worked[p, w] + 1
        if worked > len(week) - self.off_needed[w]:
            return False
        # Keep the weekly minimum reachable: the days still free must be able to make it up
        # with this person's longest shift (short shifts would otherwise eat the week's days).
        short = person.week_min[w] - self.minutes[p, w] - opt.paid_min
        room = len(week) - self.off_needed[w] - worked
        if check_min and short > 0 and room * self.longest[p] < short + self.longest[p]:
            # Not clearly reachable (less than a day of slack): check the free days for real.
            caps = sorted(
                (
                    max(
                        (
                            data.options[x][o2].paid_min
                            for o2 in person.options[x]
                            if self._rest_ok(p, x, o2, (d, o))
                        ),
                        default=0,
                    )
                    for x in week
                    if x != d and x not in mine and x in person.options
                ),
                reverse=True,
            )
            if sum(caps[: max(0, room)]) < short:
                return False
        if not self._rest_ok(p, d, o):
            return False
        run = 1
        e = d - 1
        while e in mine:
            run, e = run + 1, e - 1
        e = d + 1
        while e in mine:
            run, e = run + 1, e + 1
        if run > self.max_run:
            return False
        return self.lunch_ok(d, o, self.heads[d, o, g] + 1)

    def lunch_ok(self, d: int, o: int, n: int) -> bool:
        """:func:`lunch_room_ok`, cached per (template, paid minutes, heads): it depends on
        nothing else, and the greedy asks ~500,000 times for 200 people."""
        opt = self.data.options[d][o]
        key = (opt.template.name, opt.paid_min, n)
        found = self.lunch_cache.get(key)
        if found is None:
            found = self.lunch_cache[key] = lunch_room_ok(self.data, d, o, n)
        return found

    def _rest_ok(self, p: int, d: int, o: int, extra: tuple[int, int] | None = None) -> bool:
        """Rest and banned sequences of ``o`` on day ``d`` against ``p``'s shifts (+ ``extra``)."""
        work = self.work[p]
        start, end, name = self.start_ns[d][o], self.end_ns[d][o], self.names[d][o]
        # Only days d-2 .. d+2 matter (looked up, not scanned: this is the greedy's and the
        # local search's inner loop).
        for e in (d - 2, d - 1, d + 1, d + 2):
            if extra is not None and e == extra[0]:
                other = extra[1]
            else:
                found = work.get(e)
                if found is None:
                    continue
                other = found[0]
            if e < d:
                if start - self.end_ns[e][other] < self.rest_ns:
                    return False
                if e == d - 1 and (self.names[e][other], name) in self.banned:
                    return False
            else:
                if self.start_ns[e][other] - end < self.rest_ns:
                    return False
                if e == d + 1 and (name, self.names[e][other]) in self.banned:
                    return False
        return True

    def soft(self, p: int, d: int, o: int) -> float:
        """:func:`_soft_cost`, cached (shared by copies): the greedy asks ~500,000 times."""
        key = (p, d, o)
        found = self.soft_cache.get(key)
        if found is None:
            found = self.soft_cache[key] = _soft_cost(self.data, p, d, o)
        return found

    def remove(self, p: int, d: int) -> tuple[int, int]:
        """Undo ``p``'s shift of day ``d`` (exactly, by recomputing that group's tallies).

        Returns the change in (under-cover, over-cover), ×COVER_SCALE head-intervals, so a
        move is priced by what its steps return rather than by summing the tallies again.
        """
        o, g = self.work[p].pop(d)
        idx, c = self.cover_of(p, d, o)
        # Give back over-cover first, then the cover that had met need.
        over = self.over[g, idx]
        back_over = np.minimum(over, c)
        self.over[g, idx] = over - back_over
        self.rem[g, idx] += c - back_over
        given_back = int(back_over.sum())
        total = self.cover_total(p, d, o)
        paid = self.data.options[d][o].paid_min
        self.minutes[p, self.week_of[d]] -= paid
        self.days_worked[p, self.week_of[d]] -= 1
        self.total[p] -= paid
        self.heads[d, o, g] -= 1
        for k in self.fair_kinds_of(p, d, o):
            self.fair_count[k, self.fair_col[p]] -= 1
        return total - given_back, -given_back

    def gain(self, p: int, d: int, o: int, g: int) -> tuple[int, int]:
        """(under-cover saved, over-cover added) by the shift, ×COVER_SCALE head-intervals."""
        idx, c = self.cover_of(p, d, o)
        saved = int(np.minimum(c, self.rem[g, idx]).sum())
        return saved, self.cover_total(p, d, o) - saved

    def add(self, p: int, d: int, o: int, g: int) -> tuple[int, int]:
        """Commit the shift; returns the change in (under-cover, over-cover) as :meth:`remove`."""
        idx, c = self.cover_of(p, d, o)
        rem = self.rem[g, idx]
        saved = np.minimum(c, rem)
        self.rem[g, idx] = rem - saved
        self.over[g, idx] += c - saved
        met = int(saved.sum())
        total = self.cover_total(p, d, o)
        paid = self.data.options[d][o].paid_min
        self.work[p][d] = (o, g)
        self.minutes[p, self.week_of[d]] += paid
        self.days_worked[p, self.week_of[d]] += 1
        self.total[p] += paid
        self.heads[d, o, g] += 1
        for k in self.fair_kinds_of(p, d, o):
            self.fair_count[k, self.fair_col[p]] += 1
        return -met, total - met

    def priced_remove(self, p: int, d: int) -> tuple[int, int]:
        """What :meth:`remove` would return, without removing (:meth:`gain` is the same for
        :meth:`add`, signs aside)."""
        o, g = self.work[p][d]
        idx, c = self.cover_of(p, d, o)
        given_back = int(np.minimum(self.over[g, idx], c).sum())
        return self.cover_total(p, d, o) - given_back, -given_back


def _banned(data: RotaData) -> set[tuple[str, str]]:
    out = set()
    shifts = data.scenario.shifts
    for a, b in data.scenario.rules.banned_sequences:
        left = [t.name for t in shifts if a in (t.name, t.category)]
        right = [t.name for t in shifts if b in (t.name, t.category)]
        out |= {(x, y) for x in left for y in right}
    return out


def _soft_cost(data: RotaData, p: int, d: int, o: int) -> float:
    """Currency cost of the request/preference goals when ``p`` works ``o`` on day ``d``."""
    weights = data.scenario.schedule.weights
    member = data.people[p].member
    cost = 0.0
    day = data.days[d]
    for req in member.time_off_requests:
        if req.start <= day <= req.end:
            cost += weights.time_off_request * req.weight
    if member.preferred_shifts and data.options[d][o].name not in member.preferred_shifts:
        cost += weights.shift_preference
    return cost


def _run(state: _State, people: list[int], *, sunk_to_min: bool, priced: bool) -> float:
    """Lazy greedy over the shifts of ``people``; returns the net value added (currency).

    ``sunk_to_min``: only add shifts to weeks still below the contract minimum, unpriced.
    ``priced``: otherwise each shift costs its labour; stop when nothing has positive value.
    """
    data = state.data
    weights = data.scenario.schedule.weights
    unit_h = data.interval_min / 60 / COVER_SCALE
    w_under, w_over = weights.under_cover * unit_h, weights.over_cover * unit_h

    def score(p: int, d: int, o: int, g: int) -> float | None:
        w = state.week_of[d]
        below = state.minutes[p, w] < data.people[p].week_min[w]
        if sunk_to_min and not below:
            return None  # checked first: cheaper than the hard rules
        if not state.legal(p, d, o, g):
            return None
        paid = data.options[d][o].paid_min
        saved, over = state.gain(p, d, o, g)
        value = w_under * saved - w_over * over - state.soft(p, d, o)
        if priced and not sunk_to_min:
            value -= weights.labour_cost * paid * data.people[p].cost_per_min
        # Per paid hour, so short shifts that fit the need compete fairly with long ones.
        return value / paid * 60

    heap: list[tuple[float, int, int, int, int]] = []
    for p in people:
        for d, opts in data.people[p].options.items():
            for o in opts:
                for g in data.people[p].groups:
                    s = score(p, d, o, g)
                    if s is not None and (s > 0 or sunk_to_min):
                        heap.append((-s, p, d, o, g))
    heapq.heapify(heap)
    total = 0.0
    while heap:
        _, p, d, o, g = heapq.heappop(heap)
        s = score(p, d, o, g)
        if s is None or (s <= 0 and not sunk_to_min):
            continue
        if heap and s < -heap[0][0] - 1e-9:
            heapq.heappush(heap, (-s, p, d, o, g))  # stale: re-queue at its true value
            continue
        total += s * data.options[d][o].paid_min / 60
        state.add(p, d, o, g)
    return total


def _repair(state: _State, people: list[int]) -> bool:
    """Add the best legal shifts to every week still below its minimum; False if stuck."""
    data = state.data
    weights = data.scenario.schedule.weights
    unit_h = data.interval_min / 60 / COVER_SCALE
    for p in people:
        person = data.people[p]
        for w, week in enumerate(data.weeks):
            while state.minutes[p, w] < person.week_min[w]:
                best, best_v = None, None
                for d in week:
                    for o in person.options.get(d, []):
                        for g in person.groups:
                            if not state.legal(p, d, o, g):
                                continue
                            saved, over = state.gain(p, d, o, g)
                            v = weights.under_cover * unit_h * saved - weights.over_cover * (
                                unit_h * over
                            )
                            v -= state.soft(p, d, o)
                            if best_v is None or v > best_v:
                                best, best_v = (d, o, g), v
                if best is None and not _upgrade(state, p, week):
                    return False
                if best is not None:
                    state.add(p, *best)
    return True


def _upgrade(state: _State, p: int, week: list[int]) -> bool:
    """Swap one of ``p``'s shifts in ``week`` for a longer legal one; False if none."""
    data = state.data
    person = data.people[p]
    for d in week:
        if d not in state.work[p]:
            continue
        o, g = state.work[p][d]
        longer = sorted(
            (
                o2
                for o2 in person.options[d]
                if data.options[d][o2].paid_min > data.options[d][o].paid_min
            ),
            key=lambda o2: -data.options[d][o2].paid_min,
        )
        state.remove(p, d)
        for o2 in longer:
            for g2 in person.groups:
                if state.legal(p, d, o2, g2) or _legal_ignoring_min(state, p, d, o2, g2):
                    state.add(p, d, o2, g2)
                    return True
        state.add(p, d, o, g)
    return False


#: Share of the local search's moves that add a shift (:func:`_try_add`).
ADD_SHARE = 0.1

#: Share of the local search's time kept for rounds of :func:`swap_shifts` and
#: :func:`improve` in turn at its end (:func:`_alternate`).
SWAP_SHARE = 0.2

#: Longest round of :func:`swap_shifts`, then of :func:`improve`, in :func:`_alternate`. Each
#: neighbourhood opens moves for the other: on the real sample, from the LP's start after 12 s
#: of local search (642.8k), 30 s of such rounds reached 630.3k, where 30 s of local search and
#: then 16 s of swaps reached 634.5k.
ROUND_S = 3.0


def _legal_ignoring_min(state: _State, p: int, d: int, o: int, g: int) -> bool:
    """``legal`` without the look-ahead on the weekly minimum (the caller checks the minimum)."""
    return state.legal(p, d, o, g, check_min=False)


def greedy_start(
    data: RotaData,
    *,
    improve_s: float = 0.0,
    seed: int = 0,
    improve_until: float | None = None,
    lp_plan: Callable[[], LpPlan | None] | None = None,
    report: dict[str, object] | None = None,
) -> dict[int, list[tuple[int, int, int]]] | None:
    """A legal, coverage-aware stage-1 rota (day -> (person, option, group)), or None.

    Hired candidates are those who appear in the answer. ``improve_s`` seconds of
    :func:`improve` (local search), then, once it converges or for the last
    :data:`SWAP_SHARE` of them, rounds of :func:`swap_shifts` and :func:`improve` in turn
    (:func:`_alternate`), follow the greedy; ``improve_until`` (a
    ``time.perf_counter()`` instant) instead runs it until then, whatever the greedy took.

    ``lp_plan`` returns the bound's LP solution once there is one (the bound runs in another
    thread): the local search then stops, rounds it into a second start (:func:`lp_start`),
    searches from that for the time left, and keeps whichever of the two rotas is cheaper
    (on the real sample: 682k rounded, 629k after 25 s, against ~647k from the greedy's
    start). ``report``, if given, receives which start won and both objectives.
    """
    state = _State(data)
    staff = [p for p, person in enumerate(data.people) if not person.candidate]
    _run(state, staff, sunk_to_min=True, priced=False)
    if not _repair(state, staff):
        return None
    _run(state, staff, sunk_to_min=False, priced=True)
    weights = data.scenario.schedule.weights
    candidates = [p for p, person in enumerate(data.people) if person.candidate]
    # Earliest on the floor first: they cover the most weeks.
    candidates.sort(key=lambda p: (min(data.people[p].options, default=10**6), p))
    for p in candidates:
        trial = state.copy()
        before = _objective_part(trial)
        _run(trial, [p], sunk_to_min=False, priced=True)
        if not trial.work[p] or not _repair(trial, [p]):
            continue
        labour = (
            sum(data.options[d][o].paid_min for d, (o, _) in trial.work[p].items())
            * data.people[p].cost_per_min
        )
        net = (
            before
            - _objective_part(trial)
            - weights.labour_cost * (labour + data.people[p].hire_cost)
        )
        if net > 0:
            state = trial
    if improve_until is not None:
        improve_s = improve_until - time.perf_counter()
    if improve_s > 0:
        started = time.perf_counter()
        search_until = started + (1 - SWAP_SHARE) * improve_s
        ready = None if lp_plan is None else (lambda: lp_plan() is not None)
        improve(state, seconds=search_until - started, seed=seed, stop=ready)
        # converged before the LP landed: swaps and moves in turn while waiting for it
        _alternate(state, until=search_until, seed=seed, stop=ready)
        plan = None if lp_plan is None else lp_plan()
        report = {} if report is None else report
        report["start"] = "greedy"
        if plan is not None and time.perf_counter() < search_until:
            rounded = lp_start(data, plan)
            if rounded is not None:
                report["lp_plan_at_s"] = round(time.perf_counter() - started, 1)
                improve(rounded, seconds=search_until - time.perf_counter(), seed=seed)
                mine, theirs = state_objective(state), state_objective(rounded)
                report |= {"greedy_objective": round(mine), "lp_objective": round(theirs)}
                if theirs < mine:
                    state, report["start"] = rounded, "LP rounded"
        _alternate(state, until=started + improve_s, seed=seed)
    return _assignments(state)


def _alternate(
    state: _State, *, until: float, seed: int, stop: Callable[[], bool] | None = None
) -> None:
    """Rounds of shift swaps and local search in turn until ``until`` or ``stop()``, or until
    a round keeps nothing (the rota is then a local optimum of both, and the time is better
    left to the caller). Each round first adds the shifts that pay (moves may have freed room
    for them, hired candidates included)."""
    data = state.data
    for round_ in itertools.count():
        if until - time.perf_counter() <= 0 or (stop is not None and stop()):
            return
        on_rota = [
            p for p, person in enumerate(data.people) if not person.candidate or state.work[p]
        ]
        _run(state, on_rota, sunk_to_min=False, priced=True)
        left = until - time.perf_counter()
        _, swapped = swap_shifts(state, seconds=min(ROUND_S, left), seed=seed + round_)
        left = until - time.perf_counter()
        if left <= 0:
            return
        _, moved = improve(state, seconds=min(ROUND_S, left), seed=seed + round_, stop=stop)
        if swapped == moved == 0:
            return


def lp_start(data: RotaData, plan: LpPlan) -> _State | None:
    """A legal rota rounded from the bound's LP solution, or None if its weeks cannot be
    brought up to their contract minimums.

    Each candidate class is hired as many times as the LP hires it, rounded. Day by day, each
    class's heads are rounded (:func:`_round_heads`) and its shifts go to its members, each to
    the first member it is legal for (every hard rule, as in the greedy); then weeks below
    their minimum are repaired and shifts that pay are added, as the greedy does. Measured on
    the real sample (exact LP): 682k as rounded, against the greedy's 769k, and a different
    basin: 629k after 25 s of local search, against ~647k.
    """
    state = _State(data)
    on_rota = []
    for first, members in plan.classes.items():
        if data.people[first].candidate and first not in data.hired_before:  # as the LP has it
            members = members[: round(plan.hired.get(first, 0.0))]
        on_rota += members
    chosen = set(on_rota)
    for first, d in sorted(plan.shifts, key=lambda key: (key[1], key[0])):
        free = [p for p in plan.classes[first] if p in chosen]
        for o, g in _round_heads(plan.shifts[first, d]):
            taker = next((p for p in free if state.legal(p, d, o, g, check_min=False)), None)
            if taker is not None:
                state.add(taker, d, o, g)
                free.remove(taker)
    if not _repair(state, on_rota):
        return None
    _run(state, on_rota, sunk_to_min=False, priced=True)
    return state


def _round_heads(shifts: list[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """One class's (heads, option, group) of a day rounded to whole shifts: the day's total
    heads rounded, shared out by largest remainder (PDLP's solution spreads a head over
    several options, e.g. 0.3 on each of three, which rounding each alone would drop)."""
    total = round(sum(heads for heads, _, _ in shifts) + 1e-6)
    whole = [(int(heads + 1e-6), o, g) for heads, o, g in shifts]
    out = [(o, g) for n, o, g in whole for _ in range(n)][:total]
    rest = sorted(
        ((heads - n, o, g) for (heads, o, g), (n, _, _) in zip(shifts, whole, strict=True)),
        reverse=True,
    )
    out += [(o, g) for _, o, g in rest[: max(0, total - len(out))]]
    return out


def state_objective(state: _State) -> float:
    """The stage-1 objective of a state (currency) as the model prices it, burnout aside:
    cover, labour, requests and preferences, hires, fairness and start-time changes."""
    data = state.data
    weights = data.scenario.schedule.weights
    local = sum(
        _local_cost(state, p, d, o) for p, days in state.work.items() for d, (o, _) in days.items()
    )
    hires = sum(
        weights.labour_cost * data.people[p].hire_cost * data.hire_cost_share
        for p, days in state.work.items()
        if days and data.people[p].candidate
    )
    every_day = set(range(len(data.days)))
    starts = sum(state.start_changes(p, every_day) for p in state.work)
    return (
        _objective_part(state)
        + local
        + hires
        + state.fair_cost(set(range(len(state.fair_hit))))
        + weights.start_time_change * starts
    )


def _assignments(state: _State) -> dict[int, list[tuple[int, int, int]]]:
    """The state's rota as day -> [(person, option, group)]."""
    out: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for p, days in state.work.items():
        for d, (o, g) in days.items():
            out[d].append((p, o, g))
    return dict(out)


def _objective_part(state: _State) -> float:
    """Cover part of the objective (currency): under- and over-cover of the state."""
    w_under, w_over = _cover_weights(state)
    return float(w_under * state.rem.sum() + w_over * state.over.sum())


def _local_cost(state: _State, p: int, d: int, o: int) -> float:
    """Currency cost of ``p`` working option ``o`` on day ``d``: labour and requests."""
    data = state.data
    paid = data.options[d][o].paid_min
    return data.scenario.schedule.weights.labour_cost * paid * data.people[
        p
    ].cost_per_min + state.soft(p, d, o)


def improve(
    state: _State, *, seconds: float, seed: int = 0, stop: Callable[[], bool] | None = None
) -> tuple[int, int]:  # pragma: no branch - timing loop
    """Local search on a complete greedy rota: move one shift at a time while it pays.

    A move takes one worked shift and puts it back as another option or skill group the same
    day, on another free day of the same week, or (above the weekly minimum) drops it; it is
    kept when cover + labour + request costs fall. Every move re-checks the hard rules and never
    takes a week below its contract minimum. Runs for ``seconds``, or until ``stop()`` (asked
    every 200 moves) is true; returns (tried, kept).

    Nearly every move is turned down on its price, so a move is priced before anything
    changes (:meth:`_State.priced_remove`, :meth:`_State.gain`: cover, labour, requests) and
    only one that pays is made and checked against the hard rules. The random draws are
    Python's, not numpy's. Summing the touched tallies before and after each move, making and
    unmaking every move, and numpy's per-call overhead on single draws made it ~5× slower
    (~8,000 moves a second on the real sample, against ~40,000).
    """
    data = state.data
    rng = random.Random(seed)
    deadline = time.perf_counter() + seconds
    tried = kept = 0
    w_under, w_over = _cover_weights(state)

    # Stop early once moves stop paying (small teams converge in well under a second).
    patience = max(5000, 20 * sum(len(days) for days in state.work.values()))
    last_kept = 0
    while time.perf_counter() < deadline and tried - last_kept < patience:
        if stop is not None and stop():
            break
        workers = [p for p, days in state.work.items() if days]
        if not workers:
            break
        addable = [
            p
            for p, person in enumerate(data.people)
            if person.options and (not person.candidate or state.work[p])
        ]
        for _ in range(200):
            p = rng.choice(workers)
            person = data.people[p]
            if not state.work[p]:  # an earlier move in this batch dropped their last shift
                continue
            d = rng.choice(list(state.work[p]))
            if rng.random() < ADD_SHARE:
                if rng.random() < 0.5:  # anyone on the rota, idle backup staff included
                    p, d = rng.choice(addable), -1
                outcome = _try_add(state, p, d, rng, w_under, w_over)
                tried += outcome > 0
                if outcome == 2:
                    kept += 1
                    last_kept = tried
                continue
            o, g = state.work[p][d]
            w = state.week_of[d]
            kind = rng.randrange(3)
            if kind == 0:
                d2 = d
            elif kind == 1:
                free = [x for x in data.weeks[w] if x not in state.work[p] and x in person.options]
                if not free:
                    continue
                d2 = rng.choice(free)
            else:
                d2 = -1  # drop
            tried += 1
            if d2 >= 0:
                if not person.options.get(d2):
                    continue
                o2 = rng.choice(person.options[d2])
                g2 = rng.choice(person.groups)
                if (d2, o2, g2) == (d, o, g):
                    continue
            # The cheap rules first: the week's minimum, and a hired candidate keeps a shift.
            paid = data.options[d2][o2].paid_min if d2 >= 0 else 0
            if state.minutes[p, w] - data.options[d][o].paid_min + paid < person.week_min[w]:
                continue
            if d2 < 0 and person.candidate and len(state.work[p]) == 1:
                continue
            # Priced before anything changes: nearly every move is turned down on its price,
            # and then the tallies are never touched.
            before = _local_cost(state, p, d, o)
            if d2 >= 0 and g2 == g and _overlap(state.span(d, o), state.span(d2, o2)):
                # both shifts touch the same intervals: price the two steps one after the other
                under, over = state.remove(p, d)
                more_under, more_over = state.add(p, d2, o2, g2)
                state.remove(p, d2)
                state.add(p, d, o, g)
            else:
                under, over = state.priced_remove(p, d)
                saved, more_over = state.gain(p, d2, o2, g2) if d2 >= 0 else (0, 0)
                more_under = -saved
            after = w_under * (under + more_under) + w_over * (over + more_over)
            after += _local_cost(state, p, d2, o2) if d2 >= 0 else 0.0
            if after >= before - 1e-9:
                continue
            # It pays: make the move if the hard rules allow it.
            state.remove(p, d)
            if d2 < 0 or _legal_ignoring_min(state, p, d2, o2, g2):
                if d2 >= 0:
                    state.add(p, d2, o2, g2)
                kept += 1
                last_kept = tried
                continue
            state.add(p, d, o, g)
    return tried, kept


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two half-open spans of grid intervals share an interval."""
    return a[0] < b[1] and b[0] < a[1]


def _cover_weights(state: _State) -> tuple[float, float]:
    """Currency per ×COVER_SCALE head-interval of under- and of over-cover."""
    weights = state.data.scenario.schedule.weights
    unit_h = state.data.interval_min / 60 / COVER_SCALE
    return weights.under_cover * unit_h, weights.over_cover * unit_h


def _try_add(
    state: _State,
    p: int,
    d: int,
    rng: random.Random,
    w_under: float,
    w_over: float,
) -> int:
    """One "add" move of :func:`improve`: 0 if none applies, 1 if priced and undone, 2 if kept.

    ``p`` takes a shift on a free day: of the week of their shift on day ``d``, or with
    ``d = -1`` of any week (then one of that week's shifts, if any, is the ``d``). When the
    new shift would pass the week's maximum, the shift of day ``d`` is shortened to make
    room: 5 × 8.5 h becomes 4 × 8.5 + 6 + 4 h = 44 h, which single moves cannot reach (each
    step alone breaks the maximum or loses cover). Kept, like every move, when cover +
    labour + requests fall.
    """
    data = state.data
    person = data.people[p]
    mine = state.work[p]
    if d >= 0:
        free = [x for x in data.weeks[state.week_of[d]] if x not in mine and x in person.options]
    else:
        free = [x for x in person.options if x not in mine]
    if not free:
        return 0
    d2 = rng.choice(free)
    w = state.week_of[d2]
    if d < 0:
        worked = [x for x in data.weeks[w] if x in mine]
        d = rng.choice(worked) if worked else -1
    o2 = rng.choice(person.options[d2])
    g2 = rng.choice(person.groups)
    o = o1 = g = -1
    if d >= 0:
        o, g = mine[d]
        o1 = o
        if state.minutes[p, w] + data.options[d2][o2].paid_min > person.week_max[w]:
            shorter = [
                x
                for x in person.options[d]
                if data.options[d][x].paid_min < data.options[d][o].paid_min
            ]
            if not shorter:
                return 0
            o1 = rng.choice(shorter)
    before = _local_cost(state, p, d, o) if d >= 0 else 0.0
    under = over = 0  # change in cover, from what each step returns
    if o1 != o:
        under, over = state.remove(p, d)
        if not _legal_ignoring_min(state, p, d, o1, g):
            state.add(p, d, o, g)
            return 1
        more_under, more_over = state.add(p, d, o1, g)
        under, over = under + more_under, over + more_over
    if _legal_ignoring_min(state, p, d2, o2, g2):
        more_under, more_over = state.add(p, d2, o2, g2)
        after = w_under * (under + more_under) + w_over * (over + more_over)
        after += _local_cost(state, p, d2, o2)
        if d >= 0:
            after += _local_cost(state, p, d, o1)
        if after < before - 1e-9 and state.minutes[p, w] >= person.week_min[w]:
            return 2
        state.remove(p, d2)
    if o1 != o:
        state.remove(p, d)
        state.add(p, d, o, g)
    return 1


def swap_shifts(
    state: _State, *, seconds: float, seed: int = 0
) -> tuple[int, int]:  # pragma: no branch - timing loop
    """Exchange two people's shifts while that pays: on the same day, or across two days of a
    week when each is off on the other's day (who works the weekend and holiday shifts).

    The cover barely moves (only ramp-up or skill differences change it), so this prices what
    :func:`improve` does not: fairness (who works the late, weekend and holiday shifts),
    start-time changes, and labour, requests and preferences, beside cover. Measured on the
    sample after the local search: -10.4k (fairness 19.5k -> 14.9k, start-time changes 3.4k ->
    2.6k) in ~6 s, where the local search then gains ~3k. Each pass tries every pair of
    people on each day, then for each weekend or holiday day each of its workers against the
    people who work a day of that week they have off; days and pairs go in random order
    until ``seconds`` run out or a whole pass keeps nothing. Returns (tried, kept).
    """
    data = state.data
    rng = np.random.default_rng(seed)
    w_under, w_over = _cover_weights(state)
    w_start = data.scenario.schedule.weights.start_time_change
    deadline = time.perf_counter() + seconds
    tried = kept = 0
    options = [{d: set(opts) for d, opts in person.options.items()} for person in data.people]
    # Days whose every shift counts for fairness (weekends, holidays): moving a shift to
    # another day of the week is the only way to share those.
    hard_days = [
        d
        for d in range(len(data.days))
        if data.options[d]
        and all(
            any(hit(d, o) for hit in state.fair_hit.values()) for o in range(len(data.options[d]))
        )
    ]

    def value(p: int, q: int, days: set[int], kinds: set[int]) -> float:
        """Everything but cover that the exchange can change (cover: what the steps return)."""
        local = sum(
            _local_cost(state, r, d, state.work[r][d][0])
            for r in (p, q)
            for d in days
            if d in state.work[r]
        )
        firsts = {e for d in days for e in (d - 1, d)}
        changes = state.start_changes(p, firsts) + state.start_changes(q, firsts)
        return float(local + state.fair_cost(kinds) + w_start * changes)

    def exchange(p: int, d1: int, q: int, d2: int) -> bool:
        """p gives day d1's shift to q and takes q's shift of day d2 (d1 == d2: a swap)."""
        (o1, g1), (o2, g2) = state.work[p][d1], state.work[q][d2]
        if d1 == d2 and (o1, g1) == (o2, g2):
            return False
        if o2 not in options[p].get(d2, ()) or o1 not in options[q].get(d1, ()):
            return False
        if g2 not in data.people[p].groups or g1 not in data.people[q].groups:
            return False
        kinds = {
            k
            for r, d, o in ((p, d1, o1), (q, d2, o2), (p, d2, o2), (q, d1, o1))
            for k in state.fair_kinds_of(r, d, o)
        }
        days = {d1, d2}
        before = value(p, q, days, kinds)
        changes = [state.remove(p, d1), state.remove(q, d2)]
        if _legal_ignoring_min(state, p, d2, o2, g2):
            changes.append(state.add(p, d2, o2, g2))
            if _legal_ignoring_min(state, q, d1, o1, g1):
                changes.append(state.add(q, d1, o1, g1))
                cover = sum(w_under * under + w_over * over for under, over in changes)
                if (
                    all(
                        state.minutes[r, w] >= data.people[r].week_min[w]
                        for r in (p, q)
                        for w in {state.week_of[d1], state.week_of[d2]}
                    )
                    and cover + value(p, q, days, kinds) < before - 1e-9
                ):
                    return True
                state.remove(q, d1)
            state.remove(p, d2)
        state.add(p, d1, o1, g1)
        state.add(q, d2, o2, g2)
        return False

    def same_day() -> Iterator[tuple[int, int, int, int]]:
        for d in rng.permutation(len(data.days)).tolist():
            workers = [p for p, days in state.work.items() if d in days]
            order = rng.permutation(len(workers)).tolist()
            for i, a in enumerate(order):
                for b in order[i + 1 :]:
                    yield workers[a], d, workers[b], d

    def across_days() -> Iterator[tuple[int, int, int, int]]:
        for d1 in rng.permutation(hard_days).tolist():
            week = data.weeks[state.week_of[d1]]
            for p in [p for p, days in state.work.items() if d1 in days]:
                for d2 in week:
                    for q in [q for q, days in state.work.items() if d2 in days]:
                        yield p, d1, q, d2

    kept_in_pass = 1
    while kept_in_pass and time.perf_counter() < deadline:
        kept_in_pass = 0
        for pairs in (same_day(), across_days()):
            for seen, (p, d1, q, d2) in enumerate(pairs):
                if seen % 64 == 0 and time.perf_counter() >= deadline:
                    break
                # p works d1 and q works d2 (and, across days, neither works the other's day):
                # checked as the pass goes, since a kept exchange changes who works when
                mine, theirs = state.work[p], state.work[q]
                if d1 not in mine or d2 not in theirs:
                    continue
                if d1 != d2 and (d2 in mine or d1 in theirs):
                    continue
                tried += 1
                if exchange(p, d1, q, d2):
                    kept += 1
                    kept_in_pass += 1
    return tried, kept
