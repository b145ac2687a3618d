"""Target antigens of each trial's CAR construct, from antigen wording and named products."""

from __future__ import annotations

import polars as pl

from etl.classify.evidence import quote_term, select_evidence
from etl.classify.labels import UNDISCLOSED
from etl.classify.matching import find_terms
from etl.classify.texts import TIER_A_FIELDS, TIER_B_FIELDS
from etl.classify.vocabularies import load_antigens

# Registered conditions sometimes name the product ("CD19 CAR-T Cell Infusion"); they count as tier B.
TARGET_FIELDS = (*TIER_A_FIELDS, *TIER_B_FIELDS, "condition")
# Every co-medication mask match contains one of these words (see vocabularies.build_comedication_mask).
NO_TARGET_RULE = "no antigen or listed product in titles, interventions, summary, keywords or conditions"
MASK_HINT = r"(?i)anti|mab|(?-u:\b)ab|engager|(?-u:\b)bite"


def classify_targets(
    trials: pl.DataFrame, texts: pl.DataFrame, product_matches: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(nct_id, targets, target) per trial, the trial_targets side table, and target evidence.

    Antigens come from the best tier that names any: titles and intervention names (plus the
    products they name) first; descriptions, summary, keywords and conditions only when tier A
    names none.
    Antibody and drug mentions ("anti-CD20 monoclonal antibody") are masked first, so a
    co-medication never adds a target.
    """
    antigens = load_antigens()
    hits = pl.concat(
        [_find_antigen_mentions(texts), _expand_product_antigens(product_matches, antigens.caar_labels)]
    )
    best = hits.filter(pl.col("tier") == pl.col("tier").min().over("nct_id"))
    order = {label: rank for rank, label in enumerate(antigens.labels)}
    best = best.with_columns(
        pl.col("antigen").replace_strict(order, return_dtype=pl.Int32).alias("antigen_rank")
    )
    trial_targets = (
        best.group_by("nct_id", "antigen")
        .agg(pl.col("is_caar").first(), pl.col("antigen_rank").first())
        .sort("nct_id", "antigen_rank")
        .select("nct_id", "antigen", "is_caar")
    )
    per_trial = trial_targets.group_by("nct_id", maintain_order=True).agg(pl.col("antigen").alias("targets"))
    result = (
        trials.select("nct_id")
        .join(per_trial, on="nct_id", how="left")
        .with_columns(pl.col("targets").fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .with_columns(
            pl.when(pl.col("targets").list.len() > 0)
            .then(pl.col("targets").list.join("/"))
            .otherwise(pl.lit(UNDISCLOSED))
            .alias("target")
        )
    )
    evidence = pl.concat(
        [
            select_evidence(
                best.unique(["nct_id", "antigen", "field", "matched_term"], maintain_order=True),
                "target",
                pl.col("antigen"),
                pl.col("rule"),
                pl.col("matched_term"),
                pl.col("field"),
            ),
            select_evidence(
                result.filter(pl.col("targets").list.len() == 0),
                "target",
                pl.lit(UNDISCLOSED),
                pl.lit(NO_TARGET_RULE),
            ),
        ]
    )
    return result, trial_targets, evidence


def _find_antigen_mentions(texts: pl.DataFrame) -> pl.DataFrame:
    antigens = load_antigens()
    candidates = texts.filter(pl.col("field").is_in(TARGET_FIELDS))
    # The mask regex is costly; only texts with an antibody or drug word can need it.
    needs_mask = pl.col("text").str.contains(MASK_HINT)
    masked = pl.concat(
        [
            candidates.filter(~needs_mask),
            candidates.filter(needs_mask).with_columns(
                pl.col("text").str.replace_all(antigens.mask_pattern, " [antibody] ")
            ),
        ]
    )
    return find_terms(masked, antigens.matcher, TARGET_FIELDS).select(
        "nct_id",
        "field",
        "matched_term",
        "antigen",
        "is_caar",
        pl.when(pl.col("field").is_in(TIER_A_FIELDS)).then(0).otherwise(1).cast(pl.Int8).alias("tier"),
        (pl.lit("antigen named: ") + quote_term(pl.col("matched_term"))).alias("rule"),
    )


def _expand_product_antigens(product_matches: pl.DataFrame, caar_labels: frozenset[str]) -> pl.DataFrame:
    return (
        product_matches.explode("product_antigens")
        .filter(pl.col("product_antigens").is_not_null())
        .select(
            "nct_id",
            "field",
            "matched_term",
            pl.col("product_antigens").alias("antigen"),
            pl.col("product_antigens").is_in(list(caar_labels)).alias("is_caar"),
            "tier",
            (pl.lit("product ") + pl.col("product_name") + pl.lit(" targets it (products.csv)")).alias(
                "rule"
            ),
        )
    )
