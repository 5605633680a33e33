"""Queueing maths of a contact centre: Erlang B, Erlang C and Erlang A, vectorised and stable.

Every function takes numpy arrays (or scalars) and broadcasts them, so a whole year of intervals
is one call. Units: ``traffic`` is offered load in Erlangs (contacts per second × handle time in
seconds, i.e. the average number of agents busy), times are in seconds, probabilities in 0–1.

Models
------
* **Erlang C** (M/M/n): Poisson arrivals, exponential handle times, ``n`` agents, callers wait as
  long as it takes. ``P(wait) = C(n, A)``, service level ``1 - C·exp(-(n-A)·T/AHT)``,
  ``ASA = C·AHT/(n-A)``. With ``n ≤ A`` the queue is unstable: the service level is 0, the ASA
  infinite, P(wait) exactly 1 — never a "probability" above 1.
* **Erlang A** (Palm's M/M/n+M; Garnett, Mandelbaum & Reiman 2002): as Erlang C, but each caller
  abandons after an exponential patience with mean ``patience_s``. Computed exactly from the
  birth–death stationary distribution (see :func:`erlang_a`): P(wait), abandonment, the share
  *answered* within ``T`` (abandoned contacts count as failures, also those that abandon before
  ``T``), the ASA of answered contacts, and occupancy (carried load / agents).
* **Priority tiers** sharing one pool (non-pre-emptive priority M/M/n, one mean handle time):
  Erlang C of the total load for P(wait), the exact Kella–Yechiali mean wait per tier, an
  exponential conditional wait per tier (:func:`priority_metrics`, :func:`agents_for_priority`).

Numerical method
----------------
No factorials and no powers of the traffic. Erlang B comes from its forward recursion
``B(k) = A·B(k-1) / (k + A·B(k-1))``, which contracts errors (each step multiplies an error by less
than one), so it is started ``12·sqrt(A) + 20`` agents below ``min(n, A)`` from a rough guess
instead of at zero: the guess's error shrinks below ``exp(-70)`` before it matters, and a
20,000-Erlang queue costs ~1,800 cheap vector steps. Far above the traffic
(``n > A + 10·sqrt(A) + 10``) Erlang B equals the Poisson probability ``P(N = n)`` to within
``1e-20`` and is evaluated in log space with a Stirling series. Erlang A's queue sums are done in
log space too. Results are exact to about 1e-12 for any traffic from 0 to well beyond 20,000
Erlangs.

Fractional agents (e.g. scheduled heads after shrinkage) are handled by linear interpolation
between the neighbouring whole numbers of agents, which keeps every metric monotone in agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.errors import PlannerError

__all__ = [
    "ErlangAMetrics",
    "QueueMetrics",
    "agents_for_priority",
    "agents_for_target",
    "asa",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "occupancy",
    "priority_metrics",
    "queue_metrics",
    "service_level",
    "traffic_erlangs",
]

#: Erlang B recursion warm-up, in standard deviations of the traffic (sqrt(A)), plus a margin.
_WARMUP_SD = 12.0
_WARMUP_MARGIN = 20.0
#: Above A + _TAIL_SD·sqrt(A) + 10 agents Erlang B equals the Poisson pmf to ~1e-20.
_TAIL_SD = 10.0
#: A target counts as met when it is missed by less than this (float noise, not service).
_EPS = 1e-12
#: Cells (rows × queue positions) per block of the Erlang A sums; bounds memory to ~50 MB.
_BLOCK_CELLS = 1_000_000
_LOG_FACT_TABLE = np.array([math.lgamma(k + 1.0) for k in range(32)])


@dataclass(frozen=True)
class QueueMetrics:
    """Service measures of one or many queue×interval cells (arrays of one shape).

    Attributes:
        service_level: share of offered contacts answered within the target time (0–1).
        p_wait: probability an arriving contact waits at all (0–1).
        asa_s: average speed of answer of answered contacts, seconds (``inf`` if none are).
        abandonment: share of offered contacts that abandon (0 under Erlang C).
        occupancy: carried load divided by agents (0–1).
    """

    service_level: np.ndarray
    p_wait: np.ndarray
    asa_s: np.ndarray
    abandonment: np.ndarray
    occupancy: np.ndarray


#: Erlang A returns the same measures; the alias keeps the public name the issue asks for.
ErlangAMetrics = QueueMetrics


# ---------------------------------------------------------------------------------------------
# Input checks (one-line PlannerErrors)
# ---------------------------------------------------------------------------------------------


def _check(ok: np.ndarray | bool, message: str) -> None:
    if not np.all(ok):
        raise PlannerError(message)


def _validate(
    *,
    traffic: np.ndarray | None = None,
    agents: np.ndarray | None = None,
    aht_s: np.ndarray | None = None,
    target_sl: np.ndarray | None = None,
    target_s: np.ndarray | None = None,
    patience_s: np.ndarray | None = None,
    max_occupancy: np.ndarray | None = None,
) -> None:
    """Raise a one-line :class:`PlannerError` for the first impossible input."""
    if traffic is not None:
        _check(np.isfinite(traffic), "traffic must be a finite number of Erlangs (got NaN/inf)")
        _check(traffic >= 0, "contact volume must not be negative; check the contacts/forecast")
    if agents is not None:
        _check(~np.isnan(agents) & (agents >= 0), "agents must be >= 0")
    if aht_s is not None:
        _check(np.isfinite(aht_s) & (aht_s > 0), "aht_s (handle time) must be > 0 seconds")
    if target_sl is not None:
        _check(
            (target_sl > 0) & (target_sl <= 1),
            "target service level must be a fraction between 0 and 1, e.g. 0.8",
        )
        _check(
            target_sl < 1,
            "target service level 1.0 is impossible: no finite number of agents answers every "
            "contact in time; use e.g. 0.99",
        )
    if target_s is not None:
        _check(~np.isnan(target_s) & (target_s >= 0), "answer-time target must be >= 0 seconds")
    if patience_s is not None:
        _check(np.isnan(patience_s) | (patience_s > 0), "patience_s must be > 0 seconds")
    if max_occupancy is not None:
        _check(
            (max_occupancy > 0) & (max_occupancy <= 1),
            "max occupancy must be a fraction above 0 and at most 1, e.g. 0.85",
        )


def _arr(value: object) -> np.ndarray:
    return np.asarray(value, dtype=float)


# ---------------------------------------------------------------------------------------------
# Erlang B core
# ---------------------------------------------------------------------------------------------


def _log_factorial(n: np.ndarray) -> np.ndarray:
    """``log(n!)`` for whole n >= 0: a table below 32, a Stirling series above (error < 1e-16)."""
    out = np.empty_like(n, dtype=float)
    small = n < len(_LOG_FACT_TABLE)
    out[small] = _LOG_FACT_TABLE[n[small].astype(np.int64)]
    x = n[~small] + 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
    out[~small] = (x - 0.5) * np.log(x) - x + 0.5 * math.log(2 * math.pi) + series
    return out


def _log_erlang_b_1d(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log Erlang B for 1-D arrays of whole agents ``n >= 0`` and traffic ``a >= 0``."""
    out = np.empty(n.shape, dtype=float)
    zero = a <= 0
    out[zero] = np.where(n[zero] == 0, 0.0, -np.inf)
    sd = np.sqrt(a)
    tail = ~zero & (n > a + _TAIL_SD * sd + 10)
    if tail.any():
        nt, at = n[tail], a[tail]
        out[tail] = nt * np.log(at) - at - _log_factorial(nt)
    rec = np.flatnonzero(~zero & ~tail)
    if rec.size:
        nn, aa = n[rec], a[rec]
        start = np.maximum(
            0.0, np.minimum(nn, np.floor(aa)) - np.ceil(_WARMUP_SD * np.sqrt(aa) + _WARMUP_MARGIN)
        )
        # Any positive guess works (the recursion forgets it); the fluid value is a good one.
        guess = np.where(start == 0, 1.0, 1.0 - start / aa)
        steps = (nn - start).astype(np.int64)
        # Sort by steps, longest first: the rows still stepping are always a prefix (no copies).
        order = np.argsort(-steps, kind="stable")
        a_s, b_s, k_s = aa[order], guess[order], start[order]
        neg_steps = -steps[order]
        for s in range(int(steps[order[0]]) if steps.size else 0):
            m = int(np.searchsorted(neg_steps, -s, side="left"))
            ab = a_s[:m] * b_s[:m]
            k_s[:m] += 1.0
            b_s[:m] = ab / (k_s[:m] + ab)
        result = np.empty_like(b_s)
        result[order] = b_s
        with np.errstate(divide="ignore"):
            out[rec] = np.log(result)
    return out


