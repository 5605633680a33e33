"""Plotly figures of every stage's tables (no Streamlit here: notebooks and the app share them).

Each function takes contract tables (see ``docs/conventions.md``) and returns a
``plotly.graph_objects.Figure``. Timestamps are shown as site-local wall-clock time: Plotly cannot
display a UTC offset, so aware timestamps are converted to the site's zone and made naive at this
boundary only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from planner.scenario import Scenario

__all__ = [
    "SHIFT_COLOURS",
    "compare_figure",
    "coverage_figure",
    "forecast_figure",
    "hiring_tradeoff_figure",
    "history_figure",
    "person_risk_figure",
    "reasons_pareto",
    "requirement_heatmap",
    "risk_heatmap",
    "rota_timeline",
]

#: Colour of each shift category (same hues as the Excel export, a shade stronger for screens).
SHIFT_COLOURS: dict[str, str] = {
    "early": "#f2b134",
    "day": "#6aa84f",
    "late": "#3d85c6",
    "night": "#674ea7",
    "other": "#cc4125",
}
_RISK_SCALE = [[0.0, "#e8f5e9"], [0.35, "#fff3c4"], [0.6, "#f9a65a"], [1.0, "#c62828"]]
_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 50, "b": 40}}


def _naive_local(values: pd.Series | pd.DatetimeIndex, tz: str | None) -> pd.Series:
    """Aware timestamps -> naive site-local wall-clock time (naive input is kept as is)."""
    series = pd.Series(pd.to_datetime(values))
    if series.dt.tz is None:
        return series
    if tz is not None:
        series = series.dt.tz_convert(tz)
    return series.dt.tz_localize(None)


def _day_column(df: pd.DataFrame) -> pd.Series:
    """A plottable day axis from ``date`` (dates) or ``ds`` (timestamps)."""
    if "date" in df.columns:
        return pd.to_datetime(pd.Series(df["date"]).astype(str))
    return _naive_local(df["ds"], None).dt.normalize()


def history_figure(
    daily: pd.DataFrame,
    surge_windows: Iterable[tuple[dt.date, dt.date, str]] = (),
    title: str = "Contacts per day",
) -> go.Figure:
    """Daily contacts per queue with the holiday-surge windows shaded.

    Args:
        daily: ``queue`` and ``y`` (contacts per day) with ``date`` or ``ds`` (one row per day).
        surge_windows: ``(first date, last date, label)`` spans to shade (e.g. Nov 15 – Dec 31 of
            each year).
    """
    fig = go.Figure()
    days = _day_column(daily)
    for queue in dict.fromkeys(daily["queue"]):
        mask = (daily["queue"] == queue).to_numpy()
        fig.add_trace(
            go.Scatter(x=days[mask], y=daily.loc[mask, "y"], name=str(queue), mode="lines")
        )
    for first, last, label in surge_windows:
        fig.add_vrect(
            x0=pd.Timestamp(first),
            x1=pd.Timestamp(last) + pd.Timedelta(days=1),
            fillcolor="#f4a261",
            opacity=0.18,
            line_width=0,
            annotation_text=label,
            annotation_position="top left",
        )
    fig.update_layout(title=title, yaxis_title="contacts per day", hovermode="x unified", **_LAYOUT)
    return fig


def forecast_figure(
    history_daily: pd.DataFrame | None,
    forecast_daily: pd.DataFrame,
    queue: str | None = None,
    title: str | None = None,
    history_days: int = 60,
) -> go.Figure:
    """History and forecast per day: ``yhat`` with its band, ``y_plan``, holidays marked.

    Args:
        history_daily: ``queue, y`` with ``date``/``ds`` per day (actuals), or None.
        forecast_daily: ``queue, date, yhat, yhat_lower, yhat_upper`` (+ ``y_plan``, ``holiday``)
            per day.
        queue: one queue, or None for the sum of all queues (band summed: a conservative view).
        history_days: days of actuals shown before the forecast starts (and a year earlier).
    """

    def pick(df: pd.DataFrame) -> pd.DataFrame:
        df = df if queue is None else df[df["queue"] == queue]
        out = df.assign(day=_day_column(df).to_numpy())
        cols = [c for c in ("y", "yhat", "yhat_lower", "yhat_upper", "y_plan") if c in out]
        agg = out.groupby("day")[cols].sum()
        if "holiday" in out.columns:
            names = out.groupby("day")["holiday"].agg(
                lambda s: ", ".join(sorted({str(v) for v in s if isinstance(v, str) and v}))
            )
            agg["holiday"] = names
        return agg.reset_index()

    fc = pick(forecast_daily)
    fig = go.Figure()
    if history_daily is not None and not history_daily.empty:
        hist = pick(history_daily)
        first, last = fc["day"].min(), fc["day"].max()
        recent = hist[hist["day"] >= first - pd.Timedelta(days=history_days)]
        fig.add_trace(
            go.Scatter(
                x=recent["day"],
                y=recent["y"],
                name="actual",
                mode="lines",
                line={"color": "#333333"},
            )
        )
        # the same weekdays a year earlier (364 days), for the size of last year's surge
        lag = pd.Timedelta(days=364)
        year_ago = hist[(hist["day"] >= first - lag - pd.Timedelta(days=history_days))
                        & (hist["day"] <= last - lag)]  # fmt: skip
        if len(year_ago):
            fig.add_trace(
                go.Scatter(
                    x=year_ago["day"] + lag,
                    y=year_ago["y"],
                    name="a year earlier",
                    mode="lines",
                    line={"color": "#999999", "dash": "dot"},
                )
            )
    fig.add_trace(
        go.Scatter(
            x=fc["day"], y=fc["yhat_upper"], mode="lines", line={"width": 0}, showlegend=False
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fc["day"],
            y=fc["yhat_lower"],
            fill="tonexty",
            fillcolor="rgba(61,133,198,0.2)",
            mode="lines",
            line={"width": 0},
            name="forecast band",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fc["day"], y=fc["yhat"], name="forecast", mode="lines", line={"color": "#3d85c6"}
        )
    )
    if "y_plan" in fc.columns:
        fig.add_trace(
            go.Scatter(
                x=fc["day"],
                y=fc["y_plan"],
                name="staffed to",
                mode="lines",
                line={"color": "#cc4125", "dash": "dash"},
            )
        )
    if "holiday" in fc.columns:
        marked = fc[fc["holiday"] != ""]
        fig.add_trace(
            go.Scatter(
                x=marked["day"],
                y=marked["yhat"],
                mode="markers",
                marker={"symbol": "star", "size": 10, "color": "#f2b134"},
                name="holiday / event",
                text=marked["holiday"],
                hovertemplate="%{x|%a %d %b}: %{text}<extra></extra>",
            )
        )
    fig.update_layout(
        title=title or f"Forecast – {queue or 'all queues'}",
        yaxis_title="contacts per day",
        hovermode="x unified",
        **_LAYOUT,
    )
    return fig


def requirement_heatmap(
    requirement: pd.DataFrame,
    tz: str,
    queue: str | None = None,
    value: str = "staff_needed",
) -> go.Figure:
    """Staff needed as a heatmap: time of day (rows) × date (columns), summed over queues.

    On the autumn DST day the repeated wall-clock hour shows its larger value.
    """
    df = requirement if queue is None else requirement[requirement["queue"] == queue]
    local = _naive_local(df["ds"], tz)
    frame = pd.DataFrame(
        {"date": local.dt.date.to_numpy(), "time": local.dt.strftime("%H:%M").to_numpy()}
    )
    frame[value] = df[value].to_numpy()
    # sum queues per instant first, then max over a repeated wall-clock hour
    per_instant = frame.assign(ds=local.to_numpy()).groupby(["ds", "date", "time"])[value].sum()
    grid = per_instant.groupby(["time", "date"]).max().unstack("date").sort_index()
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[pd.Timestamp(d) for d in grid.columns],
            y=list(grid.index),
            colorscale="Blues",
            colorbar={"title": value.replace("_", " ")},
            hovertemplate="%{x|%a %d %b} %{y}: %{z:.1f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title="time of day")
    fig.update_layout(title=f"{value.replace('_', ' ').capitalize()} – {queue or 'all queues'}")
    fig.update_layout(**_LAYOUT)
    return fig


def coverage_figure(
    coverage: pd.DataFrame,
    tz: str,
    queue: str | None = None,
    start: dt.date | None = None,
    days: int | None = None,
) -> go.Figure:
    """Staff needed vs scheduled per interval; under-cover intervals marked in red.

    Args:
        coverage: the ``coverage`` table.
        queue: one queue, or None for the sum over queues.
        start, days: optional window of dates to show (default: everything).
    """
    df = coverage if queue is None else coverage[coverage["queue"] == queue]
    agg = df.groupby("ds")[["staff_needed", "staff_scheduled"]].sum().reset_index()
    agg["when"] = _naive_local(agg["ds"], tz).to_numpy()
    if start is not None:
        first = pd.Timestamp(start)
        last = first + pd.Timedelta(days=days or 7)
        agg = agg[(agg["when"] >= first) & (agg["when"] < last)]
    gap = agg["staff_scheduled"] - agg["staff_needed"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=agg["when"],
            y=agg["staff_needed"],
            name="needed",
            line={"shape": "hv", "color": "#333333"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=agg["when"],
            y=agg["staff_scheduled"],
            name="scheduled",
            line={"shape": "hv", "color": "#3d85c6"},
        )
    )
    short = agg[gap < -1e-9]
    fig.add_trace(
        go.Bar(
            x=short["when"],
            y=(short["staff_needed"] - short["staff_scheduled"]),
            base=short["staff_scheduled"],
            name="under-cover",
            marker={"color": "rgba(198,40,40,0.55)"},
            hovertemplate="%{x|%a %d %b %H:%M}: short by %{y:.1f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Coverage – {queue or 'all queues'}",
        yaxis_title="staff",
        hovermode="x unified",
        bargap=0,
        **_LAYOUT,
    )
    return fig


def rota_timeline(
    rota: pd.DataFrame,
    scenario: Scenario,
    start: dt.date | None = None,
    days: int = 7,
    people: Sequence[str] | None = None,
) -> go.Figure:
    """A timeline per person: one bar per shift, coloured by shift category, breaks hatched.

    Args:
        rota: the ``rota`` table.
        scenario: for names, shift categories and the time zone.
        start, days: the window of dates to show (default: the first week of the rota).
        people: employee ids to show (default: everyone on the rota in that window).
    """
    tz = scenario.site.timezone
    categories = {s.name: s.category for s in scenario.shifts}
    names = {p.id: p.name for p in scenario.staff}
    df = rota.copy()
    df["date"] = pd.to_datetime(df["date"].astype(str)).dt.date
    if start is None:
        start = min(df["date"]) if len(df) else scenario.horizon.start
    end = start + dt.timedelta(days=days)
    df = df[(df["date"] >= start) & (df["date"] < end)]
    if people is not None:
        df = df[df["employee_id"].astype(str).isin([str(p) for p in people])]
    df["s"] = _naive_local(df["start"], tz).to_numpy()
    df["e"] = _naive_local(df["end"], tz).to_numpy()
    df["label"] = [_person_label(e, names) for e in df["employee_id"]]
    df["category"] = [categories.get(str(s), "other") for s in df["shift"]]
    order = [_person_label(p.id, names) for p in scenario.staff]
    order += sorted(set(df["label"]) - set(order))
    order = [o for o in order if o in set(df["label"])]
    fig = go.Figure()
    for category, colour in SHIFT_COLOURS.items():
        part = df[df["category"] == category]
        if part.empty:
            continue
        duration_ms = (part["e"] - part["s"]).dt.total_seconds() * 1000
        fig.add_trace(
            go.Bar(
                base=part["s"],
                x=duration_ms,
                y=part["label"],
                orientation="h",
                name=category,
                marker={"color": colour},
                text=part["shift"],
                textposition="none",
                customdata=np.stack(
                    [part["s"].dt.strftime("%a %H:%M"), part["e"].dt.strftime("%H:%M")], axis=1
                ),
                hovertemplate="%{y}<br>%{text}: %{customdata[0]}–%{customdata[1]}<extra></extra>",
            )
        )
    breaks_x, breaks_y = [], []
    for row in df.itertuples(index=False):
        for pair in _pairs(row.breaks):
            a, b = (_naive_local(pd.Series([t]), tz).iloc[0] for t in pair)
            breaks_x.append((a, b))
            breaks_y.append(row.label)
    if breaks_x:
        fig.add_trace(
            go.Bar(
                base=[a for a, _ in breaks_x],
                x=[(b - a).total_seconds() * 1000 for a, b in breaks_x],
                y=breaks_y,
                orientation="h",
                name="break",
                marker={"color": "rgba(255,255,255,0.75)", "pattern": {"shape": "/"}},
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        barmode="overlay",
        title=f"Rota {start:%d %b} – {end - dt.timedelta(days=1):%d %b %Y}",
        height=max(300, 22 * len(order) + 120),
        **_LAYOUT,
    )
    fig.update_xaxes(type="date")
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    return fig


def _pairs(breaks: object) -> list[tuple[object, object]]:
    """Break pairs from a list cell or its JSON text (empty for missing)."""
    import json

    if breaks is None or (isinstance(breaks, float) and np.isnan(breaks)):
        return []
    if isinstance(breaks, str):
        breaks = json.loads(breaks) if breaks.strip() else []
    return [(p[0], p[1]) for p in breaks]  # type: ignore[union-attr]


def hiring_tradeoff_figure(tradeoff: pd.DataFrame) -> go.Figure:
    """Hires vs total cost (bars) and under-covered hours and service level (lines).

    Args:
        tradeoff: ``HiringPlan.tradeoff`` (``hires, total_cost, under_cover_h, service_level,
            cheapest, knee`` and, when verified, ``sched_under_cover_h``).

    The cheapest plan meeting the targets and the knee are marked.
    """
    t = tradeoff
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(x=t["hires"], y=t["total_cost"], name="total cost", marker_color="#c9d6e8"),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=t["hires"],
            y=t["under_cover_h"],
            name="under-covered staff-hours",
            mode="lines+markers",
            line={"color": "#d62728"},
        ),
        secondary_y=True,
    )
    if "sched_under_cover_h" in t.columns:
        checked = t.dropna(subset=["sched_under_cover_h"])
        fig.add_trace(
            go.Scatter(
                x=checked["hires"],
                y=checked["sched_under_cover_h"],
                name="under-covered (scheduler)",
                mode="markers",
                marker={"symbol": "x", "size": 11, "color": "#8c1c13"},
            ),
            secondary_y=True,
        )
    text = [f"service level ≈ {v:.0%}" if pd.notna(v) else "" for v in t["service_level"]]
    fig.data[1].update(text=text, hovertemplate="%{x} hires: %{y:.0f} h<br>%{text}")
    marks = (("cheapest", "cheapest meeting target", "#2ca02c"), ("knee", "knee", "#9467bd"))
    for flag, label, color in marks:
        hit = t[t[flag]]
        if hit.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=hit["hires"],
                y=hit["under_cover_h"],
                name=label,
                mode="markers",
                marker={"size": 16, "color": color, "symbol": "star"},
            ),
            secondary_y=True,
        )
    fig.update_layout(
        title="Seasonal hires: cost vs under-covered hours",
        xaxis_title="seasonal hires",
        legend={"orientation": "h", "y": -0.2},
        template="plotly_white",
    )
    fig.update_yaxes(title_text="total cost", secondary_y=False)
    fig.update_yaxes(title_text="under-covered staff-hours", secondary_y=True, rangemode="tozero")
    return fig


def _week_label(week: object) -> str:
    """``week of 23 Nov`` for a week's Monday (a category label: one cell or bar per week)."""
    return f"week of {pd.Timestamp(str(week)):%d %b}"


