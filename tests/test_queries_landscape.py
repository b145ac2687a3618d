"""The landscape pages' queries and chart helpers on the fixture warehouse: totals agree, filters narrow,
eligibility checks admit and exclude, and the offline map outline is usable."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import polars as pl
import pytest

from landscape import charts
from landscape.chart_export import make_chart_config, name_chart_file
from landscape.colors import FAMILY_COLORS, TARGET_COLORS, map_target_colors, pick_stable_color
from landscape.db import Warehouse
from landscape.drilldown import build_picker_options, read_selection_changes
from landscape.filters import TrialFilters
from landscape.geo import OUTLINE_PATH, find_country_centre, load_world_outline
from landscape.queries import (
    admission,
    conditions,
    eligibility,
    geography,
    overview,
    phases,
    sponsors,
    targets,
    timeline,
)
from landscape.queries.eligibility_options import describe_requirement, label_measure
from landscape.queries.shaping import OTHER, lump_small_groups

EVERYTHING = TrialFilters()


@pytest.fixture(scope="module")
def wh(fixture_db: Path) -> Warehouse:
    return Warehouse(fixture_db)


@pytest.fixture(scope="module")
def elig_wh(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The fixture warehouse with hand-written eligibility tables (known limits on known trials)."""
    path = tmp_path_factory.mktemp("elig") / "warehouse.duckdb"
    shutil.copy(fixture_db, path)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE IF EXISTS eligibility_requirements")
    con.execute(
        """CREATE TABLE eligibility_requirements AS SELECT * FROM (VALUES
             ('NCT09000001', 'lvef_pct', '%', 50.0, true, NULL, NULL),
             ('NCT09000004', 'lvef_pct', '%', 55.0, true, NULL, NULL),
             ('NCT09000007', 'lvef_pct', '%', 55.0, true, NULL, NULL),
             ('NCT09000001', 'egfr_ml_min_1_73m2', 'mL/min/1.73m2', 30.0, true, NULL, NULL),
             ('NCT09000004', 'egfr_ml_min_1_73m2', 'mL/min/1.73m2', 60.0, false, NULL, NULL),
             ('NCT09000002', 'alt_x_uln', 'x ULN', NULL, NULL, 3.0, true),
             ('NCT09000001', 'age_years', 'years', 21.0, true, NULL, NULL)
           ) AS v(nct_id, measure, unit, min_value, min_inclusive, max_value, max_inclusive)"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE eligibility_requirements AS
           SELECT nct_id, measure, unit, min_value::DOUBLE AS min_value, min_inclusive,
                  max_value::DOUBLE AS max_value, max_inclusive
           FROM eligibility_requirements"""
    )
    con.close()
    return Warehouse(path)


def _shown_total(wh: Warehouse) -> int:
    return overview.count_trials(wh, EVERYTHING)


def test_headline_numbers_add_up(wh: Warehouse) -> None:
    numbers = overview.read_headline_numbers(wh, EVERYTHING)
    assert numbers["trials"] == _shown_total(wh) > 0
    by_status = overview.count_trials_by_status(wh, EVERYTHING)
    assert by_status["trial_count"].sum() == numbers["trials"]
    assert numbers["open_trials"] == by_status.filter(pl.col("status_group") == "open")["trial_count"].sum()
    assert overview.count_trials_by_phase(wh, EVERYTHING)["trial_count"].sum() == numbers["trials"]
    assert numbers["countries"] >= 2 and numbers["targets"] >= 2


def test_starts_by_target_keep_every_dated_trial_and_lump_the_rest(wh: Warehouse) -> None:
    starts = overview.count_trial_starts_by_year_and_target(wh, EVERYTHING, keep=1)
    dated = overview.count_trial_starts_by_year(wh, EVERYTHING)
    assert starts["trial_count"].sum() == dated["trial_count"].sum()
    assert set(starts["target"].to_list()) <= {"CD19", OTHER}
    # 'other' stands for several targets: it carries no drill-down value.
    assert (
        starts.filter(pl.col("target") == OTHER)["target_values"].to_list()
        == [""] * starts.filter(pl.col("target") == OTHER).height
    )


