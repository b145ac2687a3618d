"""Trials -> eligibility_thresholds, eligibility_requirements and trial_age_limits (Polars)."""

from __future__ import annotations

import polars as pl

from etl.eligibility.curation import apply_curation
from etl.eligibility.measures import VOCABULARY, load_measures
from etl.eligibility.parser import iter_threshold_blocks
from etl.vocab import VocabularyError, load_vocabulary

THRESHOLD_SCHEMA: dict[str, pl.DataType] = {
    "nct_id": pl.String(),
    "threshold_order": pl.Int32(),
    "section": pl.String(),
    "measure": pl.String(),
    "op": pl.String(),
    "value": pl.Float64(),
    "value_high": pl.Float64(),
    "unit": pl.String(),
    "span": pl.String(),
    "source": pl.String(),
    # None, "alternative" (joined by "or" to a limit of another measure) or "exception" (a relaxed
    # limit for some patients only); both are kept here but left out of eligibility_requirements.
    "qualifier": pl.String(),
}
REQUIREMENT_SCHEMA: dict[str, pl.DataType] = {
    "nct_id": pl.String(),
    "measure": pl.String(),
    "unit": pl.String(),
    "min_value": pl.Float64(),
    "min_inclusive": pl.Boolean(),
    "max_value": pl.Float64(),
    "max_inclusive": pl.Boolean(),
    "n_thresholds": pl.Int32(),
    "source": pl.String(),
    "is_satisfiable": pl.Boolean(),
}
AGE_LIMIT_SCHEMA: dict[str, pl.DataType] = {
    "nct_id": pl.String(),
    "structured_min_age_years": pl.Float64(),
    "structured_max_age_years": pl.Float64(),
    "text_min_age_years": pl.Float64(),
    "text_max_age_years": pl.Float64(),
    "has_age_conflict": pl.Boolean(),
}
_BLOCK_COLUMNS = ("section", "measure", "op", "value", "value_high", "unit", "span", "qualifier")
_AGE_TOLERANCE = 0.01


