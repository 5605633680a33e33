"""What every page shares: the working scenario, the cached stages, errors shown as errors.

Long work is cached by exactly the settings it depends on (``*_key`` below), so a widget that
does not touch those settings never reruns it:

- history: the site, the history source and the events (``st.cache_resource``: read-only, large);
- forecast: the above plus horizon, forecast settings and each queue's deflection;
- requirement: the above plus the queues' targets and the requirement settings;
- rota: the above plus staff, shifts, rules, hiring pool, schedule settings and the time limit —
  built only when the person presses *Build rota*;
- risk, hiring: the rota / requirement they read.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from planner.errors import InfeasibleError, PlannerError
from planner.pipeline import stage_available
from planner.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
#: Environment variable naming the scenario the app opens with (default: the bundled sample).
SCENARIO_ENV = "PLANNER_APP_SCENARIO"
#: Folder of ``plans.db`` when ``PLANNER_DATABASE_URL`` is not set.
HOME_ENV = "PLANNER_HOME"
SAMPLE_SCENARIO = ROOT / "data" / "sample" / "scenario.yaml"
MAX_UPLOAD_MB = 200


def default_scenario_path() -> Path:
    """The scenario the app starts with."""
    return Path(os.environ.get(SCENARIO_ENV) or SAMPLE_SCENARIO)


def scenario() -> Scenario:
    """The working scenario of this browser session (loaded on first use).

    The session keeps the settings as JSON and parses them into the *current* ``Scenario`` class:
    when Streamlit reloads ``planner`` modules after a file change, an object made by the old
    classes would fail the new classes' validation.
    """
    from planner.scenario import Scenario as current_class

    if "scenario_json" not in st.session_state:
        path = default_scenario_path()
        set_scenario(load_scenario(path))
        st.session_state["scenario_source"] = str(path)
    text, base_dir = st.session_state["scenario_json"]
    memo = st.session_state.get("_scenario_memo")
    key = (hashlib.sha256(text.encode()).hexdigest(), base_dir, id(current_class))
    if memo is None or memo[0] != key:
        from planner.scenario import parse_scenario

        memo = (key, parse_scenario(json.loads(text), source="app", base_dir=Path(base_dir)))
        st.session_state["_scenario_memo"] = memo
    return memo[1]


def set_scenario(new: Scenario) -> None:
    """Replace the working scenario (pages recompute what depends on the changed settings)."""
    st.session_state["scenario_json"] = (new.model_dump_json(), str(new.base_dir))


def update_scenario(**sections: Any) -> Scenario:
    """A copy of the working scenario with some top-level sections replaced, made current."""
    current = scenario()
    data = current.model_dump(mode="json")
    data.update(sections)
    from planner.scenario import parse_scenario

    new = parse_scenario(data, source="app", base_dir=current.base_dir)
    set_scenario(new)
    return scenario()


# --------------------------------------------------------------------------------------------
# Cache keys: the settings each stage depends on
# --------------------------------------------------------------------------------------------


def _key(s: Scenario, parts: dict[str, Any]) -> str:
    text = json.dumps({"base_dir": str(s.base_dir), **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def history_key(s: Scenario) -> str:
    d = s.model_dump(mode="json")
    return _key(s, {"site": d["site"], "history": d["history"], "events": d["forecast"]["events"]})


def forecast_key(s: Scenario) -> str:
    d = s.model_dump(mode="json")
    queues = [{"name": q["name"], "deflection": q["deflection"]} for q in d["queues"]]
    return _key(
        s,
        {"h": history_key(s), "horizon": d["horizon"], "forecast": d["forecast"], "q": queues},
    )


def requirement_key(s: Scenario) -> str:
    d = s.model_dump(mode="json")
    return _key(s, {"f": forecast_key(s), "queues": d["queues"], "requirement": d["requirement"]})


def rota_key(s: Scenario, time_limit_s: float) -> str:
    d = s.model_dump(mode="json")
    parts = {k: d[k] for k in ("staff", "shifts", "rules", "hiring", "schedule")}
    return _key(s, {"r": requirement_key(s), "limit": time_limit_s, **parts})


# --------------------------------------------------------------------------------------------
# Errors and missing stages
# --------------------------------------------------------------------------------------------


def show_error(exc: PlannerError) -> None:
    """A planner error as a red box; an infeasible rota with its plain-words explanation."""
    st.error(str(exc), icon=":material/block:")
    if isinstance(exc, InfeasibleError) and exc.explanation:
        explanation = exc.explanation
        st.markdown("**Why no rota is possible, and what would unblock it:**")
        if isinstance(explanation, str):
            st.markdown(explanation)
        elif isinstance(explanation, pd.DataFrame):
            st.dataframe(explanation, hide_index=True)
        elif isinstance(explanation, dict):
            st.markdown("\n".join(f"- **{k}**: {v}" for k, v in explanation.items()))
        elif isinstance(explanation, (list, tuple)):
            st.markdown("\n".join(f"- {line}" for line in explanation))
        elif hasattr(explanation, "conflicts"):  # planner.schedule.explain.Explanation
            st.markdown("\n".join(f"- {c.describe()}" for c in explanation.conflicts))
        else:
            st.markdown(str(explanation))


def stage_missing(stage: str) -> bool:
    """True (and a notice on screen) when a pipeline stage is not in this build yet."""
    if stage_available(stage):
        return False
    st.info(
        f"The **{stage}** stage is not available in this build yet; this page shows what the "
        "earlier stages produced.",
        icon=":material/construction:",
    )
    return True


# --------------------------------------------------------------------------------------------
# Cached stages
# --------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading and cleaning the ticket history…", max_entries=4)
def _history(key: str, _s: Scenario) -> Any:
    from planner.history import load_scenario_history

    return load_scenario_history(_s)


def history(s: Scenario | None = None) -> Any | None:
    """The loaded history (``LoadedHistory``) of the working scenario, or None after an error."""
    s = s or scenario()
    if stage_missing("history"):
        return None
    try:
        return _history(history_key(s), s)
    except PlannerError as exc:
        show_error(exc)
        return None


@st.cache_resource(show_spinner="Forecasting the holiday volume (Prophet)…", max_entries=6)
def _forecast(key: str, _s: Scenario, _history: Any) -> Any:
    from planner.forecast import forecast_volume

    return forecast_volume(_history.history, _s)


def forecast(s: Scenario | None = None) -> Any | None:
    """The ``ForecastResult`` of the working scenario, or None (error or stage missing)."""
    s = s or scenario()
    loaded = history(s)
    if loaded is None or stage_missing("forecast"):
        return None
    try:
        return _forecast(forecast_key(s), s, loaded)
    except PlannerError as exc:
        show_error(exc)
        return None


@st.cache_data(show_spinner="Turning contacts into staff (Erlang)…", max_entries=8)
def _requirement(key: str, _s: Scenario, _forecast: Any) -> pd.DataFrame:
    from planner.requirement import required_staff

    return required_staff(_forecast.forecast, _s)


def requirement(s: Scenario | None = None) -> pd.DataFrame | None:
    """The ``requirement`` table of the working scenario, or None."""
    s = s or scenario()
    fc = forecast(s)
    if fc is None or stage_missing("requirement"):
        return None
    try:
        return _requirement(requirement_key(s), s, fc)
    except PlannerError as exc:
        show_error(exc)
        return None


@st.cache_resource
def _rota_cache() -> dict[str, Any]:
    """Rotas built in this server process, by :func:`rota_key` (the newest few are kept)."""
    return {}


_ROTAS_KEPT = 6


def build_rota(
    s: Scenario,
    req: pd.DataFrame,
    time_limit_s: float,
    on_progress: Callable[[float, float, float], None] | None = None,
) -> Any:
    """Build (or fetch the cached) rota for these settings; remember it for the other pages.

    The solver runs in a worker thread while this (the script's) thread relays each improving
    solution to ``on_progress(seconds, objective, bound)``, so the page can draw live progress
    (Streamlit elements may only be touched from the script's own thread).

    Raises:
        PlannerError: e.g. ``InfeasibleError`` with its explanation.
    """
    from planner.schedule.solve import build_rota as solve

    key = rota_key(s, time_limit_s)
    cache = _rota_cache()
    if key not in cache:
        points: queue.Queue[tuple[float, float, float]] = queue.Queue()
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["result"] = solve(
                    s, req, time_limit_s=time_limit_s, progress=lambda *p: points.put(p)
                )
            except BaseException as exc:  # handed to the script thread and re-raised there
                box["error"] = exc

        worker = threading.Thread(target=work, name="rota-solver", daemon=True)
        worker.start()
        while worker.is_alive() or not points.empty():
            worker.join(0.25)
            while not points.empty():
                point = points.get()
                if on_progress is not None:
                    on_progress(*point)
        if "error" in box:
            raise box["error"]
        cache[key] = box["result"]
        while len(cache) > _ROTAS_KEPT:
            cache.pop(next(iter(cache)))
    result = cache[key]
    st.session_state["rota"] = {"key": requirement_key(s), "limit": time_limit_s, "result": result}
    return result


def current_rota(s: Scenario | None = None) -> Any | None:
    """The last rota built for the working scenario's requirement (None if none yet)."""
    s = s or scenario()
    saved = st.session_state.get("rota")
    if saved is None or saved["key"] != requirement_key(s):
        return None
    return saved["result"]


@st.cache_resource(show_spinner="Scheduling the cheapest and the humane rota…", max_entries=4)
def _humane(key: str, _s: Scenario, _req: pd.DataFrame, weight: float, limit: float) -> Any:
    from planner.pipeline import cheapest_vs_humane

    return cheapest_vs_humane(_s, _req, humane_weight=weight, time_limit_s=limit)


def humane_comparison(s: Scenario, req: pd.DataFrame, weight: float, limit: float) -> Any:
    """The cheapest-vs-humane comparison for these settings (cached per requirement)."""
    return _humane(requirement_key(s), s, req, weight, limit)


@st.cache_resource(show_spinner="Scoring burnout risk…", max_entries=6)
def _risk(key: str, _s: Scenario, _rota: Any, _req: pd.DataFrame | None) -> Any:
    from planner.risk import burnout_risk

    return burnout_risk(
        _s, _rota.rota, coverage=_rota.coverage, requirement=_req, activity=_rota.activity
    )


def risk(s: Scenario | None = None) -> Any | None:
    """The ``RiskResult`` of the current rota, or None (no rota yet, or stage missing)."""
    s = s or scenario()
    saved = st.session_state.get("rota")
    rota = current_rota(s)
    if rota is None or stage_missing("risk"):
        return None
    try:
        return _risk(rota_key(s, saved["limit"]), s, rota, requirement(s))
    except PlannerError as exc:
        show_error(exc)
        return None


@st.cache_resource(show_spinner="Sizing seasonal hiring (capacity model)…", max_entries=4)
def _hiring(key: str, _s: Scenario, _req: pd.DataFrame) -> Any:
    from planner.hiring import hiring_plan

    return hiring_plan(_s, _req)


def hiring(s: Scenario, req: pd.DataFrame) -> Any | None:
    """The ``HiringPlan`` for the working scenario's requirement, or None after an error."""
    d = s.model_dump(mode="json")
    key = _key(s, {"r": requirement_key(s), "staff": d["staff"], "hiring": d["hiring"]})
    try:
        return _hiring(key, s, req)
    except PlannerError as exc:
        show_error(exc)
        return None


@st.cache_resource
def store() -> Any:
    """The saved-plans database (``$PLANNER_DATABASE_URL`` or ``plans.db`` in ``$PLANNER_HOME``)."""
    from planner.store import PlanStore

    return PlanStore(folder=os.environ.get(HOME_ENV) or Path.cwd())


def staff_names(s: Scenario) -> dict[str, str]:
    """employee id -> name."""
    return {p.id: p.name for p in s.staff}