def test_lump_small_groups_is_deterministic_on_ties() -> None:
    frame = pl.DataFrame({"year": [1, 1, 1], "g": ["b", "a", "c"], "n": [1, 1, 1]})
    lumped = lump_small_groups(frame, "g", "n", keep=2)
    assert sorted(lumped["g"].to_list()) == ["a", "b", OTHER]


def test_a_target_filter_narrows_every_target_query(wh: Warehouse) -> None:
    only = TrialFilters(targets=("BCMA",))
    per_antigen = targets.count_trials_per_antigen(wh, only)
    assert per_antigen.filter(pl.col("antigen") == "BCMA")["trial_count"].item() == overview.count_trials(
        wh, only
    )
    matrix = targets.count_target_condition_matrix(wh, only, "family")
    assert matrix.height > 0 and set(matrix["condition_family"]) <= set(FAMILY_COLORS)
    emergence = targets.count_antigen_starts_by_year(wh, EVERYTHING)
    last = emergence.group_by("antigen").agg(pl.col("cumulative_trials").max(), pl.col("trial_count").sum())
    assert (last["cumulative_trials"] == last["trial_count"]).all()


def test_multi_target_constructs_and_modalities(wh: Warehouse) -> None:
    constructs = targets.count_multi_target_constructs(wh, EVERYTHING)
    assert constructs.filter(pl.col("target") == "CD19/BCMA")["target_values"].item() == "CD19|BCMA"
    modality = targets.count_modality_per_antigen(wh, EVERYTHING)
    assert modality.filter(pl.col("antigen") == "DSG3 (CAAR)")["modality"].to_list() == ["CAAR-T"]


def test_furthest_phase_is_the_highest_phase_of_a_products_trials(wh: Warehouse) -> None:
    pipeline = sponsors.list_product_pipeline(wh, EVERYTHING)
    trials = wh.query(
        "SELECT product_name, max(phase_rank) AS rank FROM trials WHERE product_name IS NOT NULL "
        "AND is_car_based AND is_autoimmune GROUP BY ALL"
    )
    joined = pipeline.join(trials, on="product_name")
    assert joined.height == pipeline.height > 0
    assert (joined["furthest_rank"] == joined["rank"]).all()
    per_target = targets.list_products_per_target(wh, EVERYTHING)
    assert set(per_target["product_name"]) == set(pipeline["product_name"])


def test_condition_queries_agree(wh: Warehouse) -> None:
    primary = conditions.count_trials_by_primary_condition(wh, EVERYTHING)
    assert primary["trial_count"].sum() == _shown_total(wh)
    entities = conditions.count_trials_by_entity(wh, EVERYTHING)
    assert (entities["open_count"] <= entities["trial_count"]).all()
    phase = conditions.count_entity_phase(wh, EVERYTHING)
    per_entity = phase.group_by("condition_entity").agg(pl.col("trial_count").sum())
    assert (
        per_entity.join(entities, on="condition_entity")
        .filter(pl.col("trial_count") != pl.col("trial_count_right"))
        .is_empty()
    )
    basket = conditions.count_basket_trials(wh, EVERYTHING)
    assert basket["basket_trials"] == conditions.list_basket_trials(wh, EVERYTHING).height
    pairs = conditions.count_basket_condition_pairs(wh, EVERYTHING)
    assert (pairs["condition_a"] < pairs["condition_b"]).all()


