"""Modality of each trial: construct and cell type first, then cell origin, never a guess."""

from __future__ import annotations

import polars as pl

from etl.classify.evidence import quote_term, select_evidence
from etl.classify.labels import (
    MODALITY_PRECEDENCE,
    MODALITY_UNCLEAR,
    ORIGIN_MODALITIES,
    SPECIAL_MODALITIES,
)
from etl.classify.matching import find_terms
from etl.classify.texts import TIER_A_FIELDS, TIER_B_FIELDS
from etl.classify.vocabularies import load_modalities

# A trial that says "CAR-T" but neither autologous, allogeneic nor in vivo (and names no listed
# product) is "CAR-T (unspecified)": most such academic trials are autologous, but the registry does
# not say so and the dashboard should not pretend it does. "unclear" means not even the cell type is
# stated (a product code with CAR wording only).

MODALITY_FIELDS = (*TIER_A_FIELDS, *TIER_B_FIELDS)
# "autologous/allogeneic haematopoietic stem cell transplantation" is about a transplant, not the CAR.
TRANSPLANT_MASK = (
    r"(?i)(?-u:\b)(?:autologous|allogeneic|allo)[\s\-]*(?:hematopoietic|haematopoietic|stem|bone[\s\-]marrow"
    r"|hsct|hct|sct|bmt|transplant\w*)"
)
# "in vivo CAR-T cell expansion" (or persistence, kinetics...) describes any CAR-T, not an in vivo CAR.
IN_VIVO_MASK = (
    r"(?i)(?-u:\b)in[\s\-]vivo\s+(?:car[\s\-]*t?[\s\-]*(?:cells?)?\s+)?(?:expansion|persistence|proliferation"
    r"|kinetics|amplification|activity|efficacy|survival|function|behaviou?r|tracking|monitoring|detection)"
    # ... and the same said the other way round: "the persistence and phenotype of CAR-T cells in vivo".
    r"|(?-u:\b)(?:expansion|persistence|proliferation|kinetics|amplification|phenotype|survival|activity"
    r"|function)\s+(?:[\w\-]+\s+){0,6}in[\s\-]vivo(?-u:\b)"
)


def classify_modality(
    trials: pl.DataFrame, texts: pl.DataFrame, product_matches: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nct_id, modality) per trial and the modality evidence.

    Signals fall in three classes tried in turn: construct/cell type (CAAR, Treg, γδ, NK, in vivo,
    mRNA), origin (allogeneic, autologous), plain T-cell CAR wording. Within the first class that
    has any signal, the best tier (titles and intervention names over summary) wins, then the
    precedence in labels.MODALITY_PRECEDENCE.
    """
    signals = pl.concat([find_modality_wording(texts), _product_signals(product_matches)])
    precedence = {label: rank for rank, label in enumerate(MODALITY_PRECEDENCE)}
    ranked = signals.with_columns(
        pl.when(pl.col("modality").is_in(list(SPECIAL_MODALITIES)))
        .then(0)
        .when(pl.col("modality").is_in(list(ORIGIN_MODALITIES)))
        .then(1)
        .otherwise(2)
        .cast(pl.Int8)
        .alias("signal_class"),
        pl.col("modality").replace_strict(precedence, return_dtype=pl.Int32).alias("precedence"),
    ).sort("nct_id", "signal_class", "tier", "precedence")
    chosen = ranked.unique("nct_id", keep="first", maintain_order=True).select("nct_id", "modality")
    supporting = ranked.join(chosen, on=["nct_id", "modality"], how="semi").unique(
        ["nct_id", "modality", "field", "matched_term"], maintain_order=True
    )
    result = (
        trials.select("nct_id")
        .join(chosen, on="nct_id", how="left")
        .with_columns(pl.col("modality").fill_null(MODALITY_UNCLEAR))
    )
    evidence = pl.concat(
        [
            select_evidence(
                supporting,
                "modality",
                pl.col("modality"),
                pl.col("rule"),
                pl.col("matched_term"),
                pl.col("field"),
            ),
            select_evidence(
                result.filter(pl.col("modality") == MODALITY_UNCLEAR),
                "modality",
                pl.lit(MODALITY_UNCLEAR),
                pl.lit("no wording on construct, cell type or origin, and no listed product with a modality"),
            ),
        ]
    )
    return result, evidence


def mask_origin_context(texts: pl.DataFrame) -> pl.DataFrame:
    """Modality fields with transplant and "in vivo expansion" wording masked (not the CAR's origin)."""
    return texts.filter(pl.col("field").is_in(MODALITY_FIELDS)).with_columns(
        pl.col("text")
        .str.replace_all(TRANSPLANT_MASK, " transplant")
        .str.replace_all(IN_VIVO_MASK, " in-body")
    )


def find_modality_wording(texts: pl.DataFrame) -> pl.DataFrame:
    """Modality wording in titles, interventions, summaries and descriptions (transplant and in vivo
    expansion wording masked), one row per match with its tier and rule."""
    masked = mask_origin_context(texts)
    found = find_terms(masked, load_modalities(), MODALITY_FIELDS).filter(
        (pl.col("scope") == "any") | pl.col("field").is_in(TIER_A_FIELDS)
    )
    return found.select(
        "nct_id",
        "field",
        "matched_term",
        "modality",
        pl.when(pl.col("field").is_in(TIER_A_FIELDS)).then(0).otherwise(1).cast(pl.Int8).alias("tier"),
        (pl.lit("wording ") + quote_term(pl.col("matched_term"))).alias("rule"),
    )


def _product_signals(product_matches: pl.DataFrame) -> pl.DataFrame:
    return product_matches.filter(pl.col("product_modality").is_not_null()).select(
        "nct_id",
        "field",
        "matched_term",
        pl.col("product_modality").alias("modality"),
        "tier",
        (pl.lit("product ") + pl.col("product_name") + pl.lit(" is this modality (products.csv)")).alias(
            "rule"
        ),
    )
