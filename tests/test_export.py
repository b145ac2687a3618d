"""The export: rows equal the filtered rows, cells are formula-safe, provenance travels with the file."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from landscape.db import Warehouse
from landscape.export import (
    ExportProvenance,
    flatten_lists,
    name_export,
    neutralize_formulas,
    write_about_text,
    write_csv,
    write_parquet,
)
from landscape.filters import TrialFilters
from landscape.queries.options import count_matching_trials, count_option_trials
from landscape.queries.trials import SORTS, TRIAL_ROW_COLUMNS, read_trial_rows
from landscape.queries.where import read_filtered

EXPORTED_AT = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)


def _provenance(filters: TrialFilters, rows: int = 3) -> ExportProvenance:
    return ExportProvenance(
        filters=filters,
        data_timestamp="2026-11-01",
        source="bundled offline snapshot",
        query="CAR terms",
        fetched_at=None,
        loaded_at="2026-11-23T12:00:00+00:00",
        exported_at=EXPORTED_AT,
        row_count=rows,
        view_url="trials?target=CD19",
    )


def _read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_starts_are_neutralized(start: str) -> None:
    frame = pl.DataFrame({"text": [f"{start}SUM(A1:A9)", "plain", None]})
    assert neutralize_formulas(frame)["text"].to_list() == [f"'{start}SUM(A1:A9)", "plain", None]


def test_numbers_and_dates_are_left_alone() -> None:
    frame = pl.DataFrame(
        {
            "count": [-5, 3],
            "ratio": [-0.5, 1.25],
            "day": [datetime(2024, 1, 1).date(), None],
            "text": ["-5", "a=b"],
        }
    )
    out = neutralize_formulas(frame)
    assert out["count"].to_list() == [-5, 3]
    assert out["ratio"].to_list() == [-0.5, 1.25]
    assert out["day"].to_list() == frame["day"].to_list()
    # Text that merely contains = later on is fine; text starting with - is not.
    assert out["text"].to_list() == ["'-5", "a=b"]


def test_csv_is_a_clean_table_with_bom_and_safe_cells() -> None:
    frame = pl.DataFrame(
        {
            "nct_id": ["NCT00000001", "NCT00000002"],
            "title": ['=HYPERLINK("http://example.invalid","x")', 'Quotes "inside", and, commas'],
            "countries": [["China", "Germany"], []],
            "enrollment": [-1, 12],
        }
    )
    data = write_csv(frame)
    assert data.startswith(b"\xef\xbb\xbfnct_id,title,countries,enrollment\n")
    rows = _read_csv(data)
    assert [r["nct_id"] for r in rows] == ["NCT00000001", "NCT00000002"]
    assert rows[0]["title"] == '\'=HYPERLINK("http://example.invalid","x")'
    assert rows[1]["title"] == 'Quotes "inside", and, commas'
    assert rows[0]["countries"] == "China; Germany"
    assert rows[0]["enrollment"] == "-1"
    # Polars reads it back too, header names intact despite the byte-order mark.
    assert pl.read_csv(data).columns == ["nct_id", "title", "countries", "enrollment"]


def test_flatten_lists_joins_values() -> None:
    frame = pl.DataFrame({"ids": [[1, 2], None], "names": [["a"], ["b", "c"]]})
    assert flatten_lists(frame).to_dict(as_series=False) == {"ids": ["1; 2", None], "names": ["a", "b; c"]}


def test_file_name_carries_data_timestamp_and_filters() -> None:
    prov = _provenance(TrialFilters(targets=("CD19", "BCMA"), status_groups=("open",)))
    name = name_export(prov, ".csv")
    assert name == "car-autoimmune-trials_data-2026-11-01_target-CD19-BCMA_status-open.csv"
    assert name_export(_provenance(TrialFilters()), ".csv").endswith("_data-2026-11-01_all.csv")


def test_long_or_odd_filters_give_safe_distinct_names() -> None:
    first = _provenance(TrialFilters(sponsors=('O\'Brien / "Labs" <script>' + "x" * 200,)))
    second = _provenance(TrialFilters(sponsors=('O\'Brien / "Labs" <script>' + "x" * 199,)))
    names = {name_export(first, ".csv"), name_export(second, ".csv")}
    assert len(names) == 2
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9._+-]+", name), name
        assert len(name) < 150


def test_about_text_records_provenance_filters_and_columns() -> None:
    filters = TrialFilters(targets=("CD19",), search_text="lupus")
    text = write_about_text(_provenance(filters), TRIAL_ROW_COLUMNS)
    for expected in (
        "rows: 3",
        "filters: target=CD19; q=lupus",
        "data_timestamp: 2026-11-01",
        "exported_at: 2026-11-23T13:30:00+00:00",
        "  target = CD19",
        "  q = lupus",
        "  nct_id: ClinicalTrials.gov identifier",
        "apostrophe",
    ):
        assert expected in text


def test_parquet_keeps_values_and_carries_provenance() -> None:
    frame = pl.DataFrame({"nct_id": ["NCT00000001"], "title": ["=1+1"], "enrollment": [-3]})
    data = write_parquet(frame, _provenance(TrialFilters(targets=("CD19",)), rows=1))
    assert pl.read_parquet(io.BytesIO(data)).equals(frame)
    metadata = pl.read_parquet_metadata(io.BytesIO(data))
    assert metadata["landscape.filters"] == "target=CD19"
    assert metadata["landscape.data_timestamp"] == "2026-11-01"
    assert metadata["landscape.rows"] == "1"


def _direct_ids(wh: Warehouse, filters: TrialFilters) -> set[str]:
    frame = read_filtered(wh, "SELECT t.nct_id FROM trials t WHERE /*filters*/", filters)
    return set(frame["nct_id"].to_list())


def test_export_rows_equal_the_filtered_rows(fixture_db: Path) -> None:
    wh = Warehouse(fixture_db)
    target = count_option_trials(wh, TrialFilters(), "targets")["value"][0]
    for filters in (TrialFilters(), TrialFilters(targets=(target,)), TrialFilters(search_text="zzz-none")):
        rows = read_trial_rows(wh, filters)
        exported = _read_csv(write_csv(rows))
        assert len(exported) == rows.height == count_matching_trials(wh, filters)
        assert {r["nct_id"] for r in exported} == _direct_ids(wh, filters)
        header = next(csv.reader(io.StringIO(write_csv(rows).decode("utf-8-sig"))))
        assert header == list(TRIAL_ROW_COLUMNS)


def test_export_of_fixture_neutralizes_the_hyperlink_intervention(fixture_db: Path) -> None:
    wh = Warehouse(fixture_db)
    rows = {r["nct_id"]: r for r in _read_csv(write_csv(read_trial_rows(wh, TrialFilters())))}
    # NCT09000008 registers an intervention literally named =HYPERLINK(...).
    if "NCT09000008" in rows:
        assert rows["NCT09000008"]["interventions"].startswith("'=HYPERLINK(")
    for row in rows.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_paging_and_sorting_cover_every_row_once(fixture_db: Path) -> None:
    wh = Warehouse(fixture_db)
    everything = read_trial_rows(wh, TrialFilters())
    for sort in SORTS:
        pages = [
            read_trial_rows(wh, TrialFilters(), sort, 3, offset) for offset in range(0, everything.height, 3)
        ]
        ids = [nct for page in pages for nct in page["nct_id"].to_list()]
        assert sorted(ids) == sorted(everything["nct_id"].to_list()), sort
        assert ids == read_trial_rows(wh, TrialFilters(), sort)["nct_id"].to_list(), sort
