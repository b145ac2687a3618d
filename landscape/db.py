"""The app's read-only view of the warehouse, reopened when the ETL swaps in a new file."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from etl.paths import DB_PATH
from etl.schema import SCHEMA_VERSION, VERSION_TABLE

DB_ENV_VAR = "LANDSCAPE_DB"
# The warehouse file is attached under this fixed name inside the app's own connection.
_ATTACH = "ATTACH ? AS warehouse (READ_ONLY)"
_USE = "USE warehouse"


class WarehouseMissingError(RuntimeError):
    """There is no database file yet (run `python -m etl build`)."""


class WarehouseOutdatedError(WarehouseMissingError):
    """The database was built to another version of the contract (etl/schema.py) than the code's."""


def resolve_db_path() -> Path:
    """The database the app reads: $LANDSCAPE_DB when set (tests, demos), else data/warehouse.duckdb."""
    return Path(os.environ.get(DB_ENV_VAR) or DB_PATH)


@dataclass(frozen=True)
class FileStamp:
    """Identifies one version of the database file; it changes when the ETL swaps a new file in."""

    path: str
    inode: int
    mtime_ns: int


def stamp_file(path: Path) -> FileStamp:
    """The current stamp of the database file."""
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise WarehouseMissingError(
            f"No database at {path}. Build it with: python -m etl build (or make run)."
        ) from exc
    return FileStamp(str(path), stat.st_ino, stat.st_mtime_ns)


class Warehouse:
    """A read-only view of one version of the database file; queries return Polars frames.

    The file is attached, read-only, to a private in-memory DuckDB. `duckdb.connect(path)` would
    hand back a cached instance of the file as it was when first opened in this process, so a
    swapped-in file would never be seen while an old connection lives.
    """

    def __init__(self, path: Path) -> None:
        self.stamp = stamp_file(path)
        self._con = duckdb.connect(":memory:")
        self._con.execute(_ATTACH, [str(path)])
        self._con.execute(_USE)
        # DuckDB connections are not safe to share across threads; Streamlit serves each session
        # in its own thread, so each query takes a cursor under a lock.
        self._lock = threading.Lock()
        self.schema_version = self._read_schema_version()

    def _read_schema_version(self) -> int | None:
        """The contract version the file was built to; None for a file from before versions."""
        try:
            rows = self._con.sql("SELECT max(schema_version) FROM " + VERSION_TABLE).fetchall()
        except duckdb.CatalogException:
            return None
        return rows[0][0]

    def check_schema_version(self) -> None:
        """Raise WarehouseOutdatedError, saying what to do, unless the file matches the code's contract."""
        if self.schema_version == SCHEMA_VERSION:
            return
        version = self.schema_version
        built = "before schema versions" if version is None else f"to schema version {version}"
        age = "older than" if (version or 0) < SCHEMA_VERSION else "newer than"
        raise WarehouseOutdatedError(
            f"The database at {self.stamp.path} is {age} this code: it was built {built}, the code reads "
            f"version {SCHEMA_VERSION}. Rebuild it with `python -m etl build` (or make run)."
        )

    def query(self, sql: str, params: list | None = None) -> pl.DataFrame:
        """Run one parameterized statement (`?` placeholders) and return a Polars frame."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            # A cursor starts in the in-memory catalog: point it at the warehouse first.
            cursor.execute(_USE)
            return cursor.sql(sql, params=params or []).pl()
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the connection (the old file version is released)."""
        self._con.close()


_current: Warehouse | None = None
_current_lock = threading.Lock()


def open_warehouse(path: Path | None = None) -> Warehouse:
    """The shared warehouse for this process, reopened when the file on disk was replaced."""
    global _current
    path = path or resolve_db_path()
    stamp = stamp_file(path)
    with _current_lock:
        if _current is None or _current.stamp != stamp:
            # Old connections are left to be garbage-collected: a query still running on another
            # thread keeps reading the old, consistent file version.
            opened = Warehouse(path)
            # Checked once per file version: the read layer then relies on every table and column of
            # the contract being there.
            opened.check_schema_version()
            _current = opened
        return _current
