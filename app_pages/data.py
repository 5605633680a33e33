"""Data: where the ticket history comes from, what cleaning found, and the 80/20 of reasons."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages._common import (
    MAX_UPLOAD_MB,
    default_scenario_path,
    history,
    scenario,
    set_scenario,
    update_scenario,
)
from planner.errors import PlannerError
from planner.forecast import daily_history, season_window
from planner.history import PLANNER_COLUMNS
from planner.plots import history_figure, reasons_pareto
from planner.reasons import deflection_by_queue, reason_pareto, season_rows
from planner.scenario import load_scenario

st.title("Data")
s = scenario()
st.caption(f"Plan **{s.name}** · {s.site.name} · {s.horizon.start} to {s.horizon.end}")

# --- Where the history comes from ----------------------------------------------------------------
source = st.radio(
    "Ticket history",
    ["Bundled sample", "Upload a ticket export"],
    key="data_source",
    horizontal=True,
    help="The sample is a fictional retailer (Northwind Outfitters). Upload your own export "
    "(CSV, Excel or Parquet) from Zendesk, Freshdesk or any tool.",
)

if source == "Bundled sample":
    if st.session_state.get("history_upload") and st.button(
        "Go back to the sample history", key="use_sample"
    ):
        st.session_state.pop("history_upload", None)
        set_scenario(load_scenario(default_scenario_path()))
        st.rerun()
else:
    upload = st.file_uploader(
        f"Ticket export (CSV, CSV.GZ, Excel or Parquet; up to {MAX_UPLOAD_MB} MB)",
        type=["csv", "gz", "xlsx", "parquet"],
        key="history_file",
    )
    if upload is not None:
        data = upload.getvalue()
        if len(data) > MAX_UPLOAD_MB * 1_000_000:
            st.error(
                f"{upload.name}: {len(data) / 1e6:.0f} MB is above the {MAX_UPLOAD_MB} MB limit; "
                "export a shorter period or aggregate to counts per interval first."
            )
            st.stop()
        digest = hashlib.sha1(data).hexdigest()[:12]
        suffix = "".join(Path(upload.name).suffixes[-2:]) or ".csv"
        folder = Path(tempfile.gettempdir()) / "planner-uploads"
        folder.mkdir(exist_ok=True)
        path = folder / f"{digest}{suffix}"
        if not path.exists():
            path.write_bytes(data)
        try:
            if suffix.endswith((".xlsx", ".xls")):
                preview = pd.read_excel(path, nrows=20)
            elif suffix.endswith((".parquet", ".pq")):
                preview = pd.read_parquet(path).head(20)
            else:
                preview = pd.read_csv(path, nrows=20, dtype=str)
        except Exception as exc:  # any parser error becomes one line naming the file
            st.error(f"{upload.name}: cannot read the file ({type(exc).__name__}: {exc})")
            st.stop()
        st.dataframe(preview.head(5), hide_index=True)
        st.markdown("**Column mapping** — leave *automatic* where the built-in names match.")
        kind = st.selectbox(
            "What one row is", ["auto", "tickets", "counts"], key="history_kind",
            help="tickets: one row per ticket; counts: contacts per interval or day",
        )  # fmt: skip
        choices = ["(automatic)", *map(str, preview.columns)]
        columns: dict[str, str] = {}
        cols = st.columns(3)
        for i, name in enumerate(PLANNER_COLUMNS):
            picked = cols[i % 3].selectbox(name, choices, key=f"map_{name}")
            if picked != "(automatic)":
                columns[name] = picked
        timezone = st.text_input(
            "Time zone of the file's timestamps (blank = the site's)",
            key="history_tz",
            placeholder=s.site.timezone,
        )
        if st.button("Load this export", key="load_upload", type="primary"):
            try:
                update_scenario(
                    history={
                        "path": str(path),
                        "kind": kind,
                        "columns": columns,
                        "source_timezone": timezone or None,
                    }
                )
                st.session_state["history_upload"] = upload.name
            except PlannerError as exc:
                st.error(str(exc))
    s = scenario()

if st.session_state.get("history_upload"):
    st.success(f"Using your export **{st.session_state['history_upload']}**.")

loaded = history(s)
if loaded is None:
    st.stop()

# --- What loading and cleaning found -------------------------------------------------------------
report = loaded.report
c1, c2, c3, c4 = st.columns(4)
c1.metric("Rows read", f"{report.rows_read:,}")
c2.metric("Queues", len(report.queues))
c3.metric("From", str(report.start))
c4.metric("To", str(report.end))
gaps = sum(len(v) for v in report.gaps.values())
outliers = report.outliers
with st.expander(f"Cleaning report: {gaps} gap(s), {len(outliers)} outlier day(s)"):
    for queue, spans in report.gaps.items():
        for first, last in spans:
            st.markdown(f"- **{queue}**: no data {first} … {last} (left as a gap, not zeros)")
    for note in report.dst_notes + report.notes:
        st.markdown(f"- {note}")
    if len(outliers):
        st.dataframe(outliers, hide_index=True)

# --- History with the surge marked ---------------------------------------------------------------
daily = daily_history(loaded.history, s.site.timezone)
years = sorted({d.year for d in daily["ds"]})
windows = []
for year in years:
    first, last = season_window(year, s.forecast.prior_uplift_start, s.forecast.prior_uplift_end)
    windows.append((first, last, f"surge {year}"))
st.plotly_chart(history_figure(daily, windows), key="history_chart")

# --- The 80/20 of contact reasons, and a deflection what-if per reason ---------------------------
st.subheader("Which reasons make the holiday volume")
if loaded.reasons is None or loaded.reasons.empty:
    st.info("This history has no contact-reason column, so there is no 80/20 to show.")
    st.stop()
season = season_rows(loaded.reasons, s.forecast.prior_uplift_start, s.forecast.prior_uplift_end)
when = "Over the holiday seasons in the history"
if season["y"].sum() <= 0:  # e.g. an export of a few autumn weeks: use every day it has
    season = loaded.reasons
    when = "The history has no holiday season yet; over all its days"
pareto = reason_pareto(season)
if pareto.empty:
    st.info("The contact-reason column is empty, so there is no 80/20 to show.")
    st.stop()
top = pareto[pareto["top80"]]
st.markdown(
    f"{when}, **{len(top)} of {len(pareto)} reasons** make "
    f"{top['share'].sum():.0%} of contacts: " + ", ".join(f"`{r}`" for r in top["reason"]) + "."
)
st.plotly_chart(reasons_pareto(season), key="reasons_chart")

st.markdown("**What if self-service deflected part of each reason?** (applies to the forecast)")
shares: dict[str, float] = {}
cols = st.columns(min(4, len(pareto)))
for i, reason in enumerate(pareto["reason"]):
    pct = cols[i % len(cols)].slider(
        reason, 0, 60, 0, step=5, format="%d%%", key=f"deflect_{reason}"
    )
    shares[reason] = pct / 100.0
per_queue = deflection_by_queue(season, shares)
known = {q.name for q in s.queues}
in_plan = {q.name: q.deflection for q in s.queues}
table = pd.DataFrame(
    {
        "queue": list(per_queue),
        "deflection": list(per_queue.values()),
        "now in the plan": [in_plan.get(n) for n in per_queue],
    }
)
st.dataframe(
    table[table["queue"].isin(known)],
    hide_index=True,
    column_config={
        "deflection": st.column_config.NumberColumn(format="percent"),
        "now in the plan": st.column_config.NumberColumn(format="percent"),
    },
)
if st.button("Apply deflection to the forecast", key="apply_deflection"):
    queues = [
        {**q.model_dump(mode="json"), "deflection": round(per_queue.get(q.name, 0.0), 4)}
        for q in s.queues
    ]
    update_scenario(queues=queues)
    st.success("Deflection applied: the Forecast, Requirement and Rota pages use it now.")
