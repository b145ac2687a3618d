"""AppTest of the landscape pages: each renders its charts, follows the shared filters, says so when a
filter leaves nothing, and narrows the filters from its 'narrow to' lists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.overview import count_trials
from landscape.sidebar import widget_key

ROOT = Path(__file__).resolve().parents[1]
LANDSCAPE_PAGES = {
    "pages/views/overview.py": "CAR-based cell therapy in autoimmune disease",
    "pages/views/targets.py": "Targets",
    "pages/views/conditions.py": "Conditions",
    "pages/views/sponsors.py": "Sponsors",
    "pages/views/phases.py": "Phases & status",
    "pages/views/eligibility.py": "Eligibility",
    "pages/views/geography.py": "Geography",
    "pages/views/timeline.py": "Timeline",
}
NO_MATCH = {"q": "no trial is called this 7f3a"}


@pytest.fixture
def app_env(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app on the fixture warehouse."""
    monkeypatch.setenv("LANDSCAPE_DB", str(fixture_db))
    st.cache_data.clear()
    yield fixture_db
    st.cache_data.clear()


def _open(page: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "pages/views/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _chart_data(at: AppTest) -> list[str]:
    """Each chart's traces (what is drawn), without layout, as comparable text."""
    return [json.dumps(spec["data"], sort_keys=True) for spec in _chart_specs(at)]


def _param(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key)
    return [] if value is None else [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("page", LANDSCAPE_PAGES)
def test_page_renders_titled_charts_with_csv_downloads(app_env: Path, page: str) -> None:
    at = _open(page)
    assert [t.value for t in at.title][:1] == [LANDSCAPE_PAGES[page]]
    specs = _chart_specs(at)
    assert specs, "every landscape page draws at least one chart"
    for spec in specs:
        title = spec["layout"].get("title", {}).get("text")
        assert title, "every chart has a title"
    # One CSV per chart (tables add their own), and the image format switch.
    assert len(at.get("download_button")) >= len(specs)
    assert at.get("button_group"), "the PNG/SVG switch is on the page"


@pytest.mark.parametrize("page", LANDSCAPE_PAGES)
def test_page_follows_the_shared_filters(app_env: Path, page: str) -> None:
    at = _open(page)
    before = _chart_data(at)
    at.sidebar.multiselect(key=widget_key("targets")).set_value(["BCMA"]).run()
    assert not at.exception, [e.value for e in at.exception]
    after = _chart_data(at)
    assert after != before, "narrowing to one target changes what the charts draw"


@pytest.mark.parametrize("page", LANDSCAPE_PAGES)
def test_page_says_so_when_no_trial_matches(app_env: Path, page: str) -> None:
    at = _open(page, NO_MATCH)
    assert not at.get("plotly_chart")
    assert any("No trials match" in str(i.value) for i in at.info), [i.value for i in at.info]


def test_overview_headline_numbers_match_the_queries(app_env: Path) -> None:
    at = _open("pages/views/overview.py", {"target": "CD19"})
    expected = count_trials(Warehouse(app_env), TrialFilters(targets=("CD19",)))
    trials = next(m for m in at.metric if m.label == "Trials")
    assert trials.value == f"{expected:,}"


def test_picking_a_bar_from_the_list_narrows_the_filters(app_env: Path) -> None:
    at = _open("pages/views/overview.py")
    picker = at.selectbox(key="overview_status_narrow")
    assert "open" in picker.options
    picker.select("open").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.multiselect(key=widget_key("status_groups")).value == ["open"]
    assert _param(at, "status") == ["open"]
    # The list is ready for the next pick, not stuck on the last one.
    assert at.selectbox(key="overview_status_narrow").value is None


def test_a_matrix_cell_narrows_two_filters_at_once(app_env: Path) -> None:
    at = _open("pages/views/targets.py")
    picker = at.selectbox(key="targets_matrix_entity_narrow")
    cell = picker.options[0]
    target, condition = cell.split(" × ")
    picker.select(cell).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.multiselect(key=widget_key("targets")).value == [target]
    assert at.sidebar.multiselect(key=widget_key("condition_entities")).value == [condition]


def test_a_product_from_the_pipeline_table_narrows_to_its_trials(app_env: Path) -> None:
    at = _open("pages/views/sponsors.py")
    picker = at.selectbox(key="sponsors_pipeline_narrow")
    product = picker.options[0]
    picker.select(product).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.multiselect(key=widget_key("products")).value == [product]


def test_targets_matrix_switches_to_condition_families(app_env: Path) -> None:
    at = _open("pages/views/targets.py")
    at.radio(key="targets_matrix_level").set_value("family").run()
    assert not at.exception, [e.value for e in at.exception]
    titles = [spec["layout"]["title"]["text"] for spec in _chart_specs(at)]
    assert "Trials per target antigen and condition family" in titles


@pytest.mark.parametrize("grouping", ["target", "condition_family", "condition_entity"])
def test_timeline_groups_by_target_or_condition(app_env: Path, grouping: str) -> None:
    at = _open("pages/views/timeline.py")
    at.radio(key="timeline_group").set_value(grouping).run()
    assert not at.exception, [e.value for e in at.exception]
    (gantt,) = _chart_specs(at)
    assert all(trace["type"] == "bar" and trace["orientation"] == "h" for trace in gantt["data"])


def test_geography_map_needs_no_internet(app_env: Path) -> None:
    at = _open("pages/views/geography.py")
    specs = _chart_specs(at)
    traces = [trace for spec in specs for trace in spec["data"]]
    assert not any(
        trace["type"] in {"scattergeo", "choropleth", "scattermapbox", "scattermap"} for trace in traces
    )
    assert not any("geo" in spec["layout"] or "mapbox" in spec["layout"] for spec in specs)
    site_map = next(spec for spec in specs if spec["layout"]["title"]["text"] == "Trial sites")
    assert len(site_map["data"]) >= 2  # the outline plus at least one kind of marker


def test_eligibility_patient_panel_counts_trials_not_excluded(app_env: Path) -> None:
    at = _open("pages/views/eligibility.py")
    at.number_input(key="eligibility_patient_age").set_value(10.0).run()
    assert not at.exception, [e.value for e in at.exception]
    metric = next(m for m in at.metric if m.label == "Trials not excluded")
    admitted, total = (int(part) for part in str(metric.value).split(" of "))
    assert 0 <= admitted < total  # the fixture has adult-only trials


def test_image_format_switch_reaches_the_chart_toolbar(app_env: Path) -> None:
    at = _open("pages/views/phases.py")
    at.get("button_group")[0].set_value("SVG").run()
    assert not at.exception, [e.value for e in at.exception]
    configs = [json.loads(chart.proto.config) for chart in at.get("plotly_chart")]
    assert configs and all(c["toImageButtonOptions"]["format"] == "svg" for c in configs)
