"""Saved scenarios and plans, in an embedded SQLite database (or PostgreSQL) via SQLAlchemy 2.

A team saves a plan, closes the app, and reopens or compares it next week. By default the
database is ``plans.db`` in a folder of your choice (the app uses the working directory); set
``PLANNER_DATABASE_URL`` (e.g. ``postgresql+psycopg://user@host/planner``) to share one database
across a team instead.

Layout: ``scenarios`` (name, settings as JSON), ``plans`` (name, scenario settings, the summary as
JSON) and ``plan_tables`` (one row per table of a plan, stored as a Parquet blob). A plan and all
its tables are written in **one transaction**: if anything fails mid-save (a table that will not
serialise, a full disk, a killed process) the transaction rolls back and no half-saved plan is
ever listed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    delete,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from planner.errors import DataError
from planner.exports import PlanSummary
from planner.scenario import Scenario, parse_scenario

__all__ = [
    "DATABASE_URL_ENV",
    "PlanStore",
    "SavedPlan",
    "compare_plans",
    "database_url",
]

#: Environment variable that points the store at another database (e.g. PostgreSQL).
DATABASE_URL_ENV = "PLANNER_DATABASE_URL"


def database_url(folder: str | Path | None = None) -> str:
    """The database to use: ``$PLANNER_DATABASE_URL`` if set, else ``sqlite:///<folder>/plans.db``.

    ``folder`` defaults to the working directory and is created if missing.
    """
    env = os.environ.get(DATABASE_URL_ENV, "").strip()
    if env:
        return env
    base = Path(folder) if folder is not None else Path.cwd()
    base.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(base / 'plans.db').resolve()}"


class _Base(DeclarativeBase):
    pass


class _ScenarioRow(_Base):
    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    settings_json: Mapped[str] = mapped_column(Text)


class _PlanRow(_Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scenario_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    settings_json: Mapped[str] = mapped_column(Text)
    summary_json: Mapped[str] = mapped_column(Text)
    tables: Mapped[list[_TableRow]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )


class _TableRow(_Base):
    __tablename__ = "plan_tables"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    json_columns: Mapped[str] = mapped_column(Text, default="[]")
    parquet: Mapped[bytes] = mapped_column(LargeBinary)
    plan: Mapped[_PlanRow] = relationship(back_populates="tables")


@dataclasses.dataclass
class SavedPlan:
    """A plan as reopened from the store."""

    id: int
    name: str
    created_at: dt.datetime
    scenario: Scenario
    summary: PlanSummary
    tables: dict[str, pd.DataFrame]


def _settings_json(scenario: Scenario) -> str:
    """The settings plus the folder relative paths (``history.path``) resolve against."""
    settings = json.loads(scenario.model_dump_json())
    return json.dumps({"base_dir": str(scenario.base_dir), "settings": settings})


def _scenario_from_json(text: str, source: str) -> Scenario:
    data = json.loads(text)
    return parse_scenario(data["settings"], source=source, base_dir=Path(data["base_dir"]))


def _json_cell(value: Any) -> str:
    """A list/dict cell (e.g. rota ``breaks``) as JSON, timestamps as ISO 8601 with offset."""

    def convert(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return [convert(x) for x in v]
        if isinstance(v, dict):
            return {str(k): convert(x) for k, x in v.items()}
        if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
            return v.isoformat()
        if hasattr(v, "tolist"):
            return convert(v.tolist())
        return v

    return json.dumps(convert(value))


def _table_to_blob(df: pd.DataFrame) -> tuple[bytes, list[str]]:
    """Parquet bytes of ``df``; nested cells (lists, dicts) go as JSON text and are listed.

    Parquet keeps tz-aware timestamps exactly; lists of timestamps it would not (it drops the
    zone), hence the JSON detour for those columns.
    """
    out = df.reset_index(drop=True).copy()
    nested = []
    for col in out.columns:
        is_nested = out[col].map(lambda v: isinstance(v, (list, tuple, dict)))
        if out[col].dtype == object and is_nested.any():
            nested.append(str(col))
            out[col] = out[col].map(_json_cell)
    buffer = io.BytesIO()
    out.to_parquet(buffer, index=False)
    return buffer.getvalue(), nested


def _blob_to_table(blob: bytes, nested: list[str]) -> pd.DataFrame:
    df = pd.read_parquet(io.BytesIO(blob))
    for col in nested:
        df[col] = df[col].map(lambda s: _revive(json.loads(s)) if isinstance(s, str) else s)
    return df


def _revive(value: Any) -> Any:
    """JSON lists of ISO timestamps back to ``pd.Timestamp`` (other values unchanged)."""
    if isinstance(value, list):
        return [_revive(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            return pd.Timestamp(value)
        except ValueError:
            return value
    return value


class PlanStore:
    """Saved scenarios and plans in one database.

    Args:
        url: SQLAlchemy URL; default :func:`database_url` (``$PLANNER_DATABASE_URL`` or SQLite).
        folder: where ``plans.db`` lives when no URL is given.
    """

    def __init__(self, url: str | None = None, folder: str | Path | None = None) -> None:
        self.url = url or database_url(folder)
        self.engine: Engine = create_engine(self.url)
        _Base.metadata.create_all(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # Scenarios -------------------------------------------------------------------------------

    def save_scenario(self, scenario: Scenario, name: str | None = None) -> int:
        """Save a scenario's settings; return its id."""
        with Session(self.engine) as session, session.begin():
            row = _ScenarioRow(
                name=name or scenario.name,
                created_at=dt.datetime.now(dt.UTC),
                settings_json=_settings_json(scenario),
            )
            session.add(row)
            session.flush()
            return int(row.id)

    def list_scenarios(self) -> pd.DataFrame:
        """Saved scenarios: ``id, name, created_at`` (newest first)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(_ScenarioRow.id, _ScenarioRow.name, _ScenarioRow.created_at).order_by(
                    _ScenarioRow.id.desc()
                )
            ).all()
        return pd.DataFrame(rows, columns=["id", "name", "created_at"])

    def load_scenario(self, scenario_id: int) -> Scenario:
        """Reopen a saved scenario.

        Raises:
            DataError: no scenario has that id.
        """
        with Session(self.engine) as session:
            row = session.get(_ScenarioRow, scenario_id)
            if row is None:
                raise DataError(f"{self.url}: no saved scenario with id {scenario_id}")
            return _scenario_from_json(row.settings_json, f"saved scenario {scenario_id}")

    def delete_scenario(self, scenario_id: int) -> None:
        """Delete a saved scenario (no error if it is already gone)."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(_ScenarioRow).where(_ScenarioRow.id == scenario_id))

    # Plans -----------------------------------------------------------------------------------

    def save_plan(
        self,
        name: str,
        scenario: Scenario,
        summary: PlanSummary,
        tables: dict[str, pd.DataFrame],
    ) -> int:
        """Save a plan (settings, summary and every table) atomically; return its id.

        The plan row and all table rows go in one transaction; any failure rolls it all back.
        """
        with Session(self.engine) as session, session.begin():
            plan = _PlanRow(
                name=name,
                scenario_name=scenario.name,
                created_at=dt.datetime.now(dt.UTC),
                settings_json=_settings_json(scenario),
                summary_json=json.dumps(summary.to_dict(), default=str),
            )
            session.add(plan)
            session.flush()  # the plan row exists inside the transaction from here on
            for table_name, df in tables.items():
                blob, nested = _table_to_blob(df)
                session.add(
                    _TableRow(
                        plan_id=plan.id,
                        name=table_name,
                        json_columns=json.dumps(nested),
                        parquet=blob,
                    )
                )
                session.flush()
            return int(plan.id)

    def list_plans(self) -> pd.DataFrame:
        """Saved plans with their headline numbers, newest first.

        Columns: ``id, name, scenario, created_at, total_cost, under_cover_hours, hires``.
        """
        with Session(self.engine) as session:
            rows = session.execute(
                select(
                    _PlanRow.id,
                    _PlanRow.name,
                    _PlanRow.scenario_name,
                    _PlanRow.created_at,
                    _PlanRow.summary_json,
                ).order_by(_PlanRow.id.desc())
            ).all()
        records = []
        for plan_id, name, scenario_name, created, summary_json in rows:
            summary = PlanSummary.from_dict(json.loads(summary_json))
            records.append(
                {
                    "id": int(plan_id),
                    "name": name,
                    "scenario": scenario_name,
                    "created_at": created,
                    "total_cost": summary.total_cost,
                    "under_cover_hours": summary.under_cover_hours,
                    "hires": summary.hires,
                }
            )
        columns = [
            "id",
            "name",
            "scenario",
            "created_at",
            "total_cost",
            "under_cover_hours",
            "hires",
        ]
        return pd.DataFrame(records, columns=columns)

    def load_plan(self, plan_id: int) -> SavedPlan:
        """Reopen a saved plan with its tables.

        Raises:
            DataError: no plan has that id.
        """
        with Session(self.engine) as session:
            row = session.get(_PlanRow, plan_id)
            if row is None:
                raise DataError(f"{self.url}: no saved plan with id {plan_id}")
            tables = {
                t.name: _blob_to_table(t.parquet, json.loads(t.json_columns)) for t in row.tables
            }
            return SavedPlan(
                id=int(row.id),
                name=row.name,
                created_at=row.created_at,
                scenario=_scenario_from_json(row.settings_json, f"saved plan {plan_id}"),
                summary=PlanSummary.from_dict(json.loads(row.summary_json)),
                tables=tables,
            )

    def delete_plan(self, plan_id: int) -> None:
        """Delete a plan and its tables (no error if it is already gone)."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(_TableRow).where(_TableRow.plan_id == plan_id))
            session.execute(delete(_PlanRow).where(_PlanRow.id == plan_id))

    def count_tables(self) -> int:
        """Number of stored table rows across all plans (for integrity checks)."""
        with Session(self.engine) as session:
            return int(session.execute(select(func.count(_TableRow.id))).scalar_one())


def compare_plans(
    a: PlanSummary, b: PlanSummary, names: tuple[str, str] = ("A", "B")
) -> pd.DataFrame:
    """Two plans' headline numbers side by side, with the difference ``B − A``.

    Rows: total cost, labour cost, hiring cost, paid hours, under-cover staff-hours, hires,
    high/medium-risk people, and the service level of each queue either plan has.
    Columns: ``metric``, ``names[0]``, ``names[1]``, ``difference``, ``better`` (which plan is
    better on that metric, or ``"same"``).
    """
    # (metric, value in a, value in b, True when higher is better)
    rows: list[tuple[str, float, float, bool]] = [
        (f"total cost ({a.currency})", a.total_cost, b.total_cost, False),
        (f"labour cost ({a.currency})", a.labour_cost, b.labour_cost, False),
        (f"hiring cost ({a.currency})", a.hiring_cost, b.hiring_cost, False),
        ("paid hours", a.paid_hours, b.paid_hours, False),
        ("under-cover staff-hours", a.under_cover_hours, b.under_cover_hours, False),
        ("hires", float(a.hires), float(b.hires), False),
        (
            "people at high risk",
            float(a.risk_counts.get("high", 0)),
            float(b.risk_counts.get("high", 0)),
            False,
        ),
        (
            "people at medium risk",
            float(a.risk_counts.get("medium", 0)),
            float(b.risk_counts.get("medium", 0)),
            False,
        ),
    ]
    queues = list(dict.fromkeys([*a.service_level, *b.service_level]))
    for queue in queues:
        rows.append(
            (
                f"service level {queue}",
                float(a.service_level.get(queue, float("nan"))),
                float(b.service_level.get(queue, float("nan"))),
                True,
            )
        )
    records = []
    for metric, va, vb, higher_better in rows:
        diff = vb - va
        if pd.isna(diff) or abs(diff) < 1e-9:
            better = "same" if not pd.isna(diff) else "–"
        else:
            better = names[1] if (diff > 0) == higher_better else names[0]
        records.append(
            {"metric": metric, names[0]: va, names[1]: vb, "difference": diff, "better": better}
        )
    return pd.DataFrame(records)