def test_sponsor_queries(wh: Warehouse) -> None:
    by_trials = sponsors.count_top_sponsors(wh, EVERYTHING, "trials", 3)
    assert by_trials.height <= 3 and by_trials["trial_count"].is_sorted(descending=True)
    by_enrollment = sponsors.count_top_sponsors(wh, EVERYTHING, "enrollment", 20)
    assert by_enrollment["planned_enrollment"].is_sorted(descending=True)
    assert by_enrollment["planned_enrollment"].dtype == pl.Int64
    years = sponsors.count_sponsor_class_by_year(wh, EVERYTHING)
    assert (
        years["trial_count"].sum() == overview.count_trial_starts_by_year(wh, EVERYTHING)["trial_count"].sum()
    )
    assert sponsors.count_sponsor_class_by_phase(wh, EVERYTHING)["trial_count"].sum() == _shown_total(wh)
    assert (
        sponsors.count_sponsor_class_by_antigen(wh, TrialFilters(sponsor_classes=("government",))).height > 0
    )


def test_phase_and_status_queries(wh: Warehouse) -> None:
    assert phases.count_phase_status(wh, EVERYTHING)["trial_count"].sum() == _shown_total(wh)
    coverage = phases.count_span_coverage(wh, EVERYTHING)
    assert phases.count_status_by_start_year(wh, EVERYTHING)["trial_count"].sum() == coverage["with_start"]
    assert (
        phases.count_completions_by_year(wh, EVERYTHING)["trial_count"].sum() == coverage["with_completion"]
    )
    stats = phases.read_enrollment_stats_by_phase(wh, EVERYTHING)
    assert stats["n"].sum() == coverage["with_enrollment"]
    assert ((stats["lo"] <= stats["median"]) & (stats["median"] <= stats["hi"])).all()
    stalled = phases.list_stalled_trials(wh, EVERYTHING)
    assert stalled.height == coverage["stalled"]
    assert (stalled["years_since_start"] >= 3).all()
    assert phases.read_data_date(wh) is not None


def test_geography_queries_count_sites_and_unplaced_trials(wh: Warehouse) -> None:
    per_country = geography.count_trials_per_country(wh, EVERYTHING)
    coverage = geography.read_location_coverage(wh, EVERYTHING)
    assert per_country["site_count"].sum() == coverage["sites"]
    points = geography.list_site_points(wh, EVERYTHING)
    assert points["site_count"].sum() == coverage["sites_with_coordinates"]
    unplaced = geography.count_unplaced_trials_per_country(wh, EVERYTHING)
    # NCT06792344's only site (Hangzhou) has no coordinates: China gets a centre marker for it.
    assert "China" in unplaced["country"].to_list()
    by_target = geography.count_country_antigen(wh, TrialFilters(countries=("Germany",)))
    # The filter keeps trials running in Germany; those trials' other countries still show.
    assert "Germany" in set(by_target["country"])
    assert by_target["trial_count"].max() == 1


def test_timeline_spans_per_grouping(wh: Warehouse) -> None:
    coverage = timeline.count_span_coverage(wh, EVERYTHING)
    for grouping in timeline.GROUPINGS:
        spans = timeline.list_trial_spans(wh, EVERYTHING, grouping, 300)
        assert spans.height == coverage["with_start"]
        assert spans["group_label"].null_count() == 0
    assert timeline.list_trial_spans(wh, EVERYTHING, "target", 2).height == 2


def test_requirements_are_described_for_readers() -> None:
    assert describe_requirement(50.0, True, None, None, "%") == "≥ 50 %"
    assert describe_requirement(60.0, False, None, None) == "> 60"
    assert describe_requirement(None, None, 3.0, True, "x ULN") == "≤ 3 x ULN"
    assert describe_requirement(18.0, True, 65.0, False) == "≥ 18 and < 65"
    assert label_measure("eGFR", "mL/min/1.73m2") == "eGFR (mL/min/1.73m2)"
    assert label_measure("Prior therapies", "therapies") == "Prior therapies"
    assert eligibility.classify_age_window(None, 17.0) == "children only"
    assert eligibility.classify_age_window(2.0, 25.0) == "children and adults"
    assert eligibility.classify_age_window(18.0, None) == "adults only"
    assert eligibility.describe_age_window(18.0, 65.0) == "18–65 years"


