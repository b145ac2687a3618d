"""Chart exports keep their context: the image carries title, filters in words, n trials, data date and
source at 2x; the chart CSV is named after chart, data date and filters and has a provenance sidecar."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from landscape import charts
from landscape.chart_export import (
    ChartContext,
    add_export_caption,
    describe_filters_in_words,
    make_chart_config,
    name_chart_file,
    write_caption_lines,
    write_chart_about,
    write_source_line,
)
from landscape.db import Warehouse
from landscape.filters import TrialFilters, parse_query_params
from landscape.queries.methods import read_latest_refresh
from landscape.queries.overview import count_trials

ROOT = Path(__file__).resolve().parents[1]
FILTERS = TrialFilters(
    targets=("CD19", "BCMA"),
    status_groups=("open",),
    start_year_min=2020,
    patient_values=(("egfr_ml_min_1_73m2", 40.0),),
)
CONTEXT = ChartContext(
    filters=FILTERS,
    trial_count=12,
    data_timestamp="2026-08-22",
    refresh={
        "source": "bundled offline snapshot",
        "query": "CAR autoimmune",
        "loaded_at": "2026-12-05T09:05",
    },
    measure_labels={"egfr_ml_min_1_73m2": "eGFR (mL/min/1.73 m²)"},
)


def _plain(markup: str) -> str:
    """Caption markup as a reader sees it: tags dropped, line breaks as spaces, entities decoded."""
    text = re.sub(r"<br>", " ", markup)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_filters_are_described_in_words_not_url_keys() -> None:
    words = describe_filters_in_words(FILTERS, CONTEXT.measure_labels)
    assert "Target: CD19 or BCMA" in words
    assert "Status: open" in words
    assert "Start year: 2020 or later" in words
    assert "Admits a patient with eGFR (mL/min/1.73 m²) = 40" in words
    assert not re.search(r"\b(target|status|start_from|admit)\s*=", words)
    assert "egfr_ml" not in words
    assert describe_filters_in_words(TrialFilters()) == "none (all trials)"


def test_the_exported_figure_carries_title_filters_count_date_and_source() -> None:
    frame = pl.DataFrame({"antigen": ["CD19", "BCMA"], "n": [5, 2]})
    fig = charts.draw_bar(frame, "antigen", "n", "Trials per target", "Antigen", "Trials", horizontal=True)
    before = fig.to_dict()
    dressed = add_export_caption(fig, CONTEXT)
    assert fig.to_dict() == before, "the cached figure is not modified"
    assert dressed.layout.title.text == "Trials per target"
    caption = _plain(dressed.layout.title.subtitle.text)
    assert "n = 12 trials" in caption
    assert "Filters: Target: CD19 or BCMA; Status: open" in caption
    assert "Source: ClinicalTrials.gov, data as of 2026-08-22; CAR-autoimmune landscape" in caption
    assert dressed.layout.height > fig.layout.height and dressed.layout.margin.t > fig.layout.margin.t
    # A subtitle the chart had stays first.
    with_sub = charts.draw_bar(frame, "antigen", "n", "T", "A", "Trials", subtitle="Top 2 of 9")
    assert _plain(add_export_caption(with_sub, CONTEXT).layout.title.subtitle.text).startswith(
        "Top 2 of 9 n = 12"
    )
    # The caption is valid Plotly (builders skip validation; this checks the spec).
    go.Figure(dressed.to_dict())


def test_caption_lines_fit_a_half_width_chart_and_escape_filter_text() -> None:
    context = ChartContext(
        filters=TrialFilters(search_text="<b>lupus</b>"), trial_count=3, data_timestamp="2026-08-22"
    )
    lines = write_caption_lines(context)
    assert all(len(line) <= 50 for line in lines)
    fig = add_export_caption(
        charts.draw_bar(pl.DataFrame({"a": ["x"], "n": [1]}), "a", "n", "T", "A", "N"), context
    )
    assert "<b>lupus" not in fig.layout.title.subtitle.text
    assert "&lt;b&gt;lupus" in fig.layout.title.subtitle.text
    assert write_source_line(None).endswith("data as of unknown date; CAR-autoimmune landscape")


@pytest.mark.parametrize("image_format", ["PNG", "SVG"])
def test_the_toolbar_saves_at_twice_the_screen_size(image_format: str) -> None:
    options = make_chart_config("stem", image_format)["toImageButtonOptions"]
    assert options == {"format": image_format.lower(), "filename": "stem", "scale": 2}


def test_chart_files_are_named_after_chart_data_date_and_filters() -> None:
    stem = name_chart_file(
        "Trials per target!", TrialFilters(targets=("CD19",), status_groups=("open",)), "2026-08-22"
    )
    assert stem == "car-autoimmune_trials-per-target_data-2026-08-22_target-CD19_status-open"
    assert name_chart_file("x", TrialFilters(), "2026-08-22") == "car-autoimmune_x_data-2026-08-22_all"
    assert name_chart_file("x", TrialFilters()).endswith("_data-unknown_all")


def test_chart_csv_sidecar_carries_the_trial_exports_provenance() -> None:
    frame = pl.DataFrame({"antigen": ["CD19"], "trial_count": [5]})
    about = write_chart_about("Trials per target antigen", frame, CONTEXT)
    assert about.startswith("title: Trials per target antigen (the numbers behind the chart; 12 trials")
    for line in (
        "rows: 1",
        "filters: target=CD19|BCMA; status=open; start_from=2020; admit.egfr_ml_min_1_73m2=40",
        "data_timestamp: 2026-08-22",
        "source: bundled offline snapshot",
        "query: CAR autoimmune",
        "database_built_at: 2026-12-05T09:05",
        "  target = CD19",
        "  antigen: String",
        "filters in words: Target: CD19 or BCMA; Status: open; Start year: 2020 or later",
        "Source: ClinicalTrials.gov, data as of 2026-08-22; CAR-autoimmune landscape",
    ):
        assert line in about, line


# --- in the app -----------------------------------------------------------------------------------


@pytest.fixture
def app_env(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LANDSCAPE_DB", str(fixture_db))
    st.cache_data.clear()
    yield fixture_db
    st.cache_data.clear()


def test_every_chart_on_a_filtered_page_carries_its_context(app_env: Path) -> None:
    import json

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["target"] = "CD19"
    at.run()
    at.switch_page("pages/views/targets.py").run()
    assert not at.exception, [e.value for e in at.exception]
    wh = Warehouse(app_env)
    filters, _ = parse_query_params({"target": ["CD19"]})
    expected_n = count_trials(wh, filters)
    stamp = read_latest_refresh(wh).get("data_timestamp")
    data_date = str(stamp)[:10] if stamp else "unknown date"
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert specs
    for spec in specs:
        caption = _plain(spec["layout"]["title"]["subtitle"]["text"])
        assert f"n = {expected_n:,} trials" in caption
        assert "Filters: Target: CD19" in caption
        assert f"Source: ClinicalTrials.gov, data as of {data_date}; CAR-autoimmune landscape" in caption
    # Each chart offers its CSV and the CSV's about file.
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("About") >= len(specs)
