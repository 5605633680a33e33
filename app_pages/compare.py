"""Compare: two saved plans side by side (cost, service level, under-cover, risk)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._common import store
from planner.plots import compare_figure
from planner.store import compare_plans

st.title("Compare saved plans")
db = store()
plans = db.list_plans()
st.caption(f"Saved plans live in `{db.url}` (set PLANNER_DATABASE_URL to share one database).")
if plans.empty:
    st.info("No saved plans yet: build a rota on the **Rota** page and press **Save plan**.")
    st.stop()

st.dataframe(
    plans,
    hide_index=True,
    column_config={
        "total_cost": st.column_config.NumberColumn(format="%.0f"),
        "under_cover_hours": st.column_config.NumberColumn(format="%.1f"),
    },
)
labels = {int(r.id): f"#{r.id} {r.name}" for r in plans.itertuples()}
ids = list(labels)
c1, c2 = st.columns(2)
a = c1.selectbox("Plan A", ids, index=min(1, len(ids) - 1), format_func=labels.get, key="plan_a")
b = c2.selectbox("Plan B", ids, index=0, format_func=labels.get, key="plan_b")

first, second = db.load_plan(a), db.load_plan(b)
names = (f"A #{a}", f"B #{b}")
table = compare_plans(first.summary, second.summary, names=names)


def _shown(metric: str, value: float) -> str:
    """Service levels as percentages, everything else rounded with thousands separators."""
    if pd.isna(value):
        return "–"
    if metric.startswith("service level"):
        return f"{value:.1%}"
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


shown = table.copy()
for col in (*names, "difference"):
    shown[col] = [_shown(m, v) for m, v in zip(table["metric"], table[col], strict=True)]
st.dataframe(shown, hide_index=True, key="compare_table")
st.plotly_chart(compare_figure(table, names), key="compare_chart")

with st.expander("Delete a saved plan"):
    doomed = st.selectbox("Plan to delete", ids, format_func=labels.get, key="delete_choice")
    if st.button("Delete", key="delete_plan"):
        db.delete_plan(doomed)
        st.rerun()
