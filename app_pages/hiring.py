"""Hiring: how many seasonal hires, on which contracts, from when — and what each choice buys."""

from __future__ import annotations

import streamlit as st

from app_pages._common import hiring, requirement, scenario, stage_missing

st.title("Hiring")
s = scenario()
req = requirement(s)
if req is None or stage_missing("hiring"):
    st.stop()

h = s.hiring
st.markdown(
    f"Hiring pool: up to **{h.pool_size}** seasonal hires on "
    f"{' or '.join(f'{c:g} h/week' for c in h.contract_hours)} contracts, "
    f"{s.site.currency} {h.hourly_cost:,.0f}/h plus {s.site.currency} {h.hire_cost:,.0f} per hire, "
    f"{h.training_days} training days. Change these in the scenario's `hiring:` section."
)
if st.button("Size seasonal hiring", key="run_hiring", type="primary"):
    st.session_state["hiring_requested"] = True
if not st.session_state.get("hiring_requested"):
    st.info("Press **Size seasonal hiring** to compare hire counts (takes a little while).")
    st.stop()

plan = hiring(s, req)
if plan is None:
    st.stop()

# --- The recommendation, in words ----------------------------------------------------------------
lines = plan.summary()
if plan.recommended is None:
    st.error(lines[0])
else:
    st.success(lines[0])
for line in lines[1:]:
    st.markdown(f"- {line}")

# --- The trade-off -------------------------------------------------------------------------------
from planner.plots import hiring_tradeoff_figure  # noqa: E402

st.plotly_chart(hiring_tradeoff_figure(plan.tradeoff), key="hiring_chart")
st.dataframe(
    plan.tradeoff,
    hide_index=True,
    column_config={
        "under_cover_share": st.column_config.NumberColumn(format="percent"),
        "service_level": st.column_config.NumberColumn(format="percent"),
        "total_cost": st.column_config.NumberColumn(format="%.0f"),
        "hire_cost": st.column_config.NumberColumn(format="%.0f"),
        "under_cover_h": st.column_config.NumberColumn(format="%.0f"),
    },
)
with st.expander("How sure is this? (sensitivity)"):
    st.dataframe(plan.sensitivity, hide_index=True)
    st.caption(plan.method)
