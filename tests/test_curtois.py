"""The Curtois & Qu importer, model, solver and checker on a tiny hand-written instance.

The instance (tests/fixtures/curtois_tiny.txt: one week, three people, two shifts) is small
enough to enumerate every roster: the solver's objective must equal the brute-force optimum.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import random
import time
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import DataError, InfeasibleError
from planner.schedule import curtois
from planner.schedule.curtois import Instance, check_roster, load_instance, parse_instance
from planner.schedule.curtois_columns import ColumnPool, NoRowError

TINY = Path(__file__).parent / "fixtures" / "curtois_tiny.txt"


@pytest.fixture(scope="module")
def tiny() -> Instance:
    return load_instance(TINY)


def _feasible_rows(instance: Instance, e: int) -> list[tuple[str, ...]]:
    """Every row (one week of shifts or "") that keeps employee ``e``'s hard rules."""
    alone = dataclasses.replace(
        instance,
        staff=[instance.staff[e]],
        days_off={0: instance.days_off.get(e, frozenset())},
        on_requests=[],
        off_requests=[],
        cover=[],
    )
    options = ["", *instance.shifts]
    return [
        row
        for row in itertools.product(options, repeat=instance.horizon)
        if not check_roster(alone, [list(row)])[0]
    ]


def _brute_force_optimum(instance: Instance) -> int:
    """The least penalty over every combination of feasible rows, computed without the model.

    Per row: its request penalty and a 0/1 vector of the (day, shift) cells it works; the cover
    penalty of a combination follows from the summed vectors. Vectorised over the last person.
    """
    cells = [(c.day, c.shift) for c in instance.cover]
    need = np.array([c.requirement for c in instance.cover])
    under_w = np.array([c.weight_under for c in instance.cover])
    over_w = np.array([c.weight_over for c in instance.cover])
    per_person = []
    for e in range(len(instance.staff)):
        rows = _feasible_rows(instance, e)
        works = np.array([[int(row[d] == s) for d, s in cells] for row in rows])
        asked = np.zeros(len(rows), dtype=int)
        for i, row in enumerate(rows):
            for r in instance.on_requests:
                asked[i] += r.weight * (r.employee == e and row[r.day] != r.shift)
            for r in instance.off_requests:
                asked[i] += r.weight * (r.employee == e and row[r.day] == r.shift)
        per_person.append((works, asked))
    *firsts, (last_works, last_asked) = per_person
    best = None
    for combo in itertools.product(*(range(len(w)) for w, _ in firsts)):
        staffed = sum(firsts[p][0][i] for p, i in enumerate(combo)) + last_works
        cost = (
            sum(firsts[p][1][i] for p, i in enumerate(combo))
            + last_asked
            + (np.maximum(need - staffed, 0) * under_w).sum(axis=1)
            + (np.maximum(staffed - need, 0) * over_w).sum(axis=1)
        )
        low = int(cost.min())
        best = low if best is None else min(best, low)
    assert best is not None
    return best


# ------------------------------------------------------------------------------------------
# Importer
# ------------------------------------------------------------------------------------------


def test_importer_reads_every_section(tiny: Instance) -> None:
    assert tiny.horizon == 7
    assert list(tiny.shifts) == ["E", "L"]
    assert tiny.shifts["L"].banned_next == ("E",)
    assert tiny.shifts["E"].banned_next == ()
    assert [c.id for c in tiny.staff] == ["A", "B", "C"]
    b = tiny.staff[1]
    assert (b.max_shifts, b.max_minutes, b.min_minutes) == ({"E": 3, "L": 0}, 1920, 960)
    assert (b.max_consecutive, b.min_consecutive, b.min_days_off, b.max_weekends) == (3, 1, 1, 0)
    assert tiny.days_off == {1: frozenset({3}), 2: frozenset({0})}
    assert [(r.employee, r.day, r.shift, r.weight) for r in tiny.on_requests] == [
        (0, 0, "E", 2),
        (2, 6, "L", 3),
        (1, 1, "E", 1),
    ]
    assert len(tiny.off_requests) == 2
    assert len(tiny.cover) == 14
    assert tiny.cover[10] == curtois.CoverRequirement(5, "E", 2, 10, 1)
    # Allowed shifts: none on a day off, never a shift with max 0.
    assert tiny.allowed_shifts(1, 3) == []
    assert tiny.allowed_shifts(1, 2) == ["E"]