def _person_label(employee_id: object, names: dict[str, str]) -> str:
    """``Name (id)``, or just the id for people without a name (e.g. hire candidates)."""
    key = str(employee_id)
    return f"{names[key]} ({key})" if key in names else key


def risk_heatmap(
    weekly: pd.DataFrame, names: dict[str, str] | None = None, top: int | None = None
) -> go.Figure:
    """Burnout risk score per person (rows, riskiest first) × week (columns), 0–100.

    Args:
        weekly: ``employee_id, week, risk_score`` (one row per person and week).
        names: employee id -> display name.
        top: show only the ``top`` riskiest people (by peak weekly score).
    """
    names = names or {}
    grid = weekly.pivot_table(
        index="employee_id", columns="week", values="risk_score", aggfunc="max"
    )
    grid = grid.loc[grid.max(axis=1).sort_values(ascending=False, kind="stable").index]
    if top is not None:
        grid = grid.head(top)
    labels = [_person_label(e, names) for e in grid.index]
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[_week_label(w) for w in grid.columns],
            y=labels,
            zmin=0,
            zmax=100,
            colorscale=_RISK_SCALE,
            colorbar={"title": "risk score"},
            hovertemplate="%{y}<br>%{x}: %{z:.0f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(
        title="Burnout risk per person and week (riskiest first)",
        height=max(320, 18 * len(labels) + 120),
    )
    fig.update_layout(**_LAYOUT)
    return fig


