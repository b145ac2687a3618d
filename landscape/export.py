"""Export of the filtered trials: formula-safe CSV, typed Parquet, and a sidecar recording provenance.

The CSV is a plain table (header row first, UTF-8 with a byte-order mark so spreadsheet programs
read accents correctly); the data timestamp and filters are in its file name and, in full, in a
`...-about.txt` sidecar. The Parquet file carries the same provenance as key-value metadata.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from landscape.filters import TrialFilters

# A spreadsheet treats a cell starting with one of these as a formula (tab and CR can hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
EXPORT_STEM = "car-autoimmune-trials"
_MAX_SLUG = 60


@dataclass(frozen=True)
class ExportProvenance:
    """Where the exported rows came from and when, plus the filters that selected them."""

    filters: TrialFilters
    data_timestamp: str | None
    source: str | None
    query: str | None
    fetched_at: str | None
    loaded_at: str | None
    exported_at: datetime
    row_count: int
    view_url: str | None = None
    # What the file holds; None for the filtered trial list (chart exports name their chart).
    title: str | None = None


def neutralize_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe.

    Only text columns change: numbers (negative ones included) and dates stay as they are.
    """
    risky = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(risky)).then("'" + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def flatten_lists(frame: pl.DataFrame) -> pl.DataFrame:
    """List columns joined into text (CSV has no lists)."""
    return frame.with_columns(
        pl.col(name).cast(pl.List(pl.String)).list.join(LIST_SEPARATOR).alias(name)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List)
    )


def write_csv(frame: pl.DataFrame) -> bytes:
    """CSV bytes of the rows, list cells joined and formula-like cells neutralized."""
    return neutralize_formulas(flatten_lists(frame)).write_csv(include_bom=True).encode("utf-8")


def describe_provenance(prov: ExportProvenance) -> dict[str, str]:
    """Provenance as ordered text fields, shared by the sidecar and the Parquet metadata."""
    fields = {
        "title": prov.title or "CAR-based cell therapy trials in autoimmune disease: filtered trial list",
        "rows": str(prov.row_count),
        "filters": prov.filters.describe(),
        "data_timestamp": prov.data_timestamp or "unknown",
        "source": prov.source or "unknown",
        "query": prov.query or "unknown",
        "fetched_at": prov.fetched_at or "unknown",
        "database_built_at": prov.loaded_at or "unknown",
        "exported_at": prov.exported_at.isoformat(timespec="seconds"),
    }
    if prov.view_url:
        fields["view"] = prov.view_url
    return fields


def write_about_text(prov: ExportProvenance, columns: Mapping[str, str]) -> str:
    """The sidecar: provenance, the filter parameters one per line, then what each column holds."""
    lines = [f"{key}: {value}" for key, value in describe_provenance(prov).items()]
    params = prov.filters.to_query_params()
    if params:
        lines += ["", "filter parameters (as in the dashboard's URL):"]
        lines += [f"  {key} = {value}" for key, values in params.items() for value in values]
    lines += [
        "",
        "CSV format: UTF-8 with a byte-order mark, comma-separated, header row first.",
        f"Cells holding several values are joined with '{LIST_SEPARATOR}'.",
        "Text cells that begin with = + - @ (or a tab or carriage return) are prefixed with an apostrophe",
        "so spreadsheet programs do not run them as formulas; the Parquet export keeps them unchanged.",
        "",
        "columns:",
    ]
    lines += [f"  {name}: {meaning}" for name, meaning in columns.items()]
    return "\n".join(lines) + "\n"


def write_parquet(frame: pl.DataFrame, prov: ExportProvenance) -> bytes:
    """Parquet bytes of the rows, unchanged and typed, with the provenance as key-value metadata."""
    buffer = io.BytesIO()
    metadata = {f"landscape.{key}": value for key, value in describe_provenance(prov).items()}
    frame.write_parquet(buffer, metadata=metadata)
    return buffer.getvalue()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


def name_export(prov: ExportProvenance, suffix: str) -> str:
    """File name carrying the data timestamp and the filters, e.g.
    car-autoimmune-trials_data-2026-11-01_target-CD19_status-open.csv (long filter sets are shortened
    and given a hash, so two different filter sets never share a name)."""
    return f"{EXPORT_STEM}_{name_data_and_filters(prov.data_timestamp, prov.filters)}{suffix}"


def name_data_and_filters(data_timestamp: str | None, filters: TrialFilters) -> str:
    """The part of every export's file name after its stem: data-<timestamp>_<filters or 'all'>."""
    data = _slug(data_timestamp or "unknown")[:20]
    params = filters.to_query_params()
    slug = "_".join(_slug(f"{key}-{'+'.join(values)}") for key, values in params.items()) or "all"
    if len(slug) > _MAX_SLUG:
        digest = hashlib.sha256(filters.describe().encode()).hexdigest()[:8]
        slug = slug[:_MAX_SLUG].rstrip("-_") + "-" + digest
    return f"data-{data}_{slug}"