def test_threshold_distribution_and_the_trials_behind_a_bar(elig_wh: Warehouse) -> None:
    lvef = eligibility.count_requirement_thresholds(elig_wh, EVERYTHING, "lvef_pct")
    assert dict(zip(lvef["requirement"], lvef["trial_count"], strict=True)) == {"≥ 50": 1, "≥ 55": 2}
    trials = eligibility.list_trials_with_requirement(
        elig_wh, EVERYTHING, "lvef_pct", (55.0, True, None, None)
    )
    assert sorted(trials["nct_id"]) == ["NCT09000004", "NCT09000007"]
    measures = eligibility.count_trials_per_measure(elig_wh, EVERYTHING)
    assert measures.row(0, named=True)["measure"] == "lvef_pct"
    matrix = eligibility.read_requirement_matrix(elig_wh, EVERYTHING, ("lvef_pct", "egfr_ml_min_1_73m2"))
    assert matrix.filter(pl.col("nct_id") == "NCT09000004")["requirement"].to_list() == ["> 60", "≥ 55"]
    assert eligibility.count_eligibility_coverage(elig_wh, EVERYTHING)["with_requirements"] == 4


def test_patient_check_gives_three_verdicts_on_stated_limits(elig_wh: Warehouse) -> None:
    patient = (("egfr_ml_min_1_73m2", 45.0), ("lvef_pct", 52.0))
    checked = admission.check_admission(elig_wh, EVERYTHING, None, patient)
    verdict = dict(zip(checked["nct_id"], checked["verdict"], strict=True))
    assert verdict["NCT09000001"] == admission.MEETS  # LVEF ≥ 50, eGFR ≥ 30
    assert verdict["NCT09000004"] == admission.EXCLUDED  # LVEF ≥ 55 and eGFR > 60
    assert verdict["NCT09000007"] == admission.EXCLUDED  # LVEF ≥ 55; states no eGFR limit
    assert verdict["NCT09000002"] == admission.NO_INFORMATION  # states neither limit
    row = checked.filter(pl.col("nct_id") == "NCT09000004").row(0, named=True)
    assert "eGFR > 60" in row["excluded_by"] and "LVEF ≥ 55" in row["excluded_by"]
    assert checked.filter(pl.col("nct_id") == "NCT09000007")["no_limit_stated_on"].item().startswith("eGFR")
    order = {v: i for i, v in enumerate(admission.VERDICT_ORDER)}
    assert [order[v] for v in checked["verdict"]] == sorted(order[v] for v in checked["verdict"])
    counts = admission.count_admission_verdicts(elig_wh, EVERYTHING, None, patient)
    assert counts["trials"] == checked.height
    for name in admission.VERDICT_ORDER:
        assert counts[name] == checked.filter(pl.col("verdict") == name).height


def test_patient_age_counts_registry_fields_and_criteria_text(elig_wh: Warehouse) -> None:
    # NCT09000001 states "age ≥ 21" in its criteria only; the registry's age fields count too.
    checked = admission.check_admission(elig_wh, EVERYTHING, 19.0, ())
    excluded = set(checked.filter(pl.col("verdict") == admission.EXCLUDED)["nct_id"])
    registry = elig_wh.query("SELECT nct_id FROM trials WHERE min_age_years > 19 OR max_age_years < 19")
    assert excluded == (set(registry["nct_id"]) | {"NCT09000001"}) & set(checked["nct_id"])
    reason = checked.filter(pl.col("nct_id") == "NCT09000001")["excluded_by"].item()
    assert "Age ≥ 21" in reason


def test_age_windows_cover_every_trial(wh: Warehouse) -> None:
    windows = eligibility.count_age_windows(wh, EVERYTHING)
    assert windows["trial_count"].sum() == _shown_total(wh)


