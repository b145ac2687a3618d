"""Filter model -> parameterized SQL: values never reach the SQL text; each filter means what it says."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from landscape.db import Warehouse
from landscape.filters import LIST_PARAMS, TrialFilters
from landscape.queries.admission import admission_predicate
from landscape.queries.options import count_all_option_trials, count_matching_trials, count_option_trials
from landscape.queries.where import FILTERS, bind_filters, build_where, read_filtered

# Values full of SQL metacharacters: quotes, comment starts, LIKE wildcards, a statement separator.
NASTY = 'O\'Brien "Labs"; DROP TABLE trials; --'
WILDCARD_PRODUCT = "100%_pure"
QUOTED_TARGET = "CD19' OR '1'='1"


def _make_mini_warehouse(path: Path) -> Path:
    """A tiny hand-made warehouse with just the columns the filters read."""
    con = duckdb.connect(str(path))
    con.execute(
        """CREATE TABLE trials (
            nct_id VARCHAR, is_car_based BOOLEAN, is_autoimmune BOOLEAN, targets VARCHAR[], target VARCHAR,
            modality VARCHAR, sponsor_name VARCHAR, sponsor_class VARCHAR, phase_label VARCHAR,
            status_group VARCHAR, countries VARCHAR[], product_name VARCHAR, start_date DATE,
            search_text VARCHAR, min_age_years DOUBLE, max_age_years DOUBLE)"""
    )
    rows = [
        ("NCT00000001", True, True, ["CD19"], "CD19", "CAR-T", NASTY, "Industry", "Phase 1", "open",
         ["China"], WILDCARD_PRODUCT, "2021-05-01", "a 100%_pure product o'brien", 18.0, 65.0),
        ("NCT00000002", True, True, ["CD19", "BCMA"], "CD19/BCMA", "CAR-NK", "Plain Sponsor", "Academic",
         "Phase 2", "closed", ["Germany", "United States"], "1000 pure", "2024-01-01", "plain text",
         12.0, None),
        ("NCT00000003", True, True, [QUOTED_TARGET], QUOTED_TARGET, "CAR-T", "Plain Sponsor", "Academic",
         None, "open", [], None, None, "another", None, None),
        ("NCT00000004", True, False, ["CD19"], "CD19", "CAR-T", NASTY, "Industry", "Phase 1", "open",
         ["China"], WILDCARD_PRODUCT, "2022-01-01", "not autoimmune", None, None),
    ]  # fmt: skip
    con.executemany("INSERT INTO trials VALUES (" + ", ".join("?" * 16) + ")", rows)
    con.execute(
        """CREATE TABLE trial_condition_entities AS SELECT * FROM (VALUES
            ('NCT00000001', 'Systemic lupus erythematosus', 'Rheumatology', true),
            ('NCT00000002', 'Myasthenia gravis', 'Neurology', true),
            ('NCT00000002', 'Systemic lupus erythematosus', 'Rheumatology', false))
           v(nct_id, condition_entity, condition_family, is_primary)"""
    )
    con.execute(
        """CREATE TABLE eligibility_requirements AS SELECT * FROM (VALUES
            ('NCT00000001', 'egfr_ml_min_1_73m2', 'mL/min/1.73m2', 45.0, true, NULL::DOUBLE, NULL::BOOLEAN),
            ('NCT00000002', 'egfr_ml_min_1_73m2', 'mL/min/1.73m2', 30.0, false, 90.0, true),
            ('NCT00000003', 'age_years', 'years', 20.0, true, NULL, NULL))
           v(nct_id, measure, unit, min_value, min_inclusive, max_value, max_inclusive)"""
    )
    con.close()
    return path


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return Warehouse(_make_mini_warehouse(tmp_path_factory.mktemp("mini") / "mini.duckdb"))


def _ids(wh: Warehouse, filters: TrialFilters) -> list[str]:
    frame = read_filtered(wh, "SELECT t.nct_id FROM trials t WHERE /*filters*/ ORDER BY 1", filters)
    return frame["nct_id"].to_list()


def test_no_filter_is_the_shown_set_only() -> None:
    where = build_where(TrialFilters())
    assert where.sql == "(t.is_car_based AND t.is_autoimmune)"
    assert where.params == []


def test_every_value_travels_as_a_parameter() -> None:
    filters = TrialFilters(
        **{name: (NASTY, QUOTED_TARGET) for name in LIST_PARAMS},  # type: ignore[arg-type]
        start_year_min=2000,
        start_year_max=2030,
        search_text=NASTY,
        patient_age_years=33.0,
        patient_values=(("egfr_ml_min_1_73m2", 41.0),),
    )
    where = build_where(filters)
    for text in (NASTY, QUOTED_TARGET, "O'Brien", "DROP", "egfr", "2030", "41", "33"):
        assert text not in where.sql
    assert where.sql.count("?") == len(where.params)
    assert [NASTY, QUOTED_TARGET] in where.params


def test_bind_filters_orders_template_parameters_around_the_filters() -> None:
    bound = bind_filters(
        "SELECT ? AS a FROM trials t WHERE /*filters*/ LIMIT ?", TrialFilters(targets=("CD19",)), [1], [5]
    )
    assert bound.params == [1, ["CD19"], 5]
    with pytest.raises(ValueError, match="exactly one"):
        bind_filters("SELECT 1", TrialFilters())
    with pytest.raises(ValueError, match="exactly one"):
        bind_filters(f"{FILTERS} AND {FILTERS}", TrialFilters())


def test_quoted_values_match_exactly_and_inject_nothing(mini: Warehouse) -> None:
    assert _ids(mini, TrialFilters(sponsors=(NASTY,))) == ["NCT00000001"]
    assert _ids(mini, TrialFilters(targets=(QUOTED_TARGET,))) == ["NCT00000003"]
    # An antigen matches every construct that includes it; a construct matches its exact label only.
    assert _ids(mini, TrialFilters(targets=("CD19",))) == ["NCT00000001", "NCT00000002"]
    assert _ids(mini, TrialFilters(constructs=("CD19/BCMA",))) == ["NCT00000002"]
    assert _ids(mini, TrialFilters(targets=("' OR 1=1 --",))) == []
    # The table is still there after the "DROP TABLE" value went through.
    assert _ids(mini, TrialFilters()) == ["NCT00000001", "NCT00000002", "NCT00000003"]


def test_search_text_is_literal_and_case_insensitive(mini: Warehouse) -> None:
    assert _ids(mini, TrialFilters(search_text="100%_PURE")) == ["NCT00000001"]
    # % and _ are not wildcards: "1000 pure" does not match "100%_pure".
    assert _ids(mini, TrialFilters(search_text="%")) == ["NCT00000001"]
    assert _ids(mini, TrialFilters(search_text="O'Brien")) == ["NCT00000001"]
    assert _ids(mini, TrialFilters(search_text="  ")) == ["NCT00000001", "NCT00000002", "NCT00000003"]


def test_list_filters_combine_or_within_and_across(mini: Warehouse) -> None:
    assert _ids(mini, TrialFilters(targets=("BCMA", QUOTED_TARGET))) == ["NCT00000002", "NCT00000003"]
    assert _ids(mini, TrialFilters(targets=("CD19",), modalities=("CAR-NK",))) == ["NCT00000002"]
    assert _ids(mini, TrialFilters(countries=("United States",))) == ["NCT00000002"]
    assert _ids(mini, TrialFilters(condition_entities=("Systemic lupus erythematosus",))) == [
        "NCT00000001",
        "NCT00000002",
    ]
    assert _ids(mini, TrialFilters(condition_families=("Neurology",))) == ["NCT00000002"]
    assert _ids(mini, TrialFilters(products=(WILDCARD_PRODUCT,))) == ["NCT00000001"]


def test_start_years_leave_out_undated_trials(mini: Warehouse) -> None:
    assert _ids(mini, TrialFilters(start_year_min=2022)) == ["NCT00000002"]
    assert _ids(mini, TrialFilters(start_year_max=2021)) == ["NCT00000001"]


def test_the_patient_filter_is_the_admission_rule() -> None:
    filters = TrialFilters(patient_age_years=30, patient_values=(("egfr_ml_min_1_73m2", 40.0),))
    predicate, params = admission_predicate(filters)
    assert predicate in build_where(filters).sql
    assert params == [["age_years", "egfr_ml_min_1_73m2"], [30.0, 40.0]]
    assert admission_predicate(TrialFilters()) == ("", [])


def test_admits_value_respects_inclusive_bounds(mini: Warehouse) -> None:
    def admitted(value: float) -> list[str]:
        return _ids(mini, TrialFilters(patient_values=(("egfr_ml_min_1_73m2", value),)))

    assert admitted(45) == ["NCT00000001", "NCT00000002", "NCT00000003"]  # >= 45 admits 45
    assert admitted(44.9) == ["NCT00000002", "NCT00000003"]
    assert admitted(30) == ["NCT00000003"]  # > 30 (exclusive) leaves 30 out; no limit keeps 003
    assert admitted(90) == ["NCT00000001", "NCT00000002", "NCT00000003"]
    assert admitted(91) == ["NCT00000001", "NCT00000003"]


def test_option_counts_ignore_their_own_axis(mini: Warehouse) -> None:
    filters = TrialFilters(targets=("BCMA",), modalities=("CAR-T",))
    targets = dict(count_option_trials(mini, filters, "targets").iter_rows())
    # Counted under modality=CAR-T only: 001 (CD19) and 003 (the quoted target).
    assert targets == {"CD19": 1, QUOTED_TARGET: 1}
    modalities = dict(count_option_trials(mini, filters, "modalities").iter_rows())
    assert modalities == {"CAR-NK": 1}
    assert count_matching_trials(mini, filters) == 0


@pytest.mark.parametrize(
    "filters",
    [TrialFilters(), TrialFilters(targets=("BCMA",), modalities=("CAR-T",)), TrialFilters(sponsors=(NASTY,))],
)
def test_all_option_counts_in_one_statement_match_each_axis(mini: Warehouse, filters: TrialFilters) -> None:
    together = count_all_option_trials(mini, filters)
    for name in LIST_PARAMS:
        alone = dict(count_option_trials(mini, filters, name).iter_rows())
        mine = together.filter(together["field"] == name).select("value", "trial_count")
        assert dict(mine.iter_rows()) == alone, name


def test_fixture_warehouse_filters_change_counts(fixture_db: Path) -> None:
    wh = Warehouse(fixture_db)
    everything = count_matching_trials(wh, TrialFilters())
    assert everything > 0
    targets = count_option_trials(wh, TrialFilters(), "targets")
    assert targets.height > 0
    first_target, first_count = targets.row(0)
    assert 0 < count_matching_trials(wh, TrialFilters(targets=(first_target,))) == first_count <= everything
    assert count_matching_trials(wh, TrialFilters(search_text="'; DROP TABLE trials; --")) == 0
    assert count_matching_trials(wh, TrialFilters()) == everything
