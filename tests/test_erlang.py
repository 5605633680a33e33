"""Erlang B/C/A: published values, exact rational arithmetic, a discrete-event simulation, and
properties (monotone in agents, zero volume, huge traffic, pyworkforce agreement)."""

from __future__ import annotations

import heapq
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from planner import erlang
from planner.errors import PlannerError

# ---------------------------------------------------------------------------------------------
# Exact references (textbook formulas in rational arithmetic: no floating point at all)
# ---------------------------------------------------------------------------------------------


def exact_erlang_b(n: int, traffic: Fraction) -> Fraction:
    """Erlang B by its recursion, in exact fractions."""
    b = Fraction(1)
    for k in range(1, n + 1):
        b = traffic * b / (k + traffic * b)
    return b


def exact_erlang_c(n: int, traffic: Fraction) -> Fraction:
    """The textbook Erlang C formula, sum of A^k/k!, in exact fractions."""
    head = sum(traffic**k / math.factorial(k) for k in range(n))
    top = traffic**n / math.factorial(n) * Fraction(n) / (n - traffic)
    return top / (head + top)


def test_published_example_telefonica_erlang_c_calculator():
    # Source: V. Rodríguez, "Erlang C calculator" (personal.telefonica.terra.es/web/vr/erlang/
    # eng/mcerlc.htm), worked example: 600 calls per hour of 120 s = 20 Erlangs; for a delay
    # probability target of 15% "the number of circuits needed are 26", average delay about
    # 3 s per call; "if circuits are incremented to 30, delay is reduced to 2.5%".
    # Checked independently in exact fractions: C(25)=0.2091, C(26)=0.1434, C(30)=0.02495.
    traffic = 600 * 120 / 3600
    assert traffic == 20
    assert float(exact_erlang_c(26, Fraction(20))) == pytest.approx(0.14340, abs=1e-5)
    # P(wait) <= 15% is a service level of 85% answered at once (target 0 s)
    assert erlang.agents_for_target(traffic, 120, 0.85, 0.0) == 26
    assert erlang.erlang_c(25, traffic) > 0.15 >= erlang.erlang_c(26, traffic)
    assert round(float(erlang.asa(26, traffic, 120))) == 3
    assert float(erlang.erlang_c(30, traffic)) == pytest.approx(0.025, abs=5e-4)


@pytest.mark.parametrize(
    ("n", "traffic"),
    [(1, "1/2"), (3, "5/2"), (11, "10"), (13, "10"), (14, "10"), (30, "25"), (57, "201/4")],
)
def test_erlang_c_equals_exact_rational_formula(n, traffic):
    a = Fraction(traffic)
    c = exact_erlang_c(n, a)
    aht, t = 180.0, 20.0
    assert float(erlang.erlang_c(n, float(a))) == pytest.approx(float(c), rel=1e-12)
    # service level and ASA follow from C by the textbook formulas
    sl = 1 - float(c) * math.exp(-(n - float(a)) * t / aht)
    assert float(erlang.service_level(n, float(a), aht, t)) == pytest.approx(sl, rel=1e-12)
    assert float(erlang.asa(n, float(a), aht)) == pytest.approx(
        float(c) * aht / (n - float(a)), rel=1e-12
    )


@pytest.mark.parametrize("n", [0, 5, 250, 290, 300, 301, 320, 360, 420])
def test_erlang_b_exact_around_and_far_from_the_traffic(n):
    # 300.25 Erlangs: the recursion warm-up starts well above 0 here, and 420 uses the
    # far-tail Poisson formula; both must agree with exact arithmetic.
    a = Fraction(1201, 4)
    assert float(erlang.erlang_b(n, float(a))) == pytest.approx(
        float(exact_erlang_b(n, a)), rel=1e-11
    )


# ---------------------------------------------------------------------------------------------
# An independent discrete-event simulation: M/M/n (+M) first-come first-served
# ---------------------------------------------------------------------------------------------