GOOD = TINY.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("0,L,1,10,1", "0,X,1,10,1", "unknown shift 'X'"),
        ("B,3\n", "Z,3\n", "unknown employee 'Z'"),
        ("A,0,E,2", "A,9,E,2", "day 9 is outside the horizon 0..6"),
        ("C,2,E,1", "C,2,E", "expected 4 fields"),
        ("L,480,E", "L,long,E", "length of shift L must be a whole number"),
        ("L,480,E", "L,480,Q", "shift L bans unknown shift 'Q'"),
        ("A,E=7|L=7", "A,E7|L=7", "MaxShifts entry 'E7'"),
        ("SECTION_COVER", "SECTION_COVERS", "unknown section 'SECTION_COVERS'"),
        ("0,E,1,10,1\n", "0,E,1,10,1\n0,E,2,10,1\n", "cover for day 0 shift E is repeated"),
    ],
)
def test_bad_files_give_one_line_errors_naming_file_and_line(
    old: str, new: str, message: str
) -> None:
    assert old in GOOD
    bad = GOOD.replace(old, new, 1)
    with pytest.raises(DataError) as info:
        parse_instance(bad, source="bad.txt")
    text = str(info.value)
    assert message in text
    assert "\n" not in text
    # "bad.txt:<line>: ..." where <line> is the edited line (the last one of the edit).
    source, lineno, _ = text.split(":", 2)
    assert source == "bad.txt"
    offending = new.strip("\n").split("\n")[-1].strip()
    assert bad.splitlines()[int(lineno) - 1].strip().startswith(offending)


def test_missing_section_and_missing_file() -> None:
    start = GOOD.index("SECTION_STAFF")
    end = GOOD.index("SECTION_DAYS_OFF")
    with pytest.raises(DataError, match="SECTION_STAFF is missing"):
        parse_instance(GOOD[:start] + GOOD[end:], source="cut.txt")
    with pytest.raises(DataError, match="file not found"):
        load_instance(TINY.with_name("no_such_instance.txt"))


# ------------------------------------------------------------------------------------------
# Independent checker
# ------------------------------------------------------------------------------------------

# A roster that keeps every hard rule of the tiny instance (checked below).
VALID = [
    ["E", "E", "", "", "L", "L", ""],  # A: runs of 2, 2 days off, the last off-day at the border
    ["E", "E", "", "", "E", "", ""],  # B: off on day 3, no weekend, 3 E shifts
    ["", "E", "E", "L", "L", "", "L"],  # C: off on day 0; the last 1-day run touches the end
]


def test_checker_accepts_a_valid_roster_and_prices_it(tiny: Instance) -> None:
    violations, penalty = check_roster(tiny, VALID)
    assert violations == []
    breakdown = curtois.penalty_breakdown(tiny, VALID)
    # On-requests: A day 0 E, C day 6 L, B day 1 E are all met.
    # Off-requests: A day 4 L (worked: 2), C day 2 E (worked: 1).
    assert breakdown["on_requests"] == 0
    assert breakdown["off_requests"] == 3
    # E staffed per day 2,3,1,0,1,0,0 for 1,1,1,1,1,2,1: short 1+2+1, over 1+2.
    # L staffed per day 0,0,0,1,2,1,1 for 1 each: short 3, over 1.
    assert breakdown["cover_under"] == 10 * 4 + 10 * 3
    assert breakdown["cover_over"] == 3 + 1
    assert penalty == breakdown["total"] == 70 + 4 + 0 + 3