def test_bundled_outline_is_small_offline_and_has_centres() -> None:
    assert OUTLINE_PATH.stat().st_size < 500_000
    doc = json.loads(OUTLINE_PATH.read_text(encoding="utf-8"))
    assert "Natural Earth" in doc["source"]
    outline = load_world_outline()
    assert len(outline.lon) == len(outline.lat) > 10_000
    lon, lat = find_country_centre("United States") or (0, 0)
    assert -125 < lon < -65 and 25 < lat < 50
    assert find_country_centre("Korea, Republic of") is not None
    assert find_country_centre("Singapore") is not None  # too small for the outline: a listed point
    assert find_country_centre("Atlantis") is None


def test_site_map_draws_points_over_the_outline_without_geo_traces() -> None:
    points = pl.DataFrame(
        {
            "lon": [10.0],
            "lat": [50.0],
            "size_value": [3],
            "kind": ["site"],
            "hover": ["x"],
            "country": ["Germany"],
        }
    )
    fig = charts.draw_site_map(points, "Sites")
    assert all(trace.type == "scatter" for trace in fig.data)  # no scattergeo: nothing fetched from a CDN
    assert fig.data[1].customdata[0] == ("Germany",) or list(fig.data[1].customdata[0]) == ["Germany"]


def test_colours_are_stable_across_pages() -> None:
    assert map_target_colors(["CD19"])["CD19"] == TARGET_COLORS["CD19"]
    assert pick_stable_color("CD19/CD7", TARGET_COLORS) == pick_stable_color("CD19/CD7", TARGET_COLORS)


def test_bar_charts_carry_drilldown_values_and_titles() -> None:
    frame = pl.DataFrame({"antigen": ["CD19", "BCMA"], "n": [5, 2]})
    fig = charts.draw_bar(
        frame, "antigen", "n", "Trials", "Antigen", "Trials", horizontal=True, custom=["antigen"]
    )
    assert isinstance(fig, go.Figure)
    assert fig.layout.title.text == "Trials" and fig.layout.xaxis.title.text == "Trials"
    assert [list(c) for c in fig.data[0].customdata] == [["CD19"], ["BCMA"]]
    long = charts.shorten_label("x" * 100)
    assert len(long) <= 42 and long.endswith("…")


def test_matrix_marks_every_filled_cell_for_clicks() -> None:
    frame = pl.DataFrame({"a": ["CD19", "CD19", "BCMA"], "c": ["SLE", "SSc", "SLE"], "n": [3, 1, 2]})
    fig = charts.draw_matrix(frame, "c", "a", "n", "T", "Condition", "Target", custom=["a", "c"])
    heat, marks = fig.data
    assert heat.type == "heatmap" and marks.type == "scatter"
    assert [list(c) for c in marks.customdata] == [["CD19", "SLE"], ["CD19", "SSc"], ["BCMA", "SLE"]]


def test_selection_and_picker_translate_to_filter_changes() -> None:
    points = [{"customdata": ["CD19|BCMA", "SLE"]}, {"customdata": ["CD19", "MS"]}, {"x": 1}]
    changes = read_selection_changes(points, ["targets", "condition_entities"])
    assert changes == {"targets": ["CD19", "BCMA"], "condition_entities": ["SLE", "MS"]}
    assert read_selection_changes([{"customdata": "open"}], ["status_groups"]) == {"status_groups": ["open"]}
    frame = pl.DataFrame({"label": ["CD19/BCMA", "other"], "values": ["CD19|BCMA", ""]})
    assert build_picker_options(frame, "label", {"targets": "values"}) == {
        "CD19/BCMA": {"targets": ["CD19", "BCMA"]}
    }