def simulate_queue(
    agents: int,
    traffic: float,
    aht_s: float,
    patience_s: float | None,
    target_s: float,
    customers: int,
    seed: int,
) -> dict[str, tuple[float, float]]:
    """Simulate a FCFS queue and return each measure with its batch-means standard error.

    Customers are taken in arrival order; each goes to the agent who frees up first. A caller
    whose wait would exceed her (exponential) patience abandons and takes no agent — the
    standard exact construction for FCFS M/M/n+M.
    """
    rng = np.random.default_rng(seed)
    lam = traffic / aht_s
    arrivals = np.cumsum(rng.exponential(1 / lam, customers))
    service = rng.exponential(aht_s, customers)
    patience = rng.exponential(patience_s, customers) if patience_s else np.full(customers, np.inf)
    free_at = [0.0] * agents
    wait = np.empty(customers)
    served = np.zeros(customers, dtype=bool)
    for i in range(customers):
        start = max(arrivals[i], free_at[0])
        w = start - arrivals[i]
        if w > patience[i]:
            wait[i] = patience[i]
            continue
        heapq.heapreplace(free_at, start + service[i])
        wait[i] = w
        served[i] = True
    keep = slice(customers // 20, None)  # drop the warm-up from an empty system
    wait, served = wait[keep], served[keep]
    batches = 20
    size = len(wait) // batches
    stats: dict[str, list[float]] = {"sl": [], "p_wait": [], "asa": [], "abandon": []}
    for b in range(batches):
        w, s = wait[b * size : (b + 1) * size], served[b * size : (b + 1) * size]
        stats["sl"].append(float(np.mean(s & (w <= target_s))))
        stats["p_wait"].append(float(np.mean(w > 0)))
        stats["asa"].append(float(w[s].mean()))
        stats["abandon"].append(float(1 - s.mean()))
    return {
        k: (float(np.mean(v)), float(np.std(v, ddof=1) / math.sqrt(batches)))
        for k, v in stats.items()
    }


SIM_CASES = [
    # agents, Erlangs, AHT s, patience s, answer target s
    (12, 10.0, 180.0, None, 20.0),  # Erlang C, moderately loaded
    (55, 50.0, 240.0, None, 30.0),  # Erlang C, bigger pool
    (10, 10.0, 180.0, 120.0, 20.0),  # Erlang A at agents == traffic (C would be unstable)
    (8, 10.0, 300.0, 600.0, 30.0),  # Erlang A overloaded: abandonment carries the queue
    (55, 50.0, 240.0, 90.0, 20.0),  # Erlang A, impatient callers
]


@pytest.mark.parametrize(("agents", "traffic", "aht", "patience", "target"), SIM_CASES)
def test_formulas_agree_with_simulation(agents, traffic, aht, patience, target):
    sim = simulate_queue(agents, traffic, aht, patience, target, customers=200_000, seed=11)
    m = erlang.queue_metrics(agents, traffic, aht, target, patience)
    theory = {
        "sl": float(m.service_level),
        "p_wait": float(m.p_wait),
        "asa": float(m.asa_s),
        "abandon": float(m.abandonment),
    }
    for key, (mean, se) in sim.items():
        # 4.5 standard errors (batch means) plus a hair for float noise: fails on a real bias
        tolerance = 4.5 * se + 1e-6 + (0.01 * theory[key] if key == "asa" else 0.0)
        assert abs(mean - theory[key]) <= tolerance, (key, mean, theory[key], se)


def test_erlang_a_tends_to_erlang_c_for_patient_callers():
    c = erlang.erlang_c_metrics(14, 10.0, 180.0, 20.0)
    a = erlang.erlang_a(14, 10.0, 180.0, 1e7, 20.0)
    assert float(a.service_level) == pytest.approx(float(c.service_level), abs=1e-4)
    assert float(a.asa_s) == pytest.approx(float(c.asa_s), rel=1e-3)
    assert float(a.abandonment) < 1e-5


def test_erlang_a_abandonment_matches_closed_form():
    # Mandelbaum & Zeltyn: P(Ab) = P(W>0)·(1/(ρ·S) + 1 - 1/ρ), S = sum_j prod_{i<=j} y/(x+i)
    n, a, aht, patience = 9, 10.0, 200.0, 150.0
    x, y = n * patience / aht, a * patience / aht
    s, term = 0.0, 1.0
    for j in range(2000):
        s += term
        term *= y / (x + j + 1)
    e = float(exact_erlang_b(n, Fraction(10)))
    p_wait = s * e / (1 + (s - 1) * e)
    rho = a / n
    expected = p_wait * (1 / (rho * s) + 1 - 1 / rho)
    m = erlang.erlang_a(n, a, aht, patience, 20.0)
    assert float(m.p_wait) == pytest.approx(p_wait, rel=1e-10)
    assert float(m.abandonment) == pytest.approx(expected, rel=1e-9)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


def test_more_agents_never_lower_the_service_level():
    rng = np.random.default_rng(3)
    for traffic in rng.uniform(0.2, 400.0, 12):
        agents = np.arange(0, int(traffic * 1.3) + 10, dtype=float)
        for patience in (None, 45.0, 900.0):
            m = erlang.queue_metrics(agents, traffic, 240.0, 20.0, patience)
            assert np.all(np.diff(m.service_level) >= -1e-12)
            assert np.all(np.diff(m.p_wait) <= 1e-12)
            assert np.all(np.diff(m.abandonment) <= 1e-12)
            finite = np.isfinite(m.asa_s)
            assert np.all(np.diff(m.asa_s[finite]) <= 1e-9)
            assert np.all((m.service_level >= 0) & (m.service_level <= 1))
            assert np.all((m.p_wait >= 0) & (m.p_wait <= 1))


def test_fractional_agents_interpolate_monotonically():
    agents = np.linspace(10, 16, 61)
    sl = erlang.service_level(agents, 10.0, 180.0, 20.0)
    assert np.all(np.diff(sl) >= 0)
    assert float(erlang.service_level(13.5, 10.0, 180.0, 20.0)) == pytest.approx(
        0.5 * float(erlang.service_level(13, 10.0, 180.0, 20.0))
        + 0.5 * float(erlang.service_level(14, 10.0, 180.0, 20.0))
    )


def test_zero_contacts_need_zero_agents_and_get_perfect_service():
    assert np.all(erlang.agents_for_target([0.0, 0.0], 300.0, 0.8, 20.0) == 0)
    assert float(erlang.agents_for_target(0.0, 300.0, 0.8, 20.0, patience_s=60.0)) == 0
    m = erlang.queue_metrics(0, 0.0, 300.0, 20.0)
    assert float(m.service_level) == 1.0 and float(m.asa_s) == 0.0 and float(m.occupancy) == 0.0


def test_unstable_queue_is_zero_service_not_a_probability_above_one():
    # pyworkforce returns P(wait) > 1 here and overflows on long targets; we must not.
    agents = np.array([1.0, 50.0, 99.0, 100.0])
    assert np.all(erlang.erlang_c(agents, 100.0) == 1.0)
    assert np.all(erlang.service_level(agents, 100.0, 300.0, 8 * 3600.0) == 0.0)
    assert np.all(np.isinf(erlang.asa(agents, 100.0, 300.0)))
    assert np.all(erlang.occupancy(agents, 100.0) == 1.0)
    # a ticket-like target of many AHTs with a few agents more than the traffic: SL ~ 1, finite
    assert float(erlang.service_level(101, 100.0, 300.0, 8 * 3600.0)) == pytest.approx(1.0)


@pytest.mark.parametrize("traffic", [5_000.0, 20_000.0])
def test_large_traffic_is_finite_and_minimal(traffic):
    n = float(erlang.agents_for_target(traffic, 300.0, 0.8, 20.0))
    assert math.isfinite(n)
    # square-root staffing: n = A + beta·sqrt(A) with beta between 0 and 1.5 for 80/20
    assert traffic < n < traffic + 1.5 * math.sqrt(traffic)
    assert float(erlang.service_level(n, traffic, 300.0, 20.0)) >= 0.8
    assert float(erlang.service_level(n - 1, traffic, 300.0, 20.0)) < 0.8
    patient = float(erlang.agents_for_target(traffic, 300.0, 0.8, 20.0, patience_s=120.0))
    assert math.isfinite(patient)
    a = erlang.erlang_a(patient, traffic, 300.0, 120.0, 20.0)
    assert 0.8 <= float(a.service_level) <= 1.0


def test_erlang_a_agents_are_the_smallest_meeting_the_target():
    for traffic, patience in [(3.0, 60.0), (10.0, 120.0), (42.0, 30.0), (150.0, 600.0)]:
        n = float(erlang.agents_for_target(traffic, 240.0, 0.8, 20.0, patience_s=patience))
        counts = np.arange(0, n + 1)
        sl = erlang.erlang_a(counts, traffic, 240.0, patience, 20.0).service_level
        assert sl[-1] >= 0.8
        assert np.all(sl[:-1] < 0.8)


def test_occupancy_cap_adds_agents():
    plain = float(erlang.agents_for_target(100.0, 300.0, 0.8, 60.0))
    capped = float(erlang.agents_for_target(100.0, 300.0, 0.8, 60.0, max_occupancy=0.85))
    assert capped == math.ceil(100.0 / 0.85) > plain
    assert float(erlang.occupancy(capped, 100.0)) <= 0.85


def test_matches_pyworkforce_agent_counts_on_ordinary_inputs():
    from pyworkforce.queuing import ErlangC

    grid = itertools.product([5, 30, 100, 250, 1000], [60, 300, 600], [0.7, 0.8, 0.9], [10, 20, 60])
    for contacts, aht, sl, answer in grid:
        theirs = ErlangC(transactions=contacts, aht=aht / 60, asa=answer / 60, interval=30)
        expected = theirs.required_positions(service_level=sl, max_occupancy=1.0)["raw_positions"]
        ours = float(erlang.agents_for_target(contacts * aht / 1800, aht, sl, answer))
        assert ours == expected, (contacts, aht, sl, answer)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"traffic": -1.0}, "must not be negative"),
        ({"aht_s": 0.0}, "aht_s"),
        ({"target_sl": 1.2}, "between 0 and 1"),
        ({"target_sl": 1.0, "target_s": 0.0}, "impossible"),
        ({"target_s": -5.0}, "answer-time"),
        ({"patience_s": 0.0}, "patience_s"),
        ({"max_occupancy": 0.0}, "max occupancy"),
    ],
)
def test_bad_inputs_are_one_line_planner_errors(kwargs, message):
    args = {"traffic": 10.0, "aht_s": 180.0, "target_sl": 0.8, "target_s": 20.0} | kwargs
    with pytest.raises(PlannerError, match=message) as info:
        erlang.agents_for_target(**args)
    assert "\n" not in str(info.value)


