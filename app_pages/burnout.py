"""Burnout: who is at risk in this rota, in which weeks, why, and what would lower it."""

from __future__ import annotations

import streamlit as st

from app_pages._common import (
    current_rota,
    humane_comparison,
    requirement,
    risk,
    scenario,
    show_error,
    staff_names,
    stage_missing,
)
from planner.errors import PlannerError
from planner.plots import person_risk_figure, risk_heatmap

st.title("Burnout risk")
s = scenario()
if stage_missing("risk"):
    st.stop()
if current_rota(s) is None:
    st.info("Build a rota on the **Rota** page first; its burnout risk is scored here.")
    st.stop()
result = risk(s)
if result is None:
    st.stop()

# --- The team at a glance ------------------------------------------------------------------------
person = result.person
c1, c2, c3 = st.columns(3)
c1.metric("People at high risk", int((person["risk_level"] == "high").sum()))
c2.metric("People at medium risk", int((person["risk_level"] == "medium").sum()))
c3.metric("High-risk person-weeks", result.high_risk_person_weeks)

from planner.risk import what_lowers_risk  # noqa: E402  (only once the stage exists)

tips = what_lowers_risk(result)
if tips:
    st.markdown("**What would lower it most:**\n" + "\n".join(f"- {t}" for t in tips))

names = staff_names(s)
TOP = 25
if len(person) > TOP:
    st.caption(f"The {TOP} of {len(person)} people with the highest peak weekly score.")
st.plotly_chart(risk_heatmap(result.weekly, names, top=TOP), key="risk_heatmap")

# --- One person ----------------------------------------------------------------------------------
ranked = person.sort_values("risk_score", ascending=False)["employee_id"].astype(str).tolist()
by_label = {(f"{names[e]} ({e})" if e in names else e): e for e in ranked}
who = by_label[st.selectbox("Person", list(by_label), key="risk_person")]
row = person[person["employee_id"].astype(str) == who].iloc[0]
st.markdown(
    f"**{names.get(who, who)}**: peak weekly score **{row['risk_score']:.0f}** "
    f"({row['risk_level']}); main driver: {row.get('main_driver', '–')}."
)
st.plotly_chart(person_risk_figure(result.weekly, who), key="person_risk")
details = person[person["employee_id"].astype(str) == who].T.astype(str)
st.dataframe(details.set_axis(["value"], axis=1), key="person_table")

# --- Cheapest vs humane ------------------------------------------------------------------------
st.subheader("Cheapest vs humane rota")
st.caption(
    "Schedule the same plan twice: once at the lowest cost, once with a penalty on every burnout "
    "indicator (quick returns, long runs, many late shifts), and see what the humane rota costs."
)
with st.form("humane_form"):
    c1, c2 = st.columns(2)
    weight = c1.number_input(
        "Burnout weight (currency per indicator hit)", 1.0, 1000.0, 50.0, 10.0, key="humane_weight"
    )
    limit = c2.number_input(
        "Solver time limit per rota (s)", 5, 600, 30, 5, key="humane_time_limit"
    )
    compare_clicked = st.form_submit_button("Compare", key="humane_compare")
if compare_clicked:
    req = requirement(s)
    if req is not None:
        try:
            comparison = humane_comparison(s, req, float(weight), float(limit))
        except PlannerError as exc:
            show_error(exc)
        else:
            st.markdown(comparison.summary)
            st.dataframe(comparison.table, hide_index=True, key="humane_table")
