"""Forecast: history and the forecast band per day, holidays marked, the surge, what-if knobs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages._common import forecast, history, scenario, update_scenario
from planner.errors import PlannerError
from planner.forecast import daily_history, season_window
from planner.pipeline import stage_available
from planner.plots import forecast_figure

st.title("Forecast")
s = scenario()

# --- What-if knobs (applied together, so one change does not refit three times) ------------------
if "base_overrides" not in st.session_state:
    st.session_state["base_overrides"] = [o.model_dump(mode="json") for o in s.forecast.overrides]
current_uplift = st.session_state.get("uplift_applied", 0)
current_deflection = round(100 * sum(q.deflection for q in s.queues) / len(s.queues))
with st.form("whatif"):
    st.markdown("**What-ifs** — applied to every queue over the whole horizon")
    c1, c2, c3 = st.columns(3)
    uplift = c1.slider(
        "Volume uplift override",
        -30,
        100,
        current_uplift,
        step=5,
        format="%d%%",
        key="uplift_override",
        help="A planned promotion, or a cautious owner: multiply the forecast by (1 + uplift).",
    )
    deflection = c2.slider(
        "Self-service deflection",
        0,
        60,
        current_deflection,
        step=1,
        format="%d%%",
        key="deflection_all",
        help="Share of contacts self-service removes, same for every queue (per reason: Data).",
    )
    quantile = c3.select_slider(
        "Staff to the forecast's",
        options=[0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
        value=s.forecast.staffing_quantile,
        format_func=lambda q: f"P{round(q * 100)}",
        key="staffing_quantile",
        help="P50 staffs to the median forecast; P80 to a volume exceeded one day in five.",
    )
    applied = st.form_submit_button("Apply what-ifs", type="primary")
if applied:
    overrides = list(st.session_state["base_overrides"])
    if uplift:
        overrides.append(
            {"start": str(s.horizon.start), "end": str(s.horizon.end), "uplift": uplift / 100}
        )
    settings = {
        **s.forecast.model_dump(mode="json"),
        "overrides": overrides,
        "staffing_quantile": quantile,
    }
    queues = s.queues
    if deflection != current_deflection:
        queues = [q.model_copy(update={"deflection": deflection / 100}) for q in s.queues]
    try:
        s = update_scenario(forecast=settings, queues=[q.model_dump(mode="json") for q in queues])
        st.session_state["uplift_applied"] = uplift
    except PlannerError as exc:
        st.error(str(exc))

result = forecast(s)
if result is None:
    st.stop()

# --- Warnings first: a plan built on the fallback must say so ------------------------------------
for warning in result.warnings:
    st.warning(warning, icon=":material/warning:")

# --- Headline tiles ------------------------------------------------------------------------------
daily = result.daily
total = daily.groupby("date")["yhat"].sum()
peak_day = total.idxmax()
c1, c2, c3 = st.columns(3)
c1.metric("Contacts forecast over the horizon", f"{total.sum():,.0f}")
c2.metric("Peak day", f"{peak_day:%a %d %b}", f"{total.max():,.0f} contacts", delta_color="off")
surge_total = result.surge[result.surge["queue"] == "total"]
if len(surge_total) and pd.notna(surge_total["season_uplift"].iloc[0]):
    c3.metric("Season vs pre-season", f"{surge_total['season_uplift'].iloc[0]:+.0%}")

# --- History and forecast chart ------------------------------------------------------------------
queue = st.selectbox("Queue", ["all queues", *s.queue_names], key="forecast_queue")
loaded = history(s)
hist_daily = daily_history(loaded.history, s.site.timezone) if loaded is not None else None
st.plotly_chart(
    forecast_figure(hist_daily, daily, queue=None if queue == "all queues" else queue),
    key="forecast_chart",
)

# --- The surge report ----------------------------------------------------------------------------
st.subheader("The holiday surge")
st.dataframe(
    result.surge,
    hide_index=True,
    column_config={
        "season_uplift": st.column_config.NumberColumn(format="percent"),
        "past_uplift_mean": st.column_config.NumberColumn(format="percent"),
        "peak_day_volume": st.column_config.NumberColumn(format="%.0f"),
        "peak_week_volume": st.column_config.NumberColumn(format="%.0f"),
    },
)

# --- Backtest: how good was this model on the last full season? ----------------------------------
st.subheader("How accurate is it? (backtest on the last full season)")
if not stage_available("forecast") or loaded is None:
    st.stop()
try:
    from planner.backtest import backtest
except ImportError:
    st.info(
        "The backtest module is not available in this build yet.", icon=":material/construction:"
    )
    st.stop()

last_day = loaded.history["ds"].max().date()
year = last_day.year - 1 if last_day < dt.date(last_day.year, 12, 31) else last_day.year
first, last = season_window(year, s.forecast.prior_uplift_start, s.forecast.prior_uplift_end)


@st.cache_data(show_spinner="Backtesting: training on data before the season…", max_entries=4)
def _backtest(key: str, _history: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    result = backtest(
        _history,
        first,
        last,
        settings=s.forecast,
        country=s.site.country if s.forecast.country_holidays else None,
        subdivision=s.site.subdivision,
        site=s.site,
    )
    table = pd.DataFrame(result.metrics).T.reset_index(names="model")
    table.attrs["n_days"] = result.n_days
    return table


if st.button(f"Run the backtest on {first} … {last}", key="run_backtest"):
    st.session_state["backtest_window"] = (first, last)
if st.session_state.get("backtest_window") == (first, last):
    try:
        metrics = _backtest(f"{s.history.path}:{s.forecast.model_dump_json()}", loaded.history,
                            first, last)  # fmt: skip
    except PlannerError as exc:
        st.error(str(exc))
        st.stop()
    st.dataframe(
        metrics,
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(format="percent")
            for c in ("wape", "mape", "coverage80")
        },
    )
    st.caption(
        "WAPE and MAPE: error as a share of volume (lower is better); MASE below 1 beats a "
        "weekly naive forecast; coverage80: share of days inside the 80% band (0.8 is honest)."
    )