@pytest.mark.parametrize(
    ("employee", "row", "expected"),
    [
        (1, ["E", "E", "", "E", "", "", ""], "works on a day off"),
        (1, ["E", "E", "E", "", "", "E", ""], "weekends worked, max 0"),
        (1, ["E", "E", "E", "", "E", "", ""], "4 E shifts, max 3"),
        (0, ["E", "E", "", "", "L", "E", ""], "L followed by E"),
        (0, ["E", "E", "E", "E", "E", "", ""], "5 shifts in a row, max 4"),
        (0, ["E", "E", "", "", "E", "", ""], "1 shifts in a row, min 2"),
        (0, ["E", "E", "", "E", "E", "", ""], "1 days off in a row, min 2"),
        (0, ["E", "E", "", "", "", "", ""], "960 min worked, min 1440"),
        (2, ["", "E", "E", "E", "E", "E", "E"], "2880 min worked, max 2400"),
        (2, ["", "L", "L", "L", "L", "L", ""], "5 L shifts, max 4"),
    ],
)
def test_checker_finds_each_planted_violation(
    tiny: Instance, employee: int, row: list[str], expected: str
) -> None:
    roster = [list(r) for r in VALID]
    roster[employee] = row
    violations, _ = check_roster(tiny, roster)
    assert any(expected in v for v in violations), violations


def test_checker_exempts_short_runs_at_the_borders(tiny: Instance) -> None:
    roster = [list(r) for r in VALID]
    roster[0] = ["E", "", "", "E", "E", "", ""]  # a 1-day run on day 0, 1 day off at the end
    assert check_roster(tiny, roster)[0] == []
    roster[0] = ["", "", "E", "E", "", "", "L"]  # a 1-day run on the last day
    assert check_roster(tiny, roster)[0] == []
    roster[0] = ["", "E", "", "E", "E", "", ""]  # ... but not in the middle
    assert any("min 2" in v for v in check_roster(tiny, roster)[0])


def test_a_weekend_counts_once_when_both_days_are_worked(tiny: Instance) -> None:
    roster = [list(r) for r in VALID]
    roster[0] = ["E", "E", "", "", "", "L", "L"]  # A may work one weekend
    assert check_roster(tiny, roster)[0] == []


# ------------------------------------------------------------------------------------------
# Model and solver
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def optimum(tiny: Instance) -> int:
    return _brute_force_optimum(tiny)