def erlang_b(agents: object, traffic: object) -> np.ndarray:
    """Erlang B blocking probability for whole numbers of agents (loss system M/M/n/n).

    Args:
        agents: whole numbers of servers (>= 0), any shape.
        traffic: offered load in Erlangs (>= 0), broadcast with ``agents``.

    Returns:
        B(n, A) in 0–1, same shape as the broadcast inputs.
    """
    n, a = np.broadcast_arrays(np.floor(_arr(agents)), _arr(traffic))
    _validate(traffic=a, agents=n)
    return np.exp(_log_erlang_b_1d(n.ravel().copy(), a.ravel().copy())).reshape(n.shape)


# ---------------------------------------------------------------------------------------------
# Erlang C
# ---------------------------------------------------------------------------------------------


def _erlang_c_int(n: np.ndarray, a: np.ndarray, aht: np.ndarray, t: np.ndarray) -> QueueMetrics:
    """Erlang C measures for 1-D arrays with whole ``n``."""
    b = np.exp(_log_erlang_b_1d(n, a))
    stable = n > a
    idle = a <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
        c = np.clip(c, 0.0, 1.0)
        sl = np.where(stable, 1.0 - c * np.exp(-np.maximum(n - a, 0.0) * t / aht), 0.0)
        asa_s = np.where(stable, c * aht / (n - a), np.inf)
        occ = np.where(stable, a / np.where(n > 0, n, 1.0), 1.0)
    c = np.where(idle, 0.0, c)
    sl = np.where(idle, 1.0, np.clip(sl, 0.0, 1.0))
    asa_s = np.where(idle, 0.0, asa_s)
    occ = np.where(idle, 0.0, occ)
    return QueueMetrics(sl, c, asa_s, np.zeros_like(sl), occ)


