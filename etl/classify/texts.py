"""One long table of every searchable trial text: (nct_id, field, item, text)."""

from __future__ import annotations

import polars as pl

from etl.classify.matching import normalize_text

TITLE_FIELDS = ("brief_title", "official_title", "acronym")
INTERVENTION_NAME_FIELDS = ("intervention_name", "intervention_other_name")
# Tier A: where a registry states what the trial gives (titles and intervention names).
# Tier B: where it may also discuss other products or background (descriptions, summary, keywords).
TIER_A_FIELDS = (*TITLE_FIELDS, *INTERVENTION_NAME_FIELDS)
TIER_B_FIELDS = (
    "intervention_description",
    "arm_description",
    "brief_summary",
    "detailed_description",
    "keyword",
)
CONDITION_FIELDS = ("condition", "mesh")

# Order in which evidence is reported and reasons are chosen: the plainest statement first.
EVIDENCE_FIELD_ORDER = (
    "brief_title",
    "official_title",
    "acronym",
    "intervention_name",
    "intervention_other_name",
    "keyword",
    "condition",
    "mesh",
    "intervention_description",
    "arm_description",
    "brief_summary",
    "detailed_description",
    "mesh_ancestor",
)
# Order in which condition entities are listed (the first is the primary one): the conditions as
# registered, then the titles, then MeSH terms and keywords.
CONDITION_FIELD_ORDER = ("condition", "brief_title", "official_title", "mesh", "keyword", "mesh_ancestor")

TEXT_SCHEMA = {"nct_id": pl.String, "field": pl.String, "item": pl.Int32, "text": pl.String}


def build_texts(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every text a rule may read, normalized, one row per (trial, field, item)."""
    trials = tables["trials"]
    single = [c for c in (*TITLE_FIELDS, "brief_summary", "detailed_description") if c in trials.columns]
    parts = [_frame_trial_field(trials, column) for column in single]
    lists = [("keywords", "keyword"), ("arm_descriptions", "arm_description")]
    parts.extend(
        trials.select("nct_id", pl.col(column).alias("text"))
        .explode("text")
        .with_columns(pl.int_range(pl.len()).over("nct_id").cast(pl.Int32).alias("item"))
        .select(pl.col("nct_id"), pl.lit(field).alias("field"), "item", "text")
        for column, field in lists
        if column in trials.columns
    )
    conditions = tables.get("trial_conditions")
    if conditions is not None and conditions.height:
        parts.append(
            conditions.select(
                "nct_id",
                pl.col("term_type").alias("field"),
                pl.col("term_order").cast(pl.Int32).alias("item"),
                pl.col("term").alias("text"),
            )
        )
    interventions = tables.get("trial_interventions")
    if interventions is not None and interventions.height:
        order = pl.col("intervention_order").cast(pl.Int32).alias("item")
        parts.append(
            interventions.select(
                "nct_id", pl.lit("intervention_name").alias("field"), order, pl.col("name").alias("text")
            )
        )
        parts.append(
            interventions.select(
                "nct_id",
                pl.lit("intervention_other_name").alias("field"),
                order,
                pl.col("other_names").alias("text"),
            ).explode("text")
        )
        parts.append(
            interventions.select(
                "nct_id",
                pl.lit("intervention_description").alias("field"),
                order,
                pl.col("description").alias("text"),
            )
        )
    texts = pl.concat([part.cast(TEXT_SCHEMA) for part in parts], how="vertical")  # type: ignore[arg-type]
    return texts.with_columns(normalize_text(pl.col("text")).alias("text")).filter(
        pl.col("text").is_not_null() & (pl.col("text") != "")
    )


def rank_field(order: tuple[str, ...], column: str = "field") -> pl.Expr:
    """The position of a field name in `order` (fields not listed come last)."""
    ranks = {field: rank for rank, field in enumerate(order)}
    return pl.col(column).replace_strict(ranks, default=len(ranks), return_dtype=pl.Int32)


def _frame_trial_field(trials: pl.DataFrame, column: str) -> pl.DataFrame:
    return trials.select(
        "nct_id",
        pl.lit(column).alias("field"),
        pl.lit(0, dtype=pl.Int32).alias("item"),
        pl.col(column).alias("text"),
    )
