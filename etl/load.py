"""The only writer of the DuckDB warehouse: build a new file from tables, then swap it in.

Each file carries the contract it was built to (etl/schema.py): column meanings as DuckDB comments and
the schema version in `warehouse_info`."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from etl.schema import SCHEMA_VERSION, TABLES, VERSION_TABLE, find_contract_mismatches, polars_schema

# One row per pull the warehouse was built from, oldest data first (etl/rebuild.py fills it).
REFRESHES_SCHEMA: dict[str, pl.DataType] = polars_schema("refreshes")


class ContractError(RuntimeError):
    """The tables a build produced differ from the warehouse contract (etl/schema.py)."""


def read_table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, DuckDB type)] in column order, for every table of the open database."""
    rows = con.sql(
        """SELECT table_name, column_name, data_type FROM duckdb_columns()
           WHERE database_name = current_database() ORDER BY table_name, column_index"""
    ).fetchall()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, []).append((column, data_type))
    return columns


def _write_contract(con: duckdb.DuckDBPyConnection) -> None:
    """The version row and, for every contract table present, its meaning and its columns' meanings."""
    con.execute(f"CREATE TABLE {VERSION_TABLE} (schema_version INTEGER, written_at VARCHAR)")
    con.execute(
        f"INSERT INTO {VERSION_TABLE} VALUES (?, ?)",
        [SCHEMA_VERSION, datetime.now(UTC).isoformat(timespec="seconds")],
    )
    present = read_table_columns(con)
    for table in TABLES.values():
        if table.name not in present:
            continue
        # Names come from the contract (code), never from input; COMMENT ON takes no parameters, so
        # the meaning is quoted here.
        con.execute(f'COMMENT ON TABLE "{table.name}" IS {_quote(table.meaning)}')
        names = {name for name, _ in present[table.name]}
        for column in table.columns:
            if column.name in names:
                con.execute(f'COMMENT ON COLUMN "{table.name}"."{column.name}" IS {_quote(column.meaning)}')


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_warehouse(tables: Mapping[str, pl.DataFrame], db_path: Path, check_contract: bool = False) -> Path:
    """Write every table into a new DuckDB file and atomically replace `db_path` with it.

    Readers holding the old file keep reading it (the old inode lives until they close); new
    connections see the new file. If anything fails, the old file is untouched. With
    `check_contract`, tables that differ from etl/schema.py raise ContractError before the swap.
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
            _write_contract(con)
            if check_contract and (problems := find_contract_mismatches(read_table_columns(con))):
                raise ContractError("the build does not match etl/schema.py: " + "; ".join(problems))
            con.execute("CHECKPOINT")
        os.replace(tmp_path, db_path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink(missing_ok=True)
            tmp_path.with_name(tmp_path.name + ".wal").unlink(missing_ok=True)
        raise
    return db_path
