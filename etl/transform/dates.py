"""Registry value parsing as Polars expressions: partial dates, ages, phases."""

from __future__ import annotations

import polars as pl

from etl.schema import PHASE_RANKS

# API v2 phase enums -> (display label, rank). Rank orders phases for sorting and "furthest phase".
PHASE_ENUM_LABELS: dict[str, str] = {
    "EARLY_PHASE1": "Early Phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not applicable",
}

# Ages are stated as "18 Years", "6 Months", "2 Weeks", "30 Days", "N/A".
_AGE_UNIT_YEARS: dict[str, float] = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}


def parse_partial_date(column: pl.Expr) -> pl.Expr:
    """'2024' -> 2024-01-01, '2024-05' -> 2024-05-01, '2024-05-17' as is; else null."""
    text = column.str.strip_chars()
    padded = (
        pl.when(text.str.contains(r"^\d{4}$"))
        .then(text + "-01-01")
        .when(text.str.contains(r"^\d{4}-\d{2}$"))
        .then(text + "-01")
        .when(text.str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(text)
    )
    return padded.str.to_date("%Y-%m-%d", strict=False)


def classify_date_precision(column: pl.Expr) -> pl.Expr:
    """'day', 'month' or 'year' for a registry date string, null when absent or unreadable."""
    text = column.str.strip_chars()
    return (
        pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(pl.lit("day"))
        .when(text.str.contains(r"^\d{4}-\d{2}$"))
        .then(pl.lit("month"))
        .when(text.str.contains(r"^\d{4}$"))
        .then(pl.lit("year"))
    )


def parse_age_years(column: pl.Expr) -> pl.Expr:
    """'18 Years' -> 18.0, '6 Months' -> 0.5; 'N/A' or garbage -> null."""
    parts = column.str.to_lowercase().str.extract_groups(
        r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$"
    )
    number = parts.struct.field("1").cast(pl.Float64, strict=False)
    factor = parts.struct.field("2").replace_strict(_AGE_UNIT_YEARS, default=None, return_dtype=pl.Float64)
    return (number * factor).round(2)


def label_phases(phases: pl.Expr) -> pl.Expr:
    """A phase list such as ['PHASE1', 'PHASE2'] -> 'Phase 1/2'; empty or null -> 'Not stated'."""
    labels = phases.list.eval(
        pl.element().replace_strict(PHASE_ENUM_LABELS, default=pl.element(), return_dtype=pl.String)
    ).list.sort()
    joined = labels.list.join("/").str.replace_all(r"/Phase ", "/")
    return pl.when(phases.is_null() | (phases.list.len() == 0)).then(pl.lit("Not stated")).otherwise(joined)


def rank_phase_label(label: pl.Expr) -> pl.Expr:
    """Sortable rank for a phase label; unknown labels sort with 'Not stated'."""
    return label.replace_strict(PHASE_RANKS, default=0, return_dtype=pl.Int8)