def person_risk_figure(weekly: pd.DataFrame, employee_id: str) -> go.Figure:
    """One person's weekly score, split into the points each indicator adds (``pts_*`` columns)."""
    mine = weekly[weekly["employee_id"].astype(str) == str(employee_id)].sort_values("week")
    weeks = [_week_label(w) for w in mine["week"]]
    fig = go.Figure()
    point_cols = [c for c in mine.columns if c.startswith("pts_")]
    for col in point_cols:
        if (mine[col] > 0).any():
            fig.add_trace(go.Bar(x=weeks, y=mine[col], name=col.removeprefix("pts_")))
    if not point_cols:
        fig.add_trace(go.Bar(x=weeks, y=mine["risk_score"], name="risk score"))
    fig.update_layout(
        barmode="stack",
        title=f"Risk of {employee_id} per week (points per indicator)",
        xaxis={"type": "category"},
        yaxis={"title": "risk score", "range": [0, 100]},
        **_LAYOUT,
    )
    return fig


def reasons_pareto(reasons: pd.DataFrame, value: str = "y", label: str = "reason") -> go.Figure:
    """The 80/20 of contact reasons: bars (largest first) and the cumulative share line."""
    totals = reasons.groupby(label)[value].sum().sort_values(ascending=False, kind="stable")
    share = totals.cumsum() / max(float(totals.sum()), 1e-9)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=totals.index, y=totals.to_numpy(), name="contacts"), secondary_y=False)
    fig.add_trace(
        go.Scatter(
            x=share.index, y=share.to_numpy(), name="cumulative share", mode="lines+markers"
        ),
        secondary_y=True,
    )
    fig.add_hline(y=0.8, line_dash="dot", line_color="#cc4125", secondary_y=True)
    fig.update_yaxes(title="contacts", secondary_y=False)
    fig.update_yaxes(
        title="cumulative share",
        tickformat=".0%",
        range=[0, 1.05],
        tickmode="array",
        tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1.0],
        showgrid=False,
        secondary_y=True,
    )
    fig.update_layout(title="Contact reasons (80/20)", **_LAYOUT)
    return fig


def compare_figure(table: pd.DataFrame, names: tuple[str, str]) -> go.Figure:
    """Service level per queue of two plans (rows ``service level <queue>`` of compare_plans)."""
    rows = table[table["metric"].str.startswith("service level ")]
    queues = rows["metric"].str.removeprefix("service level ")
    fig = go.Figure()
    for name, colour in zip(names, ("#9fc5e8", "#3d85c6"), strict=True):
        fig.add_trace(go.Bar(x=queues, y=rows[name], name=name, marker_color=colour))
    fig.update_layout(
        barmode="group",
        title="Service level per queue",
        yaxis={"tickformat": ".0%", "range": [0, 1.05]},
        **_LAYOUT,
    )
    return fig