def _interpolated(func, agents: np.ndarray, *args: np.ndarray) -> QueueMetrics:
    """Evaluate ``func`` at whole agents and interpolate linearly for fractional ones."""
    lo = np.floor(agents)
    w = agents - lo
    base = func(lo, *args)
    frac = np.flatnonzero(w > 0)
    if frac.size == 0:
        return base
    upper = func(lo[frac] + 1.0, *(x[frac] for x in args))
    fields = {}
    for name in ("service_level", "p_wait", "asa_s", "abandonment", "occupancy"):
        values = getattr(base, name).copy()
        lo_v, hi_v, wf = values[frac], getattr(upper, name), w[frac]
        with np.errstate(invalid="ignore"):
            mixed = lo_v * (1.0 - wf) + hi_v * wf
        # an infinite ASA at the lower count stays infinite: some contacts are never answered
        values[frac] = np.where(np.isinf(lo_v), lo_v, mixed)
        fields[name] = values
    return QueueMetrics(**fields)


def _broadcast_1d(*values: object) -> tuple[tuple[int, ...], list[np.ndarray]]:
    arrays = np.broadcast_arrays(*(_arr(v) for v in values))
    shape = arrays[0].shape
    return shape, [x.ravel().copy() for x in arrays]


def _reshape(metrics: QueueMetrics, shape: tuple[int, ...]) -> QueueMetrics:
    return QueueMetrics(
        *(getattr(metrics, f).reshape(shape) for f in QueueMetrics.__dataclass_fields__)
    )


def erlang_c_metrics(
    agents: object, traffic: object, aht_s: object, target_s: object
) -> QueueMetrics:
    """All Erlang C measures at once (one Erlang B evaluation).

    Args:
        agents: agents on the queue (may be fractional: interpolated), >= 0.
        traffic: offered load, Erlangs.
        aht_s: average handle time, seconds (> 0).
        target_s: answer-time target of the service level, seconds (>= 0).
    """
    shape, (n, a, aht, t) = _broadcast_1d(agents, traffic, aht_s, target_s)
    _validate(agents=n, traffic=a, aht_s=aht, target_s=t)
    return _reshape(_interpolated(_erlang_c_int, n, a, aht, t), shape)


def erlang_c(agents: object, traffic: object) -> np.ndarray:
    """Probability that a contact waits (Erlang C); exactly 1 when ``agents <= traffic``."""
    return erlang_c_metrics(agents, traffic, 1.0, 0.0).p_wait


def service_level(agents: object, traffic: object, aht_s: object, target_s: object) -> np.ndarray:
    """Share of contacts answered within ``target_s`` seconds (Erlang C); 0 when unstable."""
    return erlang_c_metrics(agents, traffic, aht_s, target_s).service_level


def asa(agents: object, traffic: object, aht_s: object) -> np.ndarray:
    """Average speed of answer in seconds (Erlang C); ``inf`` when ``agents <= traffic``."""
    return erlang_c_metrics(agents, traffic, aht_s, 0.0).asa_s


