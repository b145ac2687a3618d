"""The only writer of the DuckDB warehouse: build a new file from tables, then swap it in."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from etl.problems import DataProblem, problems_to_json

REFRESHES_SCHEMA: dict[str, pl.DataType] = {
    "refresh_id": pl.Int64,
    "source": pl.String,
    "query": pl.String,
    "api_version": pl.String,
    "data_timestamp": pl.String,
    "fetched_at": pl.String,
    "loaded_at": pl.String,
    "record_count": pl.Int64,
    "trial_count": pl.Int64,
    "skipped_count": pl.Int64,
    # Values dropped and records skipped in this load: a JSON list of {nct_id, field, reason,
    # where, action} (at most etl.problems.MAX_RECORDED_PROBLEMS), and their exact count.
    "problem_count": pl.Int64,
    "problems": pl.String,
}


def read_previous_refreshes(db_path: Path) -> pl.DataFrame:
    """The refresh history of the database being replaced (empty if none or unreadable)."""
    empty = pl.DataFrame(schema=REFRESHES_SCHEMA)
    if not db_path.is_file():
        return empty
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            frame = con.sql("SELECT * FROM refreshes ORDER BY refresh_id").pl()
    except duckdb.Error:
        # A corrupt or foreign file: the new build starts a fresh history rather than failing.
        return empty
    # A database from an older version lacks newer columns: they are added as nulls.
    return frame.select(
        pl.col(c).cast(t, strict=False) if c in frame.columns else pl.lit(None, dtype=t).alias(c)
        for c, t in REFRESHES_SCHEMA.items()
    )


def make_refresh_row(
    meta: Mapping[str, object],
    previous: pl.DataFrame,
    trial_count: int,
    skipped_count: int,
    problems: Sequence[DataProblem] = (),
) -> pl.DataFrame:
    """One row describing this load, numbered after the previous ones."""
    next_id = 1 if previous.is_empty() else int(previous["refresh_id"].max()) + 1  # type: ignore[arg-type]
    query = meta.get("query")
    row = {
        "refresh_id": next_id,
        "source": str(meta.get("source", "unknown")),
        "query": None if query is None else str(query),
        "api_version": _text_or_none(meta.get("api_version")),
        "data_timestamp": _text_or_none(meta.get("data_timestamp")),
        "fetched_at": _text_or_none(meta.get("fetched_at")),
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "record_count": int(meta.get("record_count", 0) or 0),  # type: ignore[call-overload]
        "trial_count": trial_count,
        "skipped_count": skipped_count,
        "problem_count": len(problems),
        "problems": problems_to_json(problems),
    }
    return pl.DataFrame([row], schema=REFRESHES_SCHEMA)


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def write_warehouse(tables: Mapping[str, pl.DataFrame], db_path: Path) -> Path:
    """Write every table into a new DuckDB file and atomically replace `db_path` with it.

    Readers holding the old file keep reading it (the old inode lives until they close); new
    connections see the new file. If anything fails, the old file is untouched.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Unique per call: two builds in one process (two app sessions) never share a file. The pid
    # lets a later run remove it if this process is killed mid-build (etl/lock.py).
    tmp_path = db_path.with_name(f".{db_path.name}.building-{os.getpid()}-{secrets.token_hex(4)}")
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
