"""The holiday staffing planner in the browser: `streamlit run app.py` (or `make app`).

This file only routes; each screen is a page in ``app_pages/`` that calls ``planner/``.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(
    page_title="Holiday staffing planner", page_icon=":material/event_available:", layout="wide"
)

pages = [
    st.Page("app_pages/data.py", title="Data", icon=":material/database:", default=True),
    st.Page("app_pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
    st.Page("app_pages/requirement.py", title="Requirement", icon=":material/calculate:"),
    st.Page("app_pages/rota.py", title="Rota", icon=":material/calendar_month:"),
    st.Page("app_pages/hiring.py", title="Hiring", icon=":material/group_add:"),
    st.Page("app_pages/burnout.py", title="Burnout", icon=":material/local_fire_department:"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
]
st.navigation(pages).run()
