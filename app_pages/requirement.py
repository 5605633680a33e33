"""Requirement: staff needed per interval and day, and the service targets that drive it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._common import requirement, scenario, update_scenario
from planner.errors import PlannerError
from planner.plots import requirement_heatmap

st.title("Requirement")
s = scenario()

# --- Service targets, editable -------------------------------------------------------------------
st.markdown(
    "**Service targets per queue** — edit a cell and press *Apply targets*. Phone and chat: "
    "share answered within the seconds given; email: share resolved within the hours given."
)
targets = pd.DataFrame(
    [
        {
            "queue": q.name,
            "service_level": q.service_level,
            "answer_within_s": q.answer_within_s,
            "response_within_h": q.response_within_h,
            "aht_s": q.aht_s,
        }
        for q in s.queues
    ]
)
edited = st.data_editor(
    targets,
    key="targets_editor",
    hide_index=True,
    disabled=["queue"],
    column_config={
        "service_level": st.column_config.NumberColumn(
            "service level", min_value=0.05, max_value=0.99, step=0.05, format="%.2f"
        ),
        "answer_within_s": st.column_config.NumberColumn("answer within (s)", min_value=0),
        "response_within_h": st.column_config.NumberColumn("resolve within (h)", min_value=0),
        "aht_s": st.column_config.NumberColumn("handle time (s)", min_value=1),
    },
)
if st.button("Apply targets", key="apply_targets", type="primary"):
    queues = []
    for q, row in zip(s.queues, edited.to_dict("records"), strict=True):
        data = q.model_dump(mode="json")
        for col in ("service_level", "answer_within_s", "response_within_h", "aht_s"):
            value = row[col]
            data[col] = None if pd.isna(value) else float(value)
        queues.append(data)
    try:
        s = update_scenario(queues=queues)
        st.success("Targets applied.")
    except PlannerError as exc:
        st.error(str(exc))

req = requirement(s)
if req is None:
    st.stop()

# --- Headline tiles ------------------------------------------------------------------------------
interval_h = s.site.interval_minutes / 60
per_instant = req.groupby("ds")["staff_needed"].sum()
c1, c2, c3 = st.columns(3)
c1.metric("Staff-hours needed", f"{per_instant.sum() * interval_h:,.0f} h")
c2.metric("Peak heads at once", f"{per_instant.max():,.1f}")
c3.metric("Peak interval", f"{per_instant.idxmax():%a %d %b %H:%M}")

# --- Heatmap -------------------------------------------------------------------------------------
c1, c2 = st.columns(2)
queue = c1.selectbox("Queue", ["all queues", *s.queue_names], key="req_queue")
value = c2.selectbox(
    "Show", ["staff_needed", "agents_needed", "contacts", "occupancy"], key="req_value"
)
st.plotly_chart(
    requirement_heatmap(req, s.site.timezone, None if queue == "all queues" else queue, value),
    key="requirement_heatmap",
)

# --- Per queue -----------------------------------------------------------------------------------
per_queue = req.groupby("queue", sort=False).agg(
    contacts=("contacts", "sum"),
    staff_hours=("staff_needed", lambda v: v.sum() * interval_h),
    peak_staff=("staff_needed", "max"),
)
st.dataframe(
    per_queue.reset_index(),
    hide_index=True,
    column_config={
        "contacts": st.column_config.NumberColumn("contacts", format="%.0f"),
        "staff_hours": st.column_config.NumberColumn("staff-hours needed", format="%.0f"),
        "peak_staff": st.column_config.NumberColumn("peak staff at once", format="%.1f"),
    },
)
