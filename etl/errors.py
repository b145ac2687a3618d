"""Failures a person can act on: one sentence each (what, where, what to do), never a traceback."""

from __future__ import annotations

import errno
from pathlib import Path

import duckdb

from etl.lock import WriterBusyError
from etl.vocab import VocabularyError

KEPT = "The current data stays in place."
RESTORE_DATA = "restore it from the repository (git checkout -- data) and run again"


def _where(exc: OSError, fallback: Path) -> str:
    return str(exc.filename) if exc.filename else str(fallback)


def describe_failure(exc: BaseException, *, db_path: Path, raw_dir: Path) -> str | None:
    """One sentence for a failure a person can fix, or None when it is not one of those."""
    if isinstance(exc, WriterBusyError):
        return str(exc)
    if isinstance(exc, VocabularyError):
        return f"{exc}: the data/ folder is incomplete; {RESTORE_DATA}. {KEPT}"
    if isinstance(exc, OSError):
        return _describe_os_error(exc, db_path=db_path, raw_dir=raw_dir)
    if isinstance(exc, duckdb.Error):
        return _describe_duckdb_error(exc, db_path)
    return None


def _describe_os_error(exc: OSError, *, db_path: Path, raw_dir: Path) -> str:
    where = _where(exc, db_path.parent)
    if exc.errno == errno.ENOSPC or exc.errno == errno.EDQUOT:
        return (
            f"the disk is full: could not write {where}. Free some space (old pulls under {raw_dir} "
            f"can be deleted) and run again. {KEPT}"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"permission denied: cannot write {where}. Check that folder's owner and permissions, "
            f"or choose another place with --db and --raw-dir. {KEPT}"
        )
    if isinstance(exc, FileNotFoundError):
        return f"{where} is missing: if it belongs under data/, {RESTORE_DATA}. {KEPT}"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"could not use {where}: {reason}. Check the disk and the path, then run again. {KEPT}"


def _describe_duckdb_error(exc: duckdb.Error, db_path: Path) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    lowered = text.lower()
    if "no space left" in lowered:
        return (
            f"the disk is full: could not write the database next to {db_path}. Free some space "
            f"and run again. {KEPT}"
        )
    if "permission denied" in lowered or "read-only file system" in lowered:
        return (
            f"permission denied: cannot write the database {db_path}. Check the folder's owner "
            f"and permissions, or choose another file with --db. {KEPT}"
        )
    return (
        f"the database {db_path} could not be written ({text}). Check the disk and the path, "
        f"then run again. {KEPT}"
    )


def read_schema_version(db_path: Path) -> int | None:
    """The contract version a database file was built to; None when unreadable or unversioned."""
    from etl.schema import VERSION_TABLE

    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            rows = con.sql("SELECT max(schema_version) FROM " + VERSION_TABLE).fetchall()
    except duckdb.Error:
        return None
    return rows[0][0] if rows else None


def check_existing_database(db_path: Path) -> str | None:
    """A note when the database about to be replaced cannot be read (corrupt, foreign or older).

    The build replaces it either way; the note says its refresh history is not carried over.
    """
    if not db_path.exists():
        return None
    if db_path.is_dir():
        return None  # the write itself will fail and say so
    try:
        with duckdb.connect(str(db_path), read_only=True) as con:
            con.sql("SELECT refresh_id FROM refreshes LIMIT 1").fetchall()
    except duckdb.CatalogException:
        return (
            f"note: {db_path} has no refresh history (it comes from an older version of this code); "
            "the new build replaces it and starts a new history."
        )
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return (
            f"note: {db_path} cannot be read ({first}); it is corrupt, from another DuckDB version "
            "or not a database. The new build replaces it; its refresh history is not carried over."
        )
    return None