def build_eligibility_tables(trials: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The three eligibility tables for a trials frame (nct_id, eligibility_criteria, min/max_age_years)."""
    thresholds = apply_curation(extract_thresholds(trials), trials.get_column("nct_id"))
    requirements = derive_requirements(thresholds)
    return {
        "eligibility_thresholds": thresholds,
        "eligibility_requirements": requirements,
        "trial_age_limits": derive_age_limits(trials, requirements),
    }


def extract_thresholds(trials: pl.DataFrame) -> pl.DataFrame:
    """Parser rows for every trial with criteria text, in trial order then text order.

    Each distinct text is parsed once, and each distinct line once (see parser.iter_threshold_blocks):
    the parser hands back one block of rows per line, each block becomes rows once, and a trial is
    just a list of block ids that Polars expands."""
    block_ids: dict[int, int] = {}
    kept: list[tuple] = []  # holds every block so no id() is reused while this runs
    block_columns: dict[str, list] = {name: [] for name in ("block_id", "row_in_block", *_BLOCK_COLUMNS)}
    text_blocks: dict[str, tuple[list[int], list[int]]] = {}
    trial_rows: list[int] = []
    trial_blocks: list[int] = []
    trial_offsets: list[int] = []
    texts = trials.get_column("eligibility_criteria").to_list()
    for trial_index, text in enumerate(texts):
        if not text:
            continue
        parsed = text_blocks.get(text)
        if parsed is None:
            parsed = text_blocks[text] = _register_blocks(text, block_ids, kept, block_columns)
        ids, offsets = parsed
        trial_rows.extend([trial_index] * len(ids))
        trial_blocks.extend(ids)
        trial_offsets.extend(offsets)
    if not trial_blocks:
        return pl.DataFrame(schema=THRESHOLD_SCHEMA)
    blocks = pl.DataFrame(
        block_columns,
        schema={
            "block_id": pl.Int64(),
            "row_in_block": pl.Int32(),
            **{n: THRESHOLD_SCHEMA[n] for n in _BLOCK_COLUMNS},
        },
    )
    order = pl.DataFrame(
        {"trial_index": trial_rows, "block_id": trial_blocks, "offset": trial_offsets},
        schema={"trial_index": pl.Int64(), "block_id": pl.Int64(), "offset": pl.Int32()},
    )
    rows = order.join(blocks, on="block_id", how="inner", maintain_order="left_right")
    nct_ids = trials.get_column("nct_id")
    return rows.select(
        nct_ids.gather(rows.get_column("trial_index")).alias("nct_id"),
        (pl.col("offset") + pl.col("row_in_block")).cast(pl.Int32).alias("threshold_order"),
        *[c for c in _BLOCK_COLUMNS if c != "qualifier"],
        pl.lit("extracted").alias("source"),
        "qualifier",
    ).cast(THRESHOLD_SCHEMA)


def _register_blocks(
    text: str, block_ids: dict[int, int], kept: list[tuple], columns: dict[str, list]
) -> tuple[list[int], list[int]]:
    """Block ids of one text with each block's first threshold_order; new blocks become rows."""
    ids: list[int] = []
    offsets: list[int] = []
    offset = 0
    for block in iter_threshold_blocks(text):
        block_id = block_ids.get(id(block))
        if block_id is None:
            block_id = block_ids[id(block)] = len(block_ids)
            kept.append(block)
            for position, row in enumerate(block):
                columns["block_id"].append(block_id)
                columns["row_in_block"].append(position)
                for name in _BLOCK_COLUMNS:
                    columns[name].append(getattr(row, name))
        ids.append(block_id)
        offsets.append(offset)
        offset += len(block)
    return ids, offsets


def derive_requirements(thresholds: pl.DataFrame) -> pl.DataFrame:
    """What each trial requires of a patient per measure: the tightest window of all its limits.

    An exclusion is turned around (exclusion 'eGFR < 30' requires eGFR >= 30). Exclusions of a
    single value or of a range do not make one window and are left out. So are alternatives ("eGFR
    ≥ 60 or creatinine ≤ 1.5 mg/dL": neither is required on its own) and exceptions ("≤ 5× ULN with
    liver involvement" relaxes the general limit for some patients only)."""
    if "qualifier" in thresholds.columns:
        thresholds = thresholds.filter(pl.col("qualifier").is_null())
    inclusion = pl.col("section") == "inclusion"
    op, value, high = pl.col("op"), pl.col("value"), pl.col("value_high")
    lower_inclusion = op.is_in([">=", ">", "==", "range"])
    upper_inclusion = op.is_in(["<=", "<", "==", "range"])
    bounds = thresholds.with_columns(
        pl.when(inclusion & lower_inclusion)
        .then(value)
        .when(~inclusion & op.is_in(["<", "<="]))
        .then(value)
        .alias("low"),
        pl.when(inclusion & lower_inclusion)
        .then(op != ">")
        .when(~inclusion & op.is_in(["<", "<="]))
        .then(op == "<")
        .alias("low_inclusive"),
        pl.when(inclusion & upper_inclusion)
        .then(pl.when(op == "range").then(high).otherwise(value))
        .when(~inclusion & op.is_in([">", ">="]))
        .then(value)
        .alias("high"),
        pl.when(inclusion & upper_inclusion)
        .then(op != "<")
        .when(~inclusion & op.is_in([">", ">="]))
        .then(op == ">")
        .alias("high_inclusive"),
    ).filter(pl.col("low").is_not_null() | pl.col("high").is_not_null())
    units = load_measures().measure_units
    keys = ["nct_id", "measure"]
    # Only plain aggregations inside group_by (fast on a million groups): the tightest value per
    # group comes from a window, and "is any limit at that value exclusive" is computed row-wise.
    bounds = bounds.with_columns(
        pl.col("low").max().over(keys).alias("min_value"),
        pl.col("high").min().over(keys).alias("max_value"),
    ).with_columns(
        ((pl.col("low") == pl.col("min_value")) & ~pl.col("low_inclusive")).alias("_min_open"),
        ((pl.col("high") == pl.col("max_value")) & ~pl.col("high_inclusive")).alias("_max_open"),
        (pl.col("source") == "extracted").alias("_extracted"),
        (pl.col("source") == "curated").alias("_curated"),
    )
    grouped = bounds.group_by(keys, maintain_order=True).agg(
        pl.col("min_value").first(),
        pl.col("_min_open").any(),
        pl.col("max_value").first(),
        pl.col("_max_open").any(),
        pl.len().cast(pl.Int32).alias("n_thresholds"),
        pl.col("_extracted").any(),
        pl.col("_curated").any(),
    )
    low, high_value = pl.col("min_value"), pl.col("max_value")
    min_inclusive = pl.when(low.is_null()).then(None).otherwise(~pl.col("_min_open"))
    max_inclusive = pl.when(high_value.is_null()).then(None).otherwise(~pl.col("_max_open"))
    return (
        grouped.with_columns(
            pl.col("measure").replace_strict(units, default=None, return_dtype=pl.String).alias("unit"),
            min_inclusive.alias("min_inclusive"),
            max_inclusive.alias("max_inclusive"),
            pl.when(pl.col("_extracted") & pl.col("_curated"))
            .then(pl.lit("extracted+curated"))
            .when(pl.col("_curated"))
            .then(pl.lit("curated"))
            .otherwise(pl.lit("extracted"))
            .alias("source"),
        )
        .with_columns(
            (
                low.is_null()
                | high_value.is_null()
                | (low < high_value)
                | ((low == high_value) & pl.col("min_inclusive") & pl.col("max_inclusive"))
            ).alias("is_satisfiable")
        )
        .select(REQUIREMENT_SCHEMA.keys())
        .cast(REQUIREMENT_SCHEMA)
    )


def derive_age_limits(trials: pl.DataFrame, requirements: pl.DataFrame) -> pl.DataFrame:
    """Registry age limits next to the ones the criteria text states, flagged when they disagree.

    A strict text bound matches the registry one year off ('< 65' vs a maximum of 64 years)."""
    ages = requirements.filter(pl.col("measure") == "age_years").select(
        "nct_id",
        pl.col("min_value").alias("text_min_age_years"),
        pl.col("min_inclusive").alias("_min_inclusive"),
        pl.col("max_value").alias("text_max_age_years"),
        pl.col("max_inclusive").alias("_max_inclusive"),
    )
    joined = trials.select(
        "nct_id",
        pl.col("min_age_years").cast(pl.Float64).alias("structured_min_age_years"),
        pl.col("max_age_years").cast(pl.Float64).alias("structured_max_age_years"),
    ).join(ages, on="nct_id", how="left", maintain_order="left")
    min_conflict = _disagrees("structured_min_age_years", "text_min_age_years", "_min_inclusive", 1.0)
    max_conflict = _disagrees("structured_max_age_years", "text_max_age_years", "_max_inclusive", -1.0)
    return (
        joined.with_columns((min_conflict | max_conflict).alias("has_age_conflict"))
        .select(AGE_LIMIT_SCHEMA.keys())
        .cast(AGE_LIMIT_SCHEMA)
    )


def _disagrees(structured: str, text: str, inclusive: str, strict_shift: float) -> pl.Expr:
    """True when both limits exist and differ (a strict text limit may sit one year off)."""
    same = (pl.col(structured) - pl.col(text)).abs() <= _AGE_TOLERANCE
    shifted = (pl.col(structured) - (pl.col(text) + strict_shift)).abs() <= _AGE_TOLERANCE
    agrees = same | (~pl.col(inclusive).fill_null(True) & shifted)
    both = pl.col(structured).is_not_null() & pl.col(text).is_not_null()
    return (both & ~agrees).fill_null(False)


def build_measure_table() -> pl.DataFrame:
    """(measure, unit, description, label): what each measure means and the short name the pages show,
    one row per measure in file order (the vocabulary's first row of each measure)."""
    frame = load_vocabulary(VOCABULARY, ("measure", "unit"))
    if "label" not in frame.columns:
        raise VocabularyError(f"{VOCABULARY}.csv: missing column 'label'")
    table = (
        frame.select("measure", "unit", pl.col("description").fill_null(pl.col("measure")), "label")
        .filter(~pl.col("measure").str.starts_with("_"))
        .unique("measure", keep="first", maintain_order=True)
    )
    unlabelled = table.filter(pl.col("label").is_null() | (pl.col("label") == ""))["measure"].to_list()
    if unlabelled:
        raise VocabularyError(f"{VOCABULARY}.csv: no label on the first row of {unlabelled}")
    return table
