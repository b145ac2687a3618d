"""The one loader for curated knowledge files (CSV with # comments)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from etl.paths import CURATED_DIR, VOCAB_DIR


class VocabularyError(ValueError):
    """A curated file is missing, lacks a required column, or has an empty required cell."""


def read_curated_csv(path: Path, required_columns: tuple[str, ...]) -> pl.DataFrame:
    """Read one curated CSV as strings, check its columns and trim every cell."""
    if not path.is_file():
        raise VocabularyError(f"curated file not found: {path}")
    frame = pl.read_csv(path, comment_prefix="#", infer_schema=False, truncate_ragged_lines=False)
    missing = [c for c in required_columns if c not in frame.columns]
    if missing:
        raise VocabularyError(f"{path.name}: missing columns {missing}")
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in frame.columns)
    for column in required_columns:
        empty = frame.filter(pl.col(column).is_null() | (pl.col(column) == ""))
        if empty.height:
            raise VocabularyError(f"{path.name}: column {column!r} is empty in {empty.height} row(s)")
    return frame


@cache
def load_vocabulary(name: str, required_columns: tuple[str, ...] = ()) -> pl.DataFrame:
    """Load data/vocab/<name>.csv (cached; a vocabulary does not change while a process runs)."""
    return read_curated_csv(VOCAB_DIR / f"{name}.csv", required_columns)


def load_curated(name: str, required_columns: tuple[str, ...] = ()) -> pl.DataFrame:
    """Load data/curated/<name>.csv, the per-trial corrections with their reasons."""
    return read_curated_csv(CURATED_DIR / f"{name}.csv", required_columns)
