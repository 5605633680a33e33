"""The Streamlit app, driven headless with AppTest: every page, on a small copy of the sample.

One session walks the pages in order like a person would (data -> forecast -> requirement ->
rota -> burnout -> hiring -> compare); widgets are found by key.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest
from _plan_fixtures import write_small_sample
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the pages import app_pages._common, as `streamlit run` allows
    sys.path.insert(0, str(ROOT))

pytestmark = pytest.mark.slow
TIMEOUT = 240


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("app")
    scenario = write_small_sample(folder, days=4, staff=12)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANNER_APP_SCENARIO", str(scenario))
        mp.setenv("PLANNER_DATABASE_URL", f"sqlite:///{folder / 'plans.db'}")
        yield folder


@pytest.fixture(scope="module")
def at(env):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    return app


def _chart_keys(at: AppTest) -> list[str]:
    return [c.proto.id for c in at.get("plotly_chart")]


def _has_chart(at: AppTest, key: str) -> bool:
    return any(k.endswith(f"-{key}") for k in _chart_keys(at))


def _chart_spec(at: AppTest, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}"))
    return json.loads(chart.proto.spec)


def _values(trace_y) -> list[float]:
    """Plotly 7 stores numeric arrays base64-encoded with a dtype."""
    import numpy as np

    if isinstance(trace_y, dict) and "bdata" in trace_y:
        return np.frombuffer(base64.b64decode(trace_y["bdata"]), dtype=trace_y["dtype"]).tolist()
    return list(trace_y)


def test_data_page_shows_history_and_reasons(at):
    assert not at.exception
    assert at.radio(key="data_source").value == "Bundled sample"
    assert _has_chart(at, "history_chart") and _has_chart(at, "reasons_chart")
    assert [m.label for m in at.metric][:2] == ["Rows read", "Queues"]


def test_reason_deflection_flows_into_the_scenario(at):
    reason = next(s.key for s in at.slider if s.key.startswith("deflect_"))
    at.slider(key=reason).set_value(40).run()
    at.button(key="apply_deflection").click().run()
    assert not at.exception
    settings = json.loads(at.session_state["scenario_json"][0])
    deflections = {q["name"]: q["deflection"] for q in settings["queues"]}
    assert all(0 < d <= 0.4 for d in deflections.values()), deflections


def test_forecast_page_and_uplift_knob(at):
    at.switch_page("app_pages/forecast.py").run()
    assert not at.exception
    assert _has_chart(at, "forecast_chart")
    before = sum(_values(_trace(_chart_spec(at, "forecast_chart"), "forecast")["y"]))
    at.slider(key="uplift_override").set_value(20)
    at.button(key="FormSubmitter:whatif-Apply what-ifs").click().run()
    assert not at.exception
    after = sum(_values(_trace(_chart_spec(at, "forecast_chart"), "forecast")["y"]))
    assert after == pytest.approx(before * 1.2, rel=1e-6)
    at.selectbox(key="forecast_queue").select("chat/normal").run()
    assert not at.exception


def _trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def test_requirement_page_heatmap_and_targets(at):
    at.switch_page("app_pages/requirement.py").run()
    assert not at.exception
    assert _has_chart(at, "requirement_heatmap")
    at.selectbox(key="req_queue").select("phone/normal").run()
    at.selectbox(key="req_value").select("agents_needed").run()
    assert not at.exception
    at.button(key="apply_targets").click().run()
    assert not at.exception
    assert any("Targets applied" in s.value for s in at.success)


def test_rota_page_builds_with_short_limit_and_exports(at):
    at.switch_page("app_pages/rota.py").run()
    assert not at.exception
    assert any("Build rota" in i.value for i in at.info)
    at.number_input(key="time_limit").set_value(20)
    at.button(key="build_rota").click().run()
    assert not at.exception, [e.value for e in at.error]
    assert _has_chart(at, "rota_timeline") and _has_chart(at, "coverage_chart")
    labels = [m.label for m in at.metric]
    assert "Labour cost (USD)" in labels and "Under-cover (staff-h)" in labels
    downloads = {d.proto.id.split("-")[-1] for d in at.get("download_button")}
    assert {"dl_excel", "dl_csv", "dl_ics", "dl_summary"} <= downloads
    at.text_input(key="plan_name").set_value("first plan")
    at.button(key="save_plan").click().run()
    assert any("Saved as plan" in s.value for s in at.success)
    # a second plan with another week shown (an unrelated widget: the rota is not rebuilt)
    at.selectbox(key="rota_week").select_index(0).run()
    at.text_input(key="plan_name").set_value("second plan")
    at.button(key="save_plan").click().run()
    assert not at.exception


def test_burnout_page(at):
    at.switch_page("app_pages/burnout.py").run()
    assert not at.exception
    assert _has_chart(at, "risk_heatmap") and _has_chart(at, "person_risk")
    people = at.selectbox(key="risk_person").options
    at.selectbox(key="risk_person").select_index(len(people) - 1).run()
    assert not at.exception


def test_burnout_page_compares_cheapest_and_humane_rotas(at):
    at.switch_page("app_pages/burnout.py").run()
    at.number_input(key="humane_time_limit").set_value(10)
    at.button(key="humane_compare").click().run()
    assert not at.exception
    table = at.dataframe[-1].value.set_index("metric")
    assert {"total cost", "high-risk person-weeks"} <= set(table.index)
    assert any("humane rota (burnout weight 50)" in m.value for m in at.markdown)


def test_hiring_page(at):
    at.switch_page("app_pages/hiring.py").run()
    assert not at.exception
    at.button(key="run_hiring").click().run()
    assert not at.exception, [e.value for e in at.error]
    assert _has_chart(at, "hiring_chart")


def test_compare_page_lists_and_compares_saved_plans(at):
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    assert _has_chart(at, "compare_chart")
    table = at.dataframe[1].value
    assert "total cost (USD)" in set(table["metric"])


def test_loader_errors_are_shown_as_errors(env, tmp_path):
    # a scenario whose history file lacks its timestamp column
    bad = tmp_path / "scenario.yaml"
    text = (env / "scenario.yaml").read_text().replace("history.csv.gz", "broken.csv")
    bad.write_text(text)
    (tmp_path / "broken.csv").write_text("queue,when,y\nphone/normal,2026-01-01,3\n")
    (tmp_path / "reasons.csv.gz").write_bytes((env / "reasons.csv.gz").read_bytes())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANNER_APP_SCENARIO", str(bad))
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not app.exception
    assert len(app.error) == 1 and "broken.csv" in app.error[0].value


def test_a_missing_stage_is_a_notice_not_a_crash(env, monkeypatch):
    import planner.pipeline

    monkeypatch.setitem(planner.pipeline.STAGES, "schedule", "planner.no_such_stage")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    app.switch_page("app_pages/rota.py").run()
    assert not app.exception
    assert any("schedule" in i.value and "not available" in i.value for i in app.info)
