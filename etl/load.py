"""The only writer of the DuckDB warehouse: build a new file from tables, then swap it in."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

import duckdb
import polars as pl

# One row per pull the warehouse was built from, oldest data first (etl/rebuild.py fills it).
REFRESHES_SCHEMA: dict[str, pl.DataType] = {
    "refresh_id": pl.Int64,
    "data_timestamp": pl.String,
    "data_date": pl.Date,
    "data_timestamp_basis": pl.String,
    "source_kind": pl.String,
    "source": pl.String,
    "pull": pl.String,
    "query": pl.String,
    "api_version": pl.String,
    "fetched_at": pl.String,
    "saved_at": pl.String,
    "loaded_at": pl.String,
    "record_count": pl.Int64,
    "trial_count": pl.Int64,
    "shown_trial_count": pl.Int64,
    "skipped_count": pl.Int64,
}


def write_warehouse(tables: Mapping[str, pl.DataFrame], db_path: Path) -> Path:
    """Write every table into a new DuckDB file and atomically replace `db_path` with it.

    Readers holding the old file keep reading it (the old inode lives until they close); new
    connections see the new file. If anything fails, the old file is untouched.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    for stale in (tmp_path, tmp_path.with_name(tmp_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(tmp_path)) as con:
            for name, frame in tables.items():
                con.register("incoming_frame", frame)
                # Table names come from the pipeline's own constants, never from user input.
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming_frame')
                con.unregister("incoming_frame")
            con.execute("CHECKPOINT")
        os.replace(tmp_path, db_path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink(missing_ok=True)
            tmp_path.with_name(tmp_path.name + ".wal").unlink(missing_ok=True)
        raise
    return db_path
