"""The warehouse swap: readers see whole databases, failures keep the previous one serving."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import polars as pl
import pytest

from etl.load import write_warehouse
from etl.pipeline import build_warehouse
from tests.fixtures.records import FIXTURE_RECORDS


def _tables(n: int) -> dict[str, pl.DataFrame]:
    return {"trials": pl.DataFrame({"nct_id": [f"NCT{i:08d}" for i in range(n)], "value": [n] * n})}


def test_reader_keeps_consistent_data_during_rebuilds(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    write_warehouse(_tables(100), db)
    errors: list[str] = []
    stop = threading.Event()

    def read_repeatedly() -> None:
        # Every read must see one whole build: n rows, each carrying the value n.
        while not stop.is_set():
            try:
                with duckdb.connect(str(db), read_only=True) as con:
                    count, low, high = con.sql(
                        "SELECT count(*), min(value), max(value) FROM trials"
                    ).fetchall()[0]
                if not (low == high == count):
                    errors.append(f"mixed build: {count} rows, values {low}..{high}")
            except Exception as exc:  # any reader failure fails the test
                errors.append(str(exc))

    reader = threading.Thread(target=read_repeatedly)
    reader.start()
    try:
        for n in range(101, 121):
            write_warehouse(_tables(n), db)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM trials").fetchall()[0] == (120,)


def test_open_connection_keeps_old_file_after_swap(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    write_warehouse(_tables(3), db)
    con = duckdb.connect(str(db), read_only=True)
    write_warehouse(_tables(5), db)
    assert con.sql("SELECT count(*) FROM trials").fetchall()[0] == (3,)
    con.close()
    with duckdb.connect(str(db), read_only=True) as fresh:
        assert fresh.sql("SELECT count(*) FROM trials").fetchall()[0] == (5,)


def test_failed_build_leaves_previous_database(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    write_warehouse(_tables(3), db)
    bad = {"trials": _tables(4)["trials"], "broken": pl.DataFrame({"x": [object()]}, schema={"x": pl.Object})}
    with pytest.raises(Exception):  # noqa: B017 - any failure type must leave the old file
        write_warehouse(bad, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM trials").fetchall()[0] == (3,)
    assert [p.name for p in tmp_path.iterdir()] == ["w.duckdb"]


def test_a_build_from_records_is_one_refresh(tmp_path: Path) -> None:
    # History across builds comes from the kept pulls (etl/rebuild.py), not from the previous file.
    db = tmp_path / "w.duckdb"
    build_warehouse(FIXTURE_RECORDS, {"source": "first", "data_timestamp": "2026-01-01"}, db)
    build_warehouse(FIXTURE_RECORDS[:3], {"source": "second"}, db, skipped_count=2)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql(
            "SELECT refresh_id, source, record_count, trial_count, skipped_count FROM refreshes"
        ).fetchall()
        history = con.sql("SELECT count(*), min(valid_from_refresh_id) FROM trial_history").fetchall()
        changes = con.sql("SELECT count(*) FROM trial_changes").fetchall()
    assert rows == [(1, "second", 3, 3, 2)]
    assert history == [(3, 1)]
    assert changes == [(0,)]


def test_corrupt_previous_database_is_replaced(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"this is not a database")
    summary = build_warehouse(FIXTURE_RECORDS, {"source": "fixture"}, db)
    assert summary.trial_count == len(FIXTURE_RECORDS)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.sql("SELECT refresh_id FROM refreshes").fetchall() == [(1,)]
