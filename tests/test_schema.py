"""The warehouse contract (etl/schema.py): what the loader writes is exactly the contract, every column has
a meaning the app reads back from the database, and the app refuses a database built to another version."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.classify.labels import MODALITY_PRECEDENCE, MODALITY_UNCLEAR
from etl.load import ContractError, read_table_columns, write_warehouse
from etl.pulls import PullSource
from etl.rebuild import make_refresh_row
from etl.schema import (
    MODALITIES,
    PHASE_LABELS,
    PHASE_RANKS,
    SCHEMA_VERSION,
    TABLES,
    VERSION_TABLE,
    find_contract_mismatches,
)
from landscape.db import Warehouse, WarehouseOutdatedError, open_warehouse
from landscape.queries.methods import describe_query, list_columns, list_tables

ROOT = Path(__file__).resolve().parents[1]


def test_every_table_the_loader_writes_matches_the_contract_exactly(fixture_db: Path) -> None:
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        written = read_table_columns(con)
    assert set(written) == set(TABLES)
    assert find_contract_mismatches(written) == []
    for table in TABLES.values():
        assert [(c.name, c.type) for c in table.columns] == written[table.name], table.name
        assert set(table.key) <= {c.name for c in table.columns}, table.name


def test_every_column_has_a_meaning_and_the_app_reads_it_from_the_database(fixture_db: Path) -> None:
    for table in TABLES.values():
        assert table.meaning.strip(), table.name
        for column in table.columns:
            assert column.meaning.strip(), f"{table.name}.{column.name}"
    wh = Warehouse(fixture_db)
    columns = list_columns(wh)
    expected = {(t.name, c.name): c.meaning for t in TABLES.values() for c in t.columns}
    assert dict(
        zip(zip(columns["table"], columns["column"], strict=True), columns["description"], strict=True)
    ) == (expected)
    tables = list_tables(wh)
    assert dict(zip(tables["table"], tables["description"], strict=True)) == {
        t.name: t.meaning for t in TABLES.values()
    }
    assert wh.schema_version == SCHEMA_VERSION


def test_a_build_that_breaks_the_contract_is_refused_and_changes_nothing(
    fixture_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(fixture_db, db)
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {name: con.sql(f'SELECT * FROM "{name}"').pl() for name in TABLES if name != VERSION_TABLE}
    before = db.read_bytes()
    tables["trials"] = tables["trials"].with_columns(pl.lit(1).alias("unplanned_column"))
    with pytest.raises(ContractError, match="unplanned_column"):
        write_warehouse(tables, db, check_contract=True)
    assert db.read_bytes() == before


def test_label_sets_have_one_order() -> None:
    assert set(MODALITIES) == {*MODALITY_PRECEDENCE, MODALITY_UNCLEAR}
    assert PHASE_LABELS[0] == "Early Phase 1" and set(PHASE_LABELS[-2:]) == {"Not stated", "Not applicable"}
    assert [PHASE_RANKS[p] for p in PHASE_LABELS[:-2]] == sorted(PHASE_RANKS[p] for p in PHASE_LABELS[:-2])


def test_a_live_pull_query_round_trips_as_json() -> None:
    params = {"format": "json", "query.term": 'CAR-T OR "chimeric antigen receptor"', "pageSize": "200"}
    meta = {"source": "live", "query": params}
    pull = PullSource("raw/x", "live", Path("x"), meta, "2026-08-22", "registry data timestamp")
    states = pl.DataFrame(schema={"is_car_based": pl.Boolean, "is_autoimmune": pl.Boolean})
    row = make_refresh_row(1, pull, states, 0, 0, "2026-08-22T00:00:00")
    stored = row["query"]
    assert stored.startswith('{"format": "json"')  # JSON text, not a Python dict's repr
    assert describe_query(stored) == params["query.term"]
    assert describe_query("bundled offline snapshot") == "bundled offline snapshot"


@pytest.fixture
def outdated_db(fixture_db: Path, tmp_path: Path) -> Iterator[Path]:
    db = tmp_path / "old.duckdb"
    shutil.copy(fixture_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute(f"UPDATE {VERSION_TABLE} SET schema_version = ?", [SCHEMA_VERSION - 1])
    yield db


def test_the_app_says_plainly_when_the_database_is_older_than_the_code(
    outdated_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(WarehouseOutdatedError, match=r"older than this code.*python -m etl build"):
        open_warehouse(outdated_db)
    before_versions = tmp_path / "older.duckdb"
    shutil.copy(outdated_db, before_versions)
    with duckdb.connect(str(before_versions)) as con:
        con.execute(f"DROP TABLE {VERSION_TABLE}")
    with pytest.raises(WarehouseOutdatedError, match="built before schema versions"):
        open_warehouse(before_versions)

    monkeypatch.setenv("LANDSCAPE_DB", str(outdated_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("python -m etl build" in e.value for e in at.error), [e.value for e in at.error]
    st.cache_data.clear()
