"""Rota: build it, watch the solver, see who works when, the coverage gaps, and take it away."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages._common import (
    build_rota,
    current_rota,
    requirement,
    risk,
    scenario,
    show_error,
    stage_missing,
    store,
)
from planner.errors import PlannerError
from planner.exports import calendars_zip, rota_csv_bytes, summary_html, workbook_bytes
from planner.pipeline import summarize
from planner.plots import coverage_figure, rota_timeline

st.title("Rota")
s = scenario()
req = requirement(s)
if req is None or stage_missing("schedule"):
    st.stop()

# --- Build: time limit, button, live progress ----------------------------------------------------
c1, c2 = st.columns([1, 3])
time_limit = c1.number_input(
    "Solver time limit (s)",
    min_value=5,
    max_value=1800,
    value=int(min(s.schedule.time_limit_s, 120)),
    step=5,
    key="time_limit",
    help="The best rota found in this time is shown; more time usually means fewer gaps.",
)
c2.markdown(
    f"{len(s.staff)} people, {len(s.shifts)} shift templates, {len(s.horizon.days)} days, "
    f"hiring pool of {s.hiring.pool_size}. The solver covers the requirement at the lowest cost "
    "within the labour rules."
)
if st.button("Build rota", key="build_rota", type="primary"):
    with st.status("Building the rota…", expanded=True) as status:
        line = st.empty()
        bar = st.progress(0.0)

        def show(seconds: float, objective: float, bound: float) -> None:
            gap = abs(objective - bound) / max(abs(objective), 1e-9)
            line.markdown(
                f"{seconds:5.1f} s — best rota so far scores **{objective:,.0f}**; "
                f"no rota can score below {bound:,.0f} (gap {gap:.1%})"
            )
            bar.progress(min(1.0, seconds / float(time_limit)))

        try:
            built = build_rota(s, req, float(time_limit), on_progress=show)
            bar.progress(1.0)
            status.update(label=f"Rota built ({built.status})", state="complete", expanded=False)
        except PlannerError as exc:
            status.update(label="No rota", state="error")
            show_error(exc)
            st.stop()

result = current_rota(s)
if result is None:
    st.info("Press **Build rota** to plan the horizon with the current settings.")
    st.stop()

# --- Tiles ---------------------------------------------------------------------------------------
tables = {
    "requirement": req,
    "rota": result.rota,
    "activity": result.activity,
    "coverage": result.coverage,
    "hires": result.hires,
}
risk_result = risk(s)
if risk_result is not None:
    tables["risk"] = risk_result.person
summary = summarize(s, tables, {"schedule": result})
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(f"Labour cost ({s.site.currency})", f"{summary.labour_cost / 1000:,.1f}k")
c2.metric("Paid hours", f"{summary.paid_hours:,.0f}")
worst = min(summary.service_level.items(), key=lambda kv: kv[1], default=None)
if worst is not None:
    c3.metric("Lowest service level", f"{worst[1]:.0%}", worst[0], delta_color="off")
c4.metric("Under-cover (staff-h)", f"{summary.under_cover_hours:,.0f}")
c5.metric("Seasonal hires used", summary.hires)
st.caption(
    f"Solver: {result.status}"
    + (f", objective {result.summary.get('objective', 0):,.0f}" if result.summary else "")
)
if summary.service_level:
    st.dataframe(
        [
            {"queue": q, "service level": v, "target": summary.service_target.get(q)}
            for q, v in summary.service_level.items()
        ],
        hide_index=True,
        column_config={
            "service level": st.column_config.NumberColumn(format="percent"),
            "target": st.column_config.NumberColumn(format="percent"),
        },
    )

# --- Week picker shared by the charts ------------------------------------------------------------
mondays = sorted({d - dt.timedelta(days=d.weekday()) for d in s.horizon.days})
week = st.selectbox(
    "Week", mondays, format_func=lambda d: f"week of {d:%a %d %b %Y}", key="rota_week"
)
start = max(week, s.horizon.start)

# --- Timeline per person -------------------------------------------------------------------------
st.plotly_chart(rota_timeline(result.rota, s, start=start, days=7), key="rota_timeline")

# --- Coverage: needed vs scheduled, gaps marked --------------------------------------------------
queue = st.selectbox("Coverage of", ["all queues", *s.queue_names], key="coverage_queue")
st.plotly_chart(
    coverage_figure(
        result.coverage,
        s.site.timezone,
        None if queue == "all queues" else queue,
        start=start,
        days=7,
    ),
    key="coverage_chart",
)

# --- Take it away --------------------------------------------------------------------------------
st.subheader("Export")
c1, c2, c3, c4 = st.columns(4)
c1.download_button(
    "Rota (Excel)",
    workbook_bytes(result.rota, s, coverage=result.coverage, summary=summary),
    file_name="rota.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="dl_excel",
)
c2.download_button(
    "Rota (CSV)",
    rota_csv_bytes(result.rota),
    file_name="rota.csv",
    mime="text/csv",
    key="dl_csv",
)
c3.download_button(
    "Calendars (.ics, zip)",
    calendars_zip(result.rota, s),
    file_name="calendars.zip",
    mime="application/zip",
    key="dl_ics",
)
c4.download_button(
    "Plan summary (HTML)",
    summary_html(summary).encode("utf-8"),
    file_name="summary.html",
    mime="text/html",
    key="dl_summary",
)

# --- Save for later / compare --------------------------------------------------------------------
st.subheader("Save this plan")
c1, c2 = st.columns([3, 1])
name = c1.text_input("Plan name", value=f"{s.name} – {dt.date.today()}", key="plan_name")
if c2.button("Save plan", key="save_plan"):
    try:
        plan_id = store().save_plan(name, s, summary, tables)
        st.success(f"Saved as plan #{plan_id}. Compare it with others on the Compare page.")
    except PlannerError as exc:
        st.error(str(exc))
