"""Contact reasons: the season's 80/20 and per-reason deflection turned into queue deflection."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planner.errors import ScenarioError
from planner.reasons import deflection_by_queue, reason_pareto, season_rows


def _reasons() -> pd.DataFrame:
    rows = []
    for day in (dt.date(2025, 10, 1), dt.date(2025, 11, 20), dt.date(2026, 1, 5)):
        rows += [
            {"queue": "chat/normal", "date": day, "reason": "where_is_my_order", "y": 60},
            {"queue": "chat/normal", "date": day, "reason": "returns", "y": 30},
            {"queue": "chat/normal", "date": day, "reason": "other", "y": 10},
            {"queue": "email/normal", "date": day, "reason": "returns", "y": 50},
            {"queue": "email/normal", "date": day, "reason": "other", "y": 50},
        ]
    return pd.DataFrame(rows)


def test_season_rows_handles_windows_across_new_year():
    reasons = _reasons()
    assert set(season_rows(reasons, "11-15", "12-31")["date"]) == {dt.date(2025, 11, 20)}
    across = season_rows(reasons, "11-15", "01-10")
    assert set(across["date"]) == {dt.date(2025, 11, 20), dt.date(2026, 1, 5)}
    with pytest.raises(ScenarioError, match="'13-01' is not MM-DD"):
        season_rows(reasons, "13-01", "12-31")


def test_pareto_marks_the_fewest_reasons_reaching_80_percent():
    table = reason_pareto(season_rows(_reasons(), "11-15", "12-31"))
    assert table["reason"].tolist() == ["returns", "other", "where_is_my_order"]  # ties: a-z
    assert table["contacts"].tolist() == [80.0, 60.0, 60.0]
    assert table["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert table["top80"].tolist() == [True, True, True]  # 40%, 70% < 80% -> all three
    two = reason_pareto(pd.DataFrame({"reason": ["a", "b", "c"], "y": [70, 20, 10]}))
    assert two["top80"].tolist() == [True, True, False]


def test_deflection_by_queue_weights_each_reason_by_its_share():
    season = season_rows(_reasons(), "11-15", "12-31")
    out = deflection_by_queue(season, {"returns": 0.5, "where_is_my_order": 0.1})
    # chat: 30% returns x 0.5 + 60% WISMO x 0.1 = 0.21; email: 50% returns x 0.5 = 0.25
    assert out == pytest.approx({"chat/normal": 0.21, "email/normal": 0.25})
    assert deflection_by_queue(season, {}) == {"chat/normal": 0.0, "email/normal": 0.0}
    with pytest.raises(ScenarioError, match="deflection of reason 'returns'"):
        deflection_by_queue(season, {"returns": 1.5})