def test_priority_model_reduces_to_erlang_c_for_one_tier():
    traffic = np.array([0.0, 3.5, 10.0, 42.0, 300.0])
    n = erlang.agents_for_priority([traffic], 240.0, [0.8], [20.0])
    assert np.array_equal(n, erlang.agents_for_target(traffic, 240.0, 0.8, 20.0))
    agents = np.array([0.0, 4.0, 12.5, 45.0, 320.0])
    (tier,) = erlang.priority_metrics(agents, [traffic], 240.0, [20.0])
    plain = erlang.erlang_c_metrics(agents, traffic, 240.0, 20.0)
    assert np.allclose(tier.service_level, plain.service_level)
    assert np.allclose(tier.asa_s, plain.asa_s)


def test_priority_tiers_are_ordered_and_the_top_tier_survives_overload():
    # 30 agents, 10 urgent + 25 normal Erlangs: the pool is overloaded, urgent still served
    urgent, normal = erlang.priority_metrics(30.0, [10.0, 25.0], 300.0, [20.0, 20.0])
    assert float(normal.service_level) == 0.0 and np.isinf(float(normal.asa_s))
    assert 0.0 < float(urgent.service_level) <= 1.0
    urgent, normal = erlang.priority_metrics(40.0, [10.0, 25.0], 300.0, [20.0, 20.0])
    assert float(urgent.service_level) > float(normal.service_level)
    assert float(urgent.asa_s) < float(normal.asa_s)
    # the contact-weighted mean wait equals FCFS's (work conservation, equal handle times)
    fcfs = float(erlang.asa(40.0, 35.0, 300.0))
    mean = (10 * float(urgent.asa_s) + 25 * float(normal.asa_s)) / 35
    assert mean == pytest.approx(fcfs, rel=1e-9)


def test_random_targets_are_met_minimally_with_mixed_models():
    """Vectorised over mixed rows (Erlang C where patience is NaN): each answer is minimal."""
    rng = np.random.default_rng(8)
    size = 40
    traffic = rng.uniform(0.1, 80.0, size)
    aht = rng.uniform(60.0, 900.0, size)
    sl = rng.uniform(0.5, 0.95, size)
    answer = rng.choice([0.0, 10.0, 20.0, 60.0, 3600.0], size)
    patience = np.where(rng.random(size) < 0.5, np.nan, rng.uniform(20.0, 1200.0, size))
    cap = rng.uniform(0.7, 1.0, size)
    n = erlang.agents_for_target(traffic, aht, sl, answer, patience, cap)
    at = erlang.queue_metrics(n, traffic, aht, answer, patience)
    below = erlang.queue_metrics(n - 1, traffic, aht, answer, patience)
    assert np.all(at.service_level >= sl - 1e-12)
    assert np.all(at.occupancy <= cap + 1e-12)
    assert np.all((below.service_level < sl) | (below.occupancy > cap))