def occupancy(agents: object, traffic: object) -> np.ndarray:
    """Share of agents' on-queue time spent handling contacts: ``traffic/agents``, at most 1."""
    n, a = np.broadcast_arrays(_arr(agents), _arr(traffic))
    _validate(agents=n, traffic=a)
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, a / np.where(n > 0, n, 1.0), np.where(a > 0, 1.0, 0.0))
    return np.minimum(occ, 1.0)


def traffic_erlangs(contacts: object, aht_s: object, interval_s: object) -> np.ndarray:
    """Offered load in Erlangs of ``contacts`` arriving in an interval of ``interval_s`` seconds."""
    return _arr(contacts) * _arr(aht_s) / _arr(interval_s)


# ---------------------------------------------------------------------------------------------
# Erlang A (M/M/n+M)
# ---------------------------------------------------------------------------------------------


def _queue_positions(n: np.ndarray, a: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """How many queue positions the Erlang A sums need (mass beyond them < exp(-40)).

    ``ratio`` is patience / AHT. The weights r_j peak at j = y - x and fall like a Gaussian of
    width sqrt(max(x, y)) on either side, so 9 widths past the peak leave < exp(-40).
    """
    x = n * ratio
    y = a * ratio
    spread = np.sqrt(np.maximum(np.maximum(x, y), 1.0))
    return np.ceil(np.maximum(y - x, 0.0) + 9.0 * spread + 12)


def _accumulate(block: np.ndarray, reverse: bool = False) -> None:
    """In-place cumulative sum along axis 0 (row by row: ~8× faster than ``np.cumsum`` here)."""
    if reverse:
        for k in range(block.shape[0] - 2, -1, -1):
            block[k] += block[k + 1]
    else:
        for k in range(1, block.shape[0]):
            block[k] += block[k - 1]


def _erlang_a_block(
    n: np.ndarray,
    a: np.ndarray,
    ratio: np.ndarray,
    theta_t: np.ndarray,
    log_e: np.ndarray,
    width: int,
) -> tuple[np.ndarray, ...]:
    """Erlang A sums over queue positions 0..width-1 for rows with n >= 1 and a > 0.

    With x = n·patience/AHT and y = A·patience/AHT, an arrival finds j waiting ahead with
    probability p_j ∝ E·r_j, r_j = prod_{i<=j} y/(x+i). She is served with probability
    x/(x+j+1); served within T with x/(x+j+1)·(1 - I_q(x+1, j+1)), q = exp(-T/patience) (her
    offered wait is the (j+1)-th order statistic of x+j exponential lifetimes — a Beta law);
    her mean wait if served is patience·x/(x+j+1)·sum_{i<=j+1} 1/(x+i).
    """
    # Layout: queue position j along axis 0, rows along axis 1, so every cumulative sum runs
    # over contiguous rows (several times faster than accumulating along the last axis).
    rows = n.size
    j = np.arange(width, dtype=float)[:, None]
    x = n * ratio
    y = a * ratio
    xj = x[None, :] + j  # x + j, shared by every sum below
    log_xj = np.log(xj[1:])
    # queue weights r_j in log space, rescaled by their peak (at j = y - x) before exp
    buf = np.empty((width, rows))
    buf[0] = 0.0
    np.subtract(np.log(y)[None, :], log_xj, out=buf[1:])
    _accumulate(buf)
    peak = np.clip(np.floor(y - x), 0, width - 1).astype(np.int64)
    top = buf[peak, np.arange(rows)]
    buf -= top[None, :]
    w = np.exp(buf, out=buf)  # r_j / r_peak, at most 1
    w_sum = w.sum(axis=0)
    log_s = top + np.log(w_sum)
    # P(wait) = S·E / (1 + (S-1)·E) written so that neither S nor 1/E can overflow
    with np.errstate(over="ignore", divide="ignore"):
        p_wait = 1.0 / (1.0 + (1.0 - np.exp(log_e)) * np.exp(np.minimum(-(log_e + log_s), 700.0)))
    factor = p_wait / w_sum * x  # p_j · x/(x+j+1) = factor · w_j / (x+j+1)
    inv = np.reciprocal(xj + 1.0)
    g = w * inv  # in units of factor
    served_after_wait = factor * g.sum(axis=0)
    abandonment = np.clip(p_wait - served_after_wait, 0.0, 1.0)
    # answered later than T: sum_k NB_k · G_k, NB the negative-binomial weights of I_q(x+1, ·)
    tail = g.copy()
    _accumulate(tail, reverse=True)
    with np.errstate(divide="ignore"):
        # T = 0 gives log u = -inf; a huge finite stand-in keeps 0·log u = 0 in the sums
        log_u = np.maximum(np.log(-np.expm1(-theta_t)), -1e300)
    nb = np.empty((width, rows))
    nb[0] = -(x + 1.0) * theta_t
    np.subtract(log_xj, np.log(j[1:]), out=nb[1:])
    nb[1:] += log_u[None, :]
    _accumulate(nb)
    np.exp(nb, out=nb)
    late = factor * np.einsum("ji,ji->i", nb, tail)
    sl = np.clip((1.0 - p_wait) + served_after_wait - late, 0.0, 1.0)
    _accumulate(inv)  # harmonic sums H_j = sum_{i<=j+1} 1/(x+i)
    wait_in_patience_units = factor * np.einsum("ji,ji->i", g, inv)
    return sl, p_wait, wait_in_patience_units, abandonment


def _erlang_a_int(
    n: np.ndarray, a: np.ndarray, aht: np.ndarray, patience: np.ndarray, t: np.ndarray
) -> QueueMetrics:
    """Erlang A measures for 1-D arrays with whole ``n``."""
    size = n.size
    sl = np.ones(size)
    p_wait = np.zeros(size)
    asa_s = np.zeros(size)
    ab = np.zeros(size)
    occ = np.zeros(size)
    nobody = (n == 0) & (a > 0)  # every contact waits and, in the end, abandons
    sl[nobody], p_wait[nobody], asa_s[nobody], ab[nobody], occ[nobody] = 0.0, 1.0, np.inf, 1.0, 0
    rows = np.flatnonzero((n > 0) & (a > 0))
    if rows.size:
        ratio = patience[rows] / aht[rows]
        width = _queue_positions(n[rows], a[rows], ratio).astype(np.int64)
        log_e = _log_erlang_b_1d(n[rows], a[rows])
        theta_t = t[rows] / patience[rows]
        order = np.argsort(width, kind="stable")
        i = 0
        while i < order.size:
            count = max(1, _BLOCK_CELLS // int(width[order[i]]))
            stop = min(order.size, i + count)
            wmax = int(width[order[stop - 1]])
            stop = min(stop, i + max(1, _BLOCK_CELLS // wmax))
            wmax = int(width[order[stop - 1]])
            sel = order[i:stop]
            r = rows[sel]
            s, pw, wait_units, abd = _erlang_a_block(
                n[r], a[r], ratio[sel], theta_t[sel], log_e[sel], wmax
            )
            sl[r], p_wait[r], ab[r] = s, pw, abd
            with np.errstate(divide="ignore", invalid="ignore"):
                asa_s[r] = np.where(abd < 1.0, wait_units * patience[r] / (1.0 - abd), np.inf)
            occ[r] = np.minimum(a[r] * (1.0 - abd) / n[r], 1.0)
            i = stop
    return QueueMetrics(sl, p_wait, asa_s, ab, occ)


def erlang_a(
    agents: object, traffic: object, aht_s: object, patience_s: object, target_s: object
) -> ErlangAMetrics:
    """Erlang A (M/M/n+M) measures: answered-in-time share, P(wait), ASA, abandonment, occupancy.

    Args:
        agents: agents on the queue (fractional values are interpolated), >= 0.
        traffic: offered load, Erlangs.
        aht_s: average handle time, seconds.
        patience_s: mean customer patience (exponential), seconds (> 0).
        target_s: answer-time target, seconds.

    Returns:
        :class:`ErlangAMetrics`. ``service_level`` is the share of *offered* contacts answered
        within ``target_s`` (abandoned contacts count as misses); ``asa_s`` is the mean wait of
        answered contacts; ``occupancy`` is carried (answered) load per agent.
    """
    shape, (n, a, aht, pat, t) = _broadcast_1d(agents, traffic, aht_s, patience_s, target_s)
    _validate(agents=n, traffic=a, aht_s=aht, target_s=t, patience_s=pat)
    _check(~np.isnan(pat), "patience_s must be a number of seconds for Erlang A")
    return _reshape(_interpolated(_erlang_a_int, n, a, aht, pat, t), shape)


def queue_metrics(
    agents: object,
    traffic: object,
    aht_s: object,
    target_s: object,
    patience_s: object = None,
) -> QueueMetrics:
    """Erlang A where a patience is given (not NaN), Erlang C elsewhere; arrays broadcast."""
    pat_in = np.nan if patience_s is None else patience_s
    shape, (n, a, aht, t, pat) = _broadcast_1d(agents, traffic, aht_s, target_s, pat_in)
    _validate(agents=n, traffic=a, aht_s=aht, target_s=t, patience_s=pat)
    with_a = ~np.isnan(pat)
    metrics = _interpolated(_erlang_c_int, n, a, aht, t)
    if with_a.any():
        sel = np.flatnonzero(with_a)
        am = _interpolated(_erlang_a_int, n[sel], a[sel], aht[sel], pat[sel], t[sel])
        for name in QueueMetrics.__dataclass_fields__:
            getattr(metrics, name)[sel] = getattr(am, name)
    return _reshape(metrics, shape)


# ---------------------------------------------------------------------------------------------
# Inverse: agents for a target
# ---------------------------------------------------------------------------------------------


def _agents_erlang_c(a: np.ndarray, aht: np.ndarray, sl: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Fewest whole agents n > A with Erlang C service level >= ``sl`` (1-D, A > 0)."""
    n = np.floor(a) + 1.0  # the first stable count
    b = np.exp(_log_erlang_b_1d(n, a))
    result = np.empty_like(a)
    idx = np.arange(a.size)
    a_, aht_, sl_, t_ = a, aht, sl, t
    # Each pass checks the target and steps the unfinished rows one agent up; ~3·sqrt(A) passes.
    while idx.size:
        c = n * b / (n - a_ * (1.0 - b))
        achieved = 1.0 - c * np.exp(-(n - a_) * t_ / aht_)
        done = achieved >= sl_ - _EPS
        result[idx[done]] = n[done]
        keep = ~done
        idx, n, b, a_, aht_, sl_, t_ = (v[keep] for v in (idx, n, b, a_, aht_, sl_, t_))
        n = n + 1.0
        ab = a_ * b
        b = ab / (n + ab)
    return result


def _agents_erlang_a(
    a: np.ndarray,
    aht: np.ndarray,
    sl: np.ndarray,
    t: np.ndarray,
    patience: np.ndarray,
    cap: np.ndarray,
) -> np.ndarray:
    """Fewest whole agents with Erlang A service level >= ``sl`` and occupancy <= ``cap``.

    Bisection between a count known to miss and one known to meet. Below ``sl·A`` agents even
    answering everyone they can misses the target (answered share <= n/A). At the Erlang C count
    for P(wait) <= 1 - sl the service target is met, because abandonment only shortens the queue
    (P(wait) falls) and contacts answered at once alone give the service level; at ``A/cap``
    agents the occupancy (answered load / agents) is at most the cap. Both measures are
    monotone in agents, so the bisection finds the smallest count meeting both.
    """
    lo = np.floor(sl * a) - 1.0  # known to miss (or -1: nothing below 0)
    hi = np.maximum(
        _agents_erlang_c(a, aht, sl, np.zeros_like(a)), np.ceil(a / cap - 1e-9)
    )  # known to meet
    lo = np.minimum(lo, hi - 1.0)
    # The Erlang C count for the same target is usually within a few agents of the answer:
    # probe just below it, gallop away (1, 2, 4, ... agents) until the outcome flips, then
    # bisect the last gap. About 3-4 evaluations instead of log2(bracket) ~ 6.
    guess = np.maximum(_agents_erlang_c(a, aht, sl, t), np.ceil(a / cap - 1e-9))
    probe = guess - 1.0
    step = np.ones_like(a)
    direction = np.zeros_like(a)  # -1 galloping down, +1 up, 2 bisecting
    while True:
        open_ = np.flatnonzero(hi - lo > 1)
        if open_.size == 0:
            return hi
        mid = np.clip(probe[open_], lo[open_] + 1.0, hi[open_] - 1.0)
        m = _erlang_a_int(mid, a[open_], aht[open_], patience[open_], t[open_])
        ok = (m.service_level >= sl[open_] - _EPS) & (m.occupancy <= cap[open_] + _EPS)
        hi[open_[ok]] = mid[ok]
        lo[open_[~ok]] = mid[~ok]
        d = direction[open_]
        flipped = ((d == -1) & ~ok) | ((d == 1) & ok) | (d == 2)
        d = np.where(flipped, 2.0, np.where(ok, -1.0, 1.0))
        st = np.where(flipped, step[open_], step[open_] * 2.0)
        nxt = np.where(d == -1, mid - st, mid + st)
        bisect = np.floor((lo[open_] + hi[open_]) / 2.0)
        probe[open_] = np.where(d == 2, bisect, nxt)
        direction[open_] = d
        step[open_] = st


def agents_for_target(
    traffic: object,
    aht_s: object,
    target_sl: object,
    target_s: object,
    patience_s: object = None,
    max_occupancy: object = None,
) -> np.ndarray:
    """Fewest whole agents meeting a service-level target (and an occupancy cap), per element.

    Args:
        traffic: offered load in Erlangs (>= 0), any shape.
        aht_s: average handle time, seconds (> 0).
        target_sl: share to answer in time, strictly between 0 and 1.
        target_s: answer-time target, seconds (>= 0).
        patience_s: mean patience in seconds for Erlang A; ``None`` or NaN elements use Erlang C.
        max_occupancy: optional cap in (0, 1]; adds agents until occupancy <= cap (offered load
            per agent under Erlang C; answered load per agent under Erlang A).

    Returns:
        Float array of whole numbers of agents (0 where the traffic is 0).

    Raises:
        PlannerError: negative volume, AHT <= 0, target outside 0–1 or equal to 1, etc.
    """
    pat_in = np.nan if patience_s is None else patience_s
    occ_in = 1.0 if max_occupancy is None else max_occupancy
    shape, (a, aht, sl, t, pat, occ) = _broadcast_1d(
        traffic, aht_s, target_sl, target_s, pat_in, occ_in
    )
    _validate(traffic=a, aht_s=aht, target_sl=sl, target_s=t, patience_s=pat, max_occupancy=occ)
    agents = np.zeros_like(a)
    busy = a > 0
    plain = np.flatnonzero(busy & np.isnan(pat))
    if plain.size:
        agents[plain] = _agents_erlang_c(a[plain], aht[plain], sl[plain], t[plain])
    patient = np.flatnonzero(busy & ~np.isnan(pat))
    if patient.size:
        agents[patient] = _agents_erlang_a(
            a[patient], aht[patient], sl[patient], t[patient], pat[patient], occ[patient]
        )
    # Occupancy cap: Erlang C agents carry the whole offered load (Erlang A handled it above,
    # on the answered load, since abandoned contacts take no agent time).
    with np.errstate(invalid="ignore"):
        cap = np.where(busy & np.isnan(pat), np.ceil(a / occ - 1e-9), 0.0)
    return np.maximum(agents, cap).reshape(shape)


# ---------------------------------------------------------------------------------------------
# Priority tiers sharing one pool (non-pre-emptive priority M/M/n, equal handle times)
# ---------------------------------------------------------------------------------------------


def _priority_int(
    n: np.ndarray, cumulative: list[np.ndarray], aht: np.ndarray, targets: list[np.ndarray]
) -> list[QueueMetrics]:
    """Per-tier measures for whole ``n``; ``cumulative[k]`` is the load of tiers 0..k."""
    total = cumulative[-1]
    zeros = np.zeros_like(n)
    c_total = _erlang_c_int(n, total, aht, zeros).p_wait  # 1 where the pool is unstable
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, np.minimum(total / np.where(n > 0, n, 1.0), 1.0), 0.0)
    occ = np.where(total > 0, np.where(n > 0, occ, 1.0), 0.0)
    out = []
    above = zeros  # load of the more urgent tiers
    for load, t in zip(cumulative, targets, strict=True):
        served = n > load  # this tier and the ones above it are stable
        with np.errstate(divide="ignore", invalid="ignore"):
            # conditional wait ~ exponential with the exact (Kella–Yechiali) mean
            rate = np.where(served, (n - above) * (n - load) / (np.maximum(n, 1.0) * aht), 0.0)
            sl = np.where(served, 1.0 - c_total * np.exp(-rate * t), 0.0)
            asa_s = np.where(served, c_total / np.where(served, rate, 1.0), np.inf)
        own = load - above
        idle = total <= 0
        out.append(
            QueueMetrics(
                service_level=np.where(idle, 1.0, np.clip(sl, 0.0, 1.0)),
                p_wait=np.where(idle | (own <= 0) & (total <= 0), 0.0, c_total),
                asa_s=np.where(idle, 0.0, asa_s),
                abandonment=np.zeros_like(n),
                occupancy=occ,
            )
        )
        above = load
    return out


def priority_metrics(
    agents: object, tier_traffic: list[object], aht_s: object, target_s: list[object]
) -> list[QueueMetrics]:
    """Service of priority tiers served by one pool of ``agents`` (most urgent tier first).

    Model: non-pre-emptive priority M/M/n with one (mean) handle time. The pool's P(wait) is
    Erlang C of the total load (work conservation: the number in system is that of FCFS). Tier
    k's mean wait is the exact Kella–Yechiali/Cobham value ``C·AHT·n / ((n - A_<k)(n - A_<=k))``
    (A_<k: load of the more urgent tiers); its conditional wait is taken as exponential with that
    mean, which is exact for the top tier's decay rate and an approximation below it.

    Args:
        agents: agents in the pool (fractional: interpolated), any shape.
        tier_traffic: each tier's offered load in Erlangs, most urgent first.
        aht_s: the pool's mean handle time, seconds.
        target_s: each tier's answer-time target, seconds.

    Returns:
        One :class:`QueueMetrics` per tier (``occupancy`` is the pool's).
    """
    shape, arrays = _broadcast_1d(agents, aht_s, *tier_traffic, *target_s)
    k = len(tier_traffic)
    n, aht = arrays[0], arrays[1]
    loads, targets = arrays[2 : 2 + k], arrays[2 + k :]
    _validate(agents=n, aht_s=aht)
    for load, t in zip(loads, targets, strict=True):
        _validate(traffic=load, target_s=t)
    cumulative = list(np.cumsum(np.vstack(loads), axis=0))
    lo = np.floor(n)
    w = n - lo
    base = _priority_int(lo, cumulative, aht, targets)
    frac = np.flatnonzero(w > 0)
    if frac.size:
        upper = _priority_int(
            lo[frac] + 1.0, [c[frac] for c in cumulative], aht[frac], [t[frac] for t in targets]
        )
        for b, u in zip(base, upper, strict=True):
            for name in QueueMetrics.__dataclass_fields__:
                values = getattr(b, name)
                lo_v, wf = values[frac], w[frac]
                with np.errstate(invalid="ignore"):
                    mixed = lo_v * (1.0 - wf) + getattr(u, name) * wf
                values[frac] = np.where(np.isinf(lo_v), lo_v, mixed)
    return [_reshape(m, shape) for m in base]


def agents_for_priority(
    tier_traffic: list[object],
    aht_s: object,
    target_sl: list[object],
    target_s: list[object],
    max_occupancy: object = None,
) -> np.ndarray:
    """Fewest whole agents for one pool so that every tier meets its own target.

    Uses the model of :func:`priority_metrics`; steps agents up from the first stable count
    (one Erlang B recursion step per agent), so it is as fast as :func:`agents_for_target`.

    Args:
        tier_traffic: each tier's offered load in Erlangs, most urgent first.
        aht_s: the pool's mean handle time, seconds.
        target_sl: each tier's share to answer in time, strictly between 0 and 1.
        target_s: each tier's answer-time target, seconds.
        max_occupancy: optional cap on the pool's occupancy.
    """
    k = len(tier_traffic)
    occ_in = 1.0 if max_occupancy is None else max_occupancy
    shape, arrays = _broadcast_1d(aht_s, occ_in, *tier_traffic, *target_sl, *target_s)
    aht, cap = arrays[0], arrays[1]
    loads, sls, ts = arrays[2 : 2 + k], arrays[2 + k : 2 + 2 * k], arrays[2 + 2 * k :]
    _validate(aht_s=aht, max_occupancy=cap)
    for load, sl, t in zip(loads, sls, ts, strict=True):
        _validate(traffic=load, target_sl=sl, target_s=t)
    cumulative = np.cumsum(np.vstack(loads), axis=0)  # (tiers, rows)
    total = cumulative[-1]
    above = np.vstack([np.zeros_like(total), cumulative[:-1]])
    result = np.zeros_like(total)
    idx = np.flatnonzero(total > 0)
    if idx.size:
        a = total[idx]
        n = np.floor(a) + 1.0
        b = np.exp(_log_erlang_b_1d(n, a))
        cum, abv = cumulative[:, idx], above[:, idx]
        sl_, t_ = np.vstack(sls)[:, idx], np.vstack(ts)[:, idx]
        aht_ = aht[idx]
        while idx.size:
            c = n * b / (n - a * (1.0 - b))
            rate = (n - abv) * (n - cum) / (n * aht_)
            achieved = 1.0 - c * np.exp(-rate * t_)
            done = np.all(achieved >= sl_ - _EPS, axis=0)
            result[idx[done]] = n[done]
            keep = ~done
            idx, n, b, a, aht_ = idx[keep], n[keep], b[keep], a[keep], aht_[keep]
            cum, abv, sl_, t_ = cum[:, keep], abv[:, keep], sl_[:, keep], t_[:, keep]
            n = n + 1.0
            ab = a * b
            b = ab / (n + ab)
    with np.errstate(invalid="ignore"):
        capped = np.where(total > 0, np.ceil(total / cap - 1e-9), 0.0)
    return np.maximum(result, capped).reshape(shape)