def test_brute_force_enumerates_a_real_search_space(tiny: Instance, optimum: int) -> None:
    # Guard the reference itself: many rows per person, and the valid roster is no better.
    assert [len(_feasible_rows(tiny, e)) for e in range(3)] == [179, 10, 133]
    assert 0 < optimum < check_roster(tiny, VALID)[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_solver_matches_brute_force_optimum(tiny: Instance, optimum: int, workers: int) -> None:
    result = curtois.solve_instance(tiny, time_limit=20, workers=workers, seed=3)
    violations, penalty = check_roster(tiny, result.roster)
    assert violations == []
    assert penalty == result.objective == result.breakdown["total"]
    assert result.objective == optimum
    assert result.optimal
    assert result.bound == pytest.approx(optimum)
    # The plain full-model solve agrees.
    plain = curtois.solve_full(tiny, time_limit=20, workers=1, seed=0)
    assert plain.objective == optimum


def _search_from(instance: Instance, roster: list[list[str]]) -> curtois._Search:
    """An LNS search state whose best and current roster is ``roster``."""
    start = time.monotonic()
    search = curtois._Search(instance, start, start + 60)
    assert search.offer(roster, check_roster(instance, roster)[1])
    return search


def test_weekday_neighbourhood_frees_the_same_weekdays_of_every_week(tiny: Instance) -> None:
    two_weeks = dataclasses.replace(tiny, horizon=14)
    hood = curtois._Neighbourhood("weekdays", 3, 1, 7)
    for seed in range(20):
        free = curtois._free_cells(two_weeks, hood, [[""] * 14] * 3, random.Random(seed))
        weekdays = {d % 7 for _, d in free}
        assert 3 <= len(weekdays) <= 4
        # A freed (person, weekday) is freed in both weeks.
        assert {(e, d % 7) for e, d in free} == {(e, d) for e, d in free if d < 7}
        assert all((e, d + 7) in free for e, d in free if d < 7)


def test_requests_neighbourhood_frees_whole_rows_around_an_unmet_request(tiny: Instance) -> None:
    # VALID works A's off-request (A, day 4, L) and C's (C, day 2, E); the others are met.
    unmet = curtois._unmet_requests(tiny, VALID)
    assert sorted((r.employee, r.day, r.shift, on) for r, on in unmet) == [
        (0, 4, "L", False),
        (2, 2, "E", False),
    ]
    hood = curtois._Neighbourhood("requests", 2, 1, 3)
    seen = set()
    for seed in range(30):
        free = curtois._free_cells(tiny, hood, VALID, random.Random(seed))
        people = {e for e, _ in free}
        assert len(people) == 2
        assert free == {(e, d) for e in people for d in range(tiny.horizon)}  # whole rows
        assert people & {0, 2}  # someone whose request the roster refuses
        seen.add(frozenset(people))
    # C's off-request on day 2 frees C with someone who could take its E shift over: A or B
    # (off that day); B and C together arise from nothing else, as A's request frees A.
    assert frozenset({1, 2}) in seen and frozenset({0, 2}) in seen
    # A roster that meets every request falls back to random employees.
    met = dataclasses.replace(tiny, on_requests=[], off_requests=[])
    assert curtois._unmet_requests(met, VALID) == []
    assert len({e for e, _ in curtois._free_cells(met, hood, VALID, random.Random(0))}) == 2


def test_sub_solve_improves_then_walks_sideways_never_worse(tiny: Instance) -> None:
    # Without requests the tiny instance has several optimal rosters: a plateau to walk on.
    flat = dataclasses.replace(tiny, on_requests=[], off_requests=[])
    optimum = _brute_force_optimum(flat)
    everything = {(e, d) for e in range(3) for d in range(flat.horizon)}
    search = _search_from(flat, VALID)
    assert check_roster(flat, VALID)[1] > optimum
    # From a worse roster, a strict sub-solve over every cell reaches the optimum ...
    assert curtois._sub_solve(search, everything, 10.0, 0) == "improved"
    assert search.objective == optimum
    best = search.best
    assert check_roster(flat, best) == ([], optimum)
    # ... and then proves that nothing beats it.
    assert curtois._sub_solve(search, everything, 10.0, 0) == "proven"
    # A sideways step moves to another optimal roster that keeps every rule, and the best
    # roster is kept.
    assert curtois._sub_solve(search, everything, 10.0, 0, sideways=True) == "moved"
    walked = search.current
    assert walked != best
    assert check_roster(flat, walked) == ([], optimum)
    assert search.objective == search.current_objective == optimum
    assert search.best == best


def test_sub_solve_in_a_copy_of_the_full_model_matches_the_built_sub_model(
    tiny: Instance, optimum: int
) -> None:
    # Freeing at least half the staff copies the whole model instead of building a
    # sub-model: the same answers, cells outside the neighbourhood kept, cut and sideways kept.
    full = curtois.build_model(tiny)
    rng = random.Random(0)
    everything = [(e, d) for e in range(3) for d in range(tiny.horizon)]
    for _ in range(8):
        free = set(rng.sample(everything, len(everything) // 2)) | {(0, 0), (1, 0)}
        built = curtois._solve_rows(tiny, VALID, free, 10.0, 0)
        copied = curtois._solve_rows(tiny, VALID, free, 10.0, 0, full=full)
        assert built[0] == copied[0] == "solved"
        assert copied[1] is not None
        assert check_roster(tiny, copied[1]) == ([], check_roster(tiny, built[1])[1])
        assert all(copied[1][e][d] == VALID[e][d] for e, d in everything if (e, d) not in free)
    all_cells = set(everything)
    value = check_roster(tiny, VALID)[1]
    assert curtois._solve_rows(tiny, VALID, all_cells, 10.0, 0, cut=optimum - 1, full=full) == (
        "infeasible",
        None,
    )
    outcome, roster = curtois._solve_rows(tiny, VALID, all_cells, 10.0, 0, cut=value, full=full)
    assert outcome == "solved" and check_roster(tiny, roster) == ([], optimum)
    outcome, walked = curtois._solve_rows(
        tiny, roster, all_cells, 10.0, 0, cut=optimum, sideways=True, full=full
    )
    assert walked is None or (walked != roster and check_roster(tiny, walked)[1] == optimum)


def test_sub_model_of_some_rows_prices_the_whole_roster(tiny: Instance) -> None:
    # The sub-model of employees {0, 2}, with employee 1's cover as a constant, must price
    # every completion of VALID exactly as the checker does (less employee 1's requests).
    others = curtois.cover_counts([VALID[1]])
    sub = curtois.build_model(tiny, [0, 2], others)
    assert {e for e, _, _ in sub.x} == {0, 2}
    for (e, d, s), var in sub.x.items():
        sub.model.add(var == int(VALID[e][d] == s))
    solver = cp_model.CpSolver()
    assert solver.solve(sub.model) == cp_model.OPTIMAL
    outside = curtois._request_penalty(tiny, VALID, [1])
    assert solver.objective_value + outside == check_roster(tiny, VALID)[1]


def test_first_roster_is_built_row_by_row_and_keeps_every_rule(tiny: Instance) -> None:
    start = time.monotonic()
    search = curtois._Search(tiny, start, start + 30)
    curtois._first_roster(search, seed=1)
    assert search.best is not None
    violations, penalty = check_roster(tiny, search.best)
    assert violations == []
    assert search.objective == penalty


def test_first_roster_names_the_employee_whose_rules_admit_no_row(tiny: Instance) -> None:
    # B may work at most 3 E shifts and nothing else, but must work 4 shifts' worth of minutes.
    staff = list(tiny.staff)
    staff[1] = dataclasses.replace(staff[1], min_minutes=4 * 480, max_minutes=4 * 480)
    start = time.monotonic()
    search = curtois._Search(dataclasses.replace(tiny, staff=staff), start, start + 30)
    curtois._first_roster(search, seed=0)
    assert search.best is None
    assert search.infeasible is not None and "employee B" in search.infeasible
    with pytest.raises(InfeasibleError, match="employee B"):
        curtois.solve_instance(dataclasses.replace(tiny, staff=staff), time_limit=5, workers=2)


def test_size_caps_keep_a_large_instance_answerable() -> None:
    # 60 staff x 56 days x 6 shift types: over the full-model cap set here, so there is no
    # bound solve and the search runs on capped sub-models only; it must still return a
    # roster that keeps every hard rule, priced exactly.
    shifts = {s: curtois.Shift(s, 480, ()) for s in "ABCDEF"}
    contract = curtois.StaffContract(
        "P", dict.fromkeys(shifts, 56), 56 * 480 * 5 // 7, 30 * 480, 5, 2, 2, 4
    )
    staff = [dataclasses.replace(contract, id=f"P{i}") for i in range(60)]
    cover = [curtois.CoverRequirement(d, s, 6, 100, 1) for d in range(56) for s in shifts]
    big = curtois.Instance("synthetic", 56, shifts, staff, {}, [], [], cover)
    settings = curtois.SearchSettings(max_full_model_vars=10_000, max_sub_vars=2_000)
    result = curtois.solve_instance(big, time_limit=8, workers=2, seed=0, settings=settings)
    violations, penalty = check_roster(big, result.roster)
    assert violations == []
    assert penalty == result.objective
    assert result.bound == 0.0  # no bound solve above the cap
    assert all(hood.get("timeout", 0) >= 0 for hood in result.neighbourhoods.values())
    assert sum(sum(hood.values()) for hood in result.neighbourhoods.values()) > 0


def test_restart_starts_a_new_descent_and_keeps_the_best(tiny: Instance) -> None:
    search = _search_from(tiny, VALID)
    valid_penalty = check_roster(tiny, VALID)[1]
    assert not search.should_restart()  # the descent has only just begun
    # Pretend the descent reached its plateau after 1 s and then stalled for 20 s.
    now = time.monotonic()
    search.descent_started, search.last_big_gain = now - 21, now - 20
    assert search.should_restart()
    assert not search.should_restart()  # one restart at a time
    worse = [["E", "E", "", "", "", "", ""], ["", "", "", "", "", "", ""], VALID[2]]
    worse_penalty = valid_penalty + 100
    search.restart(worse, worse_penalty)
    assert search.current == worse and search.current_objective == worse_penalty
    assert search.best == VALID and search.objective == valid_penalty
    assert not search.should_restart()  # a new descent has just begun


# ------------------------------------------------------------------------------------------
# Column generation (planner.schedule.curtois_columns)
# ------------------------------------------------------------------------------------------


def test_column_generation_bound_and_recombination_reach_the_optimum(
    tiny: Instance, optimum: int
) -> None:
    pool = ColumnPool(tiny)
    pool.generate(time.monotonic() + 20, seed=0)
    assert pool.converged
    # The Dantzig-Wolfe bound never passes the optimum (on this instance it meets it).
    assert pool.proven_bound() <= optimum
    assert pool.proven_bound() == optimum
    # Every column keeps its employee's rules; picking one per employee gives the optimum.
    valid_penalty = check_roster(tiny, VALID)[1]
    found = pool.recombine(VALID, valid_penalty, 10.0)
    assert found is not None
    roster, value = found
    assert check_roster(tiny, roster) == ([], optimum)
    assert value == optimum
    # From the optimum it stays there: the hinted roster's rows are never left out.
    again = pool.recombine(roster, optimum, 10.0)
    assert again is not None and again[1] == optimum
    assert check_roster(tiny, again[0]) == ([], optimum)


def test_lagrangian_bound_holds_for_any_cover_duals(tiny: Instance, optimum: int) -> None:
    # Sum(duals x requirement) + each employee's least reduced cost is a lower bound for any
    # duals within [-weight_over, weight_under]; check it against the brute-force optimum.
    pool = ColumnPool(tiny)
    rng = random.Random(7)
    for _ in range(15):
        duals = {(c.day, c.shift): rng.uniform(-c.weight_over, c.weight_under) for c in tiny.cover}
        bound = sum(duals[c.day, c.shift] * c.requirement for c in tiny.cover)
        bound += sum(pool._price(e, duals, 5.0, 0)[1] for e in range(len(tiny.staff)))
        assert bound <= optimum + 1e-6


def test_reduced_cost_fixing_keeps_every_row_of_a_good_enough_roster(tiny: Instance) -> None:
    # After the bound is proved, recombine() drops the columns that cannot be part of a
    # roster of penalty <= cut. No row of a roster that meets the cut may be dropped.
    pool = ColumnPool(tiny)
    pool.generate(time.monotonic() + 20, seed=0)
    rows = [_feasible_rows(tiny, e) for e in range(len(tiny.staff))]
    rng = random.Random(3)
    dropped_any = False
    for _ in range(200):
        roster = [list(rng.choice(options)) for options in rows]
        penalty = check_roster(tiny, roster)[1]
        pool.add_roster(roster)
        for e, row in enumerate(roster):
            column = next(col for col in pool.columns[e] if col.row == tuple(row))
            assert pool._may_beat(e, column, penalty)
            dropped_any |= not pool._may_beat(e, column, pool.proven_bound())
    assert dropped_any  # the filter does rule columns out


def test_column_generation_gives_up_when_it_cannot_converge_in_time(tiny: Instance) -> None:
    pool = ColumnPool(tiny)
    pool.generate(time.monotonic() + 20, seed=0)
    assert pool.converged and not pool.too_slow
    # At 1 s a round, the usual ~20 rounds are hopeless in 5 s but not in 12 s (the margin
    # for a slow machine) or 100 s.
    slow = ColumnPool(tiny)
    slow.iterations, slow._round_s = 2, 1.0
    assert slow._hopeless(time.monotonic() + 5)
    assert not slow._hopeless(time.monotonic() + 12)
    assert not slow._hopeless(time.monotonic() + 100)
    slow.generate(time.monotonic() + 5)
    assert slow.too_slow and not slow.converged and slow.iterations == 2
    assert not slow.nearly_converged()
    # Judged once: past the second round it carries on to convergence.
    slow.iterations = 3
    assert not slow._hopeless(time.monotonic() + 5)


def test_no_row_error_names_the_employee(tiny: Instance) -> None:
    staff = list(tiny.staff)
    staff[1] = dataclasses.replace(staff[1], min_minutes=4 * 480, max_minutes=4 * 480)
    pool = ColumnPool(dataclasses.replace(tiny, staff=staff))
    with pytest.raises(NoRowError) as raised:
        pool.generate(time.monotonic() + 10)
    assert raised.value.employee == 1


def test_solver_reports_impossible_hard_rules(tiny: Instance) -> None:
    # Everyone must work at least 3 shifts but at most 2: no roster.
    staff = [dataclasses.replace(c, max_consecutive=1, max_minutes=960) for c in tiny.staff]
    impossible = dataclasses.replace(tiny, staff=staff)
    with pytest.raises(InfeasibleError, match="no roster satisfies the hard rules"):
        curtois.solve_instance(impossible, time_limit=5, workers=2)


def test_roster_csv_has_one_row_per_employee_and_day(tiny: Instance, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "roster.csv"
    curtois.write_roster_csv(tiny, VALID, out)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * 7
    assert rows[0] == {"employee": "A", "day": "0", "shift": "E"}
    assert rows[2] == {"employee": "A", "day": "2", "shift": ""}
    assert [p.name for p in out.parent.iterdir()] == ["roster.csv"]  # no temp file left


def test_cli_prints_breakdown_and_writes_roster(tiny: Instance, tmp_path: Path) -> None:
    out = tmp_path / "roster.csv"
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["benchmark-instance", str(TINY), "--time-limit", "10", "--out", str(out), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    assert "cover under" in result.output and "off-requests" in result.output
    assert "bound" in result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    roster = [[""] * 7 for _ in range(3)]
    for row in rows:
        roster["ABC".index(row["employee"])][int(row["day"])] = row["shift"]
    violations, penalty = check_roster(tiny, roster)
    assert violations == []
    assert f"objective {penalty} =" in result.output

    bad = runner.invoke(app, ["benchmark-instance", str(tmp_path / "nope.txt"), "--out", "x"])
    assert bad.exit_code == 2


def test_checker_handles_a_horizon_that_is_not_whole_weeks() -> None:
    # 12 days: one full weekend (days 5-6); day 12 would be the next Saturday, past the end.
    instance = parse_instance(GOOD.replace("\n7\n", "\n12\n", 1), source="twelve.txt")
    assert instance.horizon == 12
    roster = [[*row, "", "", "", "", ""] for row in VALID]
    roster[1][11] = "E"  # B (no weekends allowed) on the last day, a Friday: fine
    violations, _ = check_roster(instance, roster)
    assert not any("weekend" in v for v in violations), violations
