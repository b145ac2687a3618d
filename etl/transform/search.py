"""One lowercase text per trial for the app's free-text search (built once here, not per query)."""

from __future__ import annotations

import polars as pl

_TRIAL_FIELDS = ("nct_id", "brief_title", "official_title", "acronym", "product_name", "target")


def add_search_text(
    trials: pl.DataFrame, interventions: pl.DataFrame, conditions: pl.DataFrame
) -> pl.DataFrame:
    """`trials` with `search_text`: ID, titles, acronym, product, target, interventions, conditions."""
    intervention_text = (
        interventions.select("nct_id", pl.concat_list(pl.col("name"), pl.col("other_names")).alias("words"))
        .explode("words")
        .group_by("nct_id")
        .agg(pl.col("words").drop_nulls().str.join(" ").alias("intervention_text"))
    )
    condition_text = (
        conditions.filter(pl.col("term_type") != "mesh_ancestor")
        .group_by("nct_id")
        .agg(pl.col("term").drop_nulls().str.join(" ").alias("condition_text"))
    )
    fields = [pl.col(c) for c in _TRIAL_FIELDS if c in trials.columns]
    return (
        trials.join(intervention_text, on="nct_id", how="left")
        .join(condition_text, on="nct_id", how="left")
        .with_columns(
            pl.concat_str(
                [*fields, pl.col("intervention_text"), pl.col("condition_text")],
                separator=" ",
                ignore_nulls=True,
            )
            .str.to_lowercase()
            .alias("search_text")
        )
        .drop("intervention_text", "condition_text")
    )