def test_chart_downloads_are_named_and_offer_svg() -> None:
    assert (
        name_chart_file("Trials per target!", TrialFilters(), "2026-08-22")
        == "car-autoimmune_trials-per-target_data-2026-08-22_all"
    )
    assert name_chart_file("x", TrialFilters(targets=("CD19",))).endswith("_target-CD19")
    config = make_chart_config("stem", "SVG")
    assert config["toImageButtonOptions"] == {"format": "svg", "filename": "stem", "scale": 2}
    assert make_chart_config("stem", "bogus")["toImageButtonOptions"]["format"] == "png"


def _sample_figures() -> list[go.Figure]:
    bars = pl.DataFrame({"year": [2023, 2024, 2024], "target": ["CD19", "CD19", "BCMA"], "n": [1, 2, 3]})
    spans = pl.DataFrame(
        {
            "label": ["NCT1 a", "NCT2 b"],
            "start": [date(2023, 1, 1), date(2024, 5, 1)],
            "finish": [date(2026, 1, 1), date(2026, 11, 1)],
            "finish_known": [True, False],
            "hover": ["a", "b"],
            "group": ["CD19", "BCMA"],
        }
    )
    stats = pl.DataFrame(
        {
            "phase": ["Phase 1"],
            "lo": [3],
            "q1": [10.0],
            "median": [18.0],
            "q3": [27.0],
            "hi": [270],
            "n": [38],
        }
    )
    products = pl.DataFrame(
        {"product": ["KYV-101", "IC19"], "rank": [4, 0], "phase": ["Phase 2", "Not stated"]}
    )
    windows = pl.DataFrame({"window": ["18–65 years", "≥ 5 years"], "lo": [18.0, 5.0], "hi": [65.0, None]})
    family = pl.DataFrame({"family": ["rheumatic", "rheumatic"], "entity": ["SLE", "SSc"], "n": [5, 2]})
    points = pl.DataFrame(
        {
            "lon": [10.0],
            "lat": [50.0],
            "size_value": [3],
            "kind": ["centre"],
            "hover": ["x"],
            "country": ["Germany"],
        }
    )
    return [
        charts.draw_bar(bars, "year", "n", "T", "Year", "Trials", color="target", custom=["target"]),
        charts.draw_bar(bars, "target", "n", "T", "Target", "Trials", horizontal=True, barmode="group"),
        charts.draw_matrix(bars, "year", "target", "n", "T", "Year", "Target", custom=["target"]),
        charts.draw_lines(bars, "year", "n", "target", "T", "Year", "Trials", custom=["target"]),
        charts.draw_treemap(family, "family", "entity", "n", "T"),
        charts.draw_box_stats(stats, "phase", "T", "Phase", "Participants"),
        charts.draw_gantt(spans, "T", color="group", as_of=date(2026, 11, 1), custom=["group"]),
        charts.draw_site_map(points, "T"),
        charts.draw_pipeline(products, "product", "rank", "phase", "phase", "T", custom=["product"]),
        charts.draw_ranges(windows, "window", "lo", "hi", "window", "T", "Age (years)", open_high=90.0),
    ]


def test_every_chart_builder_writes_a_valid_plotly_figure() -> None:
    # Builders skip Plotly's validation for speed; validating here catches a misspelt property.
    for fig in _sample_figures():
        validated = go.Figure(fig.to_dict())
        assert validated.layout.title.text == "T"
        assert len(validated.data) == len(fig.data)


def test_phase_labels_read_from_earliest_to_furthest_with_unstated_last() -> None:
    from landscape.queries.shaping import order_phase_labels

    frame = pl.DataFrame(
        {
            "phase_label": ["Phase 2", "Not stated", "Phase 1", "Phase 1/2", "Phase 1", "Not applicable"],
            "phase_rank": [4, 0, 2, 3, 2, 0],
        }
    )
    assert order_phase_labels(frame) == ["Phase 1", "Phase 1/2", "Phase 2", "Not applicable", "Not stated"]
