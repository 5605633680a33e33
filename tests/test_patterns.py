"""Each day-level pattern rule accepts exactly the day patterns a direct check accepts.

For a handful of days we enumerate every work pattern, fix the literals to it and ask CP-SAT
whether the rule holds (hard) or what it costs (soft), against a plain-Python reference.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from ortools.sat.python import cp_model

from planner.schedule import patterns

N_DAYS = 8


def _runs(bits: tuple[int, ...], value: int) -> list[tuple[int, int]]:
    """(start, length) of each maximal run of ``value`` in ``bits``."""
    runs, d = [], 0
    while d < len(bits):
        if bits[d] == value:
            start = d
            while d < len(bits) and bits[d] == value:
                d += 1
            runs.append((start, d - start))
        else:
            d += 1
    return runs


def _solve_fixed(
    bits: tuple[int, ...],
    build: Callable[[cp_model.CpModel, list[cp_model.IntVar]], list[cp_model.IntVar]],
) -> int | None:
    """Build a rule over literals fixed to ``bits``; return the min penalty, None if infeasible."""
    model = cp_model.CpModel()
    works = [model.new_bool_var(f"w{d}") for d in range(len(bits))]
    for w, b in zip(works, bits, strict=True):
        model.add(w == b)
    penalties = build(model, works)
    model.minimize(sum(penalties))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return None
    assert status == cp_model.OPTIMAL
    return round(solver.objective_value)


ALL_PATTERNS = list(itertools.product((0, 1), repeat=N_DAYS))


@pytest.mark.parametrize("max_run", [1, 3])
def test_max_consecutive_matches_direct_check(max_run: int) -> None:
    for bits in ALL_PATTERNS:
        excess = sum(max(0, length - max_run) for _, length in _runs(bits, 1))
        hard = _solve_fixed(
            bits, lambda m, w: patterns.add_max_consecutive_days(m, w, max_run, name="max")
        )
        assert (hard is not None) == (excess == 0), bits
        soft = _solve_fixed(
            bits,
            lambda m, w: patterns.add_max_consecutive_days(m, w, max_run, name="max", soft=True),
        )
        assert soft == excess, bits


def test_max_consecutive_counts_the_run_before_the_horizon() -> None:
    # 2 days worked before day 0, max 3: days 0 and 1 may not both be worked.
    def rule(m: cp_model.CpModel, w: list[cp_model.IntVar]) -> list[cp_model.IntVar]:
        return patterns.add_max_consecutive_days(m, w, 3, name="max", run_before=2)

    assert _solve_fixed((1, 0, 1, 1, 1), rule) == 0
    assert _solve_fixed((1, 1, 0, 1, 1), rule) is None


@pytest.mark.parametrize("min_run", [2, 3])
def test_min_consecutive_with_border_exemption(min_run: int) -> None:
    for bits in ALL_PATTERNS:
        short = [
            (s, n)
            for s, n in _runs(bits, 1)
            if n < min_run and s != 0 and s + n != len(bits)  # border runs are exempt
        ]
        hard = _solve_fixed(
            bits, lambda m, w: patterns.add_min_consecutive_days(m, w, min_run, name="min")
        )
        assert (hard is not None) == (not short), bits
        soft = _solve_fixed(
            bits,
            lambda m, w: patterns.add_min_consecutive_days(m, w, min_run, name="min", soft=True),
        )
        assert soft == len(short), bits


def test_min_consecutive_days_off_with_border_exemption() -> None:
    for bits in ALL_PATTERNS:
        short = [(s, n) for s, n in _runs(bits, 0) if n < 2 and s != 0 and s + n != len(bits)]
        hard = _solve_fixed(
            bits, lambda m, w: patterns.add_min_consecutive_days_off(m, w, 2, name="off")
        )
        assert (hard is not None) == (not short), bits


def test_min_consecutive_with_known_past_and_no_end_exemption() -> None:
    def rule(m: cp_model.CpModel, w: list[cp_model.IntVar]) -> list[cp_model.IntVar]:
        return patterns.add_min_consecutive_days(
            m, w, 3, name="min", run_before=0, exempt_end=False
        )

    assert _solve_fixed((1, 1, 1, 0, 0), rule) == 0
    assert _solve_fixed((1, 1, 0, 0, 0), rule) is None  # day 0 is no longer a border
    assert _solve_fixed((0, 0, 0, 1, 1), rule) is None  # nor is the last day

    def continued(m: cp_model.CpModel, w: list[cp_model.IntVar]) -> list[cp_model.IntVar]:
        return patterns.add_min_consecutive_days(m, w, 3, name="min", run_before=2)

    assert _solve_fixed((1, 0, 0, 0, 0), continued) == 0
    assert _solve_fixed((0, 0, 0, 0, 0), continued) is None  # a 2-day run ended at day -1


def test_max_weekends_counts_a_weekend_once_if_either_day_is_worked() -> None:
    assert patterns.weekend_days(14) == [[5, 6], [12, 13]]
    assert patterns.weekend_days(3, first_weekday=6) == [[0]]
    for bits in itertools.product((0, 1), repeat=4):
        # Days 5, 6, 12, 13 of a two-week horizon take these values; the rest are off.
        pattern = [0] * 14
        pattern[5], pattern[6], pattern[12], pattern[13] = bits
        worked = int(bits[0] or bits[1]) + int(bits[2] or bits[3])
        soft = _solve_fixed(
            tuple(pattern), lambda m, w: patterns.add_max_weekends(m, w, 1, name="we", soft=True)
        )
        assert soft == max(0, worked - 1), bits
        hard = _solve_fixed(
            tuple(pattern), lambda m, w: patterns.add_max_weekends(m, w, 1, name="we")
        )
        assert (hard is not None) == (worked <= 1), bits


def test_forbidden_successions_and_one_shift_per_day() -> None:
    model = cp_model.CpModel()
    shifts = [{s: model.new_bool_var(f"{s}{d}") for s in ("E", "L")} for d in range(3)]
    works = patterns.add_one_shift_per_day(model, shifts, name="p")
    patterns.add_forbidden_successions(model, shifts, [("L", "E")], name="seq", previous_shift="L")
    # Ask for as many early shifts as possible: L->E is banned, also from day -1 into day 0.
    model.maximize(sum(day["E"] for day in shifts) * 2 + sum(works))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    picked = [next((s for s, v in day.items() if solver.value(v)), "") for day in shifts]
    assert picked[0] != "E"
    assert all(not (a == "L" and b == "E") for a, b in itertools.pairwise(picked))
    assert [solver.value(w) for w in works] == [int(p != "") for p in picked]
    assert picked == ["", "E", "E"]  # the only plan worth 6
    assert solver.objective_value == 6


def test_total_range_soft_penalties_are_under_and_over() -> None:
    for bits in itertools.product((0, 1), repeat=5):
        count = sum(bits)
        soft = _solve_fixed(
            bits,
            lambda m, w: patterns.add_total_range(
                m, [(x, 1) for x in w], lo=2, hi=3, name="tot", soft=True
            ),
        )
        assert soft == max(0, 2 - count) + max(0, count - 3), bits
