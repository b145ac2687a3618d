"""Curated thresholds (data/curated/eligibility_thresholds.csv) applied over the parser's rows."""

from __future__ import annotations

import polars as pl

from etl.eligibility.measures import load_measures
from etl.eligibility.parser import OPS, SECTIONS
from etl.vocab import VocabularyError, load_curated

CURATED_FILE = "eligibility_thresholds"
REQUIRED_COLUMNS = ("nct_id", "action", "measure", "reason")
ACTIONS = ("add", "replace_measure", "drop_measure")
_VALUE_COLUMNS = ("section", "op", "value", "value_high", "unit", "span")


def load_curated_thresholds() -> pl.DataFrame:
    """The curated file, checked: known actions, measures, sections and operators; numeric values."""
    frame = load_curated(CURATED_FILE, REQUIRED_COLUMNS)
    for column in _VALUE_COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    measures = load_measures().measure_units
    problems = []
    for number, row in enumerate(frame.iter_rows(named=True), start=1):
        problems.extend(f"row {number}: {p}" for p in _check_row(row, measures))
    if problems:
        raise VocabularyError(f"{CURATED_FILE}.csv: " + "; ".join(problems))
    return frame.with_columns(
        pl.col("value").cast(pl.Float64),
        pl.col("value_high").cast(pl.Float64),
        pl.col("unit").fill_null(pl.col("measure").replace_strict(measures, default="")),
        pl.col("span").fill_null(""),
    )


def _check_row(row: dict, measures: dict[str, str]) -> list[str]:
    """What is wrong with one curated row (empty when nothing)."""
    problems = []
    if row["action"] not in ACTIONS:
        problems.append(f"action {row['action']!r} is not one of {ACTIONS}")
    if row["measure"] not in measures:
        problems.append(f"unknown measure {row['measure']!r}")
    if row["action"] == "drop_measure":
        return problems
    if row["section"] not in SECTIONS:
        problems.append(f"section {row['section']!r} is not inclusion or exclusion")
    if row["op"] not in OPS:
        problems.append(f"op {row['op']!r} is not one of {OPS}")
    try:
        value = float(row["value"])
        high = float(row["value_high"]) if row["value_high"] else None
    except (TypeError, ValueError):
        return [*problems, f"value {row['value']!r} / value_high {row['value_high']!r} is not a number"]
    if (row["op"] == "range") != (high is not None):
        problems.append("value_high is needed for op range and only for it")
    elif high is not None and high < value:
        problems.append("value_high is below value")
    return problems


def apply_curation(extracted: pl.DataFrame, nct_ids: pl.Series) -> pl.DataFrame:
    """Extracted rows with the curated file applied; curated rows are marked `curated`.

    Per row: `add` adds it (an extracted row equal to it - same section, measure, op and values -
    gives way, so a fact is not counted twice); `replace_measure` drops every extracted row of that
    trial and measure, then adds it (several such rows are all added); `drop_measure` drops every
    extracted row of that trial and measure (a parser mistake). Rows for trials not in the build
    are ignored."""
    curated = load_curated_thresholds().filter(pl.col("nct_id").is_in(nct_ids.implode()))
    if curated.height == 0:
        return extracted
    schema = extracted.schema
    cleared = curated.filter(pl.col("action") != "add").select("nct_id", "measure").unique()
    added = curated.filter(pl.col("action") != "drop_measure")
    same = ["nct_id", "section", "measure", "op", "value"]
    kept = extracted.join(cleared, on=["nct_id", "measure"], how="anti").join(
        added.select(*same, "value_high"), on=[*same, "value_high"], how="anti", nulls_equal=True
    )
    new_rows = (
        added.select(
            "nct_id",
            pl.lit(None, dtype=pl.Int32).alias("threshold_order"),
            "section",
            "measure",
            "op",
            "value",
            "value_high",
            "unit",
            "span",
            pl.lit("curated").alias("source"),
            pl.lit(None, dtype=pl.String).alias("qualifier"),
        )
        .select(list(schema))
        .cast(dict(schema))
    )
    return (
        pl.concat([kept, new_rows])
        .with_columns(pl.int_range(pl.len()).over("nct_id").alias("_row"))
        .sort("nct_id", pl.col("threshold_order").fill_null(1 << 30), "_row")
        .with_columns(pl.int_range(pl.len()).over("nct_id").cast(pl.Int32).alias("threshold_order"))
        .drop("_row")
    )
